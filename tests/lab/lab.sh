#!/bin/bash
# The moat test lab: two network namespaces per run, joined by a veth.
#   world  moatlab-ID-w  dual-stack servers (dnsmasq, HTTP, HTTPS, TCP/UDP echo)
#   host   moatlab-ID-h  where moat runs; default routes for both families into
#                        world, /etc/netns/moatlab-ID-h/resolv.conf -> lab DNS
# Only 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32 are ever configured;
# world has no route anywhere else and forwards nothing, so no packet can
# leave the two namespaces.  Every lab removes itself: lab_down (run it from
# a trap), a reaper process that downs the lab once its owner dies or its
# lifetime ends, and lab_sweep for anything a crashed run left behind.
#
# Library:  source tests/lab/lab.sh; lab_trap; lab_up [--no-ipv6 | --no-ipv4]; ...
#           or: lab_with [--no-ipv6 | --no-ipv4] COMMAND...   (runs COMMAND in a subshell)
# CLI:      eval "$(tests/lab/lab.sh up [--no-ipv6 | --no-ipv4] [--owner PID])"
#           tests/lab/lab.sh down ID | sweep | list | env
# See tests/lab/README.md for the address and name map.  Needs root.
#
# shellcheck disable=SC2034  # LAB_* are set here for the callers to use
# shellcheck disable=SC2016  # single-quoted scripts for bash -c / sed are meant

