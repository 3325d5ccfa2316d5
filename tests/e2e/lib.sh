# Helpers for the end-to-end tests.  Each test runs in a subshell with
# `set -e`, in a fresh $WORK directory owned by the current user, with
# HOME=$WORK/home; a failing check prints why and fails the test.

# A failed check is recorded in $WORK/.failed as well as returned: the
# harness fails the test on either, so no shell context that ignores
# `set -e` can hide a failed check.
fail() {
    echo "FAIL: $*" >&2
    echo "$*" >> "$WORK/.failed"
    return 1
}

# run_test TEST LABEL: run one test function in $WORK (made by the caller),
# count it in $passed/$failed, show its log when it fails, remove $WORK.
run_test() {
    local t=$1 label=$2 log="$WORK.log" rc=0
    # Not inside `if`: bash ignores set -e in a condition's subshell.
    ( set -e; cd "$WORK"; "$t" ) >"$log" 2>&1 || rc=$?
    [ -e "$WORK/.failed" ] && rc=1
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1)); echo "ok - ${t#test_} ($label)"
    else
        failed=$((failed + 1)); echo "not ok - ${t#test_} ($label)"
        sed 's/^/    /' "$log" | tail -n 25
    fi
    rm -rf "$WORK" "$log"
}

# expect_eq GOT WANT [what]
expect_eq() {
    [ "$1" = "$2" ] || fail "${3:-value}: got '$1', want '$2'"
}

# expect_contains HAYSTACK NEEDLE [what]
expect_contains() {
    case "$1" in *"$2"*) ;; *) fail "${3:-output} does not contain '$2': '$1'" ;; esac
}

expect_not_contains() {
    case "$1" in *"$2"*) fail "${3:-output} contains '$2': '$1'" ;; *) ;; esac
}

# moat_run ARGS... : run `moat run ARGS`, capture stdout in OUT, stderr in
# ERR, status in RC; never fails by itself.
moat_run() {
    local o e iso=()
    o=$(mktemp) e=$(mktemp)
    RC=0
    # E2E_ISOLATION: run the same test under another isolation (test_places.sh)
    [ -n "${E2E_ISOLATION:-}" ] && iso=(--isolation "$E2E_ISOLATION")
    "$MOAT" run "${iso[@]}" "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ moat run $* -> $RC; out=[$OUT] err=[$ERR]"
}

# attack ARGS... : run the attacker inside a sandbox with extra moat options
# given in MOAT_OPTS (an array); sets OUT to its verdict line.
attack() {
    moat_run "${MOAT_OPTS[@]}" -- "$ATTACK" "$@"
}

# No process whose command line contains MARK may be alive.
expect_no_process() {
    local i
    for i in $(seq 1 40); do
        pgrep -f -- "$1" >/dev/null || return 0
        sleep 0.05
    done
    fail "process matching '$1' still alive: $(pgrep -af -- "$1")"
}

wait_for_process() {
    local i
    for i in $(seq 1 100); do
        pgrep -f -- "$1" >/dev/null && return 0
        sleep 0.05
    done
    fail "process matching '$1' never started"
}

need_root() { [ "$ROOT_RUN" = 1 ]; }
