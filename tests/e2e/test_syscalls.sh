# The syscall filter and privileges, attacked from inside: each attempt must
# fail with the errno our layer returns (EPERM from seccomp, ENOSYS for
# clone3), not because a tool was missing.

test_unix_socket_is_refused() {
    MOAT_OPTS=()
    attack unix-socket; expect_eq "$OUT" EPERM
    attack unix-socketpair; expect_eq "$OUT" ok "a socketpair reaches nothing outside"
    attack inet-socket; expect_eq "$OUT" ok "AF_INET still allowed"
}

test_allow_unix_sockets_lets_them_through() {
    MOAT_OPTS=(--allow-unix-sockets)
    attack unix-socket; expect_eq "$OUT" ok
    attack unix-socketpair; expect_eq "$OUT" ok
}

test_io_uring_bpf_userfaultfd_keyctl_are_refused() {
    MOAT_OPTS=()
    attack io-uring; expect_eq "$OUT" EPERM
    attack bpf; expect_eq "$OUT" EPERM
    attack userfaultfd; expect_eq "$OUT" EPERM
    attack keyctl; expect_eq "$OUT" EPERM
}

test_clone3_returns_enosys_so_libc_falls_back() {
    MOAT_OPTS=()
    attack clone3; expect_eq "$OUT" ENOSYS
    moat_run -c '/bin/true & wait'; expect_eq "$RC" 0
}

test_unshare_user_namespace_is_refused() {
    MOAT_OPTS=()
    attack unshare-user; expect_eq "$OUT" EPERM
    moat_run -- unshare -U true
    [ "$RC" != 0 ] || fail "unshare -U succeeded"
}

test_tiocsti_into_the_terminal_is_refused() {
    command -v script >/dev/null || fail "script(1) missing"
    # Under a real pty, as a user would run it: with the sandbox's own
    # terminal (the default there), and with the caller's (--no-pty).
    out=$(script -qec "$MOAT run -- $ATTACK tiocsti; $MOAT run -- $ATTACK tiocsti-high; \
        $MOAT run --no-pty -- $ATTACK tiocsti; $MOAT run --no-pty -- $ATTACK tiocsti-high" \
        /dev/null | tr -d '\r' | grep -o 'E[A-Z]*\|^ok')
    echo "$out"
    expect_eq "$(echo "$out" | tr '\n' ' ')" "EPERM EPERM EPERM EPERM "
}

test_init_cannot_be_killed_or_traced() {
    moat_run -c "$ATTACK kill 1 9; $ATTACK ptrace 1; sleep 0.2; echo alive"
    expect_eq "$RC" 0
    expect_contains "$OUT" alive
    expect_eq "$(echo "$OUT" | sed -n 2p)" EPERM "ptrace of init"
}

test_secret_from_setenv_is_not_readable_through_proc() {
    moat_run --setenv MOAT_TEST_SECRET=s3cr3t-9431 -c "
        $ATTACK read-environ 1
        for p in /proc/[0-9]*; do [ \"\$p\" = /proc/\$\$ ] && continue; cat \$p/cmdline 2>/dev/null; done | tr '\0' ' '
        echo; echo child=\$MOAT_TEST_SECRET"
    expect_eq "$RC" 0
    expect_eq "$(echo "$OUT" | sed -n 1p)" EACCES "reading /proc/1/environ"
    expect_not_contains "$(echo "$OUT" | sed -n 2p)" s3cr3t-9431 "other processes' cmdlines"
    expect_contains "$OUT" "child=s3cr3t-9431"
}

test_workload_has_no_capabilities_and_no_new_privs() {
    MOAT_OPTS=()
    attack caps
    expect_contains "$OUT" "CapEff:	0000000000000000"
    expect_contains "$OUT" "CapPrm:	0000000000000000"
    expect_contains "$OUT" "CapBnd:	0000000000000000"
    expect_contains "$OUT" "NoNewPrivs:	1"
    expect_contains "$OUT" "Seccomp:	2"
}

test_setuid_binary_does_not_gain_root() {
    # run_all.sh leaves a setuid-root copy of the attacker for the
    # unprivileged run; as root there is nothing to gain.
    [ -n "${ATTACK_SETUID:-}" ] || { need_root && return 0; fail "no setuid attacker staged"; }
    outside=$("$ATTACK_SETUID" getuid)
    expect_contains "$outside" "euid=0" "control: setuid works outside the sandbox"
    moat_run -- "$ATTACK_SETUID" getuid
    expect_eq "$OUT" "uid=$(id -u) euid=$(id -u)"
}
