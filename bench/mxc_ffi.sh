#!/bin/bash
# moat's libmxc_ffi.so against mxc's own, in-process: @microsoft/mxc-sdk
# 1.0.1's run() of `true` (installed from npm by tests/mxc/sdk_install.sh),
# with MXC_FFI_DIR pointing at moat's build, and without it (the SDK then
# loads the libmxc_ffi.so its package ships in bin/x64).  Two requests:
# network off (no `network`), and one egress allow rule (203.0.113.1:443/tcp;
# mxc's bubblewrap backend enforces it with slirp4netns and iptables, moat
# in its firewall mode).  No packet is sent: the rule is only set up.
# ROUNDS interleaved rounds (one Node process per library, case and round,
# the order alternating), WARMUP untimed and RUNS timed run() calls each;
# each call timed in Node from the call to the result (bench/lib/
# mxc_ffi_run.mjs).  Medians of the pooled calls, and the ratio.
#   bench/mxc_ffi.sh                 (ROUNDS=10 RUNS=20 WARMUP=2)
#   MXC_LIB_DIR=DIR bench/mxc_ffi.sh another mxc library directory
# Prints Markdown for BENCHMARKS.md; progress goes to stderr.  Root (or
# unprivileged user namespaces), node, and slirp4netns (bench/deps.sh) for
# mxc's firewall mode.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-10}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-2}
NODE=${NODE:-/usr/bin/node}
# Debian's PATH for root: mxc's library finds bwrap, slirp4netns, iptables
# and nsenter on PATH, and a long one of shims would cost it lookups.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
make -s build/libmxc_ffi.so >&2
MOAT_DIR=$PWD/build
DRIVER=$PWD/bench/lib/mxc_ffi_run.mjs
SDK=$(tests/mxc/sdk_install.sh 1.0.1)
MXC_DIR=${MXC_LIB_DIR:-$SDK/node_modules/@microsoft/mxc-sdk/bin/x64}
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

# Not under /tmp: moat's /tmp is the sandbox's own.  The calls run from here.
out=$(mktemp -d /var/tmp/moat-bench-mxc.XXXXXX)
trap 'rm -rf "$out"' EXIT
chmod 0755 "$out"
cd "$out"

declare -A REQUEST=(
    [off]='{"command":"true"}'
    [allow]='{"command":"true","network":{"egress":{"default":"deny","allow":[{"to":[{"cidr":"203.0.113.1/32"}],"ports":[{"port":443,"protocol":"tcp"}]}]}}}'
)
CASES="off allow"

# round LIB CASE WARMUP RUNS: one Node process; its JSON line on stdout.
round() {
    local dir
    case $1 in moat) dir=$MOAT_DIR ;; mxc) dir=$MXC_DIR ;; esac
    MXC_FFI_DIR=$dir "$NODE" "$DRIVER" "$SDK" "${REQUEST[$2]}" "$3" "$4"
}

# Each library must run each case before it is timed; one that cannot is
# reported with its error, never timed.
for c in $CASES; do
    for lib in moat mxc; do
        if round "$lib" "$c" 0 1 > "$out/check-$lib-$c.json" 2>"$out/check-$lib-$c.err"; then
            echo "bench/mxc_ffi: $lib, $c: runs" >&2
        else
            echo "bench/mxc_ffi: $lib, $c: cannot run: $(cat "$out/check-$lib-$c.json" "$out/check-$lib-$c.err")" >&2
            touch "$out/skip-$lib-$c"
        fi
    done
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench/mxc_ffi: load average at start: $load_start; $ROUNDS rounds of $RUNS runs" >&2
for r in $(seq 1 "$ROUNDS"); do
    # Alternate which library goes first, so a trend in the load hits both.
    if [ $((r % 2)) = 1 ]; then order="moat mxc"; else order="mxc moat"; fi
    for c in $CASES; do
        for lib in $order; do
            [ -e "$out/skip-$lib-$c" ] && continue
            echo "bench/mxc_ffi: round $r, $c, $lib" >&2
            round "$lib" "$c" "$WARMUP" "$RUNS" >> "$out/$lib-$c.jsonl" ||
                { echo "bench/mxc_ffi: $lib, $c failed in round $r: $(tail -1 "$out/$lib-$c.jsonl")" >&2; exit 1; }
        done
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$out" "$load_start" "$load_end" "$COMMIT" "$ROUNDS" "$RUNS" "$WARMUP" <<'PY'
import json, os, statistics, sys
out, load_start, load_end, commit, rounds, runs, warmup = sys.argv[1:]
def pooled(lib, case):
    path = f"{out}/{lib}-{case}.jsonl"
    if not os.path.exists(path):
        return None, None
    ms, libs = [], set()
    for line in open(path):
        o = json.loads(line)
        ms += o["ms"]
        libs.add(o["library"])
    return ms, libs
def why(lib, case):
    text = open(f"{out}/check-{lib}-{case}.json").read().strip()
    try:
        e = json.loads(text)["error"]
        return f"{e.get('code')}: {e.get('message')}"
    except (ValueError, KeyError):
        return (text + " " + open(f"{out}/check-{lib}-{case}.err").read()).strip()[:300]
label = {"off": "network off", "allow": "one egress allow rule"}
mode = {"off": ("none", "bwrap, no network"), "allow": ("firewall", "slirp4netns + iptables")}
print(f"moat {commit}; {rounds} interleaved rounds x {runs} timed runs (after {warmup} warm-ups) "
      f"per library and case; {os.cpu_count()} cores; load average {load_start} at the start, "
      f"{load_end} at the end.\n")
print("| request | moat (mode) median | mxc (backend) median | p10-p90 moat / mxc | mxc/moat | runs |")
print("|---|---|---|---|---|---|")
seen = set()
for case in ("off", "allow"):
    m, ml = pooled("moat", case)
    x, xl = pooled("mxc", case)
    seen |= (ml or set()) | (xl or set())
    q = lambda v: statistics.quantiles(v, n=10) if v and len(v) > 1 else [float("nan")] * 9
    cell = lambda v, who: f"{statistics.median(v):.1f} ms" if v else f"n/a ({why(who, case)})"
    ratio = f"**{statistics.median(x) / statistics.median(m):.1f}x**" if m and x else "n/a"
    spread = (f"{q(m)[0]:.1f}-{q(m)[8]:.1f} / {q(x)[0]:.1f}-{q(x)[8]:.1f} ms" if m and x else "")
    print(f"| {label[case]} | {cell(m, 'moat')} ({mode[case][0]}) | {cell(x, 'mxc')} "
          f"({mode[case][1]}) | {spread} | {ratio} | {len(m or [])} / {len(x or [])} |")
print("\nLibraries loaded (from /proc/self/maps of each round's Node process): "
      + ", ".join(f"`{p}`" for p in sorted(seen)))
PY
