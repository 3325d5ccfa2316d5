#!/bin/bash
# Network end-to-end tests in the dual-stack lab (tests/lab): moat runs in
# the lab's host namespace, as root and as uid 65534, and the workload tries
# to reach the lab's world.  Then the same for a host side without IPv6, and
# for one without IPv4.
# Needs root (the lab).  Every namespace is removed, even on failure.
#   MOAT=... ATTACK=... tests/e2e_lab/run.sh [NAME_FILTER]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${MOAT:?set MOAT}" "${ATTACK:?set ATTACK}"
export MOAT ATTACK
# shellcheck source=../e2e/lib.sh
. "$HERE/../e2e/lib.sh"
# shellcheck source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source=lib_lab.sh
. "$HERE/lib_lab.sh"
for f in "$HERE"/test_*.sh; do
    # shellcheck disable=SC1090
    . "$f"
done

filter=${1:-}
passed=0 failed=0

run_tests() { # PREFIX: every test_PREFIX* function, as root and as uid 65534
    local t who
    for t in $(declare -F | awk '{print $3}' | grep "^test_$1" | sort); do
        [ -n "$filter" ] && [[ $t != *$filter* ]] && continue
        for who in root nobody; do
            WORK=$(mktemp -d /var/tmp/moat-lab-e2e.XXXXXX)
            chmod 0777 "$WORK"
            export WORK RUN_AS=$who
            run_test "$t" "$who"
        done
    done
}

lab_trap
if lab_up >/dev/null; then
    run_tests dual_
    lab_down
else
    echo "not ok - the dual-stack lab did not come up"; failed=$((failed + 1))
fi
if lab_up --no-ipv6 >/dev/null; then
    run_tests no6_
    lab_down
else
    echo "not ok - the IPv4-only lab did not come up"; failed=$((failed + 1))
fi
if lab_up --no-ipv4 >/dev/null; then
    run_tests no4_
    lab_down
else
    echo "not ok - the IPv6-only lab did not come up"; failed=$((failed + 1))
fi
echo "e2e lab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
