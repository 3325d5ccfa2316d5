#!/bin/bash
# End-to-end tests: each test_* function attacks or exercises a sandbox made
# by the real moat binary and checks the outcome.  Runs as whoever starts it
# (tests/run_all.sh runs it as root and as uid 65534).
#   MOAT=path/to/moat ATTACK=path/to/attack tests/e2e/run.sh [NAME_FILTER]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${MOAT:?set MOAT}" "${ATTACK:?set ATTACK}"
export MOAT ATTACK
WHO=$(id -un 2>/dev/null || id -u)
ROOT_RUN=$([ "$(id -u)" = 0 ] && echo 1 || echo 0)
export WHO ROOT_RUN

# shellcheck source=lib.sh
. "$HERE/lib.sh"
for f in "$HERE"/test_*.sh; do
    # shellcheck disable=SC1090
    . "$f"
done

filter=${1:-}
passed=0 failed=0 failed_names=()
for t in $(declare -F | awk '{print $3}' | grep '^test_' | sort); do
    [ -n "$filter" ] && [[ $t != *$filter* ]] && continue
    # Not under /tmp: the sandbox has a private /tmp that would hide it.
    WORK=$(mktemp -d "${MOAT_TEST_DIR:-/var/tmp}/moat-e2e.XXXXXX")
    export WORK HOME="$WORK/home"
    mkdir -p "$HOME"
    log="$WORK.log"
    # Not inside `if`: bash ignores set -e in a condition's subshell.
    rc=0
    ( set -e; cd "$WORK"; "$t" ) >"$log" 2>&1 || rc=$?
    [ -e "$WORK/.failed" ] && rc=1
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1)); echo "ok - ${t#test_} ($WHO)"
    else
        failed=$((failed + 1)); failed_names+=("$t")
        echo "not ok - ${t#test_} ($WHO)"; sed 's/^/    /' "$log" | tail -n 25
    fi
    rm -rf "$WORK" "$log"
done
echo "e2e ($WHO): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
