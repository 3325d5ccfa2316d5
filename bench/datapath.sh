#!/bin/bash
# The data path (issue 14): relayed bulk throughput, the latency a relay adds to the first
# echoed byte, and the supervisor's resident memory, for moat and (BASE=) an older build, in
# one run, against no sandbox.  Same-run ratios only.
#
#   proxy mode     on loopback, bench/lib/servers.py; bench/lib/measure.py: a 256 MiB GET
#                  through a fresh CONNECT tunnel (MB/s), and socket() → CONNECT → 200 → one
#                  byte echoed (µs), against a direct connect + one byte echoed
#   firewall mode  in the test lab; bench/lib/netlat.py: curl -4 GET of 256 MiB from dual.test
#                  (intercepted), and connect + one byte echoed to dual.test:7 by its (pool)
#                  address, IPv4 and IPv6, against the same with no sandbox
#   memory         the supervisor's VmRSS every 100 ms while each sandboxed run lasts (a
#                  typical run: a few tunnels, a bulk transfer, a few hundred connections)
#
#   bench/datapath.sh                   (as root: the lab needs it)
#
# Environment: BASE (an older moat binary: rows "base"), ROUNDS [3] (interleaved: direct,
# base, moat, direct, ...), BULK_MIB [256], BULK_RUNS [3] per round (+1 warm-up), LAT_RUNS
# [300] per round (+20 warm-up), MOAT [build/moat], OUT [temp dir: the raw JSON].
# Prints Markdown for BENCHMARKS.md on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${ROUNDS:-3} BULK_MIB=${BULK_MIB:-256} BULK_RUNS=${BULK_RUNS:-3} LAT_RUNS=${LAT_RUNS:-300}
log() { echo "datapath.sh: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (the test lab)"; exit 1; }
PY=/usr/bin/python3
MOAT=${MOAT:-$ROOT/build/moat}
[ "$MOAT" = "$ROOT/build/moat" ] && make -s build/moat >&2
BASE=${BASE:-}
out=${OUT:-$(mktemp -d /var/tmp/moat-datapath.XXXXXX)}
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.rss
# The binaries are copied: a rebuild during the run must not change what is measured.
cp "$MOAT" "$out/moat"
[ -z "$BASE" ] || cp "$BASE" "$out/base"
builds=(moat)
[ -z "$BASE" ] || builds=(base moat)

# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
SERVERS=
# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
    [ -z "$SERVERS" ] || kill "$SERVERS" 2> /dev/null || true
    [ -z "${LAB_ID:-}" ] || lab_down "$LAB_ID" >&2 || true
    [ -n "${OUT:-}" ] || rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
"$PY" bench/lib/servers.py --http-port 0 --echo-port 0 --lifetime 7200 > "$out/servers.out" 2>&1 &
SERVERS=$!
for _ in $(seq 100); do grep -q '^ready' "$out/servers.out" 2> /dev/null && break; sleep 0.1; done
read -r _ hp ep _ < <(grep '^ready' "$out/servers.out")
HP=${hp#http=} EP=${ep#echo=}
LAB_LIFETIME=7200 lab_up >&2

# rss_sample PID FILE: VmRSS (KiB) every 100 ms while PID lives.
rss_sample() {
    while [ -e "/proc/$1/status" ]; do
        awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2> /dev/null >> "$2" || true
        sleep 0.1
    done
}

# run WHO KIND R: one measurement; WHO is direct or a build, KIND proxy or firewall.
run() {
    local who=$1 kind=$2 r=$3 dest="$out/$1-$2-$3.json" pid sampler
    local measure=("$PY" "$ROOT/bench/lib/measure.py" --http-port "$HP" --echo-port "$EP"
        --bulk-mib "$BULK_MIB" --bulk-runs "$BULK_RUNS" --lat-runs "$LAT_RUNS" --tests bulk,latency)
    local netlat=("$PY" "$ROOT/bench/lib/netlat.py" --path firewall --tests bulk,echo
        --bulk-mib "$BULK_MIB" --bulk-runs "$BULK_RUNS" --lat-runs "$LAT_RUNS")
    case $who-$kind in
    direct-proxy) "${measure[@]}" --direct > "$dest" || rm -f "$dest"; return ;;
    direct-firewall)
        (cd /var/tmp && ip netns exec "$LAB_HOST" "${netlat[@]/firewall/direct}") > "$dest" || rm -f "$dest"
        return ;;
    *-proxy)
        (cd /var/tmp && exec "$out/$who" run --network proxy --allow-net 127.0.0.1 -- "${measure[@]}") \
            > "$dest" & ;;
    *-firewall)
        (cd /var/tmp && exec ip netns exec "$LAB_HOST" "$out/$who" run --network firewall \
            --allow-net dual.test --allow-unix-sockets -- "${netlat[@]}") > "$dest" & ;;
    esac
    pid=$!
    rss_sample "$pid" "$out/$who-$kind-$r.rss" &
    sampler=$!
    wait "$pid" || rm -f "$dest"
    wait "$sampler" # (not a bare wait: the servers are children too)
}

