#!/bin/bash
# The write guard's cost on write-heavy work: the same jobs in a writable
# tree under moat with the guard (the default), moat with the guard turned
# off (a testing aid, so only the guard differs), and bwrap, in one run.
#   bench/guard.sh [RUNS]        (default 10 runs each, after 2 warm-ups)
# Jobs: extract a tarball of 5,000 small files; `git add` and commit them;
# a build that writes 500 objects (cc -c) through make.
# Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
make -s build/moat >&2
MOAT=$PWD/build/moat
out=$(mktemp -d /var/tmp/moat-bench-guard.XXXXXX)
trap 'rm -rf "$out"' EXIT

# The inputs: 5,000 files of 1 KiB in 50 directories; 500 C files.
mkdir -p "$out/src/tree" "$out/src/c"
for d in $(seq 50); do
    mkdir -p "$out/src/tree/d$d"
    for f in $(seq 100); do head -c 1024 /dev/urandom > "$out/src/tree/d$d/f$f"; done
done
tar cf "$out/src/tree.tar" -C "$out/src" tree
for i in $(seq 500); do echo "int f$i(void) { return $i; }" > "$out/src/c/f$i.c"; done
printf 'OBJS := $(patsubst %%.c,%%.o,$(wildcard *.c))\nall: $(OBJS)\n' > "$out/src/c/Makefile"

mkdir -p "$out/w"
cat > "$out/job.sh" <<'JOB'
#!/bin/sh
# $1: a fresh directory to work in
set -e
cd "$1"
tar xf "$SRC/tree.tar"
git init -q repo && cd repo && cp -r ../tree . && git add -A &&
    git -c user.name=b -c user.email=b@b commit -q -m bench && cd ..
cp -r "$SRC/c" c && make -s -C c -j2
JOB
chmod +x "$out/job.sh"
export SRC=$out/src

run() { # NAME PREFIX... : time RUNS jobs, each in a fresh directory
    local name=$1; shift
    local i
    for i in $(seq $((RUNS + 2))); do
        local d="$out/w/$name.$i"
        mkdir -p "$d"
        local t0 t1
        t0=$(date +%s%N)
        "$@" "$out/job.sh" "$d" >/dev/null
        t1=$(date +%s%N)
        [ "$i" -gt 2 ] && echo $(( (t1 - t0) / 1000 ))
        rm -rf "$d"
    done > "$out/$name.times"
}

run moat "$MOAT" run --allow-write "$out/w" --unprotect .git --pass-env SRC --
run moat-noguard "$MOAT" run --allow-write "$out/w" --unprotect .git --pass-env SRC \
    --debug-disable-layer guard --
run bwrap bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp \
    --bind "$out/w" "$out/w" --setenv SRC "$SRC" --

python3 - "$out" <<'PY'
import statistics, sys
d = sys.argv[1]
med = {n: statistics.median(int(x) for x in open(f"{d}/{n}.times")) / 1000
       for n in ("moat", "moat-noguard", "bwrap")}
print("| job (tar x 5,000 files; git add+commit; make 500 objects) | median ms |")
print("|---|---|")
for n, v in med.items():
    print(f"| {n} | {v:.0f} |")
print()
print(f"moat/moat-noguard: **{med['moat'] / med['moat-noguard']:.2f}**, "
      f"moat/bwrap: **{med['moat'] / med['bwrap']:.2f}**")
PY
