#!/bin/bash
# The fuzz corpora as a regression test (part of `make check`): every input under
# tests/fuzz/corpus/NAME runs once through build-fuzz/fuzz_NAME (ASan, UBSan and the
# target's own property checks).  One test per target; ends with "N passed, N failed".
#   tests/fuzz/regress.sh build-fuzz/fuzz_NAME...
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
for bin in "$@"; do
    name=${bin##*/fuzz_}
    files=()
    for f in tests/fuzz/corpus/"$name"/*; do
        [ -f "$f" ] && files+=("$f")
    done
    if [ "${#files[@]}" -eq 0 ]; then
        echo "not ok - fuzz corpus $name: no inputs in tests/fuzz/corpus/$name"
        failed=$((failed + 1))
        continue
    fi
    # Given files rather than a directory, libFuzzer runs each once and does not fuzz.
    if out=$("$bin" "${files[@]}" 2>&1); then
        echo "ok - fuzz corpus $name: ${#files[@]} inputs"
        passed=$((passed + 1))
    else
        input=$(printf '%s\n' "$out" | sed -n 's/^Running: //p' | tail -n 1)
        echo "not ok - fuzz corpus $name: $input"
        printf '%s\n' "$out" | grep -E -A1 'fuzz property failed' | grep -v '^--$' | sed 's/^/    /'
        printf '%s\n' "$out" | grep -E 'ERROR: |SUMMARY: ' | sed 's/^/    /'
        echo "    reproduce: $bin $input"
        failed=$((failed + 1))
    fi
done
echo "fuzz corpora: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
