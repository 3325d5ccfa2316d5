# A workload that tries to make moat's supervisor hold memory (issue 9/10):
# floods the DNS filter over TCP without reading a single answer, holds
# hundreds of half-open connections to the proxies and the DNS filter,
# trickles a request, and checks all along that other requests are served.
#   pressure_client.py WORKDIR
# Prints one "name: result" line per check, then waits (at most 20 s) for
# WORKDIR/measured, which the test creates after reading moat's VmHWM.
import os
import socket
import struct
import sys
import time
import urllib.parse

work = sys.argv[1]
proxy = urllib.parse.urlsplit(os.environ["http_proxy"])


def query(qid, name, qtype=1):
    m = struct.pack("!HHHHHH", qid & 0xFFFF, 0x0100, 1, 0, 0, 0)
    m += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return m + struct.pack("!HH", qtype, 1)


def dns_udp_ok(name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    try:
        s.sendto(query(7, name), ("127.0.0.1", 53))
        r = s.recv(4096)
        return (r[3] & 0xF) == 0 and struct.unpack("!H", r[6:8])[0] > 0
    except OSError:
        return False
    finally:
        s.close()


def http_get_ok(host):
    """An absolute-form GET through the HTTP proxy, with the credential."""
    import base64
    try:
        s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        cred = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
        s.sendall(f"GET http://{host}/ HTTP/1.1\r\nHost: {host}\r\nProxy-Authorization: Basic "
                  f"{cred}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return b"hello from" in data
    except OSError:
        return False


def report(name, ok):
    print(f"{name}: {'ok' if ok else 'FAILED'}", flush=True)


# 1. Four connections flood the DNS filter for 3 s and never read.
batch = b"".join(struct.pack("!H", len(m)) + m for m in
                 [query(i, "localhost") for i in range(100)] +
                 [query(i, f"x{i}.denied.test") for i in range(100)] +
                 [query(i, "dual.test") for i in range(20)])
floods = []
for _ in range(4):
    s = socket.create_connection(("127.0.0.1", 53))
    s.setblocking(False)
    floods.append(s)
sent, reset, end = 0, False, time.monotonic() + 3
while time.monotonic() < end and not reset:
    for s in floods:
        try:
            sent += s.send(batch)
        except BlockingIOError:
            pass
        except OSError:
            reset = True
    time.sleep(0.002)
print(f"flood: {sent} bytes of queries sent", flush=True)
report("flood connections stay open", not reset)
report("DNS over UDP during the flood", dns_udp_ok("dual.test"))

# 2. Half-open connections: a request head that never ends, a SOCKS greeting
#    cut short, a DNS length prefix without its message.
held = []
for port, first, n in ((proxy.port, b"CONNECT dual.test:80 HTTP/1.1\r\n", 300),
                       (1080, b"\x05", 100), (53, b"\x00", 20)):
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        held.append((s, first))
time.sleep(0.5)
for s, first in held:
    try:
        s.send(first)
    except OSError:
        pass
time.sleep(0.5)
report("DNS over UDP with half-open connections", dns_udp_ok("dual.test"))

# 3. A trickled request: one byte every 20 ms.
req = b"GET / HTTP/1.1\r\nHost: dual.test\r\nConnection: close\r\n"
s = socket.create_connection(("127.0.0.1", 1080), timeout=10)
s.sendall(b"\x05\x01\x02")                      # SOCKS5, username/password
s.recv(2)
u, p = proxy.username.encode(), proxy.password.encode()
s.sendall(b"\x01" + bytes([len(u)]) + u + bytes([len(p)]) + p)
s.recv(2)
s.sendall(b"\x05\x01\x00\x03" + bytes([9]) + b"dual.test" + struct.pack("!H", 80))
ok = s.recv(10)[:2] == b"\x05\x00"
for i in range(0, 40):
    s.sendall(req[i:i + 1])
    time.sleep(0.02)
s.sendall(req[40:] + b"\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
report("a trickled request through SOCKS while the HTTP proxy is full", ok and b"hello from" in data)

# 4. Once the half-open connections go, the HTTP proxy serves again.
for h, _ in held:
    h.close()
for s in floods:
    s.close()
time.sleep(0.5)
report("HTTP proxy after the half-open connections closed", http_get_ok("dual.test"))

open(os.path.join(work, "measure"), "w").close()
for _ in range(200):
    if os.path.exists(os.path.join(work, "measured")):
        break
    time.sleep(0.1)