LAB_SH=$(readlink -f "${BASH_SOURCE[0]}")
LAB_SRC=${LAB_SH%/*}
LAB_ROOT=/run/moatlab           # one 0755 directory per lab: /run/moatlab/ID
LAB_LIFETIME=${LAB_LIFETIME:-1800}
LAB__HOST6=2001:db8:1::2        # host end of the veth, unless --no-ipv6
LAB__HOST4=198.51.100.2         # the same, unless --no-ipv4

# Names of everything lab_up exports (lab_env prints them).
LAB__VARS=(LAB_ID LAB_HOST LAB_WORLD LAB_DIR LAB_SH LAB_IPV6 LAB_IPV4 LAB_DEADLINE
    LAB_HOST4 LAB_HOST6 LAB_GW4 LAB_GW6 LAB_DNS4 LAB_DNS6
    LAB_W4 LAB_W6 LAB_V4ONLY LAB_V6ONLY LAB_DENIED4 LAB_DENIED6 LAB_WILD4 LAB_WILD6
    LAB_CDN4 LAB_CDN6 LAB_CDN4_A LAB_CDN4_B LAB_CDN6_A LAB_CDN6_B
    LAB_SLOW4 LAB_SLOW6 LAB_DELAY_MS LAB_ODD4 LAB_ODD6
    LAB_CA LAB_DNS_LOG LAB_CONN_LOG)

# --- the address map (one place; README.md documents it) ------------------

lab__map() {
    LAB_HOST4=198.51.100.2                              # host end of the veth
    LAB_GW4=198.51.100.1     LAB_GW6=2001:db8:1::1      # world end: default gateway
    LAB_DNS4=198.51.100.53   LAB_DNS6=2001:db8:1::53    # dnsmasq
    LAB_W4=198.51.100.10     LAB_W6=2001:db8:1::10      # dual.test
    LAB_V4ONLY=198.51.100.11 LAB_V6ONLY=2001:db8:1::12  # v4only.test, v6only.test
    LAB_DENIED4=203.0.113.9  LAB_DENIED6=2001:db8:2::9  # denied.test, secret.denied.test
    LAB_WILD4=198.51.100.30  LAB_WILD6=2001:db8:1::30   # *.wild.test
    LAB_CDN4_A="203.0.113.20 203.0.113.21"     LAB_CDN4_B="203.0.113.22 203.0.113.23"
    LAB_CDN6_A="2001:db8:3::20 2001:db8:3::21" LAB_CDN6_B="2001:db8:3::22 2001:db8:3::23"
    LAB_CDN4="$LAB_CDN4_A $LAB_CDN4_B" LAB_CDN6="$LAB_CDN6_A $LAB_CDN6_B"
    LAB_SLOW4=198.51.100.40  LAB_SLOW6=2001:db8:1::40   # slow.test: delay_relay.py to dual.test
    LAB_DELAY_MS=10                                      # per chunk, each way: RTT = 2 * this
    LAB_ODD4=198.51.100.54   LAB_ODD6=2001:db8:1::54    # odd_dns.py, for odd.test
}

lab__served4() { lab__map; echo "$LAB_W4 $LAB_V4ONLY $LAB_WILD4 $LAB_DENIED4 $LAB_CDN4"; }
lab__served6() { lab__map; echo "$LAB_W6 $LAB_V6ONLY $LAB_WILD6 $LAB_DENIED6 $LAB_CDN6"; }

# Names every TLS certificate covers (and the DNS zone defines).
LAB__TLS_NAMES="dual.test v4only.test v6only.test denied.test secret.denied.test cdn.test
    alias.test wild.test *.wild.test rebind-lo.test rebind-meta.test lab-ready.test slow.test
    half-lo.test *.odd.test"

# Set every LAB_* variable for lab ID (IPV6, IPV4 = 1 or 0; IPV4 defaults to 1).
lab__set_vars() {
    lab__map
    LAB_ID=$1 LAB_IPV6=$2 LAB_IPV4=${3:-1}
    LAB_HOST=moatlab-$1-h LAB_WORLD=moatlab-$1-w LAB_DIR=$LAB_ROOT/$1
    LAB_CA=$LAB_DIR/ca.pem LAB_DNS_LOG=$LAB_DIR/dns.log LAB_CONN_LOG=$LAB_DIR/conn.log
    LAB_DEADLINE=$(lab__state_get "$LAB_DIR" deadline)
    if [ "$2" = 1 ]; then LAB_HOST6=$LAB__HOST6; else LAB_HOST6=; fi
    if [ "$LAB_IPV4" = 1 ]; then LAB_HOST4=$LAB__HOST4; else LAB_HOST4=; fi
}

# --- small helpers ---------------------------------------------------------

lab__err() { echo "lab: $*" >&2; return 1; }

lab__valid_id() { [[ ${1:-} =~ ^[0-9a-f]{6}$ ]]; }

# lab__run WHAT COMMAND...: run COMMAND; on failure say what failed and why.
lab__run() {
    local what=$1 out
    shift
    out=$("$@" 2>&1) || { lab__err "$what failed: $* -> ${out:-no output}"; return 1; }
}

# lab__wait SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds
# or SECONDS (wall clock) have passed.
lab__wait() {
    local end=$(($(lab__now) + $1))
    shift
    until "$@"; do
        [ "$(lab__now)" -lt "$end" ] || return 1
        sleep 0.05
    done
}

lab__now() { printf '%(%s)T' -1; }

# Start time (clock ticks since boot) of PID; fails if it is gone or a zombie.
lab__proc_start() {
    local s
    { read -r s < "/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    [ "$1" != Z ] || return 1
    echo "${20}"
}

lab__proc_alive() { lab__proc_start "$1" >/dev/null; }

lab__state_get() { sed -n "s/^$2=//p" "$1/state" 2>/dev/null; }

# PIDs of processes whose command line contains STRING, except this shell
# and the calling (sub)shell.
lab__pids_with() {
    local f pid
    # shellcheck disable=SC2013  # /proc paths have no blanks
    for f in $(grep -laF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
        pid=${f#/proc/}
        pid=${pid%/cmdline}
        [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || [ "$pid" = "${LAB__SELF:-}" ] || echo "$pid"
    done
}

# TERM, then KILL, every PID given; wait until all are gone.
lab__kill() {
    local p left
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null || true
    for _ in $(seq 60); do
        left=()
        for p in "$@"; do lab__proc_alive "$p" && left+=("$p"); done
        [ ${#left[@]} -gt 0 ] || return 0
        sleep 0.05
    done
    kill -KILL "${left[@]}" 2>/dev/null || true
    for _ in $(seq 40); do
        left=()
        for p in "$@"; do lab__proc_alive "$p" && left+=("$p"); done
        [ ${#left[@]} -gt 0 ] || return 0
        sleep 0.05
    done
    lab__err "processes will not die: ${left[*]}"
}

lab__need_root() { [ "$(id -u)" = 0 ] || lab__err "the lab needs root (namespaces, port 53)"; }

lab__python() {
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi
}

lab__preflight() {
    local c missing=
    lab__need_root || return 1
    for c in ip dnsmasq openssl dig getent timeout setsid setpriv sysctl mountpoint; do
        command -v "$c" >/dev/null || missing="$missing $c"
    done
    [ -n "$(lab__python)" ] || missing="$missing python3"
    [ -z "$missing" ] || lab__err "missing commands:$missing (run scripts/deps.sh as root)"
}

# Make LAB_* describe the lab named by $LAB_ID (set by lab_up or by the
# exported environment of `lab.sh up`).
lab__need_lab() {
    lab__valid_id "${LAB_ID:-}" || { lab__err "no lab: LAB_ID is unset (run lab_up first)"; return 2; }
    [ -d "$LAB_ROOT/$LAB_ID" ] || { lab__err "lab $LAB_ID is not up"; return 2; }
    lab__set_vars "$LAB_ID" "$(lab__state_get "$LAB_ROOT/$LAB_ID" ipv6)" \
        "$(lab__state_get "$LAB_ROOT/$LAB_ID" ipv4)"
}

lab_env() {
    local v
    for v in "${LAB__VARS[@]}"; do printf 'export %s=%q\n' "$v" "${!v-}"; done
}

# --- bringing a lab up -----------------------------------------------------

lab__alloc_id() {
    local id
    for _ in $(seq 50); do
        mkdir -p "$LAB_ROOT" && chmod 0755 "$LAB_ROOT" || return 1
        id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
        [ -e "/run/netns/moatlab-$id-h" ] || [ -e "/run/netns/moatlab-$id-w" ] && continue
        mkdir -m 0755 "$LAB_ROOT/$id" 2>/dev/null && { echo "$id"; return 0; }
    done
    lab__err "cannot allocate a lab id under $LAB_ROOT"
}

lab__write_state() { # DIR OWNER OWNER_START DEADLINE IPV6 [IPV4]
    printf 'owner=%s\nowner_start=%s\ndeadline=%s\nipv6=%s\nipv4=%s\n' "$2" "$3" "$4" "$5" \
        "${6:-1}" > "$1/state.new" &&
        mv -f "$1/state.new" "$1/state"
}

lab__make_certs() { # DIR
    local d=$1 san='' n a
    for n in $LAB__TLS_NAMES; do san="${san:+$san,}DNS:$n"; done
    for a in $(lab__served4) $(lab__served6); do san="$san,IP:$a"; done
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=$san" > "$d/cert.ext"
    lab__run "making the lab CA" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -days 2 -subj "/CN=moat test lab CA ${d##*/}" -keyout "$d/ca.key" -out "$d/ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign || return 1
    lab__run "making the server key" openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -subj /CN=dual.test -keyout "$d/key.pem" -out "$d/cert.csr" || return 1
    lab__run "signing the server certificate" openssl x509 -req -in "$d/cert.csr" -CA "$d/ca.pem" \
        -CAkey "$d/ca.key" -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 2 \
        -extfile "$d/cert.ext" -out "$d/cert.pem" || return 1
    chmod 0600 "$d/ca.key" "$d/key.pem" && chmod 0644 "$d/ca.pem" "$d/cert.pem"
}

