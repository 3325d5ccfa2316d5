# The command's terminal: under a terminal, moat gives the command a
# pseudo-terminal of its own inside the sandbox and relays it, so an
# interactive shell behaves as outside (docs/architecture.md).  Driven by
# ptydrive.py, which types keys and reads the screen as a person would.

DRIVE="$(dirname "${BASH_SOURCE[0]}")/ptydrive.py"

drive() { # STEP... : run `moat run -- bash --norc -i` on a terminal, prompt "$ "
    OUT=$(python3 "$DRIVE" -- "$MOAT" run --setenv 'PS1=$ ' -- bash --norc --noprofile -i \
        ';;' "$@" 2>&1) && RC=0 || RC=$?
    echo "+ drive $* -> $RC"
    echo "$OUT" | tail -n 15
}

test_terminal_is_a_tty_of_the_sandbox() {
    drive 'expect:$ ' 'send:tty; echo END$?\n' 'expect:END0' 'send:exit 7\n'
    expect_eq "$RC" 7 "the shell's exit status"
    expect_contains "$OUT" "/dev/pts/0"
    expect_not_contains "$OUT" "not a tty"
    expect_not_contains "$OUT" "no job control"
}

test_ctrl_c_interrupts_the_foreground_command() {
    # bash abandons the rest of the line on Ctrl-C: the prompt comes back
    # at once, with the status of the interrupted command.
    drive 'expect:$ ' 'send:sleep 30\n' 'sleep:0.5' 'send:\x03' 'expect:$ ' \
        'send:echo after=$?\n' 'expect:after=130' 'send:exit\n'
    expect_eq "$RC" 0
}

# (bash keeps a job it last saw stopped in its table until it notices the
# end, a moment after the kill: the line waits for that, up to 5 s; a second
# `exit` leaves anyway, as it does for a person.)
test_ctrl_z_stops_and_job_control_works() {
    drive 'expect:$ ' 'send:sleep 30\n' 'sleep:0.5' 'send:\x1a' 'expect:Stopped' \
        'send:jobs; kill -9 %1; for i in $(seq 50); do [ -z "$(jobs -s)" ] && break; sleep 0.1; done; echo S=$(jobs -s | wc -l); echo K=done\n' \
        'expect:K=done' \
        'send:exit\n' 'sleep:0.3' 'send:exit\n'
    expect_contains "$OUT" "sleep 30"
    expect_contains "$OUT" "S=0" "the stopped job killed"
    expect_eq "$RC" 0
}

test_window_resize_reaches_the_command() {
    drive 'expect:$ ' 'send:stty size\n' 'expect:24 80' 'resize:40x132' 'sleep:0.3' \
        'send:stty size\n' 'expect:40 132' 'send:exit\n'
    expect_eq "$RC" 0
}

test_raw_mode_and_end_of_file() {
    # A program in raw mode gets each key at once (no line buffering);
    # cat ends at Ctrl-D.
    drive 'expect:$ ' \
        "send:python3 -c 'import sys,termios,tty; a=termios.tcgetattr(0); tty.setraw(0); c=sys.stdin.read(1); termios.tcsetattr(0,termios.TCSANOW,a); print(repr(c))'\\n" \
        'sleep:0.5' 'send:q' "expect:'q'" 'send:cat\n' 'sleep:0.3' 'send:abc\n' \
        'expect:abc' 'send:\x04' 'send:echo CAT=$?\n' 'expect:CAT=0' 'send:exit\n'
    expect_eq "$RC" 0
}

test_terminal_injection_reaches_nothing_outside() {
    OUT=$(python3 "$DRIVE" -- "$MOAT" run -- "$ATTACK" tiocsti ';;' 2>&1) || true
    expect_contains "$OUT" "EPERM"
}

test_no_pty_when_output_is_redirected() {
    OUT=$(python3 "$DRIVE" -- sh -c "$MOAT run -- tty > $WORK/out; cat $WORK/out" ';;' 2>&1) || true
    expect_contains "$OUT" "not a tty"
    OUT=$(python3 "$DRIVE" -- "$MOAT" run --no-pty -- tty ';;' 2>&1) || true
    expect_contains "$OUT" "not a tty"
    moat_run --pty -- tty
    expect_contains "$OUT" "/dev/pts/0" "--pty without a terminal"
}
