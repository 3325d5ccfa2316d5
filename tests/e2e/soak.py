#!/usr/bin/python3
"""Many sandboxes, one after the other: does anything pile up?

    soak.py COUNT [--json FILE] -- MOAT run ARGS...

Runs the command COUNT times, one after the other, each to completion, as a child
subreaper (PR_SET_CHILD_SUBREAPER), so a process any run leaves behind is re-parented here
instead of vanishing from view.  Then checks, against the state before the first run:

  processes    none of ours is left (every child reaped; no re-parented orphan)
  descriptors  this process holds no more descriptors than before
  mounts       the host's mount table (this mount namespace's, less /run/netns, which the
               network lab's `ip netns` manages) is the same
  files        nothing new of this user in /dev/shm, and nothing new in the working directory

Each run must exit 0.  Prints one line per check ("ok - ..." / "not ok - ...") and the
wall time per run (median of the first and of the last tenth: drift is judged by
bench/soak.sh on a quiet machine, never here).  Exit status 1 if any check failed.
"""
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def mounts():
    with open("/proc/self/mountinfo") as f:
        return sorted(l for l in f if " /run/netns" not in l)


def shm_entries():
    uid = os.getuid()
    out = set()
    for d in ("/dev/shm",):
        try:
            for n in os.listdir(d):
                try:
                    if os.lstat(os.path.join(d, n)).st_uid == uid:
                        out.add(os.path.join(d, n))
                except OSError:
                    pass
        except OSError:
            pass
    return out


def cwd_entries():
    return set(os.listdir("."))


def our_fds():
    return set(os.listdir("/proc/self/fd"))


def children():
    """Processes whose parent is this one (orphans re-parented to us included)."""
    me, out = os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == me:
                out.append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    return out


def main():
    args = sys.argv[1:]
    count = int(args.pop(0))
    jpath = None
    if args and args[0] == "--json":
        jpath = args[1]
        args = args[2:]
    if not args or args[0] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    cmd = args[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("not ok - cannot become a child subreaper")
        return 1
    before = {"mounts": mounts(), "shm": shm_entries(), "cwd": cwd_entries(), "fds": our_fds()}
    times, failures = [], []
    devnull = os.open(os.devnull, os.O_RDWR)
    for i in range(count):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdin=devnull, stdout=devnull, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            failures.append(f"run {i}: exit {r.returncode}: {r.stderr.decode(errors='replace').strip()[:200]}")
    os.close(devnull)
    # Reap anything re-parented to us (it would be a leak: it is counted below first).
    time.sleep(0.2)
    left = children()
    for pid in left:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read().replace(b"\0", b" ").decode(errors="replace")
            print(f"# left: {pid} {line}")
        except OSError:
            pass
    after = {"mounts": mounts(), "shm": shm_entries(), "cwd": cwd_entries(), "fds": our_fds()}
    checks = [
        (f"{count} runs exited 0", not failures, "; ".join(failures[:3])),
        ("no process left", not left, f"{len(left)} left: {left[:10]}"),
        ("no descriptor left", after["fds"] <= before["fds"],
         f"{len(before['fds'])} -> {len(after['fds'])}"),
        ("mount table unchanged", after["mounts"] == before["mounts"],
         "; ".join(sorted(set(after["mounts"]) ^ set(before["mounts"])))[:400]),
        ("no new file in /dev/shm", after["shm"] <= before["shm"],
         " ".join(sorted(after["shm"] - before["shm"]))[:400]),
        ("no new file in the working directory", after["cwd"] <= before["cwd"],
         " ".join(sorted(after["cwd"] - before["cwd"]))[:400]),
    ]
    ok = True
    for name, good, why in checks:
        print(f"{'ok' if good else 'not ok'} - {name}{'' if good else ': ' + why}")
        ok &= good
    tenth = max(1, count // 10)
    first, last = statistics.median(times[:tenth]), statistics.median(times[-tenth:])
    print(f"# wall time per run, median: first tenth {first * 1000:.2f} ms, last tenth "
          f"{last * 1000:.2f} ms")
    if jpath:
        with open(jpath, "w") as f:
            json.dump({"count": count, "times_s": times, "failures": failures, "left": left,
                       "checks": {n: g for n, g, _ in checks}}, f)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
