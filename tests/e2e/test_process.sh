# Process lifecycle: orphans die with the workload, nothing survives a
# SIGKILL of moat, signals are forwarded, the environment is clean.

test_orphan_is_killed_when_the_workload_exits() {
    moat_run -c '(sleep 313.31 &); echo started'
    expect_eq "$OUT" started
    expect_no_process 'sleep 313.31'
}

test_sigkill_of_moat_leaves_no_process_behind() {
    "$MOAT" run -- "$ATTACK" sleep-forever moat-sigkill-mark & pid=$!
    wait_for_process 'sleep-forever moat-sigkill-mark'
    sleep 0.1
    kill -KILL "$pid"; wait "$pid" || true
    expect_no_process 'sleep-forever moat-sigkill-mark'
}

test_sigterm_is_forwarded_to_the_workload() {
    "$MOAT" run --allow-write "$WORK" -c 'trap "exit 42" TERM; touch ready; while :; do sleep 0.05; done' &
    pid=$!
    for _ in $(seq 200); do [ -e ready ] && break; sleep 0.05; done
    [ -e ready ] || fail "workload never became ready"
    kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
    expect_eq "$rc" 42
}

test_environment_is_clean_by_default() {
    export MOAT_TEST_LEAK=leaked MOAT_TEST_PASS=passed
    moat_run --pass-env MOAT_TEST_PASS --setenv MOAT_TEST_SET=set -- env
    expect_not_contains "$OUT" MOAT_TEST_LEAK
    expect_contains "$OUT" MOAT_TEST_PASS=passed
    expect_contains "$OUT" MOAT_TEST_SET=set
    expect_contains "$OUT" PATH=
    expect_contains "$OUT" HOME="$HOME"
}

test_ca_certificate_variables_pass_by_default() {
    # Behind a TLS-inspecting proxy, Node, Python, curl and git need these
    # to find the extra CA; the file they name must be readable inside.
    printf 'not really a certificate\n' > ca.pem
    export NODE_EXTRA_CA_CERTS="$WORK/ca.pem" SSL_CERT_FILE="$WORK/ca.pem" \
        SSL_CERT_DIR=/etc/ssl/certs REQUESTS_CA_BUNDLE="$WORK/ca.pem" \
        CURL_CA_BUNDLE="$WORK/ca.pem" GIT_SSL_CAINFO="$WORK/ca.pem" GIT_SSL_NO_VERIFY=1
    moat_run -c 'env; cat "$NODE_EXTRA_CA_CERTS"'
    expect_eq "$RC" 0
    for v in NODE_EXTRA_CA_CERTS SSL_CERT_FILE REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_SSL_CAINFO; do
        expect_contains "$OUT" "$v=$WORK/ca.pem"
    done
    expect_contains "$OUT" "SSL_CERT_DIR=/etc/ssl/certs"
    expect_contains "$OUT" "not really a certificate"
    expect_not_contains "$OUT" GIT_SSL_NO_VERIFY
}

test_rlimit_is_applied() {
    moat_run --rlimit nofile=64 -c 'ulimit -n'
    expect_eq "$OUT" 64
}

test_network_none_has_only_loopback_and_it_is_up() {
    moat_run -c 'ls /sys/class/net >/dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'
    expect_eq "$OUT" lo
    moat_run -c 'cat /sys/class/net/lo/operstate 2>/dev/null; grep -c "" /proc/net/if_inet6'
}

test_network_host_sees_the_hosts_interfaces() {
    host=$(tail -n +3 /proc/net/dev | wc -l)
    moat_run --network host -c 'tail -n +3 /proc/net/dev | wc -l'
    expect_eq "$OUT" "$host"
}

test_expose_with_host_network_is_refused() {
    moat_run --network host --expose 40001 -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "isolated network"
}

test_shell_command_runs_with_dash_c() {
    moat_run -c 'echo "$0" && echo a b | wc -w'
    expect_eq "$OUT" "/bin/sh
2"
}

# rss_drop PID: VmHWM - VmRSS of moat (KiB), read while its sandbox runs.
rss_drop() {
    awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { print h - r }' "/proc/$1/status"
}

test_start_up_pages_are_dropped_while_the_sandbox_runs() {
    # The code moat ran only to start leaves its resident set (src/cli/trim.h)
    # whether the supervisor is idle or kept busy (a proxy connection opened and
    # closed over and over: its events never leave it 200 ms of quiet).
    local busy='end=$((SECONDS + 3)); while [ $SECONDS -lt $end ]; do
        (exec 3<> /dev/tcp/127.0.0.1/3128) 2> /dev/null || true; done'
    for cmd in 'sleep 3' "$busy"; do
        "$MOAT" run --network proxy -- /bin/bash -c "$cmd" & pid=$!
        sleep 1.5
        drop=$(rss_drop "$pid")
        wait "$pid"
        [ "$drop" -ge 400 ] ||
            fail "moat's resident set is $drop KiB below its peak after 1.5 s of '$cmd'"
    done
}
