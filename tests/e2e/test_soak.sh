# Soak (issue 14): a hundred sandboxes one after the other in each network mode leave
# nothing behind: no process (tests/e2e/soak.py runs them as a child subreaper, so an
# orphan would come back to it), no descriptor, no mount, no file.  (The sanitizer pass runs
# 25 of each.)  bench/soak.sh runs 1,000 of each and judges start-up drift.

soak_mode() { # MODE ARGS...
    local n=100
    case $MOAT in *asan*) n=25 ;; esac
    /usr/bin/python3 "$HERE/soak.py" "$n" -- "$MOAT" run "$@" -- /bin/true > soak.out 2>&1 ||
        true
    cat soak.out
    if grep -q '^not ok' soak.out || ! grep -q "^ok - $n runs exited 0" soak.out; then
        fail "$* : $(grep "^not ok" soak.out | head -n 3)"
    fi
}

test_soak_sequential_sandboxes_leave_nothing_behind() {
    soak_mode --network none --allow-write "$WORK"
    soak_mode --network proxy --allow-net example.com
    soak_mode --network firewall --allow-net example.com --allow-net 203.0.113.7:443
    soak_mode --network host
}
