# What one sandbox can make moat's supervisor hold (docs/network.md,
# "Bounds"): a workload floods the DNS filter over TCP without reading,
# holds hundreds of half-open connections, trickles a request; moat's
# memory stays bounded and its other services keep answering.

# The supervisor's peak RSS, in KiB, must stay under this while it runs.
# The documented bound for anything a workload does is 96 MiB; this
# workload's share of it is smaller (docs/network.md).
PRESSURE_HWM_KIB=$((24 * 1024))

test_dual_a_flooding_workload_cannot_grow_moat() {
    cp "$(dirname "${BASH_SOURCE[0]}")/pressure_client.py" "$WORK/"
    chmod a+r "$WORK/pressure_client.py"
    local o=$WORK/out e=$WORK/err pid='' p hwm=''
    touch "$o" "$e"; chmod 0666 "$o" "$e"
    ip netns exec "$LAB_HOST" "$BASH" -c "$(declare -f as_user); as_user \"\$@\"" _ \
        "$MOAT" run --timeout 60 --network proxy --allow-net dual.test --allow-write "$WORK" \
        -- /usr/bin/python3 "$WORK/pressure_client.py" "$WORK" > "$o" 2> "$e" &
    local runner=$!
    for _ in $(seq 400); do
        [ -e "$WORK/measure" ] && break
        sleep 0.1
    done
    # The supervisor: the oldest process running moat's binary for this test.
    for p in $(pgrep -f "$WORK/pressure_client.py" | sort -n); do
        if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$MOAT")" ]; then
            pid=$p; break
        fi
    done
    [ -n "$pid" ] && hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
    touch "$WORK/measured"
    wait "$runner" || true
    cat "$o" "$e"
    [ -e "$WORK/measure" ] || fail "the workload never got to the end"
    [ -n "$hwm" ] || fail "no supervisor process found"
    echo "moat's peak RSS: ${hwm} KiB"
    [ "${hwm:-999999999}" -lt "$PRESSURE_HWM_KIB" ] || fail "moat grew to $hwm KiB"
    for check in "flood connections stay open" "DNS over UDP during the flood" \
        "DNS over UDP with half-open connections" \
        "a trickled request through SOCKS while the HTTP proxy is full" \
        "HTTP proxy after the half-open connections closed"; do
        expect_contains "$(cat "$o")" "$check: ok" "$check"
    done
}
