#!/bin/bash
# `make fuzz`: run each libFuzzer target given for SECONDS, one after another, and print
# per target the executions, the coverage libFuzzer reached (cov: edges, ft: features),
# the corpus size and the crashes found.  New corpus inputs go to build-fuzz/corpus/NAME
# (`make fuzz-merge` folds them into tests/fuzz/corpus/NAME); crash reproducers to
# tests/fuzz/crashes/NAME-crash-SHA1 (gitignored).  Exits 1 when anything was found.
#   tests/fuzz/run.sh SECONDS build-fuzz/fuzz_NAME...
#   FUZZ_TARGETS="addr dns_query"  only these;  FUZZ_NICE=10  the nice(1) level
set -u
cd "$(dirname "$0")/../.."
secs=${1:?usage: run.sh SECONDS BINARY...}
shift
mkdir -p build-fuzz/corpus build-fuzz/logs tests/fuzz/crashes

# The value of "NAME: N" (libFuzzer's final stats) or " NAME: N" in its last status line.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
status_field() { grep -E '^#[0-9]+.* cov: ' "$2" | tail -n 1 | sed -nE "s/.* $1: ([0-9]+).*/\1/p"; }
crash_count() { find tests/fuzz/crashes -maxdepth 1 -name "$1-*" | wc -l; }

targets=0 total_execs=0 total_found=0
printf '%-14s %5s %12s %8s %6s %7s %7s %8s\n' target secs executions exec/s cov ft corpus crashes
for bin in "$@"; do
    name=${bin##*/fuzz_}
    if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then
        continue
    fi
    # Per-target libFuzzer flags (-max_len, -dict) from a "fuzz-flags:" line in the source.
    flags=$(sed -n 's/^ \* fuzz-flags: //p' "tests/fuzz/fuzz_$name.c")
    work=build-fuzz/corpus/$name seeds=tests/fuzz/corpus/$name log=build-fuzz/logs/$name.log
    mkdir -p "$work" "$seeds"
    before=$(crash_count "$name")
    # shellcheck disable=SC2086
    nice -n "${FUZZ_NICE:-10}" "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$name-" $flags \
        "$work" "$seeds" >"$log" 2>&1
    rc=$?
    found=$(( $(crash_count "$name") - before ))
    # A non-zero exit without a reproducer (it did not start, say) is a finding too.
    [ "$rc" -ne 0 ] && [ "$found" -eq 0 ] && found=1
    execs=$(stat number_of_executed_units "$log")
    printf '%-14s %5s %12s %8s %6s %7s %7s %8s\n' "$name" "$secs" "${execs:-?}" \
        "$(stat average_exec_per_sec "$log")" "$(status_field cov "$log")" \
        "$(status_field ft "$log")" "$(status_field corp "$log")" "$found"
    if [ "$found" -gt 0 ]; then
        grep -E 'fuzz property failed|ERROR: |SUMMARY: |Test unit written' "$log" | sed 's/^/    /'
        echo "    (log: $log)"
    fi
    targets=$((targets + 1))
    total_execs=$((total_execs + ${execs:-0}))
    total_found=$((total_found + found))
done
echo "fuzz: $targets targets, $total_execs executions, $total_found crashes"
[ "$total_found" -eq 0 ]
