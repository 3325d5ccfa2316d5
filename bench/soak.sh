#!/bin/bash
# Soak (issue 14): 1,000 sandboxes one after the other in each network mode
# (`moat run --network MODE … -- /bin/true`, from an empty directory under /var/tmp).  Per mode, with
# tests/e2e/soak.py: every run exits 0; no process, descriptor, mount or file of
# this user left; and the start-up time's drift (median wall time of the first
# and the last 100 runs).  Around the whole run, the host's counts: allocated
# file handles (/proc/sys/fs/file-nr), mounts, namespaces of each type (every
# /proc/*/ns link), processes, and entries in /tmp, /var/tmp and /dev/shm.
# Other work on the machine moves those counts too: the script prints the load
# and the counts, and the per-mode checks are the ones that are this run's own.
# Prints Markdown for BENCHMARKS.md on stdout.  `make check` runs 100 per mode
# (tests/e2e/test_soak.sh).
#
#   bench/soak.sh            COUNT [1000], MOAT [build/moat], OUT [temp dir]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${COUNT:-1000}
MOAT=${MOAT:-$ROOT/build/moat}
[ "$MOAT" = "$ROOT/build/moat" ] && make -s build/moat >&2
out=${OUT:-$(mktemp -d /var/tmp/moat-soak.XXXXXX)}
mkdir -p "$out"
log() { echo "soak.sh: $*" >&2; }

host_counts() {
    /usr/bin/python3 - <<'PY'
import json, os
ns, procs = {}, 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    procs += 1
    try:
        for t in os.listdir(f"/proc/{pid}/ns"):
            try:
                ns.setdefault(t, set()).add(os.readlink(f"/proc/{pid}/ns/{t}"))
            except OSError:
                pass
    except OSError:
        pass
def count(d):
    try:
        return len(os.listdir(d))
    except OSError:
        return None
print(json.dumps({
    "file_handles": int(open("/proc/sys/fs/file-nr").read().split()[0]),
    "mounts": sum(1 for _ in open("/proc/self/mountinfo")),
    "namespaces": {t: len(v) for t, v in sorted(ns.items()) if not t.endswith("_for_children")},
    "processes": procs, "tmp": count("/tmp"), "var_tmp": count("/var/tmp"),
    "dev_shm": count("/dev/shm")}))
PY
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
host_counts > "$out/before.json"
modes=(none proxy firewall host)
declare -A ARGS=([none]="--network none" [proxy]="--network proxy --allow-net example.com"
    [firewall]="--network firewall --allow-net example.com --allow-net 203.0.113.7:443"
    [host]="--network host")
for mode in "${modes[@]}"; do
    log "$mode: $COUNT runs ..."
    # shellcheck disable=SC2086  # ARGS are words
    mkdir -p "$out/cwd-$mode"
    (cd "$out/cwd-$mode" && /usr/bin/python3 "$ROOT/tests/e2e/soak.py" "$COUNT" --json "$out/$mode.json" \
        -- "$MOAT" run ${ARGS[$mode]} -- /bin/true) > "$out/$mode.out" 2>&1 || true
    cat "$out/$mode.out" >&2
done
host_counts > "$out/after.json"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$out" "$COUNT" "$LOAD_START" "$LOAD_END" "$(git -C "$ROOT" rev-parse --short HEAD)" \
    "${modes[@]}" <<'PY'
import json, statistics, sys, datetime
out, count, l0, l1, commit, *modes = sys.argv[1:]
count = int(count)
print(f"#### {count:,} sequential sandboxes per mode ({datetime.date.today()}, moat {commit}, "
      f"load {l0} at the start, {l1} at the end)\n")
print(f"`bench/soak.sh` (COUNT={count}): `moat run --network MODE … -- /bin/true`, one after "
      "the other, under tests/e2e/soak.py (a child subreaper).\n")
k = min(100, max(1, count // 10))
print(f"| mode | runs exited 0 | processes left | descriptors, mounts, files left | "
      f"wall ms, first {k} (median) | last {k} (median) | last/first |")
print("|---|---|---|---|---|---|---|")
for m in modes:
    try:
        j = json.load(open(f"{out}/{m}.json"))
    except OSError:
        print(f"| {m} | n/a (see {out}/{m}.out) | | | | | |")
        continue
    t = j["times_s"]
    first, last = statistics.median(t[:k]) * 1000, statistics.median(t[-k:]) * 1000
    c = j["checks"]
    rest = "none" if all(c[n] for n in c if not n.endswith("exited 0") and n != "no process left") \
        else ", ".join(n for n in c if not c[n])
    print(f"| {m} | {count - len(j['failures']):,} of {count:,} | {len(j['left'])} | {rest} | "
          f"{first:.2f} | {last:.2f} | {last / first:.2f} |")
b, a = json.load(open(f"{out}/before.json")), json.load(open(f"{out}/after.json"))
print("\nThe host around the whole run (other work on the machine moves these too):\n")
print("| count | before | after |")
print("|---|---|---|")
for k in ("file_handles", "mounts", "processes", "tmp", "var_tmp", "dev_shm"):
    print(f"| {k} | {b[k]} | {a[k]} |")
for t in sorted(set(b["namespaces"]) | set(a["namespaces"])):
    print(f"| {t} namespaces | {b['namespaces'].get(t)} | {a['namespaces'].get(t)} |")
PY
[ -n "${OUT:-}" ] || rm -rf "$out"
