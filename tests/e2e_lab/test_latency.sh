# Latency with a round-trip time: slow.test is dual.test behind the lab's
# delay relay (LAB_DELAY_MS each way, tests/lab/delay_relay.py).  A small
# HTTPS request must cost through moat about what it costs direct: issue 10
# measured 65-110 ms instead of 24 because the relay's sockets waited under
# Nagle's algorithm for ACKs.  Loose on purpose (medians, half an RTT of
# slack); bench/latency.sh measures it properly.

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

latency_client() { # [proxy]: 7 timed requests to slow.test; sets OUT
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 "$WORK/latency_client.py" slow.test "$WORK/ca.pem" 7 "$@"
    [ "$RC" = 0 ] || fail "latency client: $ERR"
}

test_dual_small_request_costs_what_it_costs_direct() {
    local rtt=$((2 * LAB_DELAY_MS)) direct proxy firewall
    cp "$(dirname "${BASH_SOURCE[0]}")/latency_client.py" "$WORK/"
    cp "$LAB_CA" "$WORK/ca.pem"
    chmod a+r "$WORK/latency_client.py" "$WORK/ca.pem"
    direct=$(ip netns exec "$LAB_HOST" "$BASH" -c "$(declare -f as_user); as_user \"\$@\"" _ \
        /usr/bin/python3 "$WORK/latency_client.py" slow.test "$WORK/ca.pem" 7 | median)
    SB_OPTS=(--network proxy --allow-net slow.test:443)
    latency_client proxy
    proxy=$(echo "$OUT" | median)
    SB_OPTS=(--network firewall --allow-net slow.test:443)
    latency_client
    firewall=$(echo "$OUT" | median)
    echo "medians: direct $direct ms, proxy $proxy ms, firewall $firewall ms; RTT $rtt ms"
    # Nagle's wait costs about one RTT per request here; allow half of one.
    awk -v d="$direct" -v p="$proxy" -v r="$rtt" 'BEGIN { exit !(p < d + r / 2) }' ||
        fail "through the proxy: $proxy ms, direct $direct ms, RTT $rtt ms"
    awk -v d="$direct" -v f="$firewall" -v r="$rtt" 'BEGIN { exit !(f < d + r / 2) }' ||
        fail "firewall mode: $firewall ms, direct $direct ms, RTT $rtt ms"
}
