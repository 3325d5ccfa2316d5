#!/bin/bash
# Network (proxy mode) benchmarks: moat vs Anthropic's sandbox-runtime (srt)
# vs no sandbox at all, in one run.  See bench/README.md.
#
#   bench/proxy.sh [--quick]
#
# Environment (defaults in brackets):
#   RUNS [100]       hyperfine runs of moat and bwrap start-up (same hyperfine run)
#   SRT_RUNS [20]    hyperfine runs of srt start-up (~0.6 s each)
#   ROUNDS [3]       interleaved rounds of the bulk and latency tests
#   BULK_MIB [256]   size of one bulk download; BULK_RUNS [3] downloads per round
#                    (+1 warm-up)
#   LAT_RUNS [300]   connection set-ups timed per round (+20 warm-up)
#   CONNS [1000]     concurrent connections held
#   OUT [temp dir]   keep the raw JSON here
#   SKIP_SRT=1 / SKIP_MOAT=1   leave a peer out (its rows say n/a)
#   MOAT [build/moat, built with make]   the moat binary to measure
# --quick: RUNS=20 SRT_RUNS=5 ROUNDS=2 BULK_MIB=64 BULK_RUNS=2 LAT_RUNS=100 CONNS=200.
#
# Every server, sandbox and wait is bounded; all traffic is on loopback.  The
# npm registry is used once, to install srt into bench/.cache/srt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "${1:-}" = "--quick" ]; then
    : "${RUNS:=20}" "${SRT_RUNS:=5}" "${ROUNDS:=2}" "${BULK_MIB:=64}" "${BULK_RUNS:=2}"
    : "${LAT_RUNS:=100}" "${CONNS:=200}"
fi
RUNS=${RUNS:-100} SRT_RUNS=${SRT_RUNS:-20} ROUNDS=${ROUNDS:-3} BULK_MIB=${BULK_MIB:-256}
BULK_RUNS=${BULK_RUNS:-3} LAT_RUNS=${LAT_RUNS:-300} CONNS=${CONNS:-1000}

