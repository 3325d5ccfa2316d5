# process.memoryMax and process.pidsMax: a cgroup of the sandbox's own
# (cgroup v2 delegated, or v1 as root), in both isolations; where none can
# be made (uid 65534 on a machine whose controllers are v1) a clear refusal
# that names the key and what lifts it, and the command does not run.

limits_run() { # ISOLATION POLICY-JSON ARGS...
    local iso=$1 json=$2; shift 2
    printf '%s\n' "$json" > "$WORK/limits.json"
    moat_run --isolation "$iso" -p "$WORK/limits.json" "$@"
}

refused_for_want_of_a_cgroup() { # after limits_run: 0 when it was the refusal
    [ "$RC" = 125 ] || return 1
    expect_contains "$ERR" "needs a cgroup of the sandbox's own"
    expect_contains "$ERR" "to lift it:"
    return 0
}

fork_bomb_is_stopped() { # ISOLATION
    # The sleep starts before the bomb and the shell then only waits (a
    # builtin): a shell that had to fork once the bomb filled pidsMax would
    # end at once ("Cannot fork") instead of running into the timeout.
    limits_run "$1" '{"process": {"pidsMax": 32}}' --timeout 3 -c \
        "echo started; sleep 313.71 & b() { b | b & }; b; wait"
    if refused_for_want_of_a_cgroup; then
        expect_not_contains "$OUT" started "the command under a refused policy"
        return 0
    fi
    expect_eq "$RC" 124 "the bomb runs into the timeout"
    expect_contains "$ERR" "pidsMax:" "the notice"
    expect_contains "$ERR" "fork(s) of the command refused"
    expect_no_process 'sleep 313.71'
}

memory_hog_is_stopped() { # ISOLATION
    limits_run "$1" '{"process": {"memoryMax": "64M"}}' -- python3 -c \
        'print("started", flush=True); x = bytearray(256 * 1024 * 1024); print("allocated")'
    if refused_for_want_of_a_cgroup; then
        expect_not_contains "$OUT" started "the command under a refused policy"
        return 0
    fi
    expect_eq "$RC" 137 "killed by the kernel (SIGKILL)"
    expect_not_contains "$OUT" allocated
    expect_contains "$ERR" "memoryMax: the kernel killed"
}

test_limits_fork_bomb_under_pids_max() { fork_bomb_is_stopped namespaces; }
test_limits_fork_bomb_under_pids_max_landlock() { fork_bomb_is_stopped landlock; }
test_limits_memory_hog_under_memory_max() { memory_hog_is_stopped namespaces; }
test_limits_memory_hog_under_memory_max_landlock() { memory_hog_is_stopped landlock; }

test_limits_within_bounds_run_normally() {
    limits_run namespaces '{"process": {"pidsMax": 64, "memoryMax": "256M"}}' -c 'echo fine'
    refused_for_want_of_a_cgroup && return 0
    expect_eq "$RC" 0
    expect_eq "$OUT" fine
    expect_eq "$ERR" "" "no notice when no limit was hit"
}

test_limits_root_gets_a_cgroup_here() {
    # As root on this kind of machine the cgroup exists: assert it, so that a
    # change making root's runs refuse (or silently ignore) shows.
    [ "$ROOT_RUN" = 1 ] || return 0
    [ -d /sys/fs/cgroup/pids ] || [ -e /sys/fs/cgroup/cgroup.controllers ] || return 0
    limits_run namespaces '{"process": {"pidsMax": 8}}' -c 'echo ran'
    expect_eq "$RC" 0 "root may make a cgroup here"
    expect_eq "$OUT" ran
}
