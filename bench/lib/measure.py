#!/usr/bin/env python3
"""Client side of the network benchmarks: the workload run inside a sandbox.

    measure.py --http-port P --echo-port Q [--direct | --proxy URL] [options]

Talks to bench/lib/servers.py (HTTP on P, echo on Q) either directly
(--direct: run it outside any sandbox) or through an HTTP CONNECT proxy.  The
proxy URL comes from --proxy, else $HTTPS_PROXY, else $https_proxy, and may
carry user:password (sent as Basic Proxy-Authorization), e.g.
http://moat:TOKEN@127.0.0.1:3128.  The CONNECT client is written here over a
raw socket so that its cost is small and the same for every proxy.

Measurements (--tests, comma-separated, default all three):
  bulk         GET /bytes/N (keep-alive) through a fresh CONNECT tunnel (or a
               direct connection), timed from sending the request to the last
               body byte; MB/s (10^6 bytes) of each run, median of the
               --bulk-runs that completed, after one warm-up run.  A failed or
               truncated run is counted in failed_runs, never timed.
  latency      proxy: time from socket() + connect() to the proxy to the end of
               the CONNECT response header (the "200" line), and separately to
               the first byte echoed back through the new tunnel; direct: TCP
               connect + one byte echoed back.  Median/p90/min in µs over
               --lat-runs after --lat-warmup.
  concurrency  --conns tunnels (or direct connections) to the echo server, each
               sending a ping and checking its echo; all held open for --hold
               seconds, pinged again, then all closed.  At most --window set-ups
               are in flight at once.  Counts errors of every kind.
               With --phase-pause > 0, writes "@@bench phase=baseline|held|closed"
               lines to stderr and pauses that many seconds after each so that
               an outside monitor (bench/lib/monitor.py) can sample the proxy.

Prints one JSON object on stdout.  Every wait is bounded (--deadline).
"""
import argparse
import base64
import json
import os
import platform
import selectors
import socket
import statistics
import sys
import time
import urllib.parse

NS = time.perf_counter_ns


class Proxy:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", ""):
            raise SystemExit(f"measure: proxy scheme {u.scheme!r} is not http")
        self.host = u.hostname
        self.port = u.port or 3128
        self.user = urllib.parse.unquote(u.username) if u.username is not None else None
        self.password = urllib.parse.unquote(u.password) if u.password is not None else ""
        user = u.username or ""
        if len(user) > 16:             # srt's user name is long (base64 of the command)
            user = user[:12] + "..."
        self.shown = f"http://{user + ':***@' if user else ''}{u.hostname}:{self.port}"
        auth = b""
        if self.user is not None:
            tok = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            auth = f"Proxy-Authorization: Basic {tok}\r\n".encode()
        self.auth = auth
        # Resolve once, outside every timed section; keep the first address
        # that accepts a connection.
        err = None
        for fam, typ, proto, _, sa in socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM):
            try:
                s = socket.socket(fam, typ, proto)
                s.settimeout(5)
                s.connect(sa)
                s.close()
                self.family, self.addr = fam, sa
                return
            except OSError as e:
                err = e
        raise SystemExit(f"measure: cannot reach proxy {self.shown}: {err}")

    def connect_request(self, host, port):
        hp = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return (f"CONNECT {hp} HTTP/1.1\r\nHost: {hp}\r\n").encode() + self.auth + b"\r\n"


