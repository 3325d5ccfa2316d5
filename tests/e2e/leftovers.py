#!/usr/bin/python3
"""What a killed moat may have left that the host could still hold: a namespace.

    leftovers.py now                 clock ticks since boot, now (a cut-off for `holders`)
    leftovers.py holders CUT NS...   every process started before CUT that is in one of the
                                     namespaces NS ("net:[4026532...]", as /proc/PID/ns/* links
                                     read), or holds one open, or has one bind-mounted; exit 1 if
                                     any does

A namespace lives on only while a process is in it, a descriptor refers to it or a mount of
nsfs pins it.  Namespace numbers are reused once freed, so processes started after moat was
killed (other tests' namespaces) are not counted.  Only processes this user may inspect are
seen: run as root for the whole picture.
"""
import os
import sys


def ticks_now():
    with open("/proc/uptime") as f:
        return int(float(f.read().split()[0]) * os.sysconf("SC_CLK_TCK"))


def started(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def links(d):
    try:
        names = os.listdir(d)
    except OSError:
        return
    for n in names:
        try:
            yield os.readlink(f"{d}/{n}")
        except OSError:
            pass


def holders(cut, wanted):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if started(pid) >= cut:
                continue
        except (OSError, IndexError, ValueError):
            continue
        for how, d in (("is in", f"/proc/{pid}/ns"), ("holds a descriptor of", f"/proc/{pid}/fd")):
            for target in links(d):
                if target in wanted:
                    found.append(f"process {pid} {how} {target}")
        try:
            with open(f"/proc/{pid}/mountinfo") as f:
                for line in f:
                    for w in wanted:
                        if w in line:
                            found.append(f"process {pid}'s mount namespace has {w} mounted")
        except OSError:
            pass
    return sorted(set(found))


def main():
    if sys.argv[1:2] == ["now"]:
        print(ticks_now())
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "holders":
        found = holders(int(sys.argv[2]), set(sys.argv[3:]))
        for f in found:
            print(f)
        return 1 if found else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
