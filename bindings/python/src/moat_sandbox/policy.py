"""Policy: what a sandboxed command may read, write and reach, as libmoat
holds it (an opaque handle).  Loads JSON from files, text or dicts, merging
in order; finalizes once.  Never runs anything."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import threading
import weakref
from typing import Any, List, Mapping, Union

from . import _lib
from .errors import MoatError, PolicyError

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


class Policy:
    """A moat policy (the format is docs/policy.md).

    Each load merges into what is there: lists are appended, single values
    replaced, so several sources combine in the order loaded.  ``finalize()``
    checks the rules across fields and normalises them; ``spawn()`` and
    ``run()`` finalize a policy that is not yet.  A policy in use by a
    running sandbox cannot be changed (the sandbox reads it while it runs).

    >>> p = Policy.from_dict({"network": {"mode": "none"}}).finalize()
    >>> p.network_mode
    'none'
    """

    def __init__(self) -> None:
        lib = _lib.load()
        handle = lib.moat_policy_new()
        if not handle:
            raise MemoryError("moat_policy_new")
        self._handle: int = handle
        self._finalized = False
        self._users = 0
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, lib.moat_policy_free, handle)

    # ---- building ------------------------------------------------------

    @classmethod
    def from_file(cls, *paths: PathLike) -> "Policy":
        """A policy loaded from one or more JSON files, merged in order."""
        p = cls()
        for path in paths:
            p.load_file(path)
        return p

    @classmethod
    def from_json(cls, text: str, *, name: str = "<json>",
                  base_dir: PathLike | None = None) -> "Policy":
        """A policy loaded from JSON text; see ``load_json``."""
        return cls().load_json(text, name=name, base_dir=base_dir)

    @classmethod
    def from_dict(cls, policy: Mapping[str, Any], *, name: str = "<dict>",
                  base_dir: PathLike | None = None) -> "Policy":
        """A policy built from a dict shaped like the JSON format."""
        return cls().load_dict(policy, name=name, base_dir=base_dir)

    def load_file(self, path: PathLike) -> "Policy":
        """Merge a JSON policy file in.  Relative paths in it are relative to
        the file's directory.  Raises PolicyError naming FILE:LINE:COL and the
        JSON path of what is wrong."""
        # The file is write-protected inside the sandbox by its path, which
        # must then be absolute.
        full = os.fsencode(os.path.abspath(os.fsdecode(path)))
        return self._load(lambda lib, h, err: lib.moat_policy_load_file(h, full, err))

    def load_json(self, text: str, *, name: str = "<json>",
                  base_dir: PathLike | None = None) -> "Policy":
        """Merge JSON text in.  ``name`` is what messages call it;
        ``base_dir`` (default: the current directory) anchors relative
        paths."""
        data = text.encode("utf-8")
        b_name = name.encode("utf-8")
        b_dir = os.fsencode(os.path.abspath(os.fsdecode(base_dir if base_dir is not None
                                                        else os.getcwd())))
        return self._load(lambda lib, h, err: lib.moat_policy_load_string(h, data, b_name,
                                                                           b_dir, err))

    def load_dict(self, policy: Mapping[str, Any], *, name: str = "<dict>",
                  base_dir: PathLike | None = None) -> "Policy":
        """Merge a dict in, as JSON (its positions in messages are those of
        ``json.dumps(policy, indent=2)``)."""
        try:
            text = json.dumps(policy, indent=2)
        except (TypeError, ValueError) as e:
            raise PolicyError(f"{name}: not representable as JSON: {e}",
                              -errno.EINVAL) from None
        return self.load_json(text, name=name, base_dir=base_dir)

    def finalize(self) -> "Policy":
        """Check cross-field rules, expand and normalise.  Refuses what cannot
        be enforced as written (PolicyError); adds a warning for what would do
        nothing.  Returns self."""
        lib = _lib.load()
        with self._lock:
            self._check_unused()
            err = _lib.Error()
            r = lib.moat_policy_finalize(self._handle, ctypes.byref(err))
            if r < 0:
                err.raise_as(PolicyError, r)
            self._finalized = True
        return self

    def _load(self, call) -> "Policy":
        lib = _lib.load()
        with self._lock:
            self._check_unused()
            err = _lib.Error()
            r = call(lib, self._handle, ctypes.byref(err))
            if r < 0:
                err.raise_as(PolicyError, r)
            self._finalized = False
        return self

    def _check_unused(self) -> None:
        if not self._finalizer.alive:
            raise ValueError("the policy is closed")
        if self._users:
            raise MoatError("the policy is in use by a running sandbox: load into a new "
                            "Policy instead", -errno.EBUSY)

    # ---- reading -------------------------------------------------------

    @property
    def finalized(self) -> bool:
        """Whether ``finalize()`` ran since the last load."""
        return self._finalized

    @property
    def warnings(self) -> List[str]:
        """What the policy accepts but would not do as written, one line
        each ("FILE:LINE:COL: $.json.path: ..."), from the loads and
        ``finalize()``."""
        lib = _lib.load()
        h = self._live()
        n = lib.moat_policy_warning_count(h)
        return [lib.moat_policy_warning(h, i).decode("utf-8", "replace") for i in range(n)]

    @property
    def network_mode(self) -> str:
        """"none", "proxy", "firewall" or "host"."""
        lib = _lib.load()
        mode = lib.moat_net_mode_name(lib.moat_policy_network_mode(self._live()))
        return mode.decode() if mode else "unknown"

    def to_json(self) -> str:
        """The effective policy as normalised JSON text."""
        text = _lib.take_string(_lib.load().moat_policy_to_json(self._live()))
        if text is None:
            raise MemoryError("moat_policy_to_json")
        return text

    def to_dict(self) -> dict:
        """The effective policy as a dict."""
        return json.loads(self.to_json())

    # ---- lifetime ------------------------------------------------------

    def close(self) -> None:
        """Free the policy now (otherwise when it is garbage-collected).
        Refused while a running sandbox uses it."""
        with self._lock:
            if self._users:
                raise MoatError("the policy is in use by a running sandbox", -errno.EBUSY)
            self._finalizer()

    def __enter__(self) -> "Policy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if not self._finalizer.alive:
            return "<moat_sandbox.Policy closed>"
        state = "finalized" if self._finalized else "not finalized"
        return f"<moat_sandbox.Policy network={self.network_mode} {state}>"

    def _live(self) -> int:
        if not self._finalizer.alive:
            raise ValueError("the policy is closed")
        return self._handle

    # For sandbox.py: a running sandbox holds the policy.
    def _acquire(self) -> int:
        with self._lock:
            h = self._live()
            if not self._finalized:
                err = _lib.Error()
                r = _lib.load().moat_policy_finalize(h, ctypes.byref(err))
                if r < 0:
                    err.raise_as(PolicyError, r)
                self._finalized = True
            self._users += 1
            return h

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
