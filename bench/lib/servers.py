#!/usr/bin/env python3
"""Loopback servers for the network benchmarks (bench/proxy.sh).

    servers.py --http-port P --echo-port Q [--lifetime SECONDS]

Both servers listen on 127.0.0.1 and on ::1 (when the host has IPv6 loopback)
on the given ports (0: pick free ones, the same for both families), and the process exits by itself after --lifetime seconds
(default 600) whatever happens.  When both are listening it prints one line,
"ready http=P echo=Q families=v4+v6", on stdout and flushes it.

HTTP server (one thread per connection, HTTP/1.1 keep-alive):
  GET /bytes/N   N bytes (N decimal; k/m/g suffixes for KiB/MiB/GiB), sent with
                 sendfile(2) from a memfd filled once at start-up, so the
                 server's own cost is as small as it can be.
  GET /          a small fixed body ("ok\\n").
  anything else  404.
Echo server (one epoll loop): echoes every byte back; used as the sink for
the connection-latency and concurrency measurements.
"""
import argparse
import errno
import os
import selectors
import socket
import sys
import threading

MAX_BYTES = 64 << 30
FILL = 64 << 20          # bytes of memfd; larger requests loop over it


def bind_one(fam, addr, port):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        s.bind((addr, port))
    except OSError:
        s.close()
        raise
    s.listen(4096)
    return s


def listeners(port):
    """Listen on 127.0.0.1:port and, when there is IPv6 loopback, [::1]:port.
    Port 0 picks a free port that is free on both."""
    for _ in range(20):
        try:
            v4 = bind_one(socket.AF_INET, "127.0.0.1", port)
        except OSError as e:
            raise SystemExit(f"servers: bind 127.0.0.1:{port}: {e}")
        real = v4.getsockname()[1]
        try:
            return [v4, bind_one(socket.AF_INET6, "::1", real)]
        except OSError as e:
            if e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                return [v4]          # no IPv6 loopback here: IPv4 only
            v4.close()
            if port:
                raise SystemExit(f"servers: bind [::1]:{port}: {e}")
    raise SystemExit("servers: no port free on both 127.0.0.1 and ::1")


# ---------------------------------------------------------------- HTTP ----

def make_payload():
    fd = os.memfd_create("bench-bytes")
    block = bytes(range(256)) * 4096          # 1 MiB, not all zeroes
    for _ in range(FILL // len(block)):
        os.write(fd, block)
    return fd


def parse_size(s):
    mult = 1
    if s and s[-1].lower() in "kmg":
        mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[s[-1].lower()]
        s = s[:-1]
    n = int(s) * mult
    if n < 0 or n > MAX_BYTES:
        raise ValueError
    return n


def send_bytes(conn, payload_fd, n):
    out = conn.fileno()
    off = 0
    while n > 0:
        chunk = min(n, FILL - off)
        sent = os.sendfile(out, payload_fd, off, chunk)
        if sent <= 0:
            raise OSError("sendfile returned 0")
        n -= sent
        off += sent
        if off >= FILL:
            off = 0


def http_conn(conn, payload_fd):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = conn.recv(65536)
                if not d:
                    return
                buf += d
                if len(buf) > 65536:
                    return
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            parts = lines[0].split()
            if len(parts) != 3:
                return
            method, target, version = parts
            close = version == b"HTTP/1.0"
            for ln in lines[1:]:
                k, _, v = ln.partition(b":")
                if k.strip().lower() == b"connection":
                    v = v.strip().lower()
                    close = v == b"close" or (close and v != b"keep-alive")
            hdr_tail = b"Connection: close\r\n\r\n" if close else b"\r\n"
            path = target.split(b"?")[0].decode("latin-1")
            n = None
            if path.startswith("/bytes/"):
                try:
                    n = parse_size(path[7:])
                except ValueError:
                    n = None
            if n is not None:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Content-Length: %d\r\n" % n + hdr_tail)
                if method != b"HEAD":
                    send_bytes(conn, payload_fd, n)
            elif path == "/":
                body = b"ok\n"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: %d\r\n" % len(body) + hdr_tail +
                             (body if method != b"HEAD" else b""))
            else:
                body = b"not found\n"
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: %d\r\n" % len(body) + hdr_tail + body)
            if close:
                return
    except OSError:
        pass
    finally:
        conn.close()


def http_accept(lsock, payload_fd):
    while True:
        try:
            conn, _ = lsock.accept()
        except OSError:
            continue
        threading.Thread(target=http_conn, args=(conn, payload_fd), daemon=True).start()


# ---------------------------------------------------------------- echo ----

def echo_loop(lsocks):
    sel = selectors.DefaultSelector()
    for ls in lsocks:
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, None)
    pending = {}                      # conn -> bytes not yet written back
    while True:
        for key, ev in sel.select():
            s = key.fileobj
            if key.data is None:      # listener
                while True:
                    try:
                        c, _ = s.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:   # EMFILE and the like: try again later
                        break
                    c.setblocking(False)
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(c, selectors.EVENT_READ, "c")
                continue
            try:
                if ev & selectors.EVENT_READ:
                    d = s.recv(65536)
                    if not d:
                        raise ConnectionError
                    out = pending.get(s, b"") + d
                else:
                    out = pending.get(s, b"")
                n = s.send(out) if out else 0
                rest = out[n:]
                if rest:
                    pending[s] = rest
                    sel.modify(s, selectors.EVENT_WRITE, "c")
                else:
                    pending.pop(s, None)
                    if ev & selectors.EVENT_WRITE:
                        sel.modify(s, selectors.EVENT_READ, "c")
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pending.pop(s, None)
                sel.unregister(s)
                s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--echo-port", type=int, required=True)
    ap.add_argument("--lifetime", type=float, default=600.0,
                    help="exit after this many seconds (default 600)")
    a = ap.parse_args()

    # Hard stop first, before anything can hang.
    t = threading.Timer(a.lifetime, lambda: os._exit(0))
    t.daemon = True
    t.start()
    try:
        import resource
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass

    payload_fd = make_payload()
    hl = listeners(a.http_port)
    el = listeners(a.echo_port)
    for ls in hl:
        threading.Thread(target=http_accept, args=(ls, payload_fd), daemon=True).start()
    threading.Thread(target=echo_loop, args=(el,), daemon=True).start()
    fams = "+".join("v4" if s.family == socket.AF_INET else "v6" for s in hl)
    print(f"ready http={hl[0].getsockname()[1]} echo={el[0].getsockname()[1]} families={fams}",
          flush=True)
    try:
        t.join()
    except KeyboardInterrupt:
        pass
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
