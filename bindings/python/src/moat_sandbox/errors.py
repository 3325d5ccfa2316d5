"""The exceptions the binding raises: one base class, MoatError, carrying
moat's own message (file:line:column and JSON path for a bad policy, the
path or call for a set-up failure) and the negative errno it came with."""

from __future__ import annotations

import errno as _errno


class MoatError(Exception):
    """Something moat refused or could not do.

    ``message`` is moat's text as the library wrote it; ``code`` is the
    negative errno it returned (``-errno.EINVAL`` for bad input).
    """

    def __init__(self, message: str, code: int = -_errno.EIO) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def errno(self) -> int:
        """The positive errno number (``EINVAL``, ``ENOENT``, ...)."""
        return -self.code if self.code < 0 else self.code


class LibraryError(MoatError):
    """libmoat.so could not be loaded (MOAT_LIBRARY, then the system loader)."""


class PolicyError(MoatError, ValueError):
    """A policy that cannot be loaded or finalized as written: a syntax error,
    an unknown key, a value of the wrong type, rules that contradict each
    other, a file that cannot be read.  The message names the place
    (``FILE:LINE:COL: $.json.path: ...``)."""


class SetupError(MoatError):
    """The sandbox could not be built or its command not started (missing
    kernel support, a descriptor that is not open, ...); nothing is left
    running."""


class TimeoutExpired(MoatError, TimeoutError):
    """``wait()``, ``communicate()`` or ``run()`` ran out of the time the
    caller gave.  The command still runs, except after ``run()``, which
    kills it first.  ``output`` and ``stderr`` hold what ``communicate()``
    had read so far."""

    def __init__(self, message: str, output: bytes | str | None = None,
                 stderr: bytes | str | None = None) -> None:
        super().__init__(message, -_errno.ETIMEDOUT)
        self.output = output
        self.stderr = stderr
