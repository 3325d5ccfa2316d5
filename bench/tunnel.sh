#!/bin/bash
# A tunnel held for a long time (issue 14, "Soak"): in the test lab, one
# connection through moat's proxy (CONNECT dual.test:7, proxy mode) and one
# intercepted connection (dual.test:7, firewall mode), in two sandboxes at
# once, each with an echo exchange every INTERVAL seconds for DURATION
# seconds (bench/lib/tunnel_hold.py).  Each supervisor's RSS, descriptors and
# CPU time are sampled every minute from outside.  Prints Markdown for
# BENCHMARKS.md on stdout.  Not for CI: it takes DURATION.
#
#   bench/tunnel.sh                 (as root: the lab needs it)
#
# Environment: DURATION [3600] seconds, INTERVAL [3] seconds, OUT [temp dir]
# (keep the raw JSON lines), MOAT [build/moat].
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-3600} INTERVAL=${INTERVAL:-3}
log() { echo "tunnel.sh: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (the test lab)"; exit 1; }
MOAT=${MOAT:-$ROOT/build/moat}
if [ "$MOAT" = "$ROOT/build/moat" ]; then make -s build/moat >&2; fi
PY=/usr/bin/python3

out=${OUT:-$(mktemp -d /var/tmp/moat-tunnel.XXXXXX)}
mkdir -p "$out"
chmod 0755 "$out"
rm -f "$out"/*.jsonl
cp bench/lib/tunnel_hold.py "$out/"

# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
PIDS=()
# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
    wait 2> /dev/null || true
    [ -n "${LAB_ID:-}" ] && lab_down "$LAB_ID" >&2
    [ -n "${OUT:-}" ] || rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
LAB_LIFETIME=$((DURATION + 900)) lab_up >&2

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u +%FT%TZ)
for mode in proxy firewall; do
    how=connect
    [ "$mode" = firewall ] && how=direct
    (cd /var/tmp && exec ip netns exec "$LAB_HOST" "$MOAT" run --timeout $((DURATION + 300)) \
        --network "$mode" --allow-net dual.test --allow-write "$out" -- \
        "$PY" "$out/tunnel_hold.py" --how "$how" --host dual.test --port 7 \
        --duration "$DURATION" --interval "$INTERVAL" --out "$out/$mode.jsonl") \
        2> "$out/$mode.err" &
    PIDS+=($!)
done
sleep 2
declare -A SUP
for i in 0 1; do
    mode=$([ "$i" = 0 ] && echo proxy || echo firewall)
    # The subshell exec'd ip, which exec'd moat: the same pid.
    SUP[$mode]=${PIDS[$i]}
    [ "$(readlink "/proc/${PIDS[$i]}/exe")" = "$(readlink -f "$MOAT")" ] ||
        { log "$mode: no supervisor at pid ${PIDS[$i]}"; exit 1; }
done
sample() { # MODE T
    local p=${SUP[$1]}
    [ -d "/proc/$p" ] || return 0
    printf '{"mode":"%s","t":%s,"rss_kib":%s,"hwm_kib":%s,"fds":%s,"cpu_ticks":%s}\n' "$1" "$2" \
        "$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")" \
        "$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status")" \
        "$(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 | wc -l)" \
        "$(awk '{print $14 + $15}' "/proc/$p/stat")" >> "$out/samples.jsonl"
}
t0=$(date +%s)
log "holding two tunnels for $DURATION s (output in $out)"
while kill -0 "${PIDS[0]}" 2> /dev/null || kill -0 "${PIDS[1]}" 2> /dev/null; do
    t=$(($(date +%s) - t0))
    sample proxy "$t"
    sample firewall "$t"
    sleep 60 & wait $! || true
done
rc=()
for p in "${PIDS[@]}"; do r=0; wait "$p" || r=$?; rc+=("$r"); done
PIDS=()
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

"$PY" - "$out" "$DURATION" "$INTERVAL" "$START" "$LOAD_START" "$LOAD_END" "${rc[@]}" \
    "$(git -C "$ROOT" rev-parse --short HEAD)" <<'PY'
import json, sys
out, duration, interval, start, l0, l1, rc_p, rc_f, commit = sys.argv[1:10]
samples = [json.loads(l) for l in open(f"{out}/samples.jsonl")]
print(f"#### A tunnel held for {int(duration) // 60} minutes ({start}, moat {commit}, "
      f"load {l0} at the start, {l1} at the end)\n")
print(f"`bench/tunnel.sh` (DURATION={duration} INTERVAL={interval}): one echo exchange every "
      f"{interval} s on one connection to dual.test:7 in the lab, sizes cycling 1 B … 1 MiB; "
      "supervisor sampled every minute.\n")
print("| mode | messages | bytes each way | failures | 1-byte RTT µs, first 10 % / last 10 % "
      "(median) | supervisor RSS KiB, first / last / peak | descriptors, first / last | "
      "CPU s | exit |")
print("|---|---|---|---|---|---|---|---|---|")
for mode, how, rc in (("proxy", "CONNECT", rc_p), ("firewall", "intercepted", rc_f)):
    summ = None
    for l in open(f"{out}/{mode}.jsonl"):
        j = json.loads(l)
        if "summary" in j:
            summ = j["summary"]
    s = [x for x in samples if x["mode"] == mode]
    if not summ or not s:
        print(f"| {mode} ({how}) | n/a (no summary: see {out}/{mode}.err) | | | | | | | {rc} |")
        continue
    r = summ.get("one_byte_rtt_us", {})
    fails = "; ".join(summ["failures"]) or "0"
    cpu = (s[-1]["cpu_ticks"] - s[0]["cpu_ticks"]) / 100
    print(f"| {mode} ({how}) | {summ['msgs']:,} | {summ['bytes']:,} | {fails} | "
          f"{r.get('first_10pct_median', 'n/a')} / {r.get('last_10pct_median', 'n/a')} | "
          f"{s[0]['rss_kib']:,} / {s[-1]['rss_kib']:,} / {max(x['hwm_kib'] for x in s):,} | "
          f"{s[0]['fds']} / {s[-1]['fds']} | {cpu:.2f} | {rc} |")
PY
