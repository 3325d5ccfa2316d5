# libmoat's spawn API through its public header (tests/e2e/api_client.c):
# pipes, kill, a caller's own event loop, violations, a pseudo-terminal and
# a failed exec, each from a single-threaded caller and from one that runs
# another thread (the sandbox is then made from a single-threaded helper).

api() { # ARGS...
    OUT=$("$API_CLIENT" "$@" 2>"$WORK/api.err") && RC=0 || RC=$?
    ERR=$(cat "$WORK/api.err")
    echo "+ api_client $* -> $RC; out=[$OUT] err=[$ERR]"
}

api_both() { # SCENARIO ARGS... : run it both ways; $OUT is the threaded run's
    api "$@"
    local single=$OUT
    api --threads "$@"
    expect_eq "$OUT" "$single" "with another thread running"
}

test_api_pipes_carry_stdin_stdout_stderr() {
    api_both pipes
    expect_contains "$OUT" "stdout out:hello"
    expect_contains "$OUT" "stderr err:hello"
    expect_contains "$OUT" "status 3"
}

test_api_kill_and_try_wait() {
    api_both kill
    expect_eq "$OUT" "$(printf 'running 0\nkill 0\nstatus 143\nkill after -3')"
}

test_api_callers_own_event_loop() {
    api_both trywait
    expect_eq "$OUT" "status 4 after few rounds"
}

test_api_violations_reach_the_callback() {
    mkdir -p "$WORK/w"
    api violation "$WORK/w"
    expect_contains "$OUT" '"kind":"file"'
    expect_contains "$OUT" "violations 1"
    api --threads violation "$WORK/w"
    expect_contains "$OUT" '"kind":"file"' "through the helper"
    expect_contains "$OUT" "violations 1"
    [ ! -e "$WORK/w/.bashrc" ] || fail ".bashrc was created"
}

test_api_pty_with_a_window_size() {
    api_both pty
    expect_contains "$OUT" "pty /dev/pts/0"
    expect_contains "$OUT" "33 99"
}

test_api_options_are_copied_when_set() {
    api_both options
    expect_eq "$OUT" "$(printf 'bad stdio -22\nstdout from-options\npassed fd\nstdin empty\nstatus 0')"
}

test_api_stdin_eof_reaches_each_of_two_sandboxes() {
    api_both stdin-eof
    expect_eq "$OUT" "$(printf 'first eof\nfirst status 0\nsecond running 0\nsecond eof\nsecond status 0')"
}

test_api_exec_failure_is_127_with_a_message() {
    api_both setup-error
    expect_eq "$OUT" "status 127: cannot execute /nonexistent/command: No such file or directory"
}

test_api_timed_out_tells_the_timeout_from_exit_124() {
    api_both timeout
    expect_eq "$OUT" "$(printf 'sleep 30: status 124 timed out 1\nexit 124: status 124 timed out 0')"
}

test_api_wait_started_makes_setup_failures_spawn_failures() {
    api_both wait-started
    expect_eq "$(echo "$OUT" | head -n 1)" \
        "spawn failed: cannot change to the working directory /nonexistent-moat-cwd in the sandbox: No such file or directory"
    expect_eq "$(echo "$OUT" | tail -n 1)" "status 5"
}

test_api_helper_serves_the_sandbox_without_polls() {
    api helper
    expect_eq "$OUT" "$(printf 'init gone before any poll 1\nstatus 124 timed out 1')"
}
