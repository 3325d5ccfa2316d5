#!/bin/bash
# Start-up of landlock isolation against namespaces (full) isolation, same
# run, medians (the variants interleaved round by round; Python's
# subprocess adds the same to each):
# `moat run -- /bin/true` under a typical policy (a writable project, two
# denyRead paths carved out of the readable tree), with --isolation
# namespaces, landlock and auto (auto pays the namespace probe on top).
#   bench/isolation.sh [RUNS]     (default 200 runs each, after 20 warm-ups)
# Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
make -s build/moat >&2
MOAT=$PWD/build/moat
out=$(mktemp -d /var/tmp/moat-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

mkdir -p "$out/proj" "$out/home/.ssh" "$out/home/.aws"
cat > "$out/policy.json" <<JSON
{ "filesystem": { "allowWrite": [ "$out/proj" ],
                  "denyRead": [ "$out/home/.ssh", "$out/home/.aws" ] },
  "network": { "mode": "none" },
  "process": { "timeout": 60, "rlimits": { "core": 0 } } }
JSON
plain="$out/plain.json"
printf '{ "filesystem": { "allowWrite": [ "%s/proj" ] } }\n' "$out" > "$plain"

# Interleaved: each round runs every variant once, in turn, so that load
# from other work on the machine falls on all of them alike.
python3 - "$RUNS" "$MOAT" "$out" <<'PY'
import os, statistics, subprocess, sys, time
runs, moat, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
pol, plain = f"{out}/policy.json", f"{out}/plain.json"
variants = [
    ("namespaces", ["--isolation", "namespaces", "--policy", pol], "namespaces"),
    ("landlock", ["--isolation", "landlock", "--policy", pol], "namespaces"),
    ("auto (namespaces, after the probe)", ["--isolation", "auto", "--policy", pol], "namespaces"),
    ("namespaces, no denyRead", ["--isolation", "namespaces", "--policy", plain],
     "namespaces, no denyRead"),
    ("landlock, no denyRead", ["--isolation", "landlock", "--policy", plain],
     "namespaces, no denyRead"),
]
times = {v[0]: [] for v in variants}
for r in range(runs + 20):
    for name, args, _ in variants:
        t = time.perf_counter()
        subprocess.run([moat, "run", *args, "--", "/bin/true"], check=True)
        if r >= 20:
            times[name].append(time.perf_counter() - t)
med = {k: statistics.median(v) * 1000 for k, v in times.items()}
print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
print("| isolation | median ms | vs namespaces, same policy | runs |")
print("|---|---|---|---|")
for name, _, base in variants:
    print(f"| {name} | {med[name]:.2f} | {med[name] / med[base]:.2f} | {len(times[name])} |")
PY
