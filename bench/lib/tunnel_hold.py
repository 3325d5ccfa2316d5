#!/usr/bin/python3
"""Client side of bench/tunnel.sh: one TCP connection held open for a long
time, with an echo exchange every few seconds.

    tunnel_hold.py --how connect|direct --host dual.test --port 7
                   --duration SECONDS --interval SECONDS --out FILE

  connect  a CONNECT tunnel through the proxy in $HTTPS_PROXY (moat's proxy
           mode; the credential is sent as Basic Proxy-Authorization)
  direct   a plain connect(2) (in moat's firewall mode: intercepted)

Every --interval seconds one message is written and its echo read back and
compared; sizes cycle through 1 B, 100 B, 1 KiB, 16 KiB, 64 KiB and 1 MiB
(random bytes), so small writes and bulk both cross the same connection.
The connection is never reopened: a failure ends the run (the point is that
the one connection survives).  One JSON line per minute goes to --out (and
the summary at the end): messages, failures, round-trip median and max.
Every wait is bounded (30 s per exchange).
"""
import argparse
import base64
import json
import os
import socket
import statistics
import time
import urllib.parse

SIZES = [1, 100, 1024, 16 << 10, 64 << 10, 1 << 20]


def open_tunnel(a):
    if a.how == "direct":
        s = socket.create_connection((a.host, a.port), timeout=30)
    else:
        u = urllib.parse.urlsplit(os.environ.get("HTTPS_PROXY") or os.environ["https_proxy"])
        s = socket.create_connection((u.hostname, u.port or 3128), timeout=30)
        auth = b""
        if u.username is not None:
            tok = base64.b64encode(f"{urllib.parse.unquote(u.username)}:"
                                   f"{urllib.parse.unquote(u.password or '')}".encode())
            auth = b"Proxy-Authorization: Basic " + tok + b"\r\n"
        hp = f"{a.host}:{a.port}".encode()
        s.sendall(b"CONNECT " + hp + b" HTTP/1.1\r\nHost: " + hp + b"\r\n" + auth + b"\r\n")
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                raise ConnectionError("proxy closed before its answer")
            buf += d
        head, rest = buf.split(b"\r\n\r\n", 1)
        if head.split()[1] != b"200" or rest:
            raise ConnectionError("CONNECT: " + head.split(b"\r\n")[0].decode("latin-1"))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(30)
    # A protocol's first line, as an SSH client sends one: in firewall mode
    # the first bytes to a name are read before they pass (random bytes that
    # start like a TLS record would wait for a ClientHello that never comes).
    greeting = b"SSH-2.0-moat-tunnel-hold\r\n"
    s.sendall(greeting)
    got = b""
    while len(got) < len(greeting):
        d = s.recv(len(greeting) - len(got))
        if not d:
            raise ConnectionError("closed before the greeting was echoed")
        got += d
    return s


def exchange(s, n):
    msg = os.urandom(n)
    t0 = time.perf_counter_ns()
    s.sendall(msg)
    got = bytearray()
    while len(got) < n:
        d = s.recv(min(1 << 20, n - len(got)))
        if not d:
            raise ConnectionError(f"closed after {len(got)} of {n} echoed bytes")
        got += d
    dt = time.perf_counter_ns() - t0
    if bytes(got) != msg:
        raise ValueError(f"echo of {n} bytes differs")
    return dt / 1000.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--how", choices=["connect", "direct"], required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--duration", type=float, default=3600)
    ap.add_argument("--interval", type=float, default=3)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = open(a.out, "a", buffering=1)
    start = time.monotonic()
    total = {"how": a.how, "msgs": 0, "bytes": 0, "failures": [], "minutes": 0}
    small = []              # round trips of the 1-byte messages, all run
    minute, lat, i = [], [], 0
    try:
        s = open_tunnel(a)
    except (OSError, ValueError) as e:
        total["failures"].append(f"open: {e}")
        out.write(json.dumps({"summary": total}) + "\n")
        return 1
    next_minute = start + 60
    while time.monotonic() - start < a.duration:
        n = SIZES[i % len(SIZES)]
        i += 1
        try:
            us = exchange(s, n)
        except (OSError, ValueError) as e:
            total["failures"].append(f"t={time.monotonic() - start:.0f}s, {n} bytes: {e}")
            break
        total["msgs"] += 1
        total["bytes"] += n
        lat.append(us)
        if n == 1:
            small.append(us)
        now = time.monotonic()
        if now >= next_minute:
            total["minutes"] += 1
            out.write(json.dumps({"t": round(now - start), "msgs": len(lat),
                                  "median_us": round(statistics.median(lat), 1),
                                  "max_us": round(max(lat), 1)}) + "\n")
            lat = []
            next_minute += 60
        time.sleep(max(0.0, a.interval - (time.monotonic() - now)))
    s.close()
    total["elapsed_s"] = round(time.monotonic() - start)
    if small:
        q = len(small) // 10 or 1
        total["one_byte_rtt_us"] = {"first_10pct_median": round(statistics.median(small[:q]), 1),
                                    "last_10pct_median": round(statistics.median(small[-q:]), 1),
                                    "median": round(statistics.median(small), 1),
                                    "max": round(max(small), 1)}
    out.write(json.dumps({"summary": total}) + "\n")
    return 0 if not total["failures"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
