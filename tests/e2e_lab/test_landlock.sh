# Landlock isolation's network in the dual-stack lab (docs/security.md,
# "Isolation modes"): without a network namespace the workload reaches the
# world only through moat's proxies on the host's loopback, with names the
# proxies resolve; a direct connection, to a name or an address, and DNS
# are refused.

test_dual_landlock_proxy_reaches_allowed_names_only() {
    SB_OPTS=(--isolation landlock --network proxy --allow-net dual.test)
    curl_in http://dual.test/
    expect_eq "$(last_line)" 200
    expect_contains "$OUT" "hello from"
    curl_in http://denied.test/
    expect_eq "$(last_line)" 403
    sb "${SB_OPTS[@]}" -c 'curl -sS --max-time 10 -x "$ALL_PROXY" http://dual.test:8080/'
    expect_eq "$RC" 0
    expect_contains "$OUT" "hello from" "SOCKS5 with the name resolved by the proxy"
}

test_dual_landlock_direct_connections_and_dns_are_refused() {
    SB_OPTS=(--isolation landlock --network proxy --allow-net dual.test --allow-net "$LAB_W4")
    sb "${SB_OPTS[@]}" -- curl -sS --noproxy '*' --max-time 5 "http://$LAB_W4/"
    expect_eq "$RC" 7 "curl: could not connect"
    expect_contains "$ERR" "refused connect $LAB_W4:80"
    sb "${SB_OPTS[@]}" -- curl -sS --noproxy '*' --max-time 5 "http://[$LAB_W6]/"
    expect_eq "$RC" 7 "curl over IPv6: could not connect"
    sb "${SB_OPTS[@]}" -- getent ahosts dual.test
    expect_eq "$RC" 2 "getent: the name does not resolve"
    expect_not_contains "$OUT" "$LAB_W4"
    sb "${SB_OPTS[@]}" -- dig +time=1 +tries=1 "@$LAB_DNS4" dual.test
    expect_not_contains "$OUT" "ANSWER SECTION"
}
