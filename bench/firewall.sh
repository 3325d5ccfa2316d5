#!/bin/bash
# Firewall-mode benchmarks: `moat run --network firewall` vs `--network proxy`
# vs bwrap (start-up) or no sandbox (in the test lab), in one run.  See
# bench/README.md.
#
#   bench/firewall.sh [--quick]          (as root: the lab needs it)
#
# Environment (defaults in brackets):
#   RUNS [100]       hyperfine runs of each start-up command (one hyperfine run)
#   ROUNDS [3]       interleaved rounds (direct, proxy, firewall, direct, ...)
#   DNS_RUNS [200]   A lookups timed per round (+10 warm-up)
#   BULK_MIB [256]   size of one download; BULK_RUNS [3] per family per round
#                    (+1 warm-up)
#   LAT_RUNS [300]   connect + echo round trips per kind per round (+20 warm-up)
#   CONNS [1000]     concurrent connections held (direct, and intercepted in firewall mode)
#   OUT [temp dir]   keep the raw JSON here
#   SKIP_LAB=1       start-up only
#   MOAT [build/moat, built with make]   the moat binary to measure
# --quick: RUNS=20 ROUNDS=2 DNS_RUNS=100 BULK_MIB=64 BULK_RUNS=2 LAT_RUNS=100.
#
# Traffic: the start-up commands send none; the lab measurements run in the
# lab's host namespace and reach only its world namespace (198.51.100.0/24,
# 2001:db8::/32) and loopback.  Every sandbox, server and wait is bounded and
# the lab is removed on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ARGS="$*"

if [ "${1:-}" = "--quick" ]; then
    : "${RUNS:=20}" "${ROUNDS:=2}" "${DNS_RUNS:=100}" "${BULK_MIB:=64}" "${BULK_RUNS:=2}" "${LAT_RUNS:=100}"
    : "${CONNS:=200}"