def read_header(s, buf=b""):
    """Blocking: read up to the end of an HTTP header; return (header, rest)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("connection closed before end of header")
        buf += d
        if len(buf) > 65536:
            raise ConnectionError("header too long")
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def first_line(head):
    return head.split(b"\r\n", 1)[0].decode("latin-1")


def status_of(head):
    parts = head.split(b"\r\n", 1)[0].split(None, 2)
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return -1


class Target:
    """Opens a stream to host:port, directly or through the proxy."""

    def __init__(self, proxy, host):
        self.proxy = proxy
        self.host = host
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET

    def open(self, port, timeout):
        """Return (socket, leftover bytes, ns at which the stream is usable)."""
        p = self.proxy
        if p is None:
            s = socket.socket(self.family, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.connect((self.host, port))
            return s, b"", NS()
        s = socket.socket(p.family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.connect(p.addr)
        s.sendall(p.connect_request(self.host, port))
        head, rest = read_header(s)
        t = NS()
        st = status_of(head)
        if st != 200:
            s.close()
            raise ConnectionError("CONNECT refused: " + first_line(head))
        return s, rest, t


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary_us(ns_list):
    us = [x / 1000 for x in ns_list]
    return {"median_us": round(statistics.median(us), 1), "p90_us": round(pct(us, 0.9), 1),
            "min_us": round(min(us), 1), "max_us": round(max(us), 1), "n": len(us),
            "all_us": [round(x, 1) for x in us]}


# ------------------------------------------------------------------ bulk ----

def bulk(tgt, a):
    n = a.bulk_mib << 20
    buf = bytearray(4 << 20)
    mv = memoryview(buf)
    rates, failures = [], []
    for i in range(a.bulk_runs + 1):
        try:
            s, rest, _ = tgt.open(a.http_port, a.deadline)
        except OSError as e:
            failures.append(f"open: {type(e).__name__}: {e}")
            continue
        try:
            # Keep-alive: the body ends at Content-Length, not at a close that
            # would have to travel through the proxy chain.
            t0 = NS()
            s.sendall(f"GET /bytes/{n} HTTP/1.1\r\nHost: {tgt.host}\r\n\r\n".encode())
            head, body = read_header(s, rest)
            if status_of(head) != 200:
                raise ConnectionError("GET /bytes: " + first_line(head))
            got = len(body)
            while got < n:
                k = s.recv_into(mv, min(len(buf), n - got))
                if k == 0:
                    raise ConnectionError(f"short body: {got} of {n} bytes")
                got += k
            t1 = NS()
        except OSError as e:
            failures.append(f"{type(e).__name__}: {e}")
            continue
        finally:
            s.close()
        if i == 0:
            continue                     # warm-up
        rates.append(n / ((t1 - t0) / 1e9) / 1e6)
    if not rates:
        raise ConnectionError("every bulk run failed: " + "; ".join(failures[:3]))
    return {"mib": a.bulk_mib, "runs": len(rates), "failed_runs": len(failures), "failures": failures,
            "mb_s_median": round(statistics.median(rates), 1),
            "mb_s_min": round(min(rates), 1), "mb_s_max": round(max(rates), 1),
            "mb_s_all": [round(r, 1) for r in rates]}


# --------------------------------------------------------------- latency ----

def latency(tgt, a):
    ready, first = [], []
    for i in range(a.lat_warmup + a.lat_runs):
        t0 = NS()
        s, rest, t_ready = tgt.open(a.echo_port, a.deadline)
        try:
            s.sendall(b"x")
            got = rest
            while not got:
                got = s.recv(64)
                if not got:
                    raise ConnectionError("echo closed")
            t_first = NS()
        finally:
            s.close()
        if i < a.lat_warmup:
            continue
        ready.append(t_ready - t0)
        first.append(t_first - t0)
    if tgt.proxy is None:
        # Direct: the comparable figure is connect + one request/response
        # round trip (the CONNECT exchange is one such round trip too).
        return {"direct_connect_echo": summary_us(first), "direct_connect_only": summary_us(ready)}
    return {"proxy_connect_200": summary_us(ready), "proxy_connect_first_echo": summary_us(first)}


# ----------------------------------------------------------- concurrency ----

def phase(name, a):
    if a.phase_pause <= 0:
        return                          # nobody is watching
    print(f"@@bench phase={name} t={time.time():.3f}", file=sys.stderr, flush=True)
    if a.phase_pause > 0:
        time.sleep(a.phase_pause)


def concurrency(tgt, a):
    """Non-blocking state machine over epoll; bounded by a.deadline."""
    p = tgt.proxy
    sel = selectors.DefaultSelector()
    errors = {}

    def err(kind, c=None):
        errors[kind] = errors.get(kind, 0) + 1
        if c is not None:
            try:
                sel.unregister(c["s"])
            except (KeyError, ValueError):
                pass
            c["s"].close()
            c["state"] = "failed"

    phase("baseline", a)
    t_start = NS()
    deadline = time.monotonic() + a.deadline
    conns = []
    started = 0
    in_setup = 0
    held = 0
    ping = lambda i, r: b"ping-%06d-%d\n" % (i, r)

    def start_one(i):
        fam = p.family if p else tgt.family
        addr = p.addr if p else (tgt.host, a.echo_port)
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = {"i": i, "s": s, "state": "connecting", "buf": b"", "out": b""}
        conns.append(c)
        rc = s.connect_ex(addr)
        if rc not in (0, 115, 11):      # 0, EINPROGRESS, EAGAIN
            err(f"connect:{os.strerror(rc)}", c)
            return False
        sel.register(s, selectors.EVENT_WRITE, c)
        return True

    def send(c, data, next_state):
        c["out"] += data
        c["state"] = next_state
        flush(c)

    def flush(c):
        if c["out"]:
            try:
                n = c["s"].send(c["out"])
            except BlockingIOError:
                n = 0
            c["out"] = c["out"][n:]
        sel.modify(c["s"], selectors.EVENT_WRITE if c["out"] else selectors.EVENT_READ, c)

    def on_ready(c, rnd):
        if p is not None and c["state"] == "connecting":
            send(c, p.connect_request(tgt.host, a.echo_port), "connect-sent")
        else:
            send(c, ping(c["i"], rnd), f"ping{rnd}-sent")

    rnd = 1
    while time.monotonic() < deadline:
        while started < a.conns and in_setup < a.window:
            started += 1
            if start_one(started - 1):
                in_setup += 1
        if held + sum(1 for c in conns if c["state"] == "failed") >= a.conns:
            break
        events = sel.select(timeout=max(0.0, min(1.0, deadline - time.monotonic())))
        for key, ev in events:
            c = key.data
            s = c["s"]
            try:
                if c["out"]:
                    flush(c)
                    continue
                if c["state"] == "connecting":
                    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if e:
                        raise OSError(e, os.strerror(e))
                    on_ready(c, rnd)
                    continue
                d = s.recv(65536)
                if not d:
                    raise ConnectionError("closed by peer")
                c["buf"] += d
                if c["state"] == "connect-sent":
                    if b"\r\n\r\n" not in c["buf"]:
                        continue
                    head, c["buf"] = c["buf"].split(b"\r\n\r\n", 1)
                    if status_of(head) != 200:
                        in_setup -= 1
                        err(f"CONNECT status {status_of(head)}", c)
                        continue
                    send(c, ping(c["i"], rnd), "ping1-sent")
                elif c["state"] == "ping1-sent":
                    want = ping(c["i"], 1)
                    if len(c["buf"]) < len(want):
                        continue
                    if c["buf"] != want:
                        in_setup -= 1
                        err("echo mismatch", c)
                        continue
                    c["buf"] = b""
                    c["state"] = "held"
                    in_setup -= 1
                    held += 1
            except OSError as e:
                if c["state"] == "held":
                    held -= 1
                else:
                    in_setup -= 1
                err(type(e).__name__ + (f":{e.strerror}" if getattr(e, "strerror", None) else ""), c)
    t_open = NS()
    for c in conns:
        if c["state"] not in ("held", "failed"):
            in_setup -= 1
            err("timeout during set-up", c)
    peak_held = held
    phase("held", a)
    time.sleep(a.hold)

    # Second round: every held connection must still carry data.
    live = [c for c in conns if c["state"] == "held"]
    for c in live:
        try:
            send(c, ping(c["i"], 2), "ping2-sent")
        except OSError as e:
            err("round2 send:" + type(e).__name__, c)
    pending = {id(c) for c in live if c["state"] == "ping2-sent"}
    deadline2 = time.monotonic() + a.deadline
    while pending and time.monotonic() < deadline2:
        for key, ev in sel.select(timeout=1.0):
            c = key.data
            try:
                if c["out"]:
                    flush(c)
                    continue
                d = c["s"].recv(65536)
                if not d:
                    raise ConnectionError("closed by peer")
                c["buf"] += d
                want = ping(c["i"], 2)
                if len(c["buf"]) >= len(want):
                    pending.discard(id(c))
                    if c["buf"] != want:
                        err("round2 echo mismatch", c)
                    else:
                        c["state"] = "verified"
                        c["buf"] = b""
            except OSError as e:
                pending.discard(id(c))
                err("round2:" + type(e).__name__, c)
    for c in live:
        if id(c) in pending:
            err("round2 timeout", c)
    verified = sum(1 for c in conns if c["state"] == "verified")

    t_close0 = NS()
    for c in conns:
        if c["state"] != "failed":
            try:
                sel.unregister(c["s"])
            except (KeyError, ValueError):
                pass
            c["s"].close()
    t_close1 = NS()
    sel.close()
    phase("closed", a)
    return {"conns": a.conns, "window": a.window, "held": peak_held, "verified_after_hold": verified,
            "errors": sum(errors.values()), "error_kinds": errors,
            "open_all_ms": round((t_open - t_start) / 1e6, 1),
            "hold_s": a.hold, "close_all_ms": round((t_close1 - t_close0) / 1e6, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--echo-port", type=int, required=True)
    ap.add_argument("--target-host", default="127.0.0.1",
                    help="address of the servers as the proxy (or direct client) should reach them")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--direct", action="store_true", help="no proxy: connect to the servers directly")
    g.add_argument("--proxy", help="proxy URL (default: $HTTPS_PROXY, then $https_proxy)")
    ap.add_argument("--tests", default="bulk,latency,concurrency")
    ap.add_argument("--bulk-mib", type=int, default=256)
    ap.add_argument("--bulk-runs", type=int, default=5)
    ap.add_argument("--lat-runs", type=int, default=500)
    ap.add_argument("--lat-warmup", type=int, default=20)
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--hold", type=float, default=1.0)
    ap.add_argument("--phase-pause", type=float, default=0.0)
    ap.add_argument("--deadline", type=float, default=60.0, help="bound on any one wait, seconds")
    ap.add_argument("--label", default="")
    ap.add_argument("--resolve-once", action="store_true",
                    help="resolve --target-host (a name) to its first IPv4 address once, at start "
                         "(firewall mode: moat's pool address), instead of at every connect")
    a = ap.parse_args()
    if a.resolve_once:
        a.target_host = socket.getaddrinfo(a.target_host, a.echo_port, socket.AF_INET,
                                           socket.SOCK_STREAM)[0][4][0]

    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):
        nofile = None

    proxy = None
    if not a.direct:
        url = a.proxy or os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
        if not url:
            raise SystemExit("measure: no proxy (set HTTPS_PROXY or pass --proxy/--direct)")
        proxy = Proxy(url)
    tgt = Target(proxy, a.target_host)
    out = {"label": a.label, "mode": "direct" if proxy is None else "proxy",
           "proxy": proxy.shown if proxy else None, "target": a.target_host,
           "python": platform.python_version(), "nofile": nofile}
    tests = [t for t in a.tests.split(",") if t]
    for t in tests:
        fn = {"bulk": bulk, "latency": latency, "concurrency": concurrency}.get(t)
        if fn is None:
            raise SystemExit(f"measure: unknown test {t!r}")
        try:
            out[t] = fn(tgt, a)
        except (OSError, ConnectionError) as e:
            out[t] = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
