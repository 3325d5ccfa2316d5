# A small HTTPS GET, timed, the way interactive clients write it: TCP_NODELAY
# on its own socket (curl, Python's http.client, Go and Node all set it) and
# the request in several small writes (HTTP/2's preface, SETTINGS and HEADERS
# are separate writes too), a moment apart.  Any Nagle delay on the way is then a
# proxy's.
#   latency_client.py HOST CA RUNS [proxy]
# With "proxy", the tunnel is a CONNECT through $https_proxy (moat's, with
# its credential).  Prints the elapsed milliseconds of each run, one a line.
import base64
import os
import socket
import ssl
import sys
import time
import urllib.parse

host, ca, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
via_proxy = len(sys.argv) > 4 and sys.argv[4] == "proxy"
ctx = ssl.create_default_context(cafile=ca)


def connect():
    if not via_proxy:
        s = socket.create_connection((host, 443), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s
    u = urllib.parse.urlsplit(os.environ["https_proxy"])
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    cred = base64.b64encode(f"{u.username}:{u.password}".encode()).decode()
    s.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n"
              f"Proxy-Authorization: Basic {cred}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("proxy closed")
        head += chunk
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise OSError(head.split(b"\r\n", 1)[0].decode())
    return s


for _ in range(runs):
    t = time.monotonic()
    s = ctx.wrap_socket(connect(), server_hostname=host)
    for part in ("GET / HTTP/1.1\r\n", f"Host: {host}\r\n", "Connection: close\r\n", "\r\n"):
        s.sendall(part.encode())
        time.sleep(0.002)  # each write its own segment, as a client computing headers makes
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    if b"hello from" not in data:
        raise SystemExit("no answer: %r" % data[:200])
    print(f"{(time.monotonic() - t) * 1000:.3f}")
