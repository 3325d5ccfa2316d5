#!/bin/bash
# Self-test of the test lab (tests/lab/lab.sh): brings up both variants and
# checks them from inside the host namespace with real clients (dig, curl,
# nc), as root and as uid 65534; then checks that every way a lab can end
# (down, trap, owner killed, lifetime, sweep after a crash) leaves nothing
# behind.  Prints "ok - ..." lines and ends with "lab: N passed, N failed".
# Needs root; talks only to lab addresses.
# shellcheck disable=SC2016,SC2030,SC2031  # quoted scripts; each lab subshell has its own LAB_ID
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source-path=SCRIPTDIR source=lab.sh
. ./lab.sh

RESULTS=$(mktemp)
SCRATCH=$(mktemp -d)
trap 'rm -rf "$RESULTS" "$SCRATCH"' EXIT

pass() { echo "ok - $1"; echo pass >> "$RESULTS"; }
fail() {
    echo "not ok - $1"
    [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'
    echo fail >> "$RESULTS"
}

# check DESC COMMAND...: COMMAND succeeds.
check() {
    local d=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}

# check_not DESC COMMAND...: COMMAND fails.
check_not() {
    local d=$1 out
    shift
    if out=$("$@" 2>&1); then fail "$d" "unexpectedly succeeded: $out"; else pass "$d"; fi
}

# check_out DESC WANT COMMAND...: COMMAND prints exactly WANT.
check_out() {
    local d=$1 want=$2 got
    shift 2
    got=$("$@" 2>&1) || true
    if [ "$got" = "$want" ]; then pass "$d"; else fail "$d" "want: $want"$'\n'"got:  $got"; fi
}

H() { lab_in_host "$@"; }
NOBODY() { lab_in_host_nobody "$@"; }

# Answers of the host's resolver (its resolv.conf), sorted, one line.
answers() { H dig +short +time=2 +tries=1 "$@" | sort | paste -sd' ' -; }
dns_status() { H dig +time=2 +tries=1 "$@" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }

curl_() { H curl -sS -m 5 --cacert "$LAB_CA" "$@"; }

tcp_echo() { # ADDR PORT
    printf 'echo-%s\n' "$2" | H nc -N -w 3 "$1" "$2"
}
udp_echo() { # ADDR PORT
    printf 'udp-%s\n' "$2" | H nc -u -w 1 "$1" "$2"
}

# Nothing of lab ID is left anywhere.
lab_gone() { # ID
    local id=$1 what=''
    ip netns list | grep -q "moatlab-$id-" && what="$what namespaces;"
    [ ! -e "/etc/netns/moatlab-$id-h" ] || what="$what /etc/netns;"
    [ ! -e "$LAB_ROOT/$id" ] || what="$what state dir;"
    [ -z "$(lab__pids_with "$LAB_ROOT/$id/")" ] || what="$what processes;"
    [ -z "$what" ] || { echo "left:$what"; return 1; }
}

wait_gone() { lab__wait "$2" lab_gone "$1"; }

# Every address in the namespace is loopback, link-local or documentation.
only_lab_addresses() { # NS
    local bad
    bad=$(ip -n "$1" -o addr show | awk '{print $4}' | grep -vE \
        '^(127\.0\.0\.1/8|::1/128|fe80:.*|198\.51\.100\.[0-9]+/[0-9]+|203\.0\.113\.[0-9]+/[0-9]+|2001:db8:[0-9a-f:]*/[0-9]+)$' || true)
    [ -z "$bad" ] || { echo "unexpected addresses: $bad"; return 1; }
}

# --- the dual-stack lab -------------------------------------------------------

dual_checks() {
    local a want
    check "host lo is up" host_lo_up
    check "host namespace has only lab addresses" only_lab_addresses "$LAB_HOST"
    check "world namespace has only lab addresses" only_lab_addresses "$LAB_WORLD"
    check_out "host routes: IPv4 default via world" "default via $LAB_GW4 dev to-world" default_route -4
    check_out "host routes: IPv6 default via world" "default via $LAB_GW6 dev to-world" default_route -6
    check_out "world has no default route" "" world_default_routes
    check_out "world forwards nothing" "0 0" lab_in_world bash -c \
        'echo $(cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding)'
    check_out "host resolv.conf points at the lab DNS" \
        "nameserver $LAB_DNS4 nameserver $LAB_DNS6" nameservers

    # DNS: every name, both types, through the host's resolv.conf.
    check_out "dig dual.test A" "$LAB_W4" answers dual.test A
    check_out "dig dual.test AAAA" "$LAB_W6" answers dual.test AAAA
    check_out "dig v4only.test A" "$LAB_V4ONLY" answers v4only.test A
    check_out "dig v4only.test AAAA is empty" "" answers v4only.test AAAA
    check_out "dig v6only.test A is empty" "" answers v6only.test A
    check_out "dig v6only.test AAAA" "$LAB_V6ONLY" answers v6only.test AAAA
    check_out "dig denied.test A" "$LAB_DENIED4" answers denied.test A
    check_out "dig denied.test AAAA" "$LAB_DENIED6" answers denied.test AAAA
    check_out "dig secret.denied.test A" "$LAB_DENIED4" answers secret.denied.test A
    check_out "dig cdn.test A (set A)" "$LAB_CDN4_A" answers cdn.test A
    check_out "dig cdn.test AAAA (set A)" "$LAB_CDN6_A" answers cdn.test AAAA
    check_out "dig a.wild.test A" "$LAB_WILD4" answers a.wild.test A
    check_out "dig b.wild.test AAAA" "$LAB_WILD6" answers b.wild.test AAAA
    check_out "dig alias.test is a CNAME to dual.test" "$LAB_W4 dual.test." answers alias.test A
    check_out "dig rebind-lo.test A is loopback" "127.0.0.1" answers rebind-lo.test A
    check_out "dig rebind-lo.test AAAA is loopback" "::1" answers rebind-lo.test AAAA
    check_out "dig rebind-meta.test A is the metadata address" "169.254.169.254" answers rebind-meta.test A
    check_out "unknown .test name is NXDOMAIN" NXDOMAIN dns_status nosuch.test A
    check_out "names outside .test are refused, never forwarded" REFUSED dns_status example.com A
    check "answers are authoritative" is_authoritative dual.test
    check_out "dig over IPv6 transport" "$LAB_W4" answers "@$LAB_DNS6" dual.test A
    check_out "dig over TCP" "$LAB_W6" answers +tcp dual.test AAAA
    check "TTLs are at most 2 s" ttls_short
    check "cdn.test answers rotate in order" cdn_order_rotates
    check_out "lab_cdn_rotate switches to set B" B lab_cdn_rotate
    check_out "cdn.test A after rotation" "$LAB_CDN4_B" answers cdn.test A
    check_out "cdn.test AAAA after rotation" "$LAB_CDN6_B" answers cdn.test AAAA
    check_out "lab_cdn_rotate A switches back" A lab_cdn_rotate A
    check_out "cdn.test A after rotating back" "$LAB_CDN4_A" answers cdn.test A

    # HTTP and HTTPS on both families.
    check_out "http dual.test over IPv4" "hello from $LAB_W4:80" curl_ -4 http://dual.test/
    check_out "http dual.test over IPv6" "hello from [$LAB_W6]:80" curl_ -6 http://dual.test/
    check_out "http :8080 over IPv4" "hello from $LAB_W4:8080" curl_ -4 http://dual.test:8080/
    check_out "http :8080 over IPv6" "hello from [$LAB_W6]:8080" curl_ -6 http://dual.test:8080/
    check_out "https dual.test over IPv4" "hello from $LAB_W4:443" curl_ -4 https://dual.test/
    check_out "https dual.test over IPv6" "hello from [$LAB_W6]:443" curl_ -6 https://dual.test/
    check_out "https to an IPv4 literal" "hello from $LAB_DENIED4:443" curl_ "https://$LAB_DENIED4/"
    check_out "https to an IPv6 literal" "hello from [$LAB_DENIED6]:443" curl_ "https://[$LAB_DENIED6]/"
    check_out "https a.wild.test (wildcard certificate)" "hello from $LAB_WILD4:443" curl_ -4 https://a.wild.test/
    check_out "https v4only.test" "hello from $LAB_V4ONLY:443" curl_ https://v4only.test/
    check_out "https v6only.test" "hello from [$LAB_V6ONLY]:443" curl_ https://v6only.test/
    want=""
    for a in $LAB_CDN4; do want="${want}hello from $a:80 "; done
    for a in $LAB_CDN6; do want="${want}hello from [$a]:80 "; done
    check_out "http to every cdn address" "${want% }" cdn_all
    check_out "https without the lab CA is refused (curl error 60)" 60 curl_status_no_ca
    check_out "http keep-alive reuses the connection" "1 0" keepalive_connects
    check_out "http /bytes/N over IPv4" 10000000 curl_ -4 -o /dev/null -w '%{size_download}' http://dual.test/bytes/10000000
    check_out "https /bytes/N over IPv6" 10000000 curl_ -6 -o /dev/null -w '%{size_download}' https://dual.test/bytes/10000000
    check_out "http /peer sees the host's IPv4 address" "$LAB_HOST4" curl_ -4 http://dual.test/peer
    check_out "http /peer sees the host's IPv6 address" "$LAB_HOST6" curl_ -6 http://dual.test/peer
    check_out "http POST /echo" "posted" curl_ --data-binary posted http://dual.test/echo
    head -c 300000 /dev/zero > "$SCRATCH/upload"
    check_out "https POST /echo of 300 kB (Expect: 100-continue)" 300000 \
        curl_ --data-binary "@$SCRATCH/upload" -o /dev/null -w '%{size_download}' https://dual.test/echo

    # Echo servers.
    for a in "$LAB_W4" "$LAB_W6"; do
        for p in 7 22 9000; do check_out "tcp echo $a port $p" "echo-$p" tcp_echo "$a" "$p"; done
        for p in 7 9000; do check_out "udp echo $a port $p" "udp-$p" udp_echo "$a" "$p"; done
    done
    check_not "a port nobody serves is refused" H nc -z -w 2 "$LAB_W4" 81

    # Unprivileged clients in the host namespace.
    check_out "uid 65534 runs curl https over IPv4" "hello from $LAB_W4:443" \
        NOBODY curl -sS -m 5 -4 --cacert "$LAB_CA" https://dual.test/
    check_out "uid 65534 runs curl https over IPv6" "hello from [$LAB_W6]:443" \
        NOBODY curl -sS -m 5 -6 --cacert "$LAB_CA" https://dual.test/
    check_out "uid 65534 resolves through resolv.conf" "$LAB_W6" NOBODY dig +short +time=2 dual.test AAAA
    check_out "uid 65534 uses getaddrinfo" "$LAB_V4ONLY" nobody_getaddrinfo v4only.test
    check_out "uid 65534 reaches udp echo" "udp-7" nobody_udp_echo "$LAB_W6" 7

    # Query and connection logs.
    check "lab_dns_reset" lab_dns_reset
    H dig +short +time=2 +tries=1 secret.denied.test TXT > /dev/null || true
    check "lab_dns_saw sees a query that was made" lab_dns_saw secret.denied.test
    check "lab_dns_saw matches the type" lab_dns_saw secret.denied.test TXT
    check_not "lab_dns_saw: other type not seen" lab_dns_saw secret.denied.test A
    check_not "lab_dns_saw: unasked name not seen" lab_dns_saw denied.test
    check_not "lab_dns_saw: no partial-name match" lab_dns_saw denied.test TXT
    check "lab_dns_queries lists it" dns_queries_have "query[TXT] secret.denied.test from $LAB_HOST4"
    check "lab_dns_reset forgets it" lab_dns_reset
    check_not "after reset, the query is not seen" lab_dns_saw secret.denied.test
    check "lab_server_reset" lab_server_reset
    tcp_echo "$LAB_V4ONLY" 9000 > /dev/null || true
    udp_echo "$LAB_DENIED6" 7 > /dev/null || true
    check "lab_server_saw sees a tcp connection" lab_server_saw "$LAB_V4ONLY" 9000
    check "lab_server_saw sees a udp datagram" lab_server_saw "$LAB_DENIED6" 7 udp
    check_not "lab_server_saw: other port not seen" lab_server_saw "$LAB_V4ONLY" 22
    check_not "lab_server_saw: tcp is not udp" lab_server_saw "$LAB_DENIED6" 7
}

default_route() { ip -n "$LAB_HOST" "$1" route show default | awk '{ print $1, $2, $3, $4, $5 }'; }
host_lo_up() { ip -n "$LAB_HOST" link show lo | grep 'UP,LOWER_UP' > /dev/null; }
world_default_routes() { ip -n "$LAB_WORLD" -4 route show default; ip -n "$LAB_WORLD" -6 route show default; }
nameservers() { H grep ^nameserver /etc/resolv.conf | paste -sd' ' -; }
is_authoritative() { H dig +time=2 +tries=1 "$1" A | grep 'flags: qr aa' > /dev/null; }
ttls_short() {
    H dig +noall +answer +time=2 +tries=1 cdn.test A cdn.test AAAA dual.test A a.wild.test A |
        awk '{ if ($2 > 2) bad = 1; n++ } END { exit (bad || n < 6) }'
}
cdn_order_rotates() {
    local firsts
    firsts=$(for _ in 1 2 3 4 5 6; do H dig +short +time=2 +tries=1 cdn.test A | head -n 1; done | sort -u | wc -l)
    [ "$firsts" -ge 2 ] || { echo "always the same first answer"; return 1; }
}
curl_status_no_ca() { local rc=0; H curl -s -m 5 -o /dev/null https://dual.test/ || rc=$?; echo "$rc"; }
keepalive_connects() {
    H curl -s -m 5 -o /dev/null -o /dev/null -w '%{num_connects}\n' http://dual.test/ http://dual.test/ | paste -sd' ' -
}
nobody_getaddrinfo() { NOBODY getent ahostsv4 "$1" | awk 'NR == 1 { print $1 }'; }
nobody_udp_echo() { printf 'udp-%s\n' "$2" | NOBODY nc -u -w 1 "$1" "$2"; }
dns_queries_have() { lab_dns_queries | grep -F "$1" > /dev/null; }

cdn_all() {
    local a out=''
    for a in $LAB_CDN4; do out="$out$(H curl -sS -m 5 "http://$a/") "; done
    for a in $LAB_CDN6; do out="$out$(H curl -sS -m 5 "http://[$a]/") "; done
    echo "${out% }"
}

# --- the lab without IPv6 in the host -------------------------------------

noipv6_checks() {
    check_out "LAB_HOST6 is empty" "" echo "$LAB_HOST6"
    check_out "host has no IPv6 address at all" "" ip -n "$LAB_HOST" -6 addr show
    check_out "host has IPv6 disabled" 1 H cat /proc/sys/net/ipv6/conf/all/disable_ipv6
    check_out "host resolv.conf lists only the IPv4 DNS" "nameserver $LAB_DNS4" H grep ^nameserver /etc/resolv.conf
    check "host namespace has only lab addresses" only_lab_addresses "$LAB_HOST"
    check_out "dig dual.test AAAA still answers (world is dual-stack)" "$LAB_W6" answers dual.test AAAA
    check_out "http dual.test falls back to IPv4" "hello from $LAB_W4:80" curl_ http://dual.test/
    check_out "https dual.test over IPv4" "hello from $LAB_W4:443" curl_ https://dual.test/
    check_not "IPv6 connect fails" curl_ -6 "http://[$LAB_W6]/"
    check_not "v6only.test is unreachable" curl_ http://v6only.test/
    check_out "tcp echo over IPv4" "echo-22" tcp_echo "$LAB_W4" 22
    check_out "udp echo over IPv4" "udp-7" udp_echo "$LAB_W4" 7
    check_out "uid 65534 runs curl https" "hello from $LAB_W4:443" \
        NOBODY curl -sS -m 5 --cacert "$LAB_CA" https://dual.test/
}

# --- run ---------------------------------------------------------------------

if [ "$(id -u)" != 0 ]; then
    echo "not ok - the lab self-test needs root"
    echo "lab: 0 passed, 1 failed"
    exit 1
fi
lab_sweep
mounts_before=$(sort /proc/self/mountinfo)
etc_netns_before=$([ -d /etc/netns ] && echo yes || echo no)

echo "== dual-stack lab"
(
    lab_trap
    if lab_up; then pass "lab up (dual-stack) as $LAB_ID"; else fail "lab up (dual-stack)"; exit 1; fi
    echo "$LAB_ID" > "$SCRATCH/dual.id"
    dual_checks

    echo "== lab without IPv6 in the host, while the first lab is up"
    (
        LAB_ID=
        lab_trap
        if lab_up --no-ipv6; then pass "lab up (--no-ipv6) as $LAB_ID"; else fail "lab up (--no-ipv6)"; exit 1; fi
        echo "$LAB_ID" > "$SCRATCH/v4.id"
        noipv6_checks
        check "lab_down (--no-ipv6)" lab_down
        check "nothing of the --no-ipv6 lab remains" lab_gone "$LAB_ID"
        LAB_ID=
    ) || fail "--no-ipv6 lab run"
    check_out "first lab still works after the second went" "hello from $LAB_W4:80" curl_ -4 http://dual.test/
    check "lab_sweep leaves a live lab alone" lab_sweep
    check_out "first lab still works after a sweep" "hello from [$LAB_W6]:80" curl_ -6 http://dual.test/
    check "lab_down (dual-stack)" lab_down
    check "nothing of the dual-stack lab remains" lab_gone "$LAB_ID"
    LAB_ID=
) || fail "dual-stack lab run"

echo "== every way a lab ends"
# lab_with: the lab is removed when the command fails.
lab_with bash -c 'echo "$LAB_ID" > "$0"; exit 3' "$SCRATCH/with.id" && rc=0 || rc=$?
check_out "lab_with passes the command's status on" 3 echo "$rc"
check "lab_with removed its lab" lab_gone "$(cat "$SCRATCH/with.id")"

# A test killed by SIGTERM: its trap removes the lab.
(
    lab_trap
    lab_up > /dev/null
    echo "$LAB_ID" > "$SCRATCH/term.id"
    sleep 60 &
    echo $! > "$SCRATCH/term.sleep"
    wait
) &
victim=$!
lab__wait 20 test -s "$SCRATCH/term.sleep" || true
kill -TERM "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
kill "$(cat "$SCRATCH/term.sleep")" 2>/dev/null || true
check "SIGTERM: the trap removed the lab" lab_gone "$(cat "$SCRATCH/term.id")"

# A test killed by SIGKILL: no trap runs; the reaper sees its owner die.
(
    lab_up > /dev/null
    echo "$LAB_ID" > "$SCRATCH/kill.id"
    sleep 60 &
    echo $! > "$SCRATCH/kill.sleep"
    wait
) &
victim=$!
disown "$victim"        # no "Killed" job notice
lab__wait 20 test -s "$SCRATCH/kill.sleep" || true
kill -KILL "$victim" 2>/dev/null || true
lab__wait 5 bash -c '! kill -0 "$0" 2>/dev/null' "$victim" || true
kill "$(cat "$SCRATCH/kill.sleep")" 2>/dev/null || true
check "SIGKILL: the reaper removed the lab within 10 s" wait_gone "$(cat "$SCRATCH/kill.id")" 10

# The command-line form, with a short lifetime and no owner.
env_out=$(bash ./lab.sh up --lifetime 3) && rc=0 || rc=$?
check_out "lab.sh up --lifetime 3" 0 echo "$rc"
id=$(echo "$env_out" | sed -n 's/^export LAB_ID=//p')
check_out "lab.sh up prints the environment" "export LAB_HOST=moatlab-$id-h" \
    bash -c "echo \"\$0\" | grep '^export LAB_HOST='" "$env_out"
check "its lab works" bash -c "eval \"\$0\"; ip netns exec \"\$LAB_HOST\" curl -sS -m 5 http://dual.test/" "$env_out"
check "the lab ends by itself after its lifetime" wait_gone "$id" 12

# A crashed run: the reaper was SIGKILLed too and the state directory lost.
env_out=$(bash ./lab.sh up)
id=$(echo "$env_out" | sed -n 's/^export LAB_ID=//p')
kill -KILL "$(cat "$LAB_ROOT/$id/reaper.pid")"
rm -rf "${LAB_ROOT:?}/$id"
check "crashed run leaves namespaces behind (precondition)" bash -c "ip netns list | grep -q moatlab-$id-h"
check "lab.sh sweep" bash ./lab.sh sweep
check "sweep removed the crashed run" lab_gone "$id"

# A crashed run whose lifetime has ended but whose reaper is gone.
env_out=$(bash ./lab.sh up)
id=$(echo "$env_out" | sed -n 's/^export LAB_ID=//p')
kill -KILL "$(cat "$LAB_ROOT/$id/reaper.pid")"
sed -i 's/^deadline=.*/deadline=1/' "$LAB_ROOT/$id/state"
check "lab.sh list marks it stale" bash -c "bash ./lab.sh list | grep -q '^$id .*(stale)'"
check "lab.sh sweep" bash ./lab.sh sweep
check "sweep removed the expired lab" lab_gone "$id"

echo "== host left as it was"
check_out "no lab namespace left" "" bash -c "ip netns list | grep moatlab- || true"
check_out "no lab process left" "" lab__pids_with "$LAB_ROOT/"
check_out "no /etc/netns/moatlab-* left" "" bash -c "ls -d /etc/netns/moatlab-* 2>/dev/null || true"
check_out "/etc/netns as before" "$etc_netns_before" bash -c "[ -d /etc/netns ] && echo yes || echo no"
check_out "no $LAB_ROOT left" "" bash -c "ls -d $LAB_ROOT 2>/dev/null || true"
check_out "mount table as before" "" diff <(echo "$mounts_before") <(sort /proc/self/mountinfo)

passed=$(grep -c '^pass$' "$RESULTS" || true)
failed=$(grep -c '^fail$' "$RESULTS" || true)
echo "lab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
