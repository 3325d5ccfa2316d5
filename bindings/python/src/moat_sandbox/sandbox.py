"""A running sandbox (spawn, Sandbox) and run() on top of it.  Every call
into libmoat is made from the Python thread that asked for it, one at a time
per sandbox; the violation callback libmoat calls only queues the line, and
the caller's own callback runs after that call returned, never inside C."""

from __future__ import annotations

import collections
import ctypes
import errno
import io
import json
import locale
import os
import select
import signal
import threading
import time
import weakref
from typing import IO, Any, Callable, Deque, Dict, Iterable, Iterator, List, Mapping, \
    Optional, Sequence, Tuple, Union

from . import _lib
from .errors import MoatError, SetupError, TimeoutExpired
from .policy import PathLike, Policy

PIPE = _lib.STDIO_PIPE
"""A pipe: the Sandbox's ``stdin``/``stdout``/``stderr`` is the caller's end."""
DEVNULL = _lib.STDIO_NULL
"""/dev/null."""
INHERIT = _lib.STDIO_INHERIT
"""The caller's own descriptor 0, 1 or 2 (the default)."""

Violation = Dict[str, Any]
ViolationCallback = Callable[[Violation], None]
Stdio = Union[None, int, IO[Any]]
Status = int


def _stdio_value(spec: Stdio, name: str) -> int:
    if spec is None:
        return INHERIT
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec in (PIPE, DEVNULL, INHERIT) or spec >= 0:
            return spec
        raise ValueError(f"{name}: {spec} is neither a descriptor nor PIPE, DEVNULL, INHERIT")
    fileno = getattr(spec, "fileno", None)
    if fileno is None:
        raise TypeError(f"{name}: expected None, PIPE, DEVNULL, a descriptor or a file "
                        f"object, not {type(spec).__name__}")
    flush = getattr(spec, "flush", None)
    if flush is not None:
        flush()  # what Python buffered goes before what the command writes
    return fileno()


def _argv_array(argv: Sequence[PathLike]) -> "ctypes.Array[ctypes.c_char_p]":
    if isinstance(argv, (str, bytes)):
        raise TypeError("argv must be a sequence of arguments, not a single string")
    args = [os.fsencode(a) for a in argv]
    if not args:
        raise ValueError("argv is empty")
    return (ctypes.c_char_p * (len(args) + 1))(*args, None)


def _free_sandbox(lib: ctypes.CDLL, handle: int, policy: Policy, keep: object) -> None:
    # `keep` is the ctypes callback, alive until libmoat can no longer call it.
    lib.moat_sandbox_free(handle)
    policy._release()


