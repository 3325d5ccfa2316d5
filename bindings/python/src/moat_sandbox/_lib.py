"""libmoat.so through ctypes: finding the library, the C prototypes of
include/moat.h, and turning a struct moat_error into an exception.  Nothing
here runs a sandbox; policy.py and sandbox.py do."""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Callable, NoReturn, Optional, Type

from .errors import LibraryError, MoatError

# The soname this binding speaks to (the Makefile's SO_MAJOR); a library
# with another number has another ABI.
SONAME = "libmoat.so.1"

# include/moat.h's constants.
STDIO_INHERIT = -1
STDIO_PIPE = -2
STDIO_NULL = -3
FD_STDIN, FD_STDOUT, FD_STDERR, FD_PTY, FD_EVENTS = range(5)


class Error(ctypes.Structure):
    """struct moat_error: a negative errno and a message."""

    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * 1024)]

    def raise_as(self, cls: Type[MoatError], r: int, fallback: str = "") -> NoReturn:
        text = self.msg.decode("utf-8", "replace") or fallback or os.strerror(-r)
        raise cls(text, self.code or r)


VIOLATION_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)

_P = ctypes.c_void_p  # every opaque handle
_E = ctypes.POINTER(Error)
_I = ctypes.c_int
_S = ctypes.c_char_p
_US = ctypes.c_ushort

# name: (restype, argtypes)
_PROTOTYPES = {
    "moat_policy_new": (_P, []),
    "moat_policy_free": (None, [_P]),
    "moat_policy_load_file": (_I, [_P, _S, _E]),
    "moat_policy_load_string": (_I, [_P, _S, _S, _S, _E]),
    "moat_policy_finalize": (_I, [_P, _E]),
    "moat_policy_to_json": (ctypes.c_void_p, [_P]),  # malloc'd: freed with free()
    "moat_policy_warning_count": (ctypes.c_size_t, [_P]),
    "moat_policy_warning": (_S, [_P, ctypes.c_size_t]),
    "moat_policy_network_mode": (_I, [_P]),
    "moat_net_mode_name": (_S, [_I]),
    "moat_run_options_new": (_P, []),
    "moat_run_options_free": (None, [_P]),
    "moat_run_options_set_log": (_I, [_P, _S]),
    "moat_run_options_set_violation_callback": (None, [_P, VIOLATION_FN, ctypes.c_void_p]),
    "moat_run_options_set_pass_fds": (_I, [_P, ctypes.POINTER(_I), ctypes.c_size_t]),
    "moat_run_options_set_stdio": (_I, [_P, _I, _I, _I]),
    "moat_run_options_set_pty": (None, [_P, ctypes.c_bool, _US, _US]),
    "moat_run_options_set_environ": (_I, [_P, ctypes.POINTER(_S)]),
    "moat_spawn": (_I, [_P, ctypes.POINTER(_S), _P, ctypes.POINTER(_P), _E]),
    "moat_sandbox_fd": (_I, [_P, _I]),
    "moat_sandbox_take_fd": (_I, [_P, _I]),
    "moat_sandbox_poll": (_I, [_P, _I, _E]),
    "moat_sandbox_try_wait": (_I, [_P, ctypes.POINTER(_I), _E]),
    "moat_sandbox_kill": (_I, [_P, _I]),
    "moat_sandbox_resize": (_I, [_P, _US, _US]),
    "moat_sandbox_pid": (_I, [_P]),
    "moat_sandbox_free": (None, [_P]),
}

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_free: Optional[Callable[[int], None]] = None


def load() -> ctypes.CDLL:
    """The library: the file MOAT_LIBRARY names, else SONAME through the
    system loader (LD_LIBRARY_PATH, the ld.so cache).  Loaded once."""
    global _lib, _free
    with _lock:
        if _lib is not None:
            return _lib
        path = os.environ.get("MOAT_LIBRARY") or SONAME
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            where = "MOAT_LIBRARY" if os.environ.get("MOAT_LIBRARY") else "the system loader"
            raise LibraryError(f"cannot load {path} (from {where}): {e}") from None
        for name, (restype, argtypes) in _PROTOTYPES.items():
            try:
                fn = getattr(lib, name)
            except AttributeError:
                raise LibraryError(f"{path} has no {name}: not libmoat, or another ABI "
                                   f"than {SONAME}'s") from None
            fn.restype = restype
            fn.argtypes = argtypes
        libc = ctypes.CDLL(None)
        libc.free.restype = None
        libc.free.argtypes = [ctypes.c_void_p]
        _free = libc.free
        _lib = lib
        return lib


def take_string(ptr: Optional[int]) -> Optional[str]:
    """A malloc'd C string as str; frees it."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        assert _free is not None
        _free(ptr)