lab__write_cdn_hosts() { # DIR A|B
    local set4 set6 a
    lab__map
    if [ "$2" = A ]; then set4=$LAB_CDN4_A set6=$LAB_CDN6_A; else set4=$LAB_CDN4_B set6=$LAB_CDN6_B; fi
    { for a in $set4 $set6; do echo "$a cdn.test"; done; } > "$1/cdn.hosts.new" &&
        chmod 0644 "$1/cdn.hosts.new" && mv -f "$1/cdn.hosts.new" "$1/cdn.hosts" &&
        echo "$2" > "$1/cdn.set"
}

lab__write_dnsmasq_conf() { # DIR
    local d=$1
    lab__map
    # Authoritative for .test only: no upstream, no /etc/hosts, and anything
    # outside .test is refused, so no query is ever forwarded anywhere.
    cat > "$d/dnsmasq.conf" <<EOF
# moat test lab ${d##*/}: generated by tests/lab/lab.sh
port=53
listen-address=$LAB_DNS4
listen-address=$LAB_DNS6
bind-interfaces
no-resolv
no-hosts
no-poll
local=/test/
log-queries
log-facility=$d/dns.log
pid-file=$d/dnsmasq.pid
user=root
group=root
local-ttl=2
neg-ttl=2
addn-hosts=$d/cdn.hosts
addn-hosts=$d/big.hosts
host-record=lab-ready.test,$LAB_W4,$LAB_W6
host-record=dual.test,$LAB_W4,$LAB_W6
host-record=v4only.test,$LAB_V4ONLY
host-record=v6only.test,$LAB_V6ONLY
host-record=denied.test,$LAB_DENIED4,$LAB_DENIED6
host-record=secret.denied.test,$LAB_DENIED4,$LAB_DENIED6
host-record=rebind-lo.test,127.0.0.1,::1
host-record=rebind-meta.test,169.254.169.254
host-record=half-lo.test,$LAB_W4,::1
host-record=slow.test,$LAB_SLOW4,$LAB_SLOW6
server=/odd.test/$LAB_ODD4
address=/wild.test/$LAB_WILD4
address=/wild.test/$LAB_WILD6
cname=alias.test,dual.test
EOF
    # big.test: 60 AAAA records (~1.7 KB), an answer too large for UDP's
    # 1232 octets (TC, then TCP) but within moat's 64-record bound.
    local i
    for i in $(seq 1 60); do printf '2001:db8:4::%x big.test\n' "$i"; done > "$d/big.hosts"
}

lab__tcp_echo_ok() { # NS ADDR PORT
    ip netns exec "$1" timeout 5 bash -c \
        'exec 3<>"/dev/tcp/$1/$2" && printf "lab-probe\n" >&3 && IFS= read -r l <&3 && [ "$l" = lab-probe ]' \
        lab-probe "$2" "$3" 2>/dev/null
}

lab__getent_has() { # NS NAME ADDR: the host's resolver (its resolv.conf) answers NAME with ADDR
    ip netns exec "$1" getent ahosts "$2" 2>/dev/null | grep "^$3 " > /dev/null
}

lab__dig_has() { # NS SERVER NAME TYPE ADDR
    ip netns exec "$1" dig +short +time=1 +tries=1 "@$2" "$3" "$4" 2>/dev/null | grep -x "$5" > /dev/null
}

