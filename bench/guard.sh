#!/bin/bash
# The write guard's cost on write-heavy work: the same jobs in a writable
# tree under moat with the guard (the default), moat with the guard turned
# off (a testing aid, so only the guard differs), and bwrap, in one run.
#   bench/guard.sh [RUNS]        (default 10 runs each, after 2 warm-ups)
# Jobs: (a) extract a tarball of 5,000 small files, `git add` and commit
# them, and a build that writes 500 objects (cc -c) through make; (b) a
# loop that creates, renames and writes 20,000 files (the guard's per-call
# cost).  The variants run interleaved, so drift in the machine's load
# falls on all of them alike.  Prints a Markdown table for BENCHMARKS.md.
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
cat > "$out/calls.py" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(20000):
    p = f"{d}/f{i}"
    with open(p, "w") as f:
        f.write("x")
    os.rename(p, p + ".r")
PY
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

variants=(moat moat-noguard bwrap)
prefix() { # VARIANT: the command line that runs a job under it
    case $1 in
    moat) echo "$MOAT run --allow-write $out/w --unprotect .git --pass-env SRC --" ;;
    moat-noguard) echo "$MOAT run --allow-write $out/w --unprotect .git --pass-env SRC --debug-disable-layer guard --" ;;
    bwrap) echo "bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --bind $out/w $out/w --setenv SRC $SRC --" ;;
    esac
}
timed() { # OUTFILE CMD...: append the run's wall time in microseconds
    local f=$1 t0 t1; shift
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 )) >> "$f"
}
for i in $(seq $((RUNS + 2))); do
    for v in "${variants[@]}"; do
        d="$out/w/$v.$i"
        mkdir -p "$d"
        # shellcheck disable=SC2046
        if [ "$i" -gt 2 ]; then
            timed "$out/$v.job" $(prefix $v) "$out/job.sh" "$d"
            mkdir -p "$d/calls"
            timed "$out/$v.calls" $(prefix $v) python3 "$out/calls.py" "$d/calls"
        else
            $(prefix $v) "$out/job.sh" "$d" >/dev/null
        fi
        rm -rf "$d"
    done
done

python3 - "$out" <<'PY'
import statistics, sys
d = sys.argv[1]
names = ("moat", "moat-noguard", "bwrap")
med = {(n, j): statistics.median(int(x) for x in open(f"{d}/{n}.{j}")) / 1000
       for n in names for j in ("job", "calls")}
print("| variant | build job, median ms | 20,000 create+write+rename, median ms |")
print("|---|---|---|")
for n in names:
    print(f"| {n} | {med[n, 'job']:.0f} | {med[n, 'calls']:.0f} |")
print()
for j, what in (("job", "build job"), ("calls", "20,000 files")):
    print(f"{what}: moat/moat-noguard **{med['moat', j] / med['moat-noguard', j]:.2f}**, "
          f"moat/bwrap **{med['moat', j] / med['bwrap', j]:.2f}**")
per_call = (med["moat", "calls"] - med["moat-noguard", "calls"]) * 1000 / 40000
print(f"the guard's cost per guarded call (create and rename): about **{per_call:.0f} µs**")
PY
