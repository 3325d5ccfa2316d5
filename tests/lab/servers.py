#!/usr/bin/python3
"""The test lab's world servers: HTTP, HTTPS, TCP echo and UDP echo.

Started by tests/lab/lab.sh inside the lab's *world* network namespace, as
root.  Binds every listed address explicitly (never a wildcard), so each
reply leaves from the address the client asked for and the body can name it.
Exits on SIGTERM/SIGINT and by itself after --lifetime seconds: nothing may
outlive a test run.

Every accepted TCP connection and every UDP datagram is logged, one line
each, before it is served, to --log:
    tcp 198.51.100.10:22 from 198.51.100.2:40312
    udp [2001:db8:1::10]:7 from [2001:db8:1::2]:51000
and so is the site each HTTP request and TLS handshake asks for (the Host
header, the SNI; "-" for none), as a virtual-hosting server would pick it:
    http 198.51.100.10:80 host=dual.test
    sni 198.51.100.10:443 name=dual.test
so a test can prove a connection never reached the world (lab_server_saw).
A UDP datagram whose payload starts with b"lab-mark-" is not echoed; it is
logged as "mark PAYLOAD" after everything that was ready with it, which lets
lab.sh know the log is complete up to that point.
"""

import argparse
import ipaddress
import os
import select
import signal
import socket
import ssl
import sys
import threading
import time

IDLE_TIMEOUT = 60          # seconds a connection may sit idle
MAX_HEADER = 16 * 1024     # bytes of request line + headers
MAX_BODY = 64 * 1024 * 1024
CHUNK = b"x" * (256 * 1024)

log_lock = threading.Lock()
log_file = None


def log(line):
    with log_lock:
        log_file.write(line + "\n")
        log_file.flush()


def fmt(sockaddr):
    host, port = sockaddr[0], sockaddr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen(family, kind, addr, port):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        s.bind((addr, port))
    except OSError as e:
        sys.exit(f"servers: cannot bind {kind.name} {fmt((addr, port))}: {e}")
    if kind == socket.SOCK_STREAM:
        s.listen(128)
    s.setblocking(False)
    return s


# --- per-connection handlers (one thread each) -----------------------------

def serve_echo(conn, local, peer):
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


def read_request(f, conn):
    """Return (method, path, version, headers, body) or None at EOF."""
    line = f.readline(MAX_HEADER)
    while line in (b"\r\n", b"\n"):       # tolerate stray CRLF between requests
        line = f.readline(MAX_HEADER)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        raise ValueError("bad request line")
    headers, size = {}, len(line)
    while True:
        h = f.readline(MAX_HEADER)
        size += len(h)
        if size > MAX_HEADER:
            raise ValueError("headers too large")
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0") or 0)
    if n < 0 or n > MAX_BODY:
        raise ValueError("bad content-length")
    if n and headers.get("expect", "").lower() == "100-continue":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = f.read(n) if n else b""
    if len(body) != n:
        return None
    return parts[0].upper(), parts[1], parts[2].upper(), headers, body


def respond(conn, status, headers, body_len, keep, head, body_iter):
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found",
              405: "Method Not Allowed"}[status]
    out = [f"HTTP/1.1 {status} {reason}",
           "Content-Type: text/plain",
           f"Content-Length: {body_len}",
           "Connection: " + ("keep-alive" if keep else "close")]
    out += [f"{k}: {v}" for k, v in headers]
    conn.sendall(("\r\n".join(out) + "\r\n\r\n").encode())
    if not head:
        for chunk in body_iter:
            conn.sendall(chunk)


def bytes_body(n):
    while n > 0:
        take = min(n, len(CHUNK))
        yield CHUNK if take == len(CHUNK) else CHUNK[:take]
        n -= take


