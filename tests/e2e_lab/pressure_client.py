# A workload that tries to make moat's supervisor hold memory or burn CPU (issues 9, 10,
# 14): floods the DNS filter over TCP without reading a single answer, holds hundreds of
# half-open connections to the proxies and the DNS filter, trickles a request, floods the
# log with distinct refusals and the DNS filter with queries over UDP, reads a bulk download
# slowly, and holds 10,000 half-open connections; it checks all along that an established
# tunnel and other requests are served.
#   pressure_client.py WORKDIR
# Prints one "name: result" line per check.  While the 10,000 connections are held it
# creates WORKDIR/held and waits (at most 20 s) for WORKDIR/ticked (the test samples moat's
# CPU time meanwhile); at the end it creates WORKDIR/measure and waits (at most 20 s) for
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


def wait_for(name, secs=20):
    for _ in range(int(secs * 10)):
        if os.path.exists(os.path.join(work, name)):
            return
        time.sleep(0.1)


def connect_tunnel(target):
    """A CONNECT tunnel through the HTTP proxy, with the credential."""
    import base64
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    cred = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nProxy-Authorization: Basic "
              f"{cred}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(1)
        if not d:
            raise ConnectionError("proxy closed")
        head += d
    if b" 200 " not in head.split(b"\r\n")[0]:
        raise ConnectionError(head.split(b"\r\n")[0].decode())
    return s


def tunnel_ok(t, tag):
    try:
        t.settimeout(5)
        msg = f"SSH-2.0-{tag}\r\n".encode()
        t.sendall(msg)
        got = b""
        while len(got) < len(msg):
            d = t.recv(len(msg) - len(got))
            if not d:
                return False
            got += d
        return got == msg
    except OSError:
        return False


# 0. A tunnel to the echo server, opened before anything else: it must carry bytes through
#    every flood below.
tunnel = connect_tunnel("dual.test:7")
report("established tunnel before the floods", tunnel_ok(tunnel, "before"))

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

# 5. The log: 3,000 distinct refused names as fast as UDP goes (each a line moat would log).
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setblocking(False)
start = time.monotonic()
for i in range(3000):
    try:
        u.sendto(query(i, f"flood{i}.denied.test"), ("127.0.0.1", 53))
    except BlockingIOError:
        time.sleep(0.001)
    try:
        while True:
            u.recv(4096)
    except BlockingIOError:
        pass
print(f"log flood: 3000 refused lookups in {time.monotonic() - start:.1f} s", flush=True)
with open(os.path.join(work, "log-flood-s"), "w") as f:
    f.write(f"{time.monotonic() - start:.3f}\n")
report("tunnel during the log flood", tunnel_ok(tunnel, "logflood"))

# 6. The DNS filter over UDP: 5,000 queries for distinct allowed names (each goes upstream).
sent = 0
for i in range(5000):
    try:
        u.sendto(query(i, f"q{i}.wild.test"), ("127.0.0.1", 53))
        sent += 1
    except BlockingIOError:
        time.sleep(0.001)
    try:
        while True:
            u.recv(4096)
    except BlockingIOError:
        pass
print(f"query flood: {sent} queries sent", flush=True)
# While up to 1024 of them wait upstream, a query beyond gets SERVFAIL at once (the bound);
# the filter answers again once they are done (each within 3 s).
end = time.monotonic() + 8
while not dns_udp_ok("dual.test") and time.monotonic() < end:
    time.sleep(0.5)
report("DNS over UDP again after the query flood", time.monotonic() < end)
report("tunnel during the query flood", tunnel_ok(tunnel, "queryflood"))
u.close()

# 7. A slow reader: 200 MB asked for and not read for 3 s (moat must not buffer it).
slow = connect_tunnel("dual.test:80")
slow.sendall(b"GET /bytes/200000000 HTTP/1.1\r\nHost: dual.test\r\n\r\n")
time.sleep(3)
report("tunnel while another is not read", tunnel_ok(tunnel, "slowreader"))
got = 0
slow.settimeout(5)
try:
    while got < 4 << 20:
        d = slow.recv(1 << 16)
        if not d:
            break
        got += len(d)
except OSError:
    pass
report("the slow reader still gets its bytes", got >= 4 << 20)
slow.close()

# 8. 10,000 half-open connections to the proxies and the DNS filter, held idle.
half = []
for port in (proxy.port, 1080, 53, 3129):
    for _ in range(2500):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        half.append(s)
time.sleep(1)
for s in half:
    try:
        s.send(b"C" if s.getpeername()[1] != 53 else b"\x00")
    except OSError:
        pass
print(f"half-open: {len(half)} connections", flush=True)
open(os.path.join(work, "held"), "w").close()
wait_for("ticked")
report("DNS over UDP with 10,000 half-open connections", dns_udp_ok("dual.test"))
report("tunnel with 10,000 half-open connections", tunnel_ok(tunnel, "halfopen"))
for s in half:
    s.close()
time.sleep(0.5)
tunnel.close()

open(os.path.join(work, "measure"), "w").close()
wait_for("measured")
