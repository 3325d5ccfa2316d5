#!/bin/bash
# `make fuzz-coverage`: run every corpus input once through the coverage build of its
# target (build-fuzz-cov/fuzz_NAME) and print llvm-cov's line and region coverage of each
# src/ file the targets reach, with the total.  What `make check` exercises, file by file.
#   tests/fuzz/coverage.sh build-fuzz-cov/fuzz_NAME...
set -u
cd "$(dirname "$0")/../.."
LLVM_COV=${LLVM_COV:-llvm-cov-14} LLVM_PROFDATA=${LLVM_PROFDATA:-llvm-profdata-14}
prof=build-fuzz-cov/profiles
rm -rf "$prof"
mkdir -p "$prof"
objects=()
for bin in "$@"; do
    name=${bin##*/fuzz_}
    files=()
    for f in tests/fuzz/corpus/"$name"/*; do
        [ -f "$f" ] && files+=("$f")
    done
    [ "${#files[@]}" -eq 0 ] && continue
    LLVM_PROFILE_FILE="$prof/$name.profraw" "$bin" "${files[@]}" >/dev/null 2>&1 ||
        echo "fuzz_$name failed on its corpus (run make fuzz-regress)" >&2
    objects+=(-object "$bin")
done
"$LLVM_PROFDATA" merge -sparse -o "$prof/all.profdata" "$prof"/*.profraw || exit 1
# Every .c file of src/ the binaries contain (whatever a target links, parsers or not):
# lines and branches, as llvm-cov counts them.
"$LLVM_COV" report "${objects[@]:1}" -instr-profile="$prof/all.profdata" \
    -ignore-filename-regex="(tests/|/usr/|\.h$)" >"$prof/report.txt" || exit 1
awk 'BEGIN { printf "%-32s %7s %8s %8s %9s\n", "file", "lines", "missed", "lines%", "branches%" }
     $1 ~ /(\.c|^TOTAL)$/ && NF >= 13 {
         printf "%-32s %7s %8s %8s %9s\n", $1, $8, $9, $10, $13 }' "$prof/report.txt"