if [ -n "${OUT:-}" ]; then
    out=$OUT
    mkdir -p "$out"
    rm -f "$out"/*.json "$out"/*.na
else
    out=$(mktemp -d)
fi
SERVERS_PID=
# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
    if [ -n "$SERVERS_PID" ]; then kill "$SERVERS_PID" 2>/dev/null || true; fi
    if [ -z "${OUT:-}" ]; then rm -rf "$out"; fi
}
trap cleanup EXIT

log() { echo "proxy.sh: $*" >&2; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
bench/deps.sh >&2 || log "bench/deps.sh failed; continuing with what is installed"

# One interpreter, by its real path (not a pyenv shim), for every workload.
PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')

# ------------------------------------------------------------------ peers --
# shellcheck source=bench/lib/srt.sh
source bench/lib/srt.sh
SRT_SETTINGS=$out/srt-settings.json
if [ -n "${SKIP_SRT:-}" ]; then
    echo "skipped (SKIP_SRT)" > "$out/srt.na"
elif ! srt_install; then
    echo "srt $SRT_VERSION could not be installed" > "$out/srt.na"
else
    srt_settings_write "$SRT_SETTINGS" 127.0.0.1
    if ! err=$(srt_cmd "$SRT_SETTINGS" -- /bin/true 2>&1); then
        echo "srt does not run here: $(echo "$err" | tail -n 1)" > "$out/srt.na"
    fi
fi

MOAT=${MOAT:-$ROOT/build/moat}
MOAT_NET=(--network proxy --allow-net 127.0.0.1)
if [ -n "${SKIP_MOAT:-}" ]; then
    echo "skipped (SKIP_MOAT)" > "$out/moat.na"
else
    [ "$MOAT" = "$ROOT/build/moat" ] &&
        { make -s build/moat >&2 || log "make build/moat failed; using the existing binary if any"; }
    if [ ! -x "$MOAT" ]; then
        echo "build/moat missing" > "$out/moat.na"
    else
        rc=0
        err=$("$MOAT" run "${MOAT_NET[@]}" -- /bin/true 2>&1) || rc=$?
        [ "$rc" = 0 ] ||
            echo "\`moat run ${MOAT_NET[*]} -- /bin/true\` exits $rc: $(echo "$err" | tail -n 1)" > "$out/moat.na"
    fi
fi
[ -f "$out/moat.na" ] && log "moat: $(cat "$out/moat.na")"
[ -f "$out/srt.na" ] && log "srt: $(cat "$out/srt.na")"

# ---------------------------------------------------------------- servers --
"$PY" bench/lib/servers.py --http-port 0 --echo-port 0 --lifetime 3600 > "$out/servers.out" 2>&1 &
SERVERS_PID=$!
for _ in $(seq 100); do
    grep -q '^ready' "$out/servers.out" 2>/dev/null && break
    kill -0 "$SERVERS_PID" 2>/dev/null || { cat "$out/servers.out" >&2; exit 1; }
    sleep 0.1
done
read -r _ hp ep _ < <(grep '^ready' "$out/servers.out")
HP=${hp#http=} EP=${ep#echo=}
log "servers: http=$HP echo=$EP"

MEASURE=(bench/lib/measure.py --http-port "$HP" --echo-port "$EP"
         --bulk-mib "$BULK_MIB" --bulk-runs "$BULK_RUNS" --lat-runs "$LAT_RUNS" --conns "$CONNS")
MON=(bench/lib/monitor.py --timeout 900 --settle 4)

# direct|srt|moat TESTS OUTFILE [MONITOR-JSON]: one measure.py run.
run_measure() {
    local who=$1 tests=$2 dest=$3 mon=${4:-} rc=0
    local m=("$PY" "$ROOT/${MEASURE[0]}" "${MEASURE[@]:1}" --tests "$tests" --label "$who")
    [ -n "$mon" ] && m+=(--phase-pause 5)
    case $who in
    direct) "${m[@]}" --direct > "$dest" || rc=$? ;;
    srt) "$PY" "${MON[@]}" --out "${mon:-/dev/null}" -- \
            "$(srt_bin)" --settings "$SRT_SETTINGS" -- "${m[@]}" > "$dest" || rc=$? ;;
    moat) "$PY" "${MON[@]}" --out "${mon:-/dev/null}" -- \
            "$MOAT" run "${MOAT_NET[@]}" --allow-net localhost -- "${m[@]}" > "$dest" || rc=$? ;;
    esac
    if [ "$rc" != 0 ]; then
        log "$who ($tests) failed: exit $rc"
        rm -f "$dest"
        echo "the $tests run under $who exited $rc" > "$out/$who-${tests//,/-}.failed"
    fi
}
peers=(direct)
[ -f "$out/srt.na" ] || peers+=(srt)
[ -f "$out/moat.na" ] || peers+=(moat)

# ------------------------------------------------------------ measurements --
# Bulk and latency in ROUNDS interleaved rounds (direct, srt, moat, direct, ...)
# so that a change of load on the machine hits every path alike; the report
# pools the rounds.  Then the concurrency test once per path, monitored.
for r in $(seq "$ROUNDS"); do
    for who in "${peers[@]}"; do
        [ -f "$out/$who.na" ] && continue
        log "round $r/$ROUNDS: $who (bulk, latency) ..."
        run_measure "$who" bulk,latency "$out/$who-round$r.json"
    done
done
for who in "${peers[@]}"; do
    [ -f "$out/$who.na" ] && continue
    log "$who (concurrency) ..."
    if [ "$who" = direct ]; then
        run_measure direct concurrency "$out/direct-conc.json"
    else
        run_measure "$who" concurrency "$out/$who-conc.json" "$out/$who-mon.json"
    fi
done

# --------------------------------------------------------------- start-up --
log "start-up ..."
BWRAP="bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true"
if [ ! -f "$out/moat.na" ]; then
    hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$out/start-moat.json" \
        -n moat "$MOAT run ${MOAT_NET[*]} -- /bin/true" -n bwrap "$BWRAP" >&2
else
    hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$out/start-moat.json" -n bwrap "$BWRAP" >&2
fi
if [ ! -f "$out/srt.na" ]; then
    hyperfine -N --warmup 3 --runs "$SRT_RUNS" --export-json "$out/start-srt.json" \
        -n srt "$(srt_bin) --settings $SRT_SETTINGS -- /bin/true" >&2
fi

# ----------------------------------------------------------------- report --
"$PY" - "$out/meta.json" "$(srt_installed_version || echo none)" "$LOAD_START" <<'PY'
import json, os, platform, sys, datetime, subprocess
node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip().lstrip("v")
json.dump({"date": datetime.date.today().isoformat(), "kernel": platform.release(),
           "cores": os.cpu_count(), "srt_version": sys.argv[2], "node": node or "?",
           "python": platform.python_version(), "load_start": sys.argv[3],
           "load_end": " ".join(open("/proc/loadavg").read().split()[:3])}, open(sys.argv[1], "w"))
PY
"$PY" bench/lib/report_proxy.py "$out"
[ -n "${OUT:-}" ] && log "raw JSON kept in $out"
exit 0