lab__build() { # ID IPV6 OWNER LIFETIME [IPV4]
    local id=$1 ipv6=$2 owner=$3 lifetime=$4 ipv4=${5:-1}
    local d=$LAB_ROOT/$id h=moatlab-$id-h w=moatlab-$id-w ostart=none py a
    lab__map
    if [ "$owner" != none ]; then
        ostart=$(lab__proc_start "$owner") || { lab__err "owner process $owner is not alive"; return 1; }
    fi
    # The lifetime counts from when the lab is ready; building it gets two
    # minutes on top.
    lab__write_state "$d" "$owner" "$ostart" $(($(lab__now) + lifetime + 120)) "$ipv6" "$ipv4" || return 1

    # The reaper downs the lab when the owner dies or the lifetime ends,
    # even if the owner was SIGKILLed.  Double fork: not our child.
    (setsid bash "$LAB_SH" _reap "$d/" < /dev/null > /dev/null 2>&1 &)

    # Leave the host as we found it: remember what `ip netns add` and
    # /etc/netns/ create the first time, so the last lab_down removes it.
    [ -d /run/netns ] || : > "$LAB_ROOT/.made-run-netns"
    mountpoint -q /run/netns 2>/dev/null || : > "$LAB_ROOT/.mounted-run-netns"
    [ -d /etc/netns ] || : > "$LAB_ROOT/.made-etc-netns"

    lab__run "creating namespace $h" ip netns add "$h" || return 1
    lab__run "creating namespace $w" ip netns add "$w" || return 1

    # Neither namespace forwards; DAD off so addresses work at once.
    local common=(net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
        net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0)
    # World sends every ICMP error it owes (no rate limit): a test that asks a port where
    # nothing listens twice in a second sees two "port unreachable", not one and a timeout.
    lab__run "world sysctls" ip netns exec "$w" sysctl -qw "${common[@]}" \
        net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 || return 1
    # Unprivileged ICMP echo sockets, as on a typical desktop: a workload
    # running as uid 65534 can try ping too.
    common+=("net.ipv4.ping_group_range=0 2147483647")
    if [ "$ipv6" = 0 ]; then
        common+=(net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
            net.ipv6.conf.lo.disable_ipv6=1)
    fi
    lab__run "host sysctls" ip netns exec "$h" sysctl -qw "${common[@]}" || return 1

    # The veth is created directly inside the two namespaces: it never
    # exists in the caller's namespace.
    lab__run "creating the veth" ip link add name to-world netns "$h" type veth \
        peer name to-host netns "$w" || return 1
    lab__run "host links up" ip -n "$h" -batch - <<< $'link set lo up\nlink set to-world up' || return 1
    lab__run "world links up" ip -n "$w" -batch - <<< $'link set lo up\nlink set to-host up' || return 1
    {
        echo "addr add $LAB_GW4/24 dev to-host"
        echo "addr add $LAB_GW6/64 dev to-host nodad"
        for a in $LAB_DNS4 $LAB_SLOW4 $LAB_ODD4 $(lab__served4); do echo "addr add $a/32 dev to-host"; done
        for a in $LAB_DNS6 $LAB_SLOW6 $LAB_ODD6 $(lab__served6); do echo "addr add $a/128 dev to-host nodad"; done
    } > "$d/world.ip"
    lab__run "world addresses" ip -n "$w" -batch "$d/world.ip" || return 1
    {
        if [ "$ipv4" = 1 ]; then
            echo "addr add $LAB__HOST4/24 dev to-world"
            echo "route add default via $LAB_GW4"
        fi
        if [ "$ipv6" = 1 ]; then
            echo "addr add $LAB__HOST6/64 dev to-world nodad"
            echo "route add default via $LAB_GW6"
        fi
    } > "$d/host.ip"
    lab__run "host addresses and routes" ip -n "$h" -batch "$d/host.ip" || return 1

    # The host namespace's resolver: `ip netns exec` bind-mounts this file
    # over /etc/resolv.conf.  World-readable for uid 65534.
    if [ ! -d /etc/netns ]; then mkdir -m 0755 /etc/netns || return 1; fi
    mkdir -m 0755 "/etc/netns/$h" || return 1
    {
        echo "# moat test lab $id"
        [ "$ipv4" = 0 ] || echo "nameserver $LAB_DNS4"
        [ "$ipv6" = 0 ] || echo "nameserver $LAB_DNS6"
        echo "options timeout:2 attempts:2"
    } > "/etc/netns/$h/resolv.conf" && chmod 0644 "/etc/netns/$h/resolv.conf" || return 1

    lab__make_certs "$d" || return 1
    lab__write_dnsmasq_conf "$d" && lab__write_cdn_hosts "$d" A || return 1
    : > "$d/dns.log" && : > "$d/conn.log" && chmod 0644 "$d/dns.log" "$d/conn.log" || return 1

    # Servers run as root in world (uid 65534 is the test workload's uid:
    # it must not be able to signal them), in their own session, and stop
    # by themselves shortly after the lab's lifetime.
    (ip netns exec "$w" setsid timeout -k 5 $((lifetime + 180)) dnsmasq --keep-in-foreground \
        --conf-file="$d/dnsmasq.conf" < /dev/null >> "$d/dnsmasq.out" 2>&1 &)
    py=$(lab__python)
    local addrs=()
    for a in $(lab__served4) $(lab__served6); do addrs+=(--addr "$a"); done
    (ip netns exec "$w" setsid "$py" "$LAB_SRC/servers.py" "${addrs[@]}" --cert "$d/cert.pem" \
        --key "$d/key.pem" --log "$d/conn.log" --ready "$d/servers.ready" \
        --lifetime $((lifetime + 180)) < /dev/null >> "$d/servers.out" 2>&1 &)

    (ip netns exec "$w" setsid "$py" "$LAB_SRC/delay_relay.py" --listen "$LAB_SLOW4" \
        --listen "$LAB_SLOW6" --to4 "$LAB_W4" --to6 "$LAB_W6" --delay-ms "$LAB_DELAY_MS" \
        --ready "$d/delay.ready" --lifetime $((lifetime + 180)) < /dev/null >> "$d/delay.out" 2>&1 &)
    (ip netns exec "$w" setsid "$py" "$LAB_SRC/odd_dns.py" --addr "$LAB_ODD4" --addr "$LAB_ODD6" \
        --v4 "$LAB_W4" --v6 "$LAB_W6" --ready "$d/odd.ready" --lifetime $((lifetime + 180)) \
        < /dev/null >> "$d/odd.out" 2>&1 &)

    lab__wait 10 test -s "$d/dnsmasq.pid" ||
        { lab__err "dnsmasq did not start: $(cat "$d/dnsmasq.out" 2>/dev/null)"; return 1; }
    lab__wait 10 test -s "$d/servers.ready" ||
        { lab__err "servers did not start: $(cat "$d/servers.out" 2>/dev/null)"; return 1; }
    lab__wait 10 test -s "$d/delay.ready" ||
        { lab__err "the delay relay did not start: $(cat "$d/delay.out" 2>/dev/null)"; return 1; }
    lab__wait 10 test -s "$d/odd.ready" ||
        { lab__err "the odd.test server did not start: $(cat "$d/odd.out" 2>/dev/null)"; return 1; }

    # Prove the lab works before anyone uses it: the host's own resolver
    # config, then a TCP round trip, for each family.
    if [ "$ipv4" = 1 ]; then
        lab__wait 10 lab__getent_has "$h" lab-ready.test "$LAB_W4" ||
            { lab__err "DNS over IPv4 from $h to $LAB_DNS4 does not work"; return 1; }
        lab__wait 10 lab__tcp_echo_ok "$h" "$LAB_W4" 7 ||
            { lab__err "TCP over IPv4 from $h to $LAB_W4:7 does not work"; return 1; }
    elif [ -n "$(ip -n "$h" -4 addr show dev to-world)" ] ||
        [ -n "$(ip -n "$h" -4 route show default)" ]; then
        lab__err "namespace $h still has IPv4 on its link"
        return 1
    fi
    if [ "$ipv6" = 1 ]; then
        lab__wait 10 lab__dig_has "$h" "$LAB_DNS6" lab-ready.test AAAA "$LAB_W6" ||
            { lab__err "DNS over IPv6 from $h to $LAB_DNS6 does not work"; return 1; }
        lab__wait 10 lab__tcp_echo_ok "$h" "$LAB_W6" 7 ||
            { lab__err "TCP over IPv6 from $h to [$LAB_W6]:7 does not work"; return 1; }
    else
        if [ "$(ip netns exec "$h" cat /proc/sys/net/ipv6/conf/all/disable_ipv6)" != 1 ] ||
            [ -n "$(ip -n "$h" -6 addr show)" ]; then
            lab__err "namespace $h still has IPv6"
            return 1
        fi
    fi
    lab__write_state "$d" "$owner" "$ostart" $(($(lab__now) + lifetime)) "$ipv6" "$ipv4"
}

