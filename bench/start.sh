#!/bin/bash
# Start-up cost: median wall time of `moat run -- /bin/true` against bwrap
# doing the same in the same run (hyperfine), plus moat's peak RSS.
#   bench/start.sh [RUNS]        (default 200 runs each, after 20 warm-ups)
# Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
make -s build/moat >&2
MOAT=$PWD/build/moat
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# A typical policy: the project writable, credentials hidden.
mkdir -p "$out/proj" "$out/home/.ssh" "$out/home/.aws"
cat > "$out/policy.json" <<JSON
{ "filesystem": { "allowWrite": [ "$out/proj" ],
                  "denyRead": [ "$out/home/.ssh", "$out/home/.aws" ] },
  "network": { "mode": "none" },
  "process": { "timeout": 60, "rlimits": { "core": 0 } } }
JSON

hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$out/start.json" \
    -n moat "$MOAT run --policy $out/policy.json -- /bin/true" \
    -n bwrap "bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true" >&2

# Peak RSS (KiB) of moat's process tree (wait4 reports the largest of moat and
# the children it reaped), measured by GNU time: 20 runs, median.
for _ in $(seq 20); do
    /usr/bin/time -f %M "$MOAT" run --policy "$out/policy.json" -- /bin/true 2>&1 >/dev/null | tail -n 1
done > "$out/rss"

python3 - "$out/start.json" "$out/rss" <<'PY'
import json, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: statistics.median(v["times"]) * 1000 for k, v in res.items()}
rss = [int(x) for x in open(sys.argv[2]).read().split()]
print("| command | median ms | runs |")
print("|---|---|---|")
for k in ("moat", "bwrap"):
    print(f"| {k} | {med[k]:.2f} | {len(res[k]['times'])} |")
print(f"\nmoat/bwrap (median): **{med['moat'] / med['bwrap']:.2f}**")
print(f"moat peak RSS (max over its process tree, median of {len(rss)}): **{statistics.median(rss) / 1024:.2f} MiB**")
PY
