# A client that knows nothing of proxies: resolve with getaddrinfo (glibc,
# no threads), connect, speak HTTP/1.0 (or send one datagram), print one line:
#   ok ADDRESS BODY MS   or   refused EXCEPTION MS
# Usage: raw_client.py HOST PORT 4|6|any [udp | NAME [CA]]
# NAME goes in the Host header instead of HOST; with CA the request goes over
# TLS with NAME as the server name.
import socket
import ssl
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
fam = {"4": socket.AF_INET, "6": socket.AF_INET6, "any": 0}[sys.argv[3]]
udp = len(sys.argv) > 4 and sys.argv[4] == "udp"
name = sys.argv[4] if len(sys.argv) > 4 and not udp else host
ca = sys.argv[5] if len(sys.argv) > 5 else None
t = time.time()
try:
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    ai = socket.getaddrinfo(host, port, fam, kind)[0]
    s = socket.socket(ai[0], kind)
    s.settimeout(5)
    s.connect(ai[4])
    if udp:
        s.send(b"ping")
        body = s.recv(100).decode()
    else:
        if ca:
            s = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname=name)
        s.sendall(b"GET / HTTP/1.0\r\nHost: " + name.encode() + b"\r\n\r\n")
        data = b""
        while True:  # HTTP/1.0: the server closes after the response
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        body = data.decode(errors="replace").split("\r\n\r\n", 1)[-1].strip()
    print("ok", ai[4][0], body, f"{(time.time() - t) * 1000:.1f}")
except Exception as e:  # the verdict is the output
    print("refused", type(e).__name__, f"{(time.time() - t) * 1000:.1f}")