# lab_up [--no-ipv6 | --no-ipv4] [--owner PID|none] [--lifetime SECONDS]
# Brings a new lab up and exports LAB_* for it.  The lab is downed by the
# reaper when OWNER (default: the calling shell) exits or after LIFETIME
# seconds (default $LAB_LIFETIME = 1800).  LAB_ID is set as soon as the lab
# exists, so a trap installed before lab_up (lab_trap) cleans a half-built lab.
lab_up() {
    local ipv6=1 ipv4=1 owner=$BASHPID lifetime=$LAB_LIFETIME id
    while [ $# -gt 0 ]; do
        case $1 in
            --no-ipv6) ipv6=0 ;;
            --no-ipv4) ipv4=0 ;;
            --owner) owner=${2:-}; shift ;;
            --lifetime) lifetime=${2:-}; shift ;;
            *) lab__err "lab_up: unknown option '$1'"; return 2 ;;
        esac
        shift
    done
    [[ $owner =~ ^([0-9]+|none)$ ]] || { lab__err "lab_up: --owner wants a PID or 'none'"; return 2; }
    [[ $lifetime =~ ^[1-9][0-9]*$ ]] || { lab__err "lab_up: --lifetime wants seconds"; return 2; }
    [ "$ipv4$ipv6" != 00 ] || { lab__err "lab_up: --no-ipv4 and --no-ipv6 leave no network"; return 2; }
    lab__preflight || return 1
    lab_sweep || true
    id=$(lab__alloc_id) || return 1
    LAB_ID=$id
    # The resets mark the DNS and connection logs: tests see only their own
    # traffic, not lab__build's checks.
    if ! lab__build "$id" "$ipv6" "$owner" "$lifetime" "$ipv4" ||
        ! lab__set_vars "$id" "$ipv6" "$ipv4" || ! lab_dns_reset || ! lab_server_reset; then
        lab__err "bringing up lab $id failed; removing it"
        lab_down "$id" || true
        return 1
    fi
    # shellcheck disable=SC2163
    export "${LAB__VARS[@]}"
}

# --- taking labs down --------------------------------------------------------

