#!/usr/bin/python3
"""Client side of bench/firewall.sh: the workload run directly or in a sandbox.

    netlat.py --path direct|proxy|firewall [--host dual.test] [options]

Run with /usr/bin/python3 (the same interpreter on every path).  Prints one
JSON object on stdout; a measure that fails gets {"error": ...} and the
others still run.  Every wait is bounded (--timeout per operation).

  dns    --dns-runs A-lookups of HOST, one by one over UDP, each from a fresh
         socket to the first nameserver in /etc/resolv.conf (direct: the lab's
         dnsmasq; in moat: its DNS filter).  Timed from send() to the matching
         answer; the answer must be NOERROR with at least one A record.
  bulk   curl -4 and -6 downloads of http://HOST/bytes/N (N = --bulk-mib MiB),
         --bulk-runs each after one warm-up; curl's %{speed_download} (bytes
         over curl's whole transfer time) in MB/s (10^6 bytes).  A run with a
         curl error, a status other than 200 or a short body counts as failed.
         direct and firewall: --noproxy '*' (firewall: the connection is
         intercepted in the kernel); proxy: moat's HTTP proxy, at 127.0.0.1
         for -4 and [::1] for -6.  GET / first tells which server address
         the path reached ("hello from ADDR:80").
  echo   --lat-runs TCP connect + 1-byte echo round trips to HOST port 7, per
         family: "name" resolves HOST with getaddrinfo every time (inside the
         timing, like a real client), "addr" uses the address resolved once.
         proxy: "socks" instead: a SOCKS5 CONNECT to HOST:7 (socks5h, moat
         resolves) through moat's proxy at 127.0.0.1 / [::1]:1080, with its
         credential, then the echo.  --lat-warmup runs first are not timed.
"""
import argparse
import json
import os
import random
import socket
import statistics
import struct
import subprocess
import time
import urllib.parse

NS = time.perf_counter_ns
FAM = {"4": socket.AF_INET, "6": socket.AF_INET6}


def pct(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary(ns_list, failures):
    us = [x / 1000 for x in ns_list]
    if not us:
        return {"error": "every run failed: " + "; ".join(failures[:3])}
    return {"n": len(us), "failed": len(failures), "failures": failures[:5],
            "median_us": round(statistics.median(us), 1), "p90_us": round(pct(us, 0.9), 1),
            "min_us": round(min(us), 1), "all_us": [round(x, 1) for x in us]}


def guarded(fn, *args):
    try:
        return fn(*args)
    except Exception as e:  # one failed measure must not hide the others
        return {"error": f"{type(e).__name__}: {e}"}


# ------------------------------------------------------------------- dns ----

def nameserver():
    with open("/etc/resolv.conf") as f:
        for line in f:
            w = line.split()
            if len(w) >= 2 and w[0] == "nameserver":
                return w[1]
    raise RuntimeError("no nameserver in /etc/resolv.conf")


def skip_name(msg, i):
    while True:
        n = msg[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += n + 1


def a_records(msg, qid):
    """Addresses of the A records of answer MSG to query QID; raises if not NOERROR."""
    rid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    if rid != qid:
        return None                    # a stray answer: keep waiting
    if flags & 0xF:
        raise RuntimeError(f"rcode {flags & 0xF}")
    i = 12
    for _ in range(qd):
        i = skip_name(msg, i) + 4
    out = []
    for _ in range(an):
        i = skip_name(msg, i)
        typ, _cls, _ttl, rdlen = struct.unpack("!HHIH", msg[i:i + 10])
        i += 10
        if typ == 1 and rdlen == 4:
            out.append(socket.inet_ntop(socket.AF_INET, msg[i:i + 4]))
        i += rdlen
    if not out:
        raise RuntimeError("no A record in the answer")
    return out


def dns(a):
    server = nameserver()
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    qname = b"".join(bytes([len(p)]) + p.encode() for p in a.host.split(".")) + b"\0"
    times, failures, seen = [], [], set()
    for i in range(a.dns_warmup + a.dns_runs):
        qid = random.getrandbits(16)
        q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.settimeout(a.timeout)
            s.connect((server, 53))
            t0 = NS()
            s.send(q)
            while True:
                addrs = a_records(s.recv(4096), qid)
                if addrs is not None:
                    break
            t1 = NS()
        except Exception as e:
            failures.append(f"{type(e).__name__}: {e}")
            continue
        finally:
            s.close()
        if i >= a.dns_warmup:
            times.append(t1 - t0)
            seen.update(addrs)
    r = summary(times, failures)
    r.update(server=server, answers=sorted(seen))
    return r


# ------------------------------------------------------------------ bulk ----

def curl_args(a, fam):
    args = ["curl", "-sS", f"-{fam}", "--max-time", str(a.curl_timeout)]
    if a.path == "proxy":
        u = urllib.parse.urlsplit(os.environ.get("HTTP_PROXY") or os.environ["http_proxy"])
        host = "[::1]" if fam == "6" else "127.0.0.1"
        args += ["--noproxy", "", "--proxy", f"http://{u.netloc.rsplit('@', 1)[0]}@{host}:{u.port}"]
    else:
        args += ["--noproxy", "*"]
    return args


def bulk_family(a, fam):
    n = a.bulk_mib << 20
    base = curl_args(a, fam)
    hello = subprocess.run(base + [f"http://{a.host}/"], capture_output=True, text=True,
                           timeout=a.curl_timeout + 10)
    reached = hello.stdout.strip().removeprefix("hello from ") or f"curl exit {hello.returncode}"
    rates, failures = [], []
    for i in range(a.bulk_runs + 1):
        p = subprocess.run(base + ["-o", "/dev/null", "-w", "%{speed_download} %{size_download} %{http_code}",
                                   f"http://{a.host}/bytes/{n}"],
                           capture_output=True, text=True, timeout=a.curl_timeout + 10)
        w = p.stdout.split()
        if p.returncode != 0 or len(w) != 3 or w[2] != "200" or int(w[1]) != n:
            failures.append(f"curl exit {p.returncode}: {p.stdout.strip()} {p.stderr.strip()}"[:200])
            continue
        if i > 0:                      # the first is a warm-up
            rates.append(float(w[0]) / 1e6)
    r = {"reached": reached, "runs": len(rates), "failed": len(failures), "failures": failures[:5],
         "mb_s_all": [round(x, 1) for x in rates]}
    if rates:
        r["mb_s_median"] = round(statistics.median(rates), 1)
    return r


# ------------------------------------------------------------------ echo ----

def echo_once(sock):
    sock.sendall(b"x")
    if sock.recv(16) != b"x":
        raise ConnectionError("echo mismatch")


def socks_connect(fam, a):
    u = urllib.parse.urlsplit(os.environ.get("ALL_PROXY") or os.environ["all_proxy"])
    user, pw = urllib.parse.unquote(u.username).encode(), urllib.parse.unquote(u.password).encode()
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.connect(("::1" if fam == socket.AF_INET6 else "127.0.0.1", u.port))
    s.sendall(b"\x05\x01\x02")
    if s.recv(2) != b"\x05\x02":
        raise ConnectionError("SOCKS5: no user/password method")
    s.sendall(bytes([1, len(user)]) + user + bytes([len(pw)]) + pw)
    if s.recv(2) != b"\x01\x00":
        raise ConnectionError("SOCKS5: credential refused")
    h = a.host.encode()
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(h)]) + h + struct.pack("!H", a.echo_port))
    rep = s.recv(4)
    if len(rep) < 4 or rep[1] != 0:
        raise ConnectionError(f"SOCKS5 reply {rep[1] if len(rep) > 1 else '?'}")
    left = {1: 4, 4: 16}.get(rep[3], 0) + 2
    while left > 0:                    # the bound address and port
        d = s.recv(left)
        if not d:
            raise ConnectionError("SOCKS5 reply cut short")
        left -= len(d)
    return s


