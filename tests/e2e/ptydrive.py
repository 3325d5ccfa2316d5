#!/usr/bin/env python3
"""A terminal driver for the end-to-end tests: runs a command on a fresh
pseudo-terminal (as a person's terminal would), then follows a script of
steps read from argv: type text or keys, wait for text on the screen,
resize the window.  Prints the whole screen transcript at the end and
exits with the command's status, or 99 if a wait timed out.

    ptydrive.py -- CMD... ';;' STEP...
    STEP: send:TEXT (\\n, \\x03 escapes) | expect:TEXT | resize:ROWSxCOLS | sleep:SECONDS
"""
import codecs
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    sep = args.index(";;")
    cmd, steps = args[:sep], args[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    screen = b""

    def pump(timeout):
        nonlocal screen
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(fd, 65536)
        except OSError:
            return None
        if not data:
            return None
        screen += data
        return True

    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "send":
            os.write(fd, codecs.decode(arg, "unicode_escape").encode("latin-1"))
        elif kind == "expect":
            want = codecs.decode(arg, "unicode_escape").encode()
            deadline = time.time() + 20
            start = len(screen)
            while want not in screen[max(0, start - len(want)):]:
                if time.time() > deadline or pump(0.2) is None:
                    sys.stdout.write(screen.decode(errors="replace"))
                    print(f"\nptydrive: timed out waiting for {arg!r}", file=sys.stderr)
                    os.kill(pid, signal.SIGKILL)
                    return 99
        elif kind == "resize":
            rows, cols = (int(x) for x in arg.split("x"))
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.kill(pid, signal.SIGWINCH)
        elif kind == "sleep":
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
    deadline = time.time() + 20
    while time.time() < deadline:
        if pump(0.2) is None:
            break
    sys.stdout.write(screen.decode(errors="replace"))
    # The command should be gone; never wait for it forever.
    for _ in range(100):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        print("\nptydrive: the command did not exit; killed", file=sys.stderr)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return 98
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main())
