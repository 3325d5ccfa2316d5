#!/usr/bin/env python3
"""Run a sandbox launcher and sample its proxy side while measure.py runs.

    monitor.py --out FILE [--timeout S] [--settle S] -- LAUNCHER [ARG...]

LAUNCHER (e.g. `moat run ... -- python3 measure.py ...` or `srt ... -- python3
measure.py ...`) runs with stdout inherited and stderr piped through this
script.  On each "@@bench phase=NAME" line that measure.py writes to stderr,
the launcher's side is sampled:

  supervisor   the launcher process itself (moat's supervisor, srt's node):
               open fds (/proc/PID/fd), VmRSS and VmHWM.
  tree         all its descendants except the workload (any process with an
               argument whose basename is measure.py): process count, open fds
               summed, Pss summed (smaps_rollup, so forked helpers sharing pages
               are not counted twice).  For srt this includes its socat bridges
               and shells; for moat, its sandbox init.

After phase "closed" it polls every 50 ms, up to --settle seconds (keep it
below measure.py's --phase-pause, or the launcher may exit first), until the
supervisor's fd count is back to its baseline, and records how long that
took.  Other stderr lines pass through.  The launcher is killed (its whole
process group) after --timeout seconds.  Writes one JSON object to --out and
exits with the launcher's status.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def status_kb(pid, key):
    s = read(f"/proc/{pid}/status")
    if not s:
        return None
    for ln in s.decode().splitlines():
        if ln.startswith(key + ":"):
            return int(ln.split()[1])
    return None


def nfds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def pss_kb(pid):
    s = read(f"/proc/{pid}/smaps_rollup")
    if not s:
        return 0
    for ln in s.decode().splitlines():
        if ln.startswith("Pss:"):
            return int(ln.split()[1])
    return 0


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = read(f"/proc/{d}/stat")
        if not st:
            continue
        rest = st[st.rfind(b")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(d))
    return kids


def is_workload(pid):
    cl = read(f"/proc/{pid}/cmdline")
    if not cl:
        return False
    return any(os.path.basename(a) == b"measure.py" for a in cl.split(b"\0"))


def alive(pid):
    st = read(f"/proc/{pid}/stat")
    return bool(st) and st[st.rfind(b")") + 2:st.rfind(b")") + 3] not in (b"Z", b"X")


def sample(root):
    t0 = time.monotonic()
    if not alive(root):
        return {"t": round(time.time(), 3), "exited": True}
    kids = children_map()
    tree, stack = [], list(kids.get(root, []))
    while stack:
        p = stack.pop()
        stack.extend(kids.get(p, []))
        if not is_workload(p):
            tree.append(p)
    fds = [nfds(p) or 0 for p in tree]
    return {"t": round(time.time(), 3),
            "supervisor": {"fds": nfds(root), "rss_kb": status_kb(root, "VmRSS"),
                           "hwm_kb": status_kb(root, "VmHWM")},
            "tree": {"procs": len(tree), "fds": sum(fds),
                     "pss_kb": sum(pss_kb(p) for p in tree)},
            "sample_s": round(time.monotonic() - t0, 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")

    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, start_new_session=True)
    killed = []

    def kill():
        killed.append(True)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
    timer = threading.Timer(a.timeout, kill)
    timer.daemon = True
    timer.start()

    phases = {}
    settle = None
    for raw in p.stderr:
        ln = raw.decode(errors="replace")
        if ln.startswith("@@bench phase="):
            name = ln.split()[1].split("=", 1)[1]
            if name != "closed" or "baseline" not in phases:
                phases[name] = sample(p.pid)
            else:
                # Right after the workload closed everything: poll, then
                # take the full sample as "after".
                base = phases["baseline"].get("supervisor", {}).get("fds")
                t0 = time.monotonic()
                while True:           # cheap polls: supervisor fds only
                    el = time.monotonic() - t0
                    gone = not alive(p.pid)
                    now = None if gone else nfds(p.pid)
                    back = now is not None and base is not None and now <= base
                    if back or gone or el >= a.settle:
                        break
                    time.sleep(0.05)
                s = sample(p.pid)
                phases["after"] = s
                settle = {"baseline_fds": base, "after_fds": now, "back_to_baseline": back,
                          "supervisor_exited_first": gone,
                          "seconds": round(el, 3)}
            continue
        sys.stderr.write(ln)
        sys.stderr.flush()
    rc = p.wait()
    timer.cancel()
    with open(a.out, "w") as f:
        json.dump({"cmd": cmd[0], "rc": rc, "timed_out": bool(killed),
                   "phases": phases, "settle": settle}, f)
        f.write("\n")
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
