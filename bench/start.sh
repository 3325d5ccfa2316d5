#!/bin/bash
# Start-up cost: median wall time of `moat run -- /bin/true` against bwrap
# doing the same in the same run (hyperfine), plus moat's peak RSS.
#   bench/start.sh [RUNS]        (default 200 runs each, after 20 warm-ups)
# Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
[ -x build/moat ] || make -s build/moat
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

python3 - "$out/start.json" "$MOAT" "$out/policy.json" <<'PY'
import json, os, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: statistics.median(v["times"]) * 1000 for k, v in res.items()}
# Peak RSS of moat (the largest of moat, its init and the workload), median of 20.
rss = []
for _ in range(20):
    pid = os.fork()
    if pid == 0:
        os.execv(sys.argv[2], [sys.argv[2], "run", "--policy", sys.argv[3], "--", "/bin/true"])
    _, status, ru = os.wait4(pid, 0)
    rss.append(ru.ru_maxrss)
print("| command | median ms | runs |")
print("|---|---|---|")
for k in ("moat", "bwrap"):
    print(f"| {k} | {med[k]:.2f} | {len(res[k]['times'])} |")
print(f"\nmoat/bwrap (median): **{med['moat'] / med['bwrap']:.2f}**")
print(f"moat peak RSS (max over its process tree, median of 20): **{statistics.median(rss) / 1024:.2f} MiB**")
PY
