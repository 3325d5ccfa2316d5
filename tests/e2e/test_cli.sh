# The command line: check, doctor, help, version, option errors.

test_check_prints_the_effective_policy() {
    mkdir -p proj
    printf '{ "filesystem": { "allowWrite": [ "proj", "~/x" ] }, "process": { "timeout": 5 } }\n' > p.json
    RC=0; OUT=$("$MOAT" check p.json) || RC=$?
    expect_eq "$RC" 0
    expect_contains "$OUT" "\"$WORK/proj\""
    expect_contains "$OUT" "\"$HOME/x\""
    expect_contains "$OUT" '"mode": "none"'
    # The output is itself a valid policy.
    echo "$OUT" > effective.json
    "$MOAT" check effective.json > again.json
    diff <(echo "$OUT" | sed 's#"source": .*##') <(sed 's#"source": .*##' again.json) || fail "round trip differs"
}

test_check_rejects_unknown_keys_with_position() {
    printf '{\n  "filesystem": {\n    "allowWirte": []\n  }\n}\n' > p.json
    RC=0; ERR=$("$MOAT" check p.json 2>&1) || RC=$?
    expect_eq "$RC" 125
    expect_contains "$ERR" "p.json:3:5"
    expect_contains "$ERR" '$.filesystem.allowWirte'
    expect_contains "$ERR" allowWrite
}

test_check_rejects_duplicate_keys() {
    printf '{ "network": { "mode": "none", "mode": "host" } }\n' > p.json
    RC=0; ERR=$("$MOAT" check p.json 2>&1) || RC=$?
    expect_eq "$RC" 125
    expect_contains "$ERR" "duplicate"
}

test_unknown_option_is_125() {
    moat_run --no-such-option -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "no-such-option"
}

test_bad_testing_aid_values_are_125() {
    moat_run --debug-fakeip-lifetime 0 -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "--debug-fakeip-lifetime 0: expected seconds, 1 to 86400"
    moat_run --debug-disable-layer seccomp -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "expected landlock, mounts or guard"
}

test_help_and_version() {
    "$MOAT" --version | grep -q '^moat [0-9]'
    "$MOAT" run --help | grep -q -- '--allow-write'
}

# GNU conventions: help on stdout with status 0, for every command, either
# way round; --version after a command; usage errors on stderr with 125.
test_help_for_every_command_on_stdout_with_status_0() {
    local c out err rc
    for c in run check doctor connect mxc help; do
        for form in "help $c" "$c --help" "$c -h"; do
            rc=0
            # shellcheck disable=SC2086
            "$MOAT" $form > out 2> err || rc=$?
            out=$(cat out) err=$(cat err)
            expect_eq "$rc" 0 "moat $form status"
            expect_eq "$err" "" "moat $form stderr"
            expect_contains "$out" "Usage: moat $c" "moat $form"
        done
    done
    "$MOAT" help > out; expect_contains "$(cat out)" "moat doctor"
    # the same text either way
    "$MOAT" help check > a; "$MOAT" check --help > b; cmp a b || fail "help check != check --help"
    # --help wins wherever it is among check's arguments
    "$MOAT" check --format mxc --help > out; expect_contains "$(cat out)" "Usage: moat check"
}

test_version_after_a_command() {
    local v
    v=$("$MOAT" --version)
    expect_eq "$("$MOAT" run --version)" "$v"
    expect_eq "$("$MOAT" run --timeout 5 --version)" "$v"
    expect_eq "$("$MOAT" check --version)" "$v"
    expect_eq "$("$MOAT" doctor --version)" "$v"
    # after --, it is the command's argument, not moat's
    moat_run -- printf '%s\n' --version
    expect_eq "$OUT" --version
}

test_help_usage_errors_are_125_on_stderr() {
    local rc=0
    "$MOAT" help no-such-command > out 2> err || rc=$?
    expect_eq "$rc" 125
    expect_eq "$(cat out)" ""
    expect_contains "$(cat err)" "unknown command 'no-such-command'"
    rc=0; "$MOAT" doctor extra-argument > out 2> err || rc=$?
    expect_eq "$rc" 125
    expect_contains "$(cat err)" "doctor takes no arguments"
    rc=0; "$MOAT" no-such-command > out 2> err || rc=$?
    expect_eq "$rc" 125
    expect_contains "$(cat err)" "Usage: moat"
}

test_doctor_reports_each_feature() {
    RC=0; OUT=$("$MOAT" doctor) || RC=$?
    echo "$OUT"
    expect_eq "$RC" 0
    expect_contains "$OUT" "user namespaces"
    expect_contains "$OUT" "andlock"
    expect_contains "$OUT" "seccomp"
}

test_example_policy_runs() {
    "$MOAT" check "$EXAMPLES/policy.json" >/dev/null
    moat_run --policy "$EXAMPLES/policy.json" -- sh -c 'echo example-ok'
    expect_eq "$RC" 0; expect_eq "$OUT" example-ok
}

# --log, in every mode, and never a way for a sandbox to redirect moat's write
# (issue 9: a symlink planted by a previous run sent the log, with an
# attacker-chosen destination in it, into ~/.bashrc).
test_log_is_opened_in_every_mode_0600() {
    for mode in none host; do
        moat_run --network "$mode" --log "$WORK/$mode.json" -- true
        expect_eq "$RC" 0 "mode $mode"
        [ -f "$WORK/$mode.json" ] || fail "mode $mode: the log was not created"
        expect_eq "$(stat -c %a "$WORK/$mode.json")" 600 "mode $mode: the log's mode"
    done
}

test_log_never_follows_a_link_a_previous_run_planted() {
    mkdir -p tree home
    echo 'echo the real rc' > home/.bashrc
    local before
    before=$(cat home/.bashrc)
    # The previous run could write tree/ and left links there.
    moat_run --allow-write "$WORK/tree" -- sh -c "ln -s $WORK/home/.bashrc $WORK/tree/log.json; ln -s $WORK/home $WORK/tree/dir"
    expect_eq "$RC" 0
    for log in tree/log.json tree/dir/.bashrc; do
        moat_run --network proxy --log "$WORK/$log" -- true
        expect_eq "$RC" 125 "--log $log"
        expect_contains "$ERR" "symbolic link" "--log $log"
    done
    expect_eq "$(cat home/.bashrc)" "$before" "home/.bashrc"
    # And a log inside a tree this run may write is refused outright.
    moat_run --network proxy --allow-write "$WORK/tree" --log "$WORK/tree/new.json" -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "which the sandbox may write"
    moat_run --network proxy --allow-write "$WORK/tree" --log "tree/../tree/new.json" -- true
    expect_eq "$RC" 125
    [ ! -e tree/new.json ] || fail "a log was created in the writable tree"
}

test_log_dash_is_stderr_and_quiet_is_accepted() {
    moat_run --log - -- true
    expect_eq "$RC" 0
    [ ! -e ./- ] || fail "a file named - was created"
    moat_run --quiet -- true
    expect_eq "$RC" 0
    "$MOAT" run --help | grep -q -- "--quiet" || fail "--quiet not in moat run --help"
}
