#!/usr/bin/env python3
"""libmoat.so's ABI, checked against abi/libmoat.abi (the soname and every
exported function's prototype, as the public headers declare them):

- the library exports exactly the functions the headers mark MOAT_API;
- every one of them has a comment in its header;
- under the same soname, no recorded function disappears or changes its
  prototype, and no public struct or enum changes its members (a change needs a new soname number: SO_MAJOR in the Makefile);
- a function added is recorded (run with --update to record it).

Prints TAP-style lines and "abi: N passed, N failed".
    tests/abi_check.py build/libmoat.so [--update]
"""
import os
import re
import subprocess
import sys

from checks import check, summary

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
RECORD = os.path.join(TOP, "abi", "libmoat.abi")
HEADERS = ["include/moat.h", "include/moat_mxc.h", "include/moat_srt.h"]


def declarations():
    """name -> (prototype, documented) for every MOAT_API declaration."""
    out = {}
    for h in HEADERS:
        text = open(os.path.join(TOP, h)).read()
        lines = text.split("\n")
        i = 0
        last_documented = False
        while i < len(lines):
            line = lines[i]
            if not line.startswith("MOAT_API "):
                if line.strip():
                    last_documented = False
                i += 1
                continue
            decl = line
            j = i
            while not decl.rstrip().endswith(";"):
                j += 1
                decl += " " + lines[j].strip()
            before = [l.strip() for l in lines[max(0, i - 3):i] if l.strip()]
            documented = (bool(before) and before[-1].endswith("*/")) or last_documented
            proto = re.sub(r"\s+", " ", decl.replace("MOAT_API ", "", 1)).strip()
            name = re.search(r"\b(moat_\w+)\s*\(", proto).group(1)
            out[name] = (proto, documented)
            last_documented = documented
            i = j + 1
    return out


def types():
    """name -> normalised body of every struct and enum the headers define:
    their layout is part of the ABI as much as the prototypes are."""
    out = {}
    for h in HEADERS:
        text = open(os.path.join(TOP, h)).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"^#.*(\\\n.*)*$", "", text, flags=re.M)
        for m in re.finditer(r"\b(struct|enum)\s+(\w+)\s*\{(.*?)\};", text, re.S):
            out[f"{m.group(1)} {m.group(2)}"] = re.sub(r"\s+", " ", m.group(3)).strip()
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    lib = sys.argv[1]
    update = "--update" in sys.argv[2:]
    soname = re.search(r"soname: \[(\S+)\]",
                       subprocess.run(["readelf", "-d", lib], capture_output=True,
                                      text=True).stdout)
    soname = soname.group(1) if soname else ""
    check(soname.startswith("libmoat.so."), f"{lib} has a versioned soname", soname)
    exported = set()
    for line in subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True,
                               text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TW":
            exported.add(parts[2])
    decls = declarations()
    check(exported == set(decls), "the library exports exactly the headers' MOAT_API functions",
          f"exported, not declared: {sorted(exported - set(decls))}\n"
          f"declared, not exported: {sorted(set(decls) - exported)}")
    undocumented = sorted(n for n, (_, doc) in decls.items() if not doc)
    check(not undocumented, "every exported function has a comment in its header",
          f"without one: {undocumented}")
    current = {n: p for n, (p, _) in decls.items()}
    current.update(types())
    if update:
        os.makedirs(os.path.dirname(RECORD), exist_ok=True)
        with open(RECORD, "w") as f:
            f.write(f"soname {soname}\n")
            for n in sorted(current):
                f.write(f"{n}: {current[n]}\n")
        print(f"recorded {len(current)} functions and types under {soname} in {RECORD}")
    recorded, rec_soname = {}, ""
    for line in open(RECORD):
        line = line.rstrip("\n")
        if line.startswith("soname "):
            rec_soname = line[7:]
        elif line:
            n, _, p = line.partition(": ")
            recorded[n] = p
    same = rec_soname == soname
    gone = sorted(n for n in recorded if n not in current)
    changed = sorted(n for n in recorded if n in current and current[n] != recorded[n])
    check(not same or not gone, "no exported function or type disappeared under the same soname",
          f"gone: {gone} (raise SO_MAJOR in the Makefile, then --update)")
    check(not same or not changed, "no exported function or type changed under the same soname",
          "\n".join(f"{n}:\n  was {recorded[n]}\n  now {current[n]}" for n in changed))
    added = sorted(n for n in current if n not in recorded)
    check(not added, "every exported function and type is recorded in abi/libmoat.abi",
          f"not recorded: {added} (tests/abi_check.py {lib} --update)")
    return summary("abi")


if __name__ == "__main__":
    sys.exit(main())
