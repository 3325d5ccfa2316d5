#!/bin/sh
# Run each unit-test binary given; print one total line.
passed=0 failed=0
for t in "$@"; do
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -v '^ok - '
    p=$(printf '%s\n' "$out" | sed -n 's/^unit: \([0-9]*\) passed, [0-9]* failed$/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^unit: [0-9]* passed, \([0-9]*\) failed$/\1/p' | tail -n 1)
    if [ -z "$p" ]; then
        echo "not ok - $t crashed or printed no total (exit $rc)"; failed=$((failed + 1)); continue
    fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "not ok - $t exited $rc"; failed=$((failed + 1)); fi
done
echo "unit total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
