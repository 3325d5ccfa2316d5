# One verdict per destination (issue 10), in proxy and firewall mode alike:
# names whose other family fails upstream, names whose other family points
# at loopback, and every spelling of an address through every path.

test_dual_a_family_failing_upstream_does_not_refuse_the_name() {
    # odd.test (tests/lab/odd_dns.py): one family has dual.test's address,
    # the other is REFUSED, SERVFAIL or never answered upstream.
    SB_OPTS=(--network proxy --allow-net '*.odd.test')
    local name
    for name in aaaa-refused aaaa-servfail aaaa-silent; do
        curl_in "http://$name.odd.test/"
        expect_contains "$OUT" "hello from $LAB_W4:80" "proxy, $name"
    done
    for name in a-refused a-silent; do
        curl_in "http://$name.odd.test/"
        expect_contains "$OUT" "hello from [$LAB_W6]:80" "proxy, $name"
    done
    # A missing answer delays the other family's by at most a short bound,
    # not by the upstream timeout (1.5 s a try): loosely, under 1.2 s.
    sb "${SB_OPTS[@]}" -- curl -sS --noproxy '' --max-time 10 -o /dev/null -w '%{time_total}' \
        http://aaaa-silent.odd.test/
    awk -v t="$OUT" 'BEGIN { exit !(t < 1.2) }' || fail "waited $OUT s for the missing AAAA"
    # The sandbox's own resolver (glibc asks A and AAAA at once and waits for both) gets the
    # family that has addresses without waiting out the silent one: loosely, under 2 s
    # (glibc's own timeout is 5 s; it used to fail a-silent outright after 15).
    for mode in proxy firewall; do
        sb --network "$mode" --allow-net '*.odd.test' -- /usr/bin/python3 -c 'import socket, time
for n in ("aaaa-silent.odd.test", "a-silent.odd.test"):
    t = time.time()
    try:
        socket.getaddrinfo(n, 80, 0, socket.SOCK_STREAM)
        print(n, "resolved", round(time.time() - t, 1))
    except OSError as e:
        print(n, "failed", e)'
        for name in aaaa-silent a-silent; do
            line=$(echo "$OUT" | grep "^$name.odd.test ")
            case $line in *" resolved 0."*|*" resolved 1."*) ;; *) fail "$mode, getaddrinfo: $line" ;; esac
        done
    done
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/"; chmod a+r "$WORK/raw_client.py"
    SB_OPTS=(--network firewall --allow-net '*.odd.test')
    sb "${SB_OPTS[@]}" -c "c=$WORK/raw_client.py; /usr/bin/python3 \$c aaaa-refused.odd.test 80 4;
        /usr/bin/python3 \$c a-refused.odd.test 80 6; /usr/bin/python3 \$c aaaa-servfail.odd.test 80 4;
        /usr/bin/python3 \$c aaaa-silent.odd.test 80 4"
    expect_eq "$(echo "$OUT" | grep -c "^ok 198.18.* hello from $LAB_W4:80")" 3 "firewall, over IPv4"
    expect_contains "$OUT" "hello from [$LAB_W6]:80" "firewall, over IPv6"
}

test_dual_a_name_with_a_family_at_loopback_is_refused_in_every_mode() {
    # half-lo.test: A is dual.test's address, AAAA is ::1 (DNS rebinding).
    SB_OPTS=(--network proxy --allow-net half-lo.test --log "$WORK/violations.log")
    curl_in http://half-lo.test/
    expect_eq "$(last_line)" 403
    expect_contains "$OUT" "rebinding"
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/"; chmod a+r "$WORK/raw_client.py"
    SB_OPTS=(--network firewall --allow-net half-lo.test --log "$WORK/violations.log")
    raw half-lo.test 80 4
    case "$OUT" in refused*) ;; *) fail "firewall mode over IPv4: $OUT" ;; esac
    grep -q '"destination":"half-lo.test:80".*rebinding' violations.log ||
        fail "no log line for the refused name: $(cat violations.log)"
}

# Every spelling, every path: the table is checked as a whole.
SPELL_ALLOWED=198.51.100.11 # --allow-net 198.51.100.11 (v4only.test's server)
SPELL_DENIED=203.0.113.9    # in --allow-net 203.0.113.0/24, but --deny-net 203.0.113.9

spellings() { # ADDR: the spellings of an IPv4 address, "class=spelling" each
    local a=$1 hex
    # shellcheck disable=SC2086  # the four parts of the address, split on purpose
    hex=$(printf '%02x%02x:%02x%02x' ${a//./ })
    printf '%s\n' "dotted=$a" "mapped=::ffff:$a" "mapped-hex=::ffff:$hex" "compat=::$a" \
        "nat64=64:ff9b::$a" "6to4=2002:$hex::" "hex=0x${hex/:/}" \
        "decimal=$(( $(printf '0x%s' "${hex/:/}") ))"
}

# What the rule says (docs/network-rules.md): mapped and compatible spellings
# are the IPv4 address, as are the inet_aton ones; NAT64 and 6to4 unwrap for
# deny rules only.  An allowed address is reached in those spellings, a
# denied one in none.
spelling_expected() { # CASE CLASS
    case $1:$2 in
        allowed:nat64|allowed:6to4) echo refused ;;
        allowed:*) echo ok ;;
        denied:*) echo refused ;;
    esac
}

test_dual_every_spelling_through_every_path_gets_one_verdict() {
    cp "$(dirname "${BASH_SOURCE[0]}")/spelling_client.py" "$WORK/"; chmod a+r "$WORK/spelling_client.py"
    local rules=(--allow-net "$SPELL_ALLOWED" --allow-net 203.0.113.0/24 --deny-net "$SPELL_DENIED")
    local want='' got='' case addr path line cls sp targets
    for case in allowed denied; do
        if [ "$case" = allowed ]; then addr=$SPELL_ALLOWED; else addr=$SPELL_DENIED; fi
        targets=$(spellings "$addr" | cut -d= -f2 | tr '\n' ' ')
        for path in connect socks direct; do
            if [ "$path" = direct ]; then
                SB_OPTS=(--network firewall "${rules[@]}")
            else
                SB_OPTS=(--network proxy "${rules[@]}")
            fi
            # shellcheck disable=SC2086
            sb "${SB_OPTS[@]}" -- /usr/bin/python3 "$WORK/spelling_client.py" "$path" $targets
            while IFS='=' read -r cls sp; do
                want="$want$case $path $cls $(spelling_expected "$case" "$cls")"$'\n'
                line=$(echo "$OUT" | grep -m1 "^$sp " || true)
                got="$got$case $path $cls ${line#* }"$'\n'
            done < <(spellings "$addr")
        done
    done
    printf '%s' "$got" | column -t
    if [ "$want" != "$got" ]; then
        diff <(printf '%s' "$want") <(printf '%s' "$got")
        fail "the verdicts differ from the rule (want < > got)"
    fi
}
