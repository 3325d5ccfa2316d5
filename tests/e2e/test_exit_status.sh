# Exit statuses: the workload's own, 128+N for signals, and moat's reserved
# 124 (timeout), 125 (moat failed), 126 (not executable), 127 (not found).

test_exit_status_zero_passes_through() {
    moat_run -- true; expect_eq "$RC" 0
}

test_exit_status_one_passes_through() {
    moat_run -- false; expect_eq "$RC" 1
}

test_exit_status_seven_passes_through() {
    moat_run -c 'exit 7'; expect_eq "$RC" 7
}

test_exit_status_signal_is_128_plus_n() {
    moat_run -c 'kill -TERM $$'; expect_eq "$RC" 143
    moat_run -c 'kill -KILL $$'; expect_eq "$RC" 137
}

test_exit_status_timeout_is_124_and_kills_the_tree() {
    local start end
    start=$(date +%s%N)
    moat_run --timeout 0.5 -c '(sleep 313.21 &); sleep 30'
    end=$(date +%s%N)
    expect_eq "$RC" 124
    [ $(( (end - start) / 1000000 )) -lt 5000 ] || fail "timeout took $(( (end - start) / 1000000 )) ms"
    expect_no_process 'sleep 313.21'
}

test_exit_status_bad_policy_is_125_and_workload_never_starts() {
    printf '{ "filesystem": { "allowWrite": [ 42 ] } }\n' > bad.json
    moat_run --policy bad.json -- touch "$WORK/started"
    expect_eq "$RC" 125
    expect_contains "$ERR" "bad.json:1:"
    expect_contains "$ERR" 'allowWrite[0]'
    [ ! -e "$WORK/started" ] || fail "workload ran despite a bad policy"
}

test_exit_status_not_executable_is_126() {
    printf '#!/bin/sh\necho hi\n' > noexec.sh; chmod 644 noexec.sh
    moat_run -- "$WORK/noexec.sh"
    expect_eq "$RC" 126
    expect_contains "$ERR" "noexec.sh"
}

test_script_without_shebang_runs_through_sh() {
    # As execvp, env(1) and bwrap do: ENOEXEC -> /bin/sh FILE ARG..., the
    # script being $0; found through PATH as well as by path.
    mkdir bin
    printf 'echo "0=$0 1=$1 2=$2"\nexit 7\n' > bin/plain; chmod 755 bin/plain
    moat_run -- "$WORK/bin/plain" a 'b c'
    expect_eq "$RC" 7
    expect_eq "$OUT" "0=$WORK/bin/plain 1=a 2=b c"
    moat_run --setenv PATH="$WORK/bin:/usr/bin:/bin" -- plain x
    expect_eq "$RC" 7
    expect_eq "$OUT" "0=$WORK/bin/plain 1=x 2="
}

test_exit_status_not_found_is_127() {
    moat_run -- no-such-command-moat-test
    expect_eq "$RC" 127
    expect_contains "$ERR" "no-such-command-moat-test"
}

test_exit_status_workload_125_is_not_confused_with_setup() {
    # The workload's own 125 passes through; moat prints nothing of its own.
    moat_run -c 'exit 125'
    expect_eq "$RC" 125
    expect_eq "$ERR" ""
}
