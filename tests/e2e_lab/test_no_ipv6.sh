# A host side without IPv6: AAAA answers are stripped, IPv6 destinations
# fail fast, IPv4 keeps working.

test_no6_allowed_name_uses_ipv4() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    curl_in http://dual.test/
    expect_eq "$(last_line)" 200
    expect_contains "$OUT" "hello from $LAB_W4:80"
}

test_no6_dns_strips_aaaa() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -c 'dig +short +time=3 dual.test AAAA; echo end'
    expect_eq "$OUT" end
}

test_no6_ipv6_only_name_fails_fast() {
    SB_OPTS=(--network proxy --allow-net v6only.test)
    start=$(date +%s%N)
    curl_in http://v6only.test/
    end=$(date +%s%N)
    case "$(last_line)" in 502|403) ;; *) fail "v6only: $(last_line)" ;; esac
    [ $(( (end - start) / 1000000 )) -lt 3000 ] || fail "took $(( (end - start) / 1000000 )) ms"
}

test_no6_fw_ipv4_works_and_ipv6_fails_fast() {
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/"; chmod a+r "$WORK/raw_client.py"
    SB_OPTS=(--network firewall --allow-net dual.test)
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 "$WORK/raw_client.py" dual.test 80 4
    expect_contains "$OUT" "hello from $LAB_W4:80"
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 "$WORK/raw_client.py" dual.test 80 6
    case "$OUT" in refused*) ;; *) fail "IPv6 without IPv6 on the host: $OUT" ;; esac
    ms=${OUT##* }; ms=${ms%.*}
    [ "$ms" -lt 1000 ] || fail "took $ms ms"
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 "$WORK/raw_client.py" dual.test 7 4 udp
    expect_contains "$OUT" " ping " "UDP over IPv4"
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 "$WORK/raw_client.py" dual.test 7 6 udp
    case "$OUT" in refused*) ;; *) fail "UDP over IPv6 without IPv6 on the host: $OUT" ;; esac
    ms=${OUT##* }; ms=${ms%.*}
    [ "$ms" -lt 1000 ] || fail "took $ms ms"
}
