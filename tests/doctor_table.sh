#!/bin/bash
# The table of guarantees in docs/security.md ("Isolation modes") must be
# what `moat doctor` prints: the same rows, in the same order, with the same
# namespaces and landlock columns.  Run from the checkout by run_all.sh.
#   MOAT=build/moat tests/doctor_table.sh
set -u
cd "$(dirname "$0")/.."
MOAT=${MOAT:-build/moat}
passed=0 failed=0
check() { # WHAT RESULT
    if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok - $1"
    else failed=$((failed + 1)); echo "not ok - $1"; fi
}
doc=$(sed -n '/^<!-- guarantees/,/^<!-- \/guarantees/p' docs/security.md |
    grep '^| ' | tail -n +2 | grep -v '^|---' |
    sed -E 's/^\| *//; s/ *\| *$//; s/ *\| */|/g')
out=$("$MOAT" doctor 2>/dev/null)
got=$(printf '%s\n' "$out" | sed -n '/^Guarantees /,/^$/p' | grep -E '^  [a-z]' |
    grep -v '^  guarantee ' | sed -E 's/^  //; s/ {2,}/|/g' | cut -d'|' -f1-3)
[ -n "$doc" ]; check "docs/security.md has the table" $?
[ -n "$got" ]; check "moat doctor prints the table" $?
if diff <(printf '%s\n' "$doc") <(printf '%s\n' "$got"); then r=0; else r=1; fi
check "the two tables agree row by row" $r
# Every row has a verdict for this host, and every "no" says what lifts it
# unless the mode here can never give it.
rows=$(printf '%s\n' "$out" | sed -n '/^Guarantees /,/^$/p' | grep -cE '^  [a-z].*  (yes|no)$')
[ "$rows" -eq "$(printf '%s\n' "$doc" | wc -l)" ]; check "each row has this host's verdict" $?
echo "doctor table: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
