# What one sandbox can make moat's supervisor hold, and spend (docs/network.md, "Bounds"):
# a workload floods the DNS filter over TCP without reading, holds hundreds of half-open
# connections and trickles a request; then floods the log with distinct refusals and the
# DNS filter with queries over UDP, reads a download slowly and holds 10,000 half-open
# connections.  moat's memory stays bounded, it burns no CPU on idle connections, the log
# stays within its rate, and an established tunnel and its other services keep answering.

# The supervisor's peak RSS, in KiB, must stay under this while it runs.
# The documented bound for anything a workload does is 96 MiB; this
# workload's share of it is smaller (docs/network.md).
PRESSURE_HWM_KIB=$((12 * 1024))
# Clock ticks (1/100 s) the supervisor may use in 2 s while 10,000 connections sit idle:
# a listener or connection spinning would use ~200.
PRESSURE_IDLE_TICKS=20

test_dual_a_flooding_workload_cannot_grow_moat() {
    mkdir -m 0777 "$WORK/rw"
    cp "$(dirname "${BASH_SOURCE[0]}")/pressure_client.py" "$WORK/"
    chmod a+r "$WORK/pressure_client.py"
    local o=$WORK/out e=$WORK/err log=$WORK/refusals.log pid='' p hwm='' t0 t1
    touch "$o" "$e"; chmod 0666 "$o" "$e"
    ip netns exec "$LAB_HOST" "$BASH" -c "$(declare -f as_user); as_user \"\$@\"" _ \
        "$MOAT" run --timeout 120 --network proxy --allow-net dual.test --allow-net '*.wild.test' \
        --allow-write "$WORK/rw" --log "$log" --rlimit nofile=12000 \
        -- /usr/bin/python3 "$WORK/pressure_client.py" "$WORK/rw" > "$o" 2> "$e" &
    local runner=$!
    # The supervisor: the oldest process running moat's binary for this test.
    for _ in $(seq 100); do
        for p in $(pgrep -f "$WORK/pressure_client.py" | sort -n); do
            if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$MOAT")" ]; then
                pid=$p; break 2
            fi
        done
        sleep 0.1
    done
    for _ in $(seq 900); do
        [ -e "$WORK/rw/held" ] && break
        sleep 0.1
    done
    if [ -n "$pid" ] && [ -e "$WORK/rw/held" ]; then
        t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sleep 2; t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    fi
    touch "$WORK/rw/ticked"
    for _ in $(seq 400); do
        [ -e "$WORK/rw/measure" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] && hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
    touch "$WORK/rw/measured"
    wait "$runner" || true
    cat "$o"
    tail -n 5 "$e"
    grep -E "log flood|query flood|half-open:" "$o" || true
    [ -e "$WORK/rw/measure" ] || fail "the workload never got to the end"
    [ -n "$pid" ] || fail "no supervisor process found"
    echo "moat's peak RSS: ${hwm} KiB; CPU with 10,000 idle connections: $((t1 - t0)) ticks in 2 s"
    [ "${hwm:-999999999}" -lt "$PRESSURE_HWM_KIB" ] || fail "moat grew to $hwm KiB"
    [ $((t1 - t0)) -lt "$PRESSURE_IDLE_TICKS" ] || fail "moat used $((t1 - t0)) ticks in 2 s with idle connections"
    for check in "established tunnel before the floods" "flood connections stay open" \
        "DNS over UDP during the flood" "DNS over UDP with half-open connections" \
        "a trickled request through SOCKS while the HTTP proxy is full" \
        "HTTP proxy after the half-open connections closed" "tunnel during the log flood" \
        "DNS over UDP again after the query flood" "tunnel during the query flood" \
        "tunnel while another is not read" "the slow reader still gets its bytes" \
        "DNS over UDP with 10,000 half-open connections" "tunnel with 10,000 half-open connections"; do
        expect_contains "$(cat "$o")" "$check: ok" "$check"
    done
    # The log: 3,000 distinct refusals in a few seconds are cut to the rate, and counted.
    local lines secs
    lines=$(grep -c 'flood[0-9]*\.denied\.test' "$log" || true)
    secs=$(cat "$WORK/rw/log-flood-s")
    echo "log: $lines flood lines of 3000 in $secs s; $(grep -c '"kind":"suppressed"' "$log") suppressed lines"
    [ "$lines" -le $((500 + 50 * (${secs%.*} + 2))) ] || fail "the log took $lines lines in $secs s"
    grep -q '"kind":"suppressed"' "$log" || fail "no count of the dropped lines in the log"
}
