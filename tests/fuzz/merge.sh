#!/bin/bash
# `make fuzz-merge`: fold what `make fuzz` found (build-fuzz/corpus/NAME) into the corpus
# in the tree (tests/fuzz/corpus/NAME), minimised with libFuzzer's -merge=1: the hand-made
# seeds (seed-*) stay, and only inputs that add coverage over them are kept, named by
# their SHA-1.  Prints each corpus's size afterwards.
#   tests/fuzz/merge.sh build-fuzz/fuzz_NAME...      FUZZ_TARGETS="addr ..." only these
set -u
cd "$(dirname "$0")/../.."
mkdir -p build-fuzz/logs
for bin in "$@"; do
    name=${bin##*/fuzz_}
    if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then
        continue
    fi
    flags=$(sed -n 's/^ \* fuzz-flags: //p' "tests/fuzz/fuzz_$name.c")
    seeds=tests/fuzz/corpus/$name work=build-fuzz/corpus/$name
    mkdir -p "$seeds" "$work"
    new=$(mktemp -d build-fuzz/merge.XXXXXX)
    cp "$seeds"/seed-* "$new"/ 2>/dev/null
    # shellcheck disable=SC2086
    if ! nice -n "${FUZZ_NICE:-10}" "$bin" -merge=1 $flags "$new" "$seeds" "$work" \
        >"build-fuzz/logs/$name.merge.log" 2>&1; then
        echo "$name: merge failed (build-fuzz/logs/$name.merge.log)"
        rm -rf "$new"
        continue
    fi
    rm -rf "$seeds"
    mv "$new" "$seeds"
    chmod 0755 "$seeds"
    echo "$name: $(find "$seeds" -type f | wc -l) inputs, $(cat "$seeds"/* | wc -c) bytes"
done
