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