class Sandbox:
    """A command running in a sandbox; made by ``spawn()``.

    ``stdin``, ``stdout`` and ``stderr`` are file objects for what was
    asked as PIPE (else None); ``pty`` is the pseudo-terminal's master (read
    and write, unbuffered) when one was asked for.  The sandbox's services
    (DNS filter, proxies, the write guard's reports, violations, the
    policy's timeout) run while the caller is in ``wait()``,
    ``try_wait()``, ``communicate()`` or the ``violations()`` iterator, or
    whenever ``fileno()`` is readable and the caller then calls
    ``try_wait()``.  A command that writes more than a pipe holds blocks
    until it is read: use ``communicate()`` to read and wait at once.

    Leaving a ``with`` block (or ``close()``) kills what still runs.
    """

    stdin: Optional[IO[Any]]
    stdout: Optional[IO[Any]]
    stderr: Optional[IO[Any]]
    pty: Optional[IO[bytes]]

    def __init__(self, policy: Policy, argv: Sequence[PathLike], *, stdin: Stdio = None,
                 stdout: Stdio = None, stderr: Stdio = None, text: bool = False,
                 encoding: Optional[str] = None, errors: Optional[str] = None,
                 pty: Union[bool, Tuple[int, int]] = False,
                 env: Optional[Mapping[str, str]] = None, pass_fds: Iterable[int] = (),
                 log: Optional[PathLike] = None,
                 on_violation: Optional[ViolationCallback] = None) -> None:
        lib = _lib.load()
        self._lib = lib
        self._lock = threading.Lock()
        self._status: Optional[int] = None
        self._error: Optional[SetupError] = None
        self._exec_error: Optional[str] = None
        self._on_violation = on_violation
        self._seen: List[Violation] = []
        self._unread: Deque[Violation] = collections.deque()
        self._comm: Optional[Dict[int, List[bytes]]] = None
        self.stdin = self.stdout = self.stderr = self.pty = None
        self._text = bool(text or encoding or errors)
        self._encoding = encoding or locale.getpreferredencoding(False)
        self._errors = errors or "strict"

        # libmoat calls this in the thread that is in moat_spawn/poll; it
        # only queues (no reference to self: the handle's finalizer must
        # not wait for the cycle collector).
        pending: Deque[bytes] = collections.deque()
        self._pending = pending
        c_callback = _lib.VIOLATION_FN(lambda ctx, line: pending.append(line))

        argv_c = _argv_array(argv)
        opts = lib.moat_run_options_new()
        if not opts:
            raise MemoryError("moat_run_options_new")
        handle = ctypes.c_void_p()
        try:
            self._set_options(lib, opts, stdin, stdout, stderr, pty, env, pass_fds, log)
            lib.moat_run_options_set_violation_callback(opts, c_callback, None)
            p = policy._acquire()
            err = _lib.Error()
            r = lib.moat_spawn(p, argv_c, opts, ctypes.byref(handle), ctypes.byref(err))
            if r < 0:
                policy._release()
                err.raise_as(SetupError, r)
        finally:
            lib.moat_run_options_free(opts)
        self._handle: int = handle.value or 0
        self._policy = policy
        self._finalizer = weakref.finalize(self, _free_sandbox, lib, self._handle, policy,
                                           c_callback)
        self._pid = lib.moat_sandbox_pid(self._handle)
        self._wrap_streams(lib)

    @staticmethod
    def _set_options(lib: ctypes.CDLL, opts: int, stdin: Stdio, stdout: Stdio, stderr: Stdio,
                     pty: Union[bool, Tuple[int, int]], env: Optional[Mapping[str, str]],
                     pass_fds: Iterable[int], log: Optional[PathLike]) -> None:
        r = lib.moat_run_options_set_stdio(opts, _stdio_value(stdin, "stdin"),
                                           _stdio_value(stdout, "stdout"),
                                           _stdio_value(stderr, "stderr"))
        if r < 0:
            raise ValueError("stdin, stdout, stderr: not descriptors moat accepts")
        if pty:
            rows, cols = (0, 0) if pty is True else pty
            lib.moat_run_options_set_pty(opts, True, rows, cols)
        if env is not None:
            items = [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in env.items()]
            envp = (ctypes.c_char_p * (len(items) + 1))(*items, None)
            if lib.moat_run_options_set_environ(opts, envp) < 0:
                raise MemoryError("moat_run_options_set_environ")
        fds = [int(fd) for fd in pass_fds]
        if any(fd < 3 for fd in fds):
            raise ValueError(f"pass_fds: {fds}: each must be 3 or more (0, 1 and 2 are stdio)")
        if fds and lib.moat_run_options_set_pass_fds(opts, (ctypes.c_int * len(fds))(*fds),
                                                     len(fds)) < 0:
            raise MemoryError("moat_run_options_set_pass_fds")
        if log is not None and lib.moat_run_options_set_log(opts, os.fsencode(log)) < 0:
            raise MemoryError("moat_run_options_set_log")

    def _wrap_streams(self, lib: ctypes.CDLL) -> None:
        def take(which: int) -> int:
            fd = lib.moat_sandbox_take_fd(self._handle, which)
            if fd >= 0:
                os.set_inheritable(fd, False)  # a later subprocess must not hold it open
            return fd

        fd = take(_lib.FD_STDIN)
        if fd >= 0:
            w = open(fd, "wb")
            self.stdin = io.TextIOWrapper(w, self._encoding, self._errors, write_through=True) \
                if self._text else w
        fd = take(_lib.FD_STDOUT)
        if fd >= 0:
            self.stdout = open(fd, "r" if self._text else "rb", encoding=self._encoding
                               if self._text else None, errors=self._errors if self._text
                               else None)
        fd = take(_lib.FD_STDERR)
        if fd >= 0:
            self.stderr = open(fd, "r" if self._text else "rb", encoding=self._encoding
                               if self._text else None, errors=self._errors if self._text
                               else None)
        master = lib.moat_sandbox_fd(self._handle, _lib.FD_PTY)
        if master >= 0:
            # A copy: the sandbox keeps its own for resize().
            self.pty = open(os.dup(master), "r+b", buffering=0)

    # ---- state -----------------------------------------------------------

    @property
    def pid(self) -> int:
        """The sandbox init's pid in the caller's pid namespace."""
        return self._pid

    @property
    def status(self) -> Optional[Status]:
        """The command's status once finished (its exit code, 128+N when
        killed by signal N, 124 on the policy's timeout, 126/127 when it
        could not be executed), else None."""
        return self._status

    @property
    def exec_error(self) -> Optional[str]:
        """Why the command could not be executed (status 126 or 127), as moat
        words it; None otherwise."""
        return self._exec_error

    @property
    def violation_log(self) -> List[Violation]:
        """Every violation seen so far, in order."""
        return list(self._seen)

    def fileno(self) -> int:
        """A descriptor that is readable when the sandbox has work to do: add
        it to your own select/poll loop and call ``try_wait()`` when it is."""
        with self._lock:
            return self._lib.moat_sandbox_fd(self._live(), _lib.FD_EVENTS)

    # ---- serving and waiting ----------------------------------------------

    def try_wait(self) -> Optional[Status]:
        """Serve the sandbox without waiting.  The status once the command
        has finished, else None.  Raises SetupError when the sandbox failed
        after it was spawned."""
        with self._lock:
            if self._status is None and self._error is None:
                status = ctypes.c_int()
                err = _lib.Error()
                r = self._lib.moat_sandbox_try_wait(self._live(), ctypes.byref(status),
                                                    ctypes.byref(err))
                if r < 0:
                    self._error = SetupError(err.msg.decode("utf-8", "replace") or
                                             os.strerror(-r), err.code or r)
                elif r == 1:
                    self._status = status.value
                    self._exec_error = err.msg.decode("utf-8", "replace") or None
        self._dispatch()
        if self._error is not None:
            raise self._error
        return self._status

    poll = try_wait

    def wait(self, timeout: Optional[float] = None) -> Status:
        """Serve the sandbox until the command finishes; its status.  Raises
        TimeoutExpired after ``timeout`` seconds (the command still runs)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.try_wait()
            if status is not None:
                return status
            self._await_events(deadline)

    def _await_events(self, deadline: Optional[float]) -> None:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise TimeoutExpired("the command is still running after the timeout")
        fd = self.fileno()
        p = select.poll()
        p.register(fd, select.POLLIN)
        p.poll(None if remaining is None else max(1, int(remaining * 1000)))

    def communicate(self, input: Union[bytes, str, None] = None,
                    timeout: Optional[float] = None) -> Tuple[Any, Any]:
        """Write ``input`` to stdin (then close it), read stdout and stderr
        (or the pty) to their end while serving the sandbox, and wait for the
        command.  Returns (stdout, stderr): bytes, or str in text mode; None
        for what is not a pipe.  With a pty, stdout is what the terminal
        showed.  On TimeoutExpired, call it again to go on."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._comm is None:
            self._comm = self._start_communicate(input)
        chunks = self._comm
        readers = {f.fileno(): f for f in (self.stdout, self.stderr, self.pty)
                   if f is not None and not f.closed and f.fileno() in chunks}
        writer = chunks.get(-1)
        while True:
            finished = self.try_wait() is not None
            if finished and not readers:
                break
            wait_ms = None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    out, errs = self._comm_result(chunks)
                    raise TimeoutExpired("the command is still running after the timeout",
                                         out, errs)
                wait_ms = max(1, int(left * 1000))
            p = select.poll()
            if not finished:
                p.register(self.fileno(), select.POLLIN)
            for fd in readers:
                p.register(fd, select.POLLIN)
            if writer and self.stdin is not None:
                p.register(self.stdin.fileno(), select.POLLOUT)
            for fd, ev in p.poll(wait_ms):
                if fd in readers:
                    self._read_some(fd, readers, chunks)
                elif self.stdin is not None and not self.stdin.closed \
                        and fd == self.stdin.fileno():
                    writer = self._write_some(writer)
        out, errs = self._comm_result(chunks)
        for f in (self.stdout, self.stderr):
            if f is not None:
                f.close()
        return out, errs

    def _start_communicate(self, input: Union[bytes, str, None]) -> Dict[int, List[bytes]]:
        chunks: Dict[int, List[bytes]] = {}
        for f in (self.stdout, self.stderr, self.pty):
            if f is not None and not f.closed:
                chunks[f.fileno()] = []
        if self.stdin is not None and not self.stdin.closed:
            self.stdin.flush()
            if input:
                data = input.encode(self._encoding, self._errors) if isinstance(input, str) \
                    else bytes(input)
                chunks[-1] = [data]
            else:
                self.stdin.close()
        elif input:
            raise ValueError("input given, but stdin is not a pipe")
        return chunks

    def _read_some(self, fd: int, readers: Dict[int, IO[Any]],
                   chunks: Dict[int, List[bytes]]) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError as e:
            if e.errno != errno.EIO:  # a pty whose other side closed
                raise
            data = b""
        if data:
            chunks[fd].append(data)
        else:
            del readers[fd]

    def _write_some(self, writer: Optional[List[bytes]]) -> Optional[List[bytes]]:
        assert self.stdin is not None
        if not writer or not writer[0]:
            self.stdin.close()
            return None
        try:
            n = os.write(self.stdin.fileno(), writer[0][:select.PIPE_BUF])
        except BrokenPipeError:
            self.stdin.close()
            return None
        writer[0] = writer[0][n:]
        if not writer[0]:
            self.stdin.close()
            return None
        return writer

    def _comm_result(self, chunks: Dict[int, List[bytes]]) -> Tuple[Any, Any]:
        def joined(f: Optional[IO[Any]]) -> Any:
            if f is None:
                return None
            data = b"".join(chunks.get(f.fileno(), [])) if not f.closed else b""
            return data.decode(self._encoding, self._errors) if self._text else data
        if self.pty is not None:
            return joined(self.pty), None
        return joined(self.stdout), joined(self.stderr)

    # ---- violations --------------------------------------------------------

    def _dispatch(self) -> None:
        """Turn queued lines into dicts and hand them on, outside any C call."""
        while True:
            try:
                line = self._pending.popleft()
            except IndexError:
                return
            v = json.loads(line.decode("utf-8", "replace"))
            self._seen.append(v)
            self._unread.append(v)
            if self._on_violation is not None:
                self._on_violation(v)

    def violations(self, timeout: Optional[float] = None) -> Iterator[Violation]:
        """Each violation as a dict (time, kind, destination, reason, pid,
        command, ...; see docs/network.md), as it happens, from the first
        one on; ends when the command has finished.  Serves the sandbox while
        it waits.  Raises TimeoutExpired after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            finished = self.try_wait() is not None
            while self._unread:
                yield self._unread.popleft()
            if finished:
                return
            self._await_events(deadline)

    # ---- control -------------------------------------------------------------

    def kill(self, sig: int = signal.SIGKILL) -> bool:
        """Send ``sig`` to the command (through the sandbox's init, which
        forwards it); SIGKILL, the default, ends the whole sandbox.  False
        when the command had already finished."""
        with self._lock:
            if self._status is not None or self._error is not None:
                return False
            r = self._lib.moat_sandbox_kill(self._live(), int(sig))
        if r == -errno.ESRCH:
            return False
        if r < 0:
            raise MoatError(f"cannot signal the sandbox: {os.strerror(-r)}", r)
        return True

    def terminate(self) -> bool:
        """kill(SIGTERM)."""
        return self.kill(signal.SIGTERM)

    def resize(self, rows: int, cols: int) -> None:
        """Set the pseudo-terminal's window size (the command gets SIGWINCH)."""
        with self._lock:
            r = self._lib.moat_sandbox_resize(self._live(), rows, cols)
        if r < 0:
            what = "no pseudo-terminal (spawn with pty=True)" if r == -errno.ENOTTY \
                else os.strerror(-r)
            raise MoatError(f"cannot resize: {what}", r)

    def close(self) -> None:
        """Kill what still runs, reap it, and close the streams."""
        with self._lock:
            self._finalizer()
        for f in (self.stdin, self.stdout, self.stderr, self.pty):
            if f is not None:
                try:
                    f.close()
                except BrokenPipeError:
                    pass

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if not self._finalizer.alive else \
            "running" if self._status is None else f"status={self._status}"
        return f"<moat_sandbox.Sandbox pid={self._pid} {state}>"

    def _live(self) -> int:
        if not self._finalizer.alive:
            raise ValueError("the sandbox is closed")
        return self._handle