elif [ $# -gt 0 ]; then
    echo "usage: bench/firewall.sh [--quick]" >&2
    exit 2
fi
RUNS=${RUNS:-100} ROUNDS=${ROUNDS:-3} DNS_RUNS=${DNS_RUNS:-200} BULK_MIB=${BULK_MIB:-256}
BULK_RUNS=${BULK_RUNS:-3} LAT_RUNS=${LAT_RUNS:-300} CONNS=${CONNS:-1000}

log() { echo "firewall.sh: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    log "needs root: the test lab (tests/lab/lab.sh) creates network namespaces and runs dnsmasq."
    log "Run it as root, e.g. sudo bench/firewall.sh"
    exit 1
fi
missing=
for c in hyperfine bwrap curl timeout ip make; do command -v "$c" > /dev/null || missing="$missing $c"; done
[ -x /usr/bin/python3 ] || missing="$missing /usr/bin/python3"
[ -z "$missing" ] || { log "missing:$missing (run scripts/deps.sh and bench/deps.sh as root)"; exit 1; }
PY=/usr/bin/python3            # not a pyenv build: the same interpreter everywhere

if [ -n "${OUT:-}" ]; then
    out=$(realpath -m "$OUT")
    mkdir -p "$out"
    rm -f "$out"/*.json "$out"/*.na "$out"/*.failed
else
    out=$(mktemp -d)
fi

# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
LAB_ID='' CHILD=''
# run_bg COMMAND...: run COMMAND from /var/tmp (the sandbox has a private /tmp,
# and moat refuses a working directory it cannot show inside), in the
# background, and wait for it: a signal then runs the traps at once instead
# of after COMMAND, and cleanup stops COMMAND.
run_bg() {
    local rc=0
    (cd /var/tmp && exec "$@") &
    CHILD=$!
    wait "$CHILD" || rc=$?
    CHILD=
    return "$rc"
}
# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
    if [ -n "$CHILD" ]; then kill -TERM "$CHILD" 2> /dev/null || true; wait "$CHILD" 2> /dev/null || true; fi
    if [ -n "${LAB_ID:-}" ]; then
        log "removing lab $LAB_ID"
        lab_down "$LAB_ID" >&2 || true
    fi
    if [ -z "${OUT:-}" ]; then rm -rf "$out"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average at start: $LOAD_START"

MOAT=${MOAT:-$ROOT/build/moat}
if [ "$MOAT" = "$ROOT/build/moat" ]; then
    make -s build/moat >&2 || log "make build/moat failed; using the existing binary if any"
fi
[ -x "$MOAT" ] || { log "$MOAT missing"; exit 1; }
moat_id() { sha256sum "$MOAT" | cut -c1-12; }
MOAT_ID=$(moat_id)   # compared at the end: a rebuild during the run mixes two builds

# ---------------------------------------------------------------- start-up --
RULES=()
for i in $(seq 10); do RULES+=(--allow-net "host$i.example.com" --allow-net "203.0.113.$i:443"); done
BWRAP="bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true"
START_CMDS=()
for mode in firewall proxy; do
    cmd="$MOAT run --network $mode ${RULES[*]} -- /bin/true"
    rc=0
    # shellcheck disable=SC2086  # split like hyperfine -N splits it
    err=$(cd /var/tmp && timeout -k 5 30 $cmd 2>&1) || rc=$?
    if [ "$rc" = 0 ]; then
        START_CMDS+=(-n "moat $mode" "$cmd")
    else
        echo "\`moat run --network $mode … -- /bin/true\` exits $rc: $(echo "$err" | tail -n 1)" \
            > "$out/moat-$mode-start.na"
        log "$(cat "$out/moat-$mode-start.na")"
    fi
done
log "start-up: hyperfine, $RUNS runs each ..."
if ! run_bg timeout -k 10 $((RUNS * 3 + 300)) hyperfine -N --warmup 10 --runs "$RUNS" \
    --export-json "$out/start.json" "${START_CMDS[@]}" -n bwrap "$BWRAP" >&2; then
    echo "hyperfine failed or timed out" > "$out/start.na"
    rm -f "$out/start.json"
fi

# --------------------------------------------------------------------- lab --
run_path() { # WHO DEST: one netlat.py run (all three measures) on path WHO
    local who=$1 dest=$2 rc=0 bound
    local cmd=("$PY" "$ROOT/bench/lib/netlat.py" --path "$who" --dns-runs "$DNS_RUNS"
        --bulk-mib "$BULK_MIB" --bulk-runs "$BULK_RUNS" --lat-runs "$LAT_RUNS")
    # Generous: 8 downloads per family at 10 MB/s, plus the rest.
    bound=$((300 + 2 * (BULK_RUNS + 1) * BULK_MIB / 10 + (DNS_RUNS + LAT_RUNS) / 10))
    if [ "$who" != direct ]; then
        # --allow-unix-sockets: curl's threaded resolver needs socketpair(AF_UNIX).
        cmd=("$MOAT" run --timeout "$bound" --network "$who" --allow-net dual.test --allow-unix-sockets
            -- "${cmd[@]}")
    fi
    run_bg timeout -k 5 $((bound + 15)) ip netns exec "$LAB_HOST" "${cmd[@]}" > "$dest" || rc=$?
    if [ "$rc" != 0 ] || ! "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$dest" 2> /dev/null; then
        log "$who failed: exit $rc"
        rm -f "$dest"
        echo "the run under $who exited $rc" > "${dest%.json}.failed"
    fi
}

if [ -n "${SKIP_LAB:-}" ]; then
    echo "skipped (SKIP_LAB)" > "$out/lab.na"
else
    log "bringing the test lab up ..."
    if ! lab_up --lifetime 3600 >&2; then
        echo "tests/lab/lab.sh could not bring the lab up (see stderr)" > "$out/lab.na"
    fi
fi
if [ ! -f "$out/lab.na" ]; then
    log "lab $LAB_ID: $LAB_HOST, dual.test = $LAB_W4 $LAB_W6"
    for who in proxy firewall; do
        rc=0
        err=$(cd /var/tmp && timeout -k 5 40 ip netns exec "$LAB_HOST" \
            "$MOAT" run --timeout 30 --network "$who" --allow-net dual.test -- /bin/true 2>&1) || rc=$?
        [ "$rc" = 0 ] ||
            echo "\`moat run --network $who --allow-net dual.test -- /bin/true\` exits $rc: $(echo "$err" | tail -n 1)" > "$out/$who.na"
        [ ! -f "$out/$who.na" ] || log "$who: $(cat "$out/$who.na")"
    done
    # Rounds interleave the paths so that a change of load on the machine
    # hits each alike; the report pools the rounds.
    for r in $(seq "$ROUNDS"); do
        for who in direct proxy firewall; do
            [ -f "$out/$who.na" ] && continue
            log "round $r/$ROUNDS: $who (dns, bulk, echo) ..."
            run_path "$who" "$out/$who-round$r.json"
        done
    done
    # CONNS connections at once to dual.test:7, held, pinged, closed (bench/lib/measure.py, as
    # proxy.sh does through moat's proxy): direct, and intercepted in firewall mode, where the
    # workload connects to the name's pool address; the supervisor watched by monitor.py.
    conc=(bench/lib/measure.py --direct --target-host dual.test --resolve-once --http-port 80
        --echo-port 7 --tests concurrency --conns "$CONNS")
    log "concurrency: $CONNS connections, direct ..."
    run_bg timeout -k 5 300 ip netns exec "$LAB_HOST" "$PY" "$ROOT/${conc[0]}" "${conc[@]:1}" \
        --label direct > "$out/direct-conc.json" || rm -f "$out/direct-conc.json"
    if [ ! -f "$out/firewall.na" ]; then
        log "concurrency: $CONNS connections, firewall ..."
        run_bg timeout -k 5 300 ip netns exec "$LAB_HOST" "$PY" "$ROOT/bench/lib/monitor.py" \
            --timeout 240 --settle 4 --out "$out/firewall-mon.json" -- "$MOAT" run --timeout 200 \
            --network firewall --allow-net dual.test --rlimit nofile=$((CONNS + 100)) -- \
            "$PY" "$ROOT/${conc[0]}" "${conc[@]:1}" --phase-pause 5 --label firewall \
            > "$out/firewall-conc.json" || rm -f "$out/firewall-conc.json"
    fi
    lab_down "$LAB_ID" >&2 || log "lab_down $LAB_ID failed"
    LAB_ID=
fi

# ----------------------------------------------------------------- report --
"$PY" - "$out/meta.json" "$LOAD_START" \
    "$(git describe --always --dirty 2> /dev/null || echo unknown), sha256 $MOAT_ID$(
        [ "$(moat_id)" = "$MOAT_ID" ] || echo " (REBUILT during the run, now $(moat_id): figures mix two builds)")" \
    "RUNS=$RUNS ROUNDS=$ROUNDS DNS_RUNS=$DNS_RUNS BULK_MIB=$BULK_MIB BULK_RUNS=$BULK_RUNS LAT_RUNS=$LAT_RUNS bench/firewall.sh${ARGS:+ $ARGS}" \
    "$RUNS" "$ROUNDS" "$DNS_RUNS" "$BULK_MIB" "$BULK_RUNS" "$LAT_RUNS" <<'PY'
import datetime, json, os, platform, sys
a = sys.argv
json.dump({"date": datetime.date.today().isoformat(), "kernel": platform.release(),
           "cores": os.cpu_count(), "load_start": a[2], "moat_commit": a[3],
           "command": a[4],
           "runs": a[5], "rounds": a[6], "dns_runs": a[7], "bulk_mib": a[8], "bulk_runs": a[9],
           "lat_runs": a[10], "load_end": " ".join(open("/proc/loadavg").read().split()[:3])},
          open(a[1], "w"))
PY
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$(moat_id)" = "$MOAT_ID" ] || log "WARNING: $MOAT was rebuilt during the run; rerun for figures of one build"
"$PY" bench/lib/report_firewall.py "$out"
[ -z "${OUT:-}" ] || log "raw JSON kept in $out"
exit 0