for r in $(seq "$ROUNDS"); do
    for kind in proxy firewall; do
        for who in direct "${builds[@]}"; do
            log "round $r/$ROUNDS: $kind, $who ..."
            run "$who" "$kind" "$r"
        done
    done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

"$PY" - "$out" "$ROUNDS" "$BULK_MIB" "$BULK_RUNS" "$LAT_RUNS" "$LOAD_START" "$LOAD_END" \
    "$(git -C "$ROOT" describe --always --dirty)" "${BASE:-}" "${builds[@]}" <<'PY'
import glob, json, statistics, sys, datetime
out, rounds, mib, bruns, lruns, l0, l1, commit, base, *builds = sys.argv[1:]


def runs(who, kind):
    res = []
    for f in sorted(glob.glob(f"{out}/{who}-{kind}-*.json")):
        try:
            res.append(json.load(open(f)))
        except (OSError, ValueError):
            pass
    return res


def pooled(who, kind, *path):
    xs = []
    for r in runs(who, kind):
        for k in path[:-1]:
            r = r.get(k, {}) if isinstance(r, dict) else {}
        xs += r.get(path[-1], []) if isinstance(r, dict) else []
    return xs


def med(xs):
    return statistics.median(xs) if xs else None


def f(x, nd=1):
    return "n/a" if x is None else f"{x:,.{nd}f}"


def mb(kib):  # VmRSS is in KiB; the target is in 10^6 bytes
    return f(None if kib is None else kib * 1024 / 1e6, 2)


print(f"#### The data path ({datetime.date.today()}, moat {commit}; load {l0} at the start, {l1} at the end)\n")
print(f"`{'BASE=' + base + ' ' if base else ''}bench/datapath.sh` (ROUNDS={rounds} BULK_MIB={mib} "
      f"BULK_RUNS={bruns} LAT_RUNS={lruns}); medians of every run of every round.\n")
d_pb = med(pooled("direct", "proxy", "bulk", "mb_s_all"))
d_pl = med(pooled("direct", "proxy", "latency", "direct_connect_echo", "all_us"))
d_fb = med(pooled("direct", "firewall", "bulk", "4", "mb_s_all"))
d_fl4 = med(pooled("direct", "firewall", "echo", "addr4", "all_us"))
d_fl6 = med(pooled("direct", "firewall", "echo", "addr6", "all_us"))
print(f"No sandbox: loopback GET {f(d_pb)} MB/s, connect + echo {f(d_pl)} µs; lab GET (IPv4) "
      f"{f(d_fb)} MB/s, connect + echo {f(d_fl4)} µs (IPv4), {f(d_fl6)} µs (IPv6).\n")
print("| build | proxy: relay/direct | proxy: first echo, added µs | firewall: relay/direct (IPv4) "
      "| firewall: connect + echo, added µs (IPv4 / IPv6) | supervisor VmRSS MB (10⁶ B), median / max |")
print("|---|---|---|---|---|---|")
for who in builds:
    pb = med(pooled(who, "proxy", "bulk", "mb_s_all"))
    pl = med(pooled(who, "proxy", "latency", "proxy_connect_first_echo", "all_us"))
    fb = med(pooled(who, "firewall", "bulk", "4", "mb_s_all"))
    fl4 = med(pooled(who, "firewall", "echo", "addr4", "all_us"))
    fl6 = med(pooled(who, "firewall", "echo", "addr6", "all_us"))
    rss = []
    for fn in glob.glob(f"{out}/{who}-*.rss"):
        rss += [int(x) for x in open(fn).read().split() if x.isdigit()]
    rat = lambda a, b: f(a / b, 2) if a and b else "n/a"
    sub = lambda a, b: f(a - b) if a is not None and b is not None else "n/a"
    print(f"| {who} | {rat(pb, d_pb)} ({f(pb)} MB/s) | {sub(pl, d_pl)} | {rat(fb, d_fb)} ({f(fb)} MB/s) "
          f"| {sub(fl4, d_fl4)} / {sub(fl6, d_fl6)} | {mb(med(rss))} / {mb(max(rss) if rss else None)} |")
PY