def serve_http(conn, local, peer):
    me = fmt(local)
    f = conn.makefile("rb")
    while True:
        try:
            req = read_request(f, conn)
        except (ValueError, UnicodeError):
            body = b"bad request\n"
            respond(conn, 400, [], len(body), False, False, [body])
            return
        if req is None:
            return
        method, path, version, headers, reqbody = req
        # The site a virtual-hosting server would pick: firewall-mode tests check that a
        # name the policy denies never gets here through another name's address.
        site = headers.get("host", "-").split(":")[0].lower() or "-"
        log(f"http {me} host={site}")
        conn_hdr = headers.get("connection", "").lower()
        keep = (version == "HTTP/1.1" and conn_hdr != "close") or \
               (version == "HTTP/1.0" and conn_hdr == "keep-alive")
        head = method == "HEAD"
        extra = [("X-Lab-Server", me), ("X-Lab-Site", site)]
        path = path.split("?", 1)[0]
        if method not in ("GET", "HEAD", "POST", "PUT"):
            body = b"method not allowed\n"
            respond(conn, 405, extra, len(body), keep, head, [body])
        elif path == "/":
            body = f"hello from {me}\n".encode()
            respond(conn, 200, extra, len(body), keep, head, [body])
        elif path == "/peer":
            body = (peer[0] + "\n").encode()
            respond(conn, 200, extra, len(body), keep, head, [body])
        elif path == "/echo":
            respond(conn, 200, extra, len(reqbody), keep, head, [reqbody])
        elif path.startswith("/bytes/") and path[7:].isdigit():
            n = int(path[7:])
            respond(conn, 200, extra, n, keep, head, bytes_body(n))
        else:
            body = b"not found\n"
            respond(conn, 404, extra, len(body), keep, head, [body])
        if not keep:
            return


def handle(conn, local, peer, kind, tls_ctx):
    try:
        conn.settimeout(IDLE_TIMEOUT)
        if kind == "https":
            conn = tls_ctx.wrap_socket(conn, server_side=True)
        if kind == "echo":
            serve_echo(conn, local, peer)
        else:
            serve_http(conn, local, peer)
    except (OSError, ssl.SSLError):
        pass                     # client went away, timed out or failed TLS
    finally:
        try:
            conn.close()
        except OSError:
            pass


# --- main loop: accepts, logs, answers UDP ---------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", action="append", required=True,
                    help="address to serve (repeat)")
    ap.add_argument("--http", default="80,8080")
    ap.add_argument("--https", default="443")
    ap.add_argument("--tcp-echo", default="7,22,9000")
    ap.add_argument("--udp-echo", default="7,9000")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready", required=True, help="file created once listening")
    ap.add_argument("--lifetime", type=int, default=1800)
    a = ap.parse_args()

    global log_file
    log_file = open(a.log, "a", buffering=1)
    deadline = time.monotonic() + a.lifetime
    def stop(*_):
        raise SystemExit(0)     # interrupts select() at once
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_ctx.load_cert_chain(a.cert, a.key)

    def on_sni(sslsock, name, ctx):
        try:
            log(f"sni {fmt(sslsock.getsockname())} name={(name or '-').lower()}")
        except OSError:
            pass
    tls_ctx.sni_callback = on_sni

    ports = lambda s: [int(p) for p in s.split(",") if p]
    kinds = [("http", p) for p in ports(a.http)] + \
            [("https", p) for p in ports(a.https)] + \
            [("echo", p) for p in ports(a.tcp_echo)]
    tcp, udp = {}, {}
    for addr in a.addr:
        fam = socket.AF_INET6 if ipaddress.ip_address(addr).version == 6 else socket.AF_INET
        for kind, port in kinds:
            s = listen(fam, socket.SOCK_STREAM, addr, port)
            tcp[s] = kind
        for port in ports(a.udp_echo):
            s = listen(fam, socket.SOCK_DGRAM, addr, port)
            udp[s] = port

    with open(a.ready, "w") as f:
        f.write(f"{os.getpid()}\n")

    socks = list(tcp) + list(udp)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            ready, _, _ = select.select(socks, [], [], min(left, 1.0))
        except InterruptedError:
            continue
        marks = []
        for s in ready:
            if s in tcp:
                try:
                    conn, peer = s.accept()
                except OSError:
                    continue
                local = conn.getsockname()
                log(f"tcp {fmt(local)} from {fmt(peer)}")
                threading.Thread(target=handle, daemon=True,
                                 args=(conn, local, peer, tcp[s], tls_ctx)).start()
            else:
                try:
                    data, peer = s.recvfrom(65535)
                except OSError:
                    continue
                if data.startswith(b"lab-mark-"):
                    marks.append(data.decode("ascii", "replace").strip())
                    continue
                log(f"udp {fmt(s.getsockname())} from {fmt(peer)}")
                try:
                    s.sendto(data, peer)
                except OSError:
                    pass
        # Logged after the whole batch: everything that was ready when the
        # marker arrived has been logged before the marker line.
        for m in marks:
            log(f"mark {m}")
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
