"""moat's Python binding: run commands in moat's Linux process sandbox.

    from moat_sandbox import Policy, spawn, PIPE

    policy = Policy.from_dict({"filesystem": {"allowWrite": ["/var/tmp/work"]}})
    with spawn(policy, ["sh", "-c", "echo hi"], stdout=PIPE) as sb:
        out, _ = sb.communicate()
        for v in sb.violation_log:
            print(v["kind"], v["destination"])

libmoat.so is loaded through ctypes on first use: the file MOAT_LIBRARY
names, else libmoat.so.1 through the system loader.
"""

from .errors import LibraryError, MoatError, PolicyError, SetupError, TimeoutExpired
from .policy import Policy
from .sandbox import DEVNULL, INHERIT, PIPE, Sandbox, run, spawn

__version__ = "0.1.0"

__all__ = [
    "DEVNULL", "INHERIT", "PIPE",
    "LibraryError", "MoatError", "PolicyError", "SetupError", "TimeoutExpired",
    "Policy", "Sandbox", "run", "spawn",
]
