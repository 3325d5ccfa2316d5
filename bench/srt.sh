#!/bin/bash
# moat as a drop-in for srt: `moat srt -s FILE -- true` against the real
# `srt -s FILE -- true` (Anthropic's sandbox-runtime 0.0.83, installed from npm
# into bench/.cache/srt), same settings file, same run (hyperfine -N, medians),
# from an empty working directory and from a large one (srt searches the
# working tree for its mandatory deny list on every run, with ripgrep, four
# levels deep, for up to ten seconds; moat does not).  Not from "/" or a home
# directory: srt makes its mount points (.bashrc, .mcp.json, ...) in the
# working directory while it runs.
#   bench/srt.sh [RUNS]      (default 20 runs each from the empty directory,
#                             RUNS/4 (at least 5) from the large one)
#   FILES=N bench/srt.sh     files in the large directory (default 1000000,
#                             40 per directory, four levels deep)
# Prints a Markdown table for BENCHMARKS.md; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
LARGE_RUNS=$(( RUNS / 4 > 5 ? RUNS / 4 : 5 ))
FILES=${FILES:-1000000}
make -s build/moat >&2
MOAT=$PWD/build/moat
# shellcheck source=bench/lib/srt.sh
source bench/lib/srt.sh
srt_install
SRT=$(srt_bin)

# Not under /tmp: moat's /tmp is the sandbox's own, which would hide it.
out=$(mktemp -d /var/tmp/moat-bench-srt.XXXXXX)
trap 'rm -rf "$out"' EXIT
chmod 0755 "$out"

# A typical settings file: a project writable, credentials hidden, two names
# allowed (so both run their proxies).  Absolute paths: the same file serves
# every working directory.
mkdir -p "$out/proj"
cat > "$out/settings.json" <<JSON
{
  "network": { "allowedDomains": ["github.com", "*.npmjs.org"], "deniedDomains": [] },
  "filesystem": { "denyRead": ["~/.ssh", "~/.aws"], "allowWrite": ["$out/proj"],
                  "denyWrite": ["$out/proj/.env"] }
}
JSON

mkdir -p "$out/small" "$out/large"
# The large directory: FILES files, 40 to a directory, the directories three
# levels deep (the files at the fourth, the deepest srt's ripgrep lists), as a
# monorepo has them.
echo "bench/srt: making $FILES files in $out/large" >&2
python3 - "$out/large" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
per_dir = 40
made = 0
d = 0
while made < n:
    p = os.path.join(root, f"p{d // 1250:02d}", f"m{d // 25 % 50:02d}", f"s{d % 25:02d}")
    os.makedirs(p, exist_ok=True)
    for f in range(min(per_dir, n - made)):
        open(os.path.join(p, f"x{f:02d}.js"), "w").close()
    made += per_dir
    d += 1
PY

# Both must succeed with these settings before they are timed.
wd() { echo "$out/$1"; }
for dir in small large; do
    (cd "$(wd "$dir")" && "$MOAT" srt -s "$out/settings.json" -- true) ||
        { echo "bench/srt: moat srt failed in $dir" >&2; exit 1; }
    (cd "$(wd "$dir")" && "$SRT" -s "$out/settings.json" -- true) ||
        { echo "bench/srt: srt failed in $dir" >&2; exit 1; }
done

echo "bench/srt: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for dir in small large; do
    case $dir in small) runs=$RUNS ;; *) runs=$LARGE_RUNS ;; esac
    (cd "$(wd "$dir")" && hyperfine -N --warmup 2 --runs "$runs" --export-json "$out/$dir.json" \
        -n moat "$MOAT srt -s $out/settings.json -- true" \
        -n srt "$SRT -s $out/settings.json -- true") >&2
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$out" "$FILES" "$load_end" <<'PY'
import json, statistics, sys
out, files, load = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = {}
for d in ("small", "large"):
    res = {r["command"]: r["times"] for r in json.load(open(f"{out}/{d}.json"))["results"]}
    med[d] = {k: (statistics.median(v) * 1000, len(v)) for k, v in res.items()}
print("| working directory | moat srt median | srt median | srt/moat | runs |")
print("|---|---|---|---|---|")
label = {"small": "empty", "large": f"{files:,} files, 4 levels"}
for d in ("small", "large"):
    m, s = med[d]["moat"], med[d]["srt"]
    print(f"| {label[d]} | {m[0]:.2f} ms | {s[0]:.1f} ms | **{s[0] / m[0]:.0f}x** | {m[1]} |")
r = lambda who, d: med[d][who][0] / med["small"][who][0]
print(f"\nmoat srt, large/empty directory: **{r('moat', 'large'):.2f}**"
      f" · srt, large/empty: **{r('srt', 'large'):.1f}**"
      f" · load average at the end: {load}")
PY
