# A host side with IPv6 and no IPv4 (issue 14): no IPv4 address or route on its link, its
# resolver reached over IPv6.  Every mode starts; names are reached over IPv6; an IPv4-only
# client in firewall mode is carried to the name's IPv6 address; what only IPv4 could reach
# fails at once, saying so.

test_no4_every_mode_starts() {
    for mode in none proxy firewall host; do
        sb --network "$mode" -- true
        expect_eq "$RC" 0 "mode $mode"
    done
}

test_no4_dns_filter_forwards_over_ipv6() {
    sb --network proxy --allow-net dual.test -- dig +short +time=3 +tries=1 dual.test AAAA
    expect_eq "$OUT" "$LAB_W6"
}

test_no4_proxy_reaches_names_over_ipv6() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    curl_in http://dual.test/
    expect_eq "$(last_line)" 200
    expect_contains "$OUT" "hello from [$LAB_W6]:80"
}

test_no4_fw_ipv4_client_is_carried_over_ipv6() {
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/"; chmod a+r "$WORK/raw_client.py"
    # The sandbox keeps IPv4 (its loopback, moat's pool): the A answer is a pool address, and
    # moat dials the name in the family the host has.
    sb --network firewall --allow-net dual.test -- /usr/bin/python3 "$WORK/raw_client.py" dual.test 80 4
    expect_contains "$OUT" "hello from [$LAB_W6]:80"
    sb --network firewall --allow-net dual.test -- /usr/bin/python3 "$WORK/raw_client.py" dual.test 80 6
    expect_contains "$OUT" "hello from [$LAB_W6]:80"
}

test_no4_ipv4_only_destinations_fail_fast_and_say_why() {
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/"; chmod a+r "$WORK/raw_client.py"
    sb --network firewall --allow-net v4only.test --allow-net "$LAB_W4" -- \
        sh -c "/usr/bin/python3 $WORK/raw_client.py v4only.test 80 4; /usr/bin/python3 $WORK/raw_client.py $LAB_W4 80 4"
    case "$OUT" in "refused "*"refused "*) ;; *) fail "IPv4-only destinations: $OUT" ;; esac
    for ms in $(printf '%s\n' "$OUT" | awk '{ print int($NF) }'); do
        [ "$ms" -lt 1000 ] || fail "took $ms ms"
    done
    expect_contains "$ERR" "moat: blocked connection to v4only.test:80: no IPv6 address (IPv4 was not asked), and the host side has no IPv4 route"
    expect_contains "$ERR" "moat: blocked connection to $LAB_W4:80: an IPv4 address, and the host side has no IPv4 route"
    SB_OPTS=(--network proxy --allow-net "$LAB_W4")
    curl_in "http://$LAB_W4/"
    expect_eq "$(last_line)" 502
    expect_contains "$OUT" "an IPv4 address, and the host side has no IPv4 route"
}