def echo_kind(a, fam_s, kind):
    fam = FAM[fam_s]
    fixed = None
    if kind == "addr":
        fixed = socket.getaddrinfo(a.host, a.echo_port, fam, socket.SOCK_STREAM)[0][4]
    times, failures = [], []
    for i in range(a.lat_warmup + a.lat_runs):
        s = None
        try:
            t0 = NS()
            if kind == "socks":
                s = socks_connect(fam, a)
            else:
                sa = fixed or socket.getaddrinfo(a.host, a.echo_port, fam, socket.SOCK_STREAM)[0][4]
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.settimeout(a.timeout)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.connect(sa)
            echo_once(s)
            t1 = NS()
        except Exception as e:
            failures.append(f"{type(e).__name__}: {e}")
            continue
        finally:
            if s is not None:
                s.close()
        if i >= a.lat_warmup:
            times.append(t1 - t0)
    r = summary(times, failures)
    if fixed:
        r["address"] = fixed[0]
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--path", choices=("direct", "proxy", "firewall"), required=True)
    p.add_argument("--host", default="dual.test")
    p.add_argument("--echo-port", type=int, default=7)
    p.add_argument("--tests", default="dns,bulk,echo")
    p.add_argument("--dns-runs", type=int, default=200)
    p.add_argument("--dns-warmup", type=int, default=10)
    p.add_argument("--bulk-mib", type=int, default=256)
    p.add_argument("--bulk-runs", type=int, default=3)
    p.add_argument("--lat-runs", type=int, default=300)
    p.add_argument("--lat-warmup", type=int, default=20)
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per socket operation")
    p.add_argument("--curl-timeout", type=int, default=120, help="seconds per download")
    a = p.parse_args()
    tests = a.tests.split(",")
    out = {"path": a.path}
    if "dns" in tests:
        out["dns"] = guarded(dns, a)
    if "bulk" in tests:
        out["bulk"] = {f: guarded(bulk_family, a, f) for f in ("4", "6")}
    if "echo" in tests:
        kinds = ("socks",) if a.path == "proxy" else ("name", "addr")
        out["echo"] = {f"{k}{f}": guarded(echo_kind, a, f, k) for k in kinds for f in ("4", "6")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