def spawn(policy: Policy, argv: Sequence[PathLike], *, stdin: Stdio = None,
          stdout: Stdio = None, stderr: Stdio = None, text: bool = False,
          encoding: Optional[str] = None, errors: Optional[str] = None,
          pty: Union[bool, Tuple[int, int]] = False, env: Optional[Mapping[str, str]] = None,
          pass_fds: Iterable[int] = (), log: Optional[PathLike] = None,
          on_violation: Optional[ViolationCallback] = None) -> Sandbox:
    """Start ``argv`` (argv[0] looked up in PATH) under ``policy`` and return
    at once.

    stdin, stdout, stderr: None (the caller's own), PIPE, DEVNULL, a
    descriptor or a file object.  text (or encoding/errors): the pipes are
    text files.  pty: True or (rows, cols): a pseudo-terminal inside the
    sandbox is the command's 0, 1 and 2, and ``Sandbox.pty`` its master
    (the stdio arguments are then ignored).  env: the environment the
    policy's passEnv picks from (default: this process's).  pass_fds:
    descriptors (3 or more) the command keeps.  log: a file each violation
    is appended to as a JSON line.  on_violation: called with each
    violation as a dict, in the thread that serves the sandbox.

    The policy is finalized first if it is not.  Raises PolicyError for a
    policy that cannot be finalized, SetupError when the sandbox cannot be
    built (nothing is left running).  Safe to call from any thread of a
    program that runs several: libmoat then builds the sandbox from a
    single-threaded helper process.
    """
    return Sandbox(policy, argv, stdin=stdin, stdout=stdout, stderr=stderr, text=text,
                   encoding=encoding, errors=errors, pty=pty, env=env, pass_fds=pass_fds,
                   log=log, on_violation=on_violation)


def run(policy: Policy, argv: Sequence[PathLike], *, stdin: Stdio = None, stdout: Stdio = None,
        stderr: Stdio = None, env: Optional[Mapping[str, str]] = None,
        pass_fds: Iterable[int] = (), log: Optional[PathLike] = None,
        on_violation: Optional[ViolationCallback] = None,
        timeout: Optional[float] = None) -> Status:
    """Run ``argv`` under ``policy`` and wait for it; its status (see
    ``Sandbox.status``).  Arguments as ``spawn()``'s, except PIPE (use
    ``spawn()`` and ``communicate()`` to capture output).  After ``timeout``
    seconds the sandbox is killed and TimeoutExpired raised."""
    if PIPE in (stdin, stdout, stderr):
        raise ValueError("run() does not take PIPE: use spawn() and communicate()")
    with spawn(policy, argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env,
               pass_fds=pass_fds, log=log, on_violation=on_violation) as sb:
        try:
            return sb.wait(timeout)
        except TimeoutExpired:
            sb.kill()
            sb.wait()
            raise
