#!/bin/bash
# Small-request latency with a round-trip time: one HTTPS GET (TLS handshake,
# request in small writes, response) to slow.test, which is dual.test behind
# the test lab's delay relay (tests/lab/delay_relay.py), direct vs through
# moat's proxy vs firewall mode.  See bench/README.md.
#
#   bench/latency.sh
#
# Environment: RUNS [30] requests per path and round, ROUNDS [3] interleaved
# rounds, MOAT [build/moat], BASE (another moat binary to measure alongside,
# e.g. a build from before a change; its rows are labelled "base").
# Needs root (the lab).  All traffic stays in the lab's namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-30} ROUNDS=${ROUNDS:-3}
MOAT=${MOAT:-$ROOT/build/moat}
[ -x "$MOAT" ] || make -s build/moat >&2
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# shellcheck source=tests/lab/lab.sh
. tests/lab/lab.sh
lab_trap
lab_up > /dev/null
stage=$(mktemp -d /var/tmp/moat-bench-lat.XXXXXX)
trap 'rm -rf "$stage"; lab_down "$LAB_ID" >&2 || true' EXIT
chmod 0755 "$stage"
cp tests/e2e_lab/latency_client.py "$stage/"
cp "$LAB_CA" "$stage/ca.pem"
cp "$MOAT" "$stage/moat"
[ -z "${BASE:-}" ] || cp "$BASE" "$stage/base"
chmod -R a+rX "$stage"
client=(/usr/bin/python3 "$stage/latency_client.py" slow.test "$stage/ca.pem" "$RUNS")

run_path() { # NAME: RUNS timings, one a line, appended to $stage/NAME
    local name=$1 bin=$stage/moat
    case $name in base-*) bin=$stage/base ;; esac
    case $name in
        direct) ip netns exec "$LAB_HOST" "${client[@]}" ;;
        *proxy) ip netns exec "$LAB_HOST" "$bin" run --network proxy --allow-net slow.test:443 \
                    -- "${client[@]}" proxy ;;
        *firewall) ip netns exec "$LAB_HOST" "$bin" run --network firewall \
                    --allow-net slow.test:443 -- "${client[@]}" ;;
    esac >> "$stage/$name"
}

paths=(direct proxy firewall)
[ -z "${BASE:-}" ] || paths+=(base-proxy base-firewall)
for round in $(seq "$ROUNDS"); do
    echo "latency.sh: round $round of $ROUNDS" >&2
    for p in "${paths[@]}"; do run_path "$p"; done
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rtt=$((2 * LAB_DELAY_MS))
d=$(median "$stage/direct")
echo "### Small HTTPS request with a ${rtt} ms RTT ($(date -u +%Y-%m-%d), $(git rev-parse --short HEAD), load $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
echo
echo "\`bench/latency.sh\`: TLS handshake + GET in four small writes + response, $((RUNS * ROUNDS)) requests per path in $ROUNDS interleaved rounds; milliseconds."
echo
echo "| path | median | vs direct | extra, in RTTs | extra, µs |"
echo "|---|---|---|---|---|"
for p in "${paths[@]}"; do
    m=$(median "$stage/$p")
    awk -v p="$p" -v m="$m" -v d="$d" -v r="$rtt" 'BEGIN { printf "| %s | %.2f | %.3fx | %+.3f | %+.0f |\n", p, m, m / d, (m - d) / r, (m - d) * 1000 }'
done