# PIDs belonging to lab ID: anything naming its directory (dnsmasq, the
# servers, the reaper) and anything running inside its namespaces.
lab__lab_pids() {
    local id=$1 ns
    {
        lab__pids_with "$LAB_ROOT/$id/"
        for ns in "moatlab-$id-h" "moatlab-$id-w"; do
            if [ -e "/run/netns/$ns" ]; then ip netns pids "$ns" 2>/dev/null || true; fi
        done
    } | sort -un
}

# Remove what `ip netns add` and /etc/netns first created, once no lab is left.
lab__tidy_host() {
    local d
    for d in "$LAB_ROOT"/*/; do [ -d "$d" ] && return 0; done
    if [ -e "$LAB_ROOT/.mounted-run-netns" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
        if ! mountpoint -q /run/netns 2>/dev/null || umount /run/netns 2>/dev/null; then
            rm -f "$LAB_ROOT/.mounted-run-netns"
        fi
    fi
    if [ -e "$LAB_ROOT/.made-run-netns" ] && [ ! -e "$LAB_ROOT/.mounted-run-netns" ]; then
        if [ ! -d /run/netns ] || rmdir /run/netns 2>/dev/null; then rm -f "$LAB_ROOT/.made-run-netns"; fi
    fi
    if [ -e "$LAB_ROOT/.made-etc-netns" ]; then
        if [ ! -d /etc/netns ] || rmdir /etc/netns 2>/dev/null; then rm -f "$LAB_ROOT/.made-etc-netns"; fi
    fi
    rmdir "$LAB_ROOT" 2>/dev/null || true
}

# lab_down [ID]: stop and remove lab ID (default $LAB_ID).  Idempotent; fails
# only if something of the lab is still there afterwards.
lab_down() {
    local id=${1:-${LAB_ID:-}} ns remains='' pids
    lab__valid_id "$id" || { lab__err "lab_down: bad lab id '$id'"; return 2; }
    lab__need_root || return 1
    # shellcheck disable=SC2046
    lab__kill $(lab__lab_pids "$id") || true
    for ns in "moatlab-$id-h" "moatlab-$id-w"; do
        # Anything that entered the namespace since (a test's straggler).
        # shellcheck disable=SC2046
        [ ! -e "/run/netns/$ns" ] || lab__kill $(ip netns pids "$ns" 2>/dev/null) || true
        [ ! -e "/run/netns/$ns" ] || ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    rm -rf "${LAB_ROOT:?}/$id"
    lab__tidy_host
    for ns in "moatlab-$id-h" "moatlab-$id-w"; do
        [ ! -e "/run/netns/$ns" ] || remains="$remains namespace $ns;"
        [ ! -e "/etc/netns/$ns" ] || remains="$remains /etc/netns/$ns;"
    done
    [ ! -e "$LAB_ROOT/$id" ] || remains="$remains $LAB_ROOT/$id;"
    pids=$(lab__pids_with "$LAB_ROOT/$id/")
    [ -z "$pids" ] || remains="$remains processes $(echo "$pids" | tr '\n' ' ');"
    [ -z "$remains" ] || { lab__err "lab $id not fully removed:$remains"; return 1; }
}

# Whether lab ID is stale: its owner died, its lifetime ended, or it has no
# state (a directory that never got one within a minute, or none at all).
lab__is_stale() {
    local d=$LAB_ROOT/$1 k v owner='' ostart='' deadline=0
    [ -d "$d" ] || return 0
    if [ ! -f "$d/state" ]; then
        [ $(($(lab__now) - $(stat -c %Y "$d" 2>/dev/null || echo 0))) -gt 60 ]
        return
    fi
    while IFS='=' read -r k v; do
        case $k in
            owner) owner=$v ;;
            owner_start) ostart=$v ;;
            deadline) deadline=$v ;;
        esac
    done < "$d/state"
    [ "$(lab__now)" -lt "$deadline" ] || return 0
    [ "$owner" != none ] || return 1
    [ "$(lab__proc_start "$owner" 2>/dev/null)" != "$ostart" ]
}

# lab_sweep: remove whatever stale or crashed labs left behind: namespaces,
# /etc/netns/moatlab-* directories, processes, links, state directories.
# Labs whose owner is alive and whose lifetime has not ended are kept.
lab_sweep() {
    local ids=() id d ns f link
    lab__need_root || return 1
    for d in "$LAB_ROOT"/*/; do
        [ -d "$d" ] || continue
        id=$(basename "$d")
        lab__valid_id "$id" && lab__is_stale "$id" && ids+=("$id")
    done
    for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^moatlab-/ {print $1}') \
        $(cd /etc/netns 2>/dev/null && ls -d moatlab-* 2>/dev/null); do
        if [[ $ns =~ ^moatlab-([0-9a-f]{6})-[hw]$ ]]; then
            id=${BASH_REMATCH[1]}
            [ -d "$LAB_ROOT/$id" ] || ids+=("$id")
        else # not one of ours by shape, but in our prefix: remove it too
            # shellcheck disable=SC2046
            [ ! -e "/run/netns/$ns" ] || lab__kill $(ip netns pids "$ns" 2>/dev/null) || true
            [ ! -e "/run/netns/$ns" ] || ip netns del "$ns" 2>/dev/null || true
            rm -rf "/etc/netns/$ns"
        fi
    done
    for f in $(lab__pids_with "$LAB_ROOT/"); do
        id=$(tr '\0' '\n' < "/proc/$f/cmdline" 2>/dev/null | grep -oE "^.*$LAB_ROOT/[0-9a-f]{6}/" | head -n 1) || true
        id=${id%/}
        id=${id##*/}
        lab__valid_id "$id" && [ ! -d "$LAB_ROOT/$id" ] && ids+=("$id")
    done
    # Lab veths only ever exist inside lab namespaces; one in this
    # namespace would be from an older or broken run.
    for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^moatlab-'); do
        ip link del "$link" 2>/dev/null || true
    done
    for id in $(printf '%s\n' "${ids[@]}" | sort -u); do
        lab_down "$id" || true
    done
    lab__tidy_host
}

lab__reap() { # DIR/ -- runs in its own session, started by lab__build
    local d=${1%/} id
    id=${d##*/}
    lab__valid_id "$id" || exit 2
    LAB__SELF=$$
    echo "$$" > "$d/reaper.pid" || exit 1
    while [ -d "$d" ]; do
        if lab__is_stale "$id"; then
            lab_down "$id" > /dev/null 2>&1 || true
            exit 0
        fi
        sleep 1
    done
}

# lab_trap: in the current shell, down the current lab ($LAB_ID, looked up
# when the trap fires) on exit, Ctrl-C, TERM and HUP.  Install it before
# lab_up so that an interrupted lab_up is cleaned too.
lab_trap() {
    trap '[ -z "${LAB_ID:-}" ] || lab_down "$LAB_ID" >&2 || true' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

# lab_with [--no-ipv6 | --no-ipv4] [--lifetime S] COMMAND...: run COMMAND in a subshell
# with a fresh lab (LAB_* exported) that is removed whatever happens.
lab_with() {
    local opts=()
    while [ $# -gt 0 ]; do
        case $1 in
            --no-ipv6 | --no-ipv4) opts+=("$1") ;;
            --lifetime) opts+=("$1" "${2:-}"); shift ;;
            *) break ;;
        esac
        shift
    done
    (
        # shellcheck disable=SC2030  # this subshell's own lab
        LAB_ID=
        lab_trap
        lab_up "${opts[@]}" || exit 1
        "$@"
    )
}

lab_list() {
    local d id
    for d in "$LAB_ROOT"/*/; do
        [ -d "$d" ] || continue
        id=$(basename "$d")
        printf '%s ipv6=%s ipv4=%s owner=%s deadline=%s%s\n' "$id" "$(lab__state_get "$d" ipv6)" \
            "$(lab__state_get "$d" ipv4)" \
            "$(lab__state_get "$d" owner)" "$(lab__state_get "$d" deadline)" \
            "$(lab__is_stale "$id" && echo ' (stale)')"
    done
}

# --- helpers for tests -------------------------------------------------------

lab_in_host() { lab__need_lab || return 2; ip netns exec "$LAB_HOST" "$@"; }
lab_in_world() { lab__need_lab || return 2; ip netns exec "$LAB_WORLD" "$@"; }
# As the unprivileged user the tests use (uid/gid 65534, no groups).
lab_in_host_nobody() {
    lab__need_lab || return 2
    ip netns exec "$LAB_HOST" setpriv --reuid 65534 --regid 65534 --clear-groups "$@"
}

# lab_cdn_rotate [A|B]: make cdn.test answer with the other (or the given)
# address set; returns once dnsmasq has reloaded.  Prints the set now served.
lab_cdn_rotate() {
    local want=${1:-} cur before pid
    lab__need_lab || return 2
    cur=$(cat "$LAB_DIR/cdn.set")
    if [ -z "$want" ]; then
        if [ "$cur" = A ]; then want=B; else want=A; fi
    fi
    case $want in A | B) ;; *) lab__err "lab_cdn_rotate: set is A or B, not '$want'"; return 2 ;; esac
    before=$(grep -cF "read $LAB_DIR/cdn.hosts " "$LAB_DNS_LOG" || true)
    lab__write_cdn_hosts "$LAB_DIR" "$want" || return 1
    if ! pid=$(cat "$LAB_DIR/dnsmasq.pid") || ! kill -HUP "$pid"; then
        lab__err "cannot signal dnsmasq"
        return 1
    fi
    lab__wait 10 lab__cdn_reloaded "$before" || { lab__err "dnsmasq did not reload cdn.hosts"; return 1; }
    echo "$want"
}
lab__cdn_reloaded() { [ "$(grep -cF "read $LAB_DIR/cdn.hosts " "$LAB_DNS_LOG")" -gt "$1" ]; }

# Make sure everything the DNS server received so far is in its log: send a
# marker query from world and wait for it.  (dnsmasq handles UDP queries one
# at a time, in order.)
lab__dns_flush() {
    local name="lab-mark-$RANDOM$RANDOM.test"
    ip netns exec "$LAB_WORLD" dig +short +time=1 +tries=2 "@$LAB_DNS4" "$name" A > /dev/null 2>&1
    lab__wait 10 grep -qF "query[A] $name from" "$LAB_DNS_LOG" || lab__err "DNS log marker never appeared"
}

# Lines of LOG since the mark in MARKFILE.
lab__since() { tail -n +"$(($(cat "$2" 2>/dev/null || echo 0) + 1))" "$1"; }

# lab_dns_reset: later lab_dns_saw calls only look at queries from now on.
lab_dns_reset() {
    lab__need_lab || return 2
    lab__dns_flush || return 1
    wc -l < "$LAB_DNS_LOG" > "$LAB_DIR/dns.mark"
}

# lab_dns_queries: the query lines logged since the last lab_dns_reset.
lab_dns_queries() {
    lab__need_lab || return 2
    lab__dns_flush || return 1
    lab__since "$LAB_DNS_LOG" "$LAB_DIR/dns.mark" | grep -F 'query[' | grep -vF ' lab-mark-'
}

# lab_dns_saw NAME [TYPE]: 0 if a query for exactly NAME (any type, or TYPE
# such as A, AAAA, TXT) reached the lab DNS server since the last
# lab_dns_reset, 1 if none did, 2 on error.
lab_dns_saw() {
    local name=${1:-} type=${2:-'[^]]+'} re
    [ -n "$name" ] || { lab__err "lab_dns_saw: NAME missing"; return 2; }
    lab__need_lab || return 2
    lab__dns_flush || return 2
    re=$(printf '%s' "${name%.}" | sed 's/[][\.*^$()+?{}|]/\\&/g')
    # Not grep -q: under pipefail, tail would die of SIGPIPE.
    lab__since "$LAB_DNS_LOG" "$LAB_DIR/dns.mark" | grep -iE "query\[$type\] $re from " > /dev/null
}

# Same for the world servers' connection log: a UDP marker to $LAB_W4:7 is
# logged only after everything that was pending with it.
lab__conn_flush() {
    local m="lab-mark-$RANDOM$RANDOM"
    ip netns exec "$LAB_WORLD" bash -c 'printf "%s" "$1" > "/dev/udp/$2/7"' _ "$m" "$LAB_W4" 2>/dev/null
    lab__wait 10 grep -qxF "mark $m" "$LAB_CONN_LOG" || lab__err "server log marker never appeared"
}

lab_server_reset() {
    lab__need_lab || return 2
    lab__conn_flush || return 1
    wc -l < "$LAB_CONN_LOG" > "$LAB_DIR/conn.mark"
}

# lab_server_saw ADDR PORT [tcp|udp]: 0 if a connection (tcp, the default)
# or datagram (udp) reached world server ADDR:PORT since lab_server_reset.
lab_server_saw() {
    local addr=${1:-} port=${2:-} proto=${3:-tcp} ep
    if [ -z "$addr" ] || [ -z "$port" ]; then lab__err "lab_server_saw: ADDR PORT [tcp|udp]"; return 2; fi
    lab__need_lab || return 2
    lab__conn_flush || return 2
    case $addr in *:*) ep="[$addr]:$port" ;; *) ep="$addr:$port" ;; esac
    lab__since "$LAB_CONN_LOG" "$LAB_DIR/conn.mark" | grep -F "$proto $ep from " > /dev/null
}

# --- command line ------------------------------------------------------------

lab__usage() {
    cat >&2 <<'EOF'
usage: lab.sh up [--no-ipv6 | --no-ipv4] [--owner PID|none] [--lifetime SECONDS]
                                  bring a lab up; print `export LAB_...` lines
       lab.sh down [ID]           remove lab ID (default $LAB_ID)
       lab.sh sweep               remove what stale or crashed labs left
       lab.sh list                list labs
       lab.sh env                 print the export lines of lab $LAB_ID
       lab.sh cdn-rotate [A|B]    switch cdn.test's answers in lab $LAB_ID
       lab.sh dns-reset | dns-saw NAME [TYPE] | dns-queries
       lab.sh server-reset | server-saw ADDR PORT [tcp|udp]
With `up`, the lab lives until `down`, until --owner PID exits, or for
--lifetime seconds (default 1800), whichever comes first.
EOF
    return 2
}

lab__main() {
    set -euo pipefail
    local cmd=${1:-}
    [ $# -eq 0 ] || shift
    case $cmd in
        up)
            # shellcheck disable=SC2031
            trap '[ -z "${LAB_ID:-}" ] || lab_down "$LAB_ID" >&2 || true; exit 130' INT TERM HUP
            LAB_ID=
            lab_up --owner none "$@" || exit $?
            trap - INT TERM HUP
            lab_env
            ;;
        down) lab_down "$@" || exit $? ;;
        sweep) lab_sweep || exit $? ;;
        list) lab_list || exit $? ;;
        env) { lab__need_lab && lab_env; } || exit $? ;;
        cdn-rotate) lab_cdn_rotate "$@" || exit $? ;;
        dns-reset) lab_dns_reset || exit $? ;;
        dns-saw) lab_dns_saw "$@" || exit $? ;;
        dns-queries) lab_dns_queries || exit $? ;;
        server-reset) lab_server_reset || exit $? ;;
        server-saw) lab_server_saw "$@" || exit $? ;;
        _reap) lab__reap "$@" || exit $? ;;
        *) lab__usage ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    lab__main "$@"
fi
