# The host's DNS server down, slow, truncating or answering garbage (issue 14): moat's own
# resolv.conf (the host side's) points straight at tests/lab/odd_dns.py, or at a port where
# nothing listens.  Lookups end within a bounded time with the reason on moat's stderr and in
# the answer (an Extended DNS Error), and the sandbox keeps working for allowed literals.
# Bounds here are generous: before, each of these took glibc 24 s or more (four tries of
# 3 s per family) and said nothing.

dns_conf() { # NAME SERVER: $WORK/NAME.conf naming one server
    printf 'nameserver %s\n' "$2" > "$WORK/$1.conf"
}

# elapsed_ms COMMAND...: run COMMAND, set MS to how long it took.
elapsed_ms() {
    local t0
    t0=$(date +%s%N)
    "$@"
    MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    echo "took $MS ms"
}

dns_opts() { DNS_OPTS=(--network proxy --allow-net '*.odd.test' --allow-net dual.test --allow-net "$LAB_W4"); }

test_dual_dns_upstream_not_listening_fails_at_once_with_the_reason() {
    dns_opts
    dns_conf closed "$LAB_W4" # a server address with nothing on port 53: ICMP port unreachable
    elapsed_ms sb_resolv "$WORK/closed.conf" "${DNS_OPTS[@]}" -- \
        sh -c 'getent hosts dual.test; echo "getent=$?"; dig +tries=1 +time=8 dual.test A'
    expect_contains "$OUT" "getent=2" "getent on a resolver that is down"
    expect_contains "$OUT" "status: SERVFAIL"
    expect_contains "$OUT" "EDE: 23 (Network Error): (moat: the host's DNS server $LAB_W4 is unreachable (Connection refused)"
    expect_contains "$ERR" "moat: DNS lookup of dual.test failed: the host's DNS server $LAB_W4 is unreachable"
    [ "$MS" -lt 10000 ] || fail "took $MS ms"
}

test_dual_dns_upstream_silent_fails_in_bounded_time_with_the_reason() {
    dns_opts
    dns_conf odd "$LAB_ODD4"
    elapsed_ms sb_resolv "$WORK/odd.conf" "${DNS_OPTS[@]}" -- \
        sh -c 'getent hosts silent.odd.test; echo "getent=$?"'
    expect_contains "$OUT" "getent=2"
    expect_contains "$ERR" "moat: DNS lookup of silent.odd.test failed: no answer from the host's DNS server ($LAB_ODD4) in 3.0 s"
    # One wait of 3 s: glibc's retries of the same question get the remembered failure.
    [ "$MS" -lt 8000 ] || fail "took $MS ms"
    sb_resolv "$WORK/odd.conf" "${DNS_OPTS[@]}" -- dig +tries=1 +time=8 silent.odd.test AAAA
    expect_contains "$OUT" "EDE: 22 (No Reachable Authority): (moat: no answer from the host's DNS server ($LAB_ODD4) in 3.0 s"
}

test_dual_dns_upstream_slow_still_answers() {
    # Each answer comes 2 s late, after moat's first try gave up (1.5 s): it is still taken.
    dns_opts
    dns_conf odd "$LAB_ODD4"
    sb_resolv "$WORK/odd.conf" "${DNS_OPTS[@]}" -- getent ahosts slow.odd.test
    expect_contains "$OUT" "$LAB_W4"
    expect_contains "$OUT" "$LAB_W6"
    expect_not_contains "$ERR" "failed"
}

test_dual_dns_upstream_truncating_is_asked_again_over_tcp() {
    dns_opts
    dns_conf odd "$LAB_ODD4"
    sb_resolv "$WORK/odd.conf" "${DNS_OPTS[@]}" -- sh -c 'getent ahosts tc.odd.test; dig +tries=1 +time=8 tc.odd.test AAAA +short'
    expect_contains "$OUT" "$LAB_W4" "A over TCP after a truncated UDP answer"
    expect_contains "$OUT" "$LAB_W6" "AAAA over TCP after a truncated UDP answer"
    # The server truncates over UDP and hangs up over TCP.
    elapsed_ms sb_resolv "$WORK/odd.conf" "${DNS_OPTS[@]}" -- \
        sh -c 'getent hosts tc-notcp.odd.test; echo "getent=$?"; dig +tries=1 +time=8 tc-notcp.odd.test A'
    expect_contains "$OUT" "getent=2"
    expect_contains "$OUT" "EDE: 23 (Network Error): (moat: $LAB_ODD4 truncated its answer over UDP, and over TCP it closed the connection without an answer"
    expect_contains "$ERR" "moat: DNS lookup of tc-notcp.odd.test failed: $LAB_ODD4 truncated its answer over UDP"
    [ "$MS" -lt 8000 ] || fail "took $MS ms"
}

test_dual_dns_upstream_garbage_fails_at_once_with_the_reason() {
    dns_opts
    dns_conf odd "$LAB_ODD4"
    elapsed_ms sb_resolv "$WORK/odd.conf" "${DNS_OPTS[@]}" -- \
        sh -c 'getent hosts garbage.odd.test; echo "getent=$?"; dig +tries=1 +time=8 garbage.odd.test A'
    expect_contains "$OUT" "getent=2"
    expect_contains "$OUT" "EDE: 0 (Other): (moat: the host's DNS server sent an answer moat cannot use:"
    expect_contains "$ERR" "moat: DNS lookup of garbage.odd.test failed: the host's DNS server sent an answer moat cannot use"
    [ "$MS" -lt 8000 ] || fail "took $MS ms"
}

test_dual_dns_upstream_down_proxy_says_why_and_literals_still_work() {
    dns_opts
    dns_conf closed "$LAB_W4"
    # A name through the proxy: 502 with the reason, at once.
    elapsed_ms sb_resolv "$WORK/closed.conf" "${DNS_OPTS[@]}" -- \
        curl -sS --noproxy '' --max-time 10 -w '\n%{http_code}' http://dual.test/
    expect_eq "$(last_line)" 502
    expect_contains "$OUT" "the host's DNS server $LAB_W4 is unreachable"
    [ "$MS" -lt 8000 ] || fail "took $MS ms"
    # An allowed address needs no lookup.
    sb_resolv "$WORK/closed.conf" "${DNS_OPTS[@]}" -- \
        curl -sS --noproxy '' --max-time 10 -w '\n%{http_code}' "http://$LAB_W4/"
    expect_eq "$(last_line)" 200
    expect_contains "$OUT" "hello from $LAB_W4:80"
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/"; chmod a+r "$WORK/raw_client.py"
    sb_resolv "$WORK/closed.conf" --network firewall --allow-net "$LAB_W4" -- \
        /usr/bin/python3 "$WORK/raw_client.py" "$LAB_W4" 80 4
    expect_contains "$OUT" "hello from $LAB_W4:80" "firewall mode, an allowed literal"
}
