"""What the tree's Python checks share (docs_agree, man_agree, completions, debian_agree,
abi_check): one "ok - ..." / "not ok - ..." line per check with the detail indented below,
set comparisons that name what is only on either side, files of the checkout, and the final
"NAME: N passed, N failed" line with the exit status."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
counts = {"passed": 0, "failed": 0}


def check(ok, what, detail=""):
    if ok:
        counts["passed"] += 1
        print(f"ok - {what}")
    else:
        counts["failed"] += 1
        print(f"not ok - {what}")
        if detail:
            print("    " + str(detail).replace("\n", "\n    "))
    return ok


def same(a, b, what, a_name, b_name):
    a, b = set(a), set(b)
    return check(a == b, what,
                 f"only in {a_name}: {sorted(a - b)}\nonly in {b_name}: {sorted(b - a)}")


def read(path):
    with open(os.path.join(TOP, path), encoding="utf-8") as f:
        return f.read()


def summary(name):
    """The last line; the exit status (1 when a check failed)."""
    print(f"{name}: {counts['passed']} passed, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


def finish(name):
    sys.exit(summary(name))
