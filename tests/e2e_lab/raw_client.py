# A client that knows nothing of proxies: resolve with getaddrinfo (glibc,
# no threads), connect, speak HTTP/1.0, print one line:
#   ok ADDRESS BODY MS   or   refused EXCEPTION MS
# Usage: raw_client.py HOST PORT 4|6|any [udp]
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
fam = {"4": socket.AF_INET, "6": socket.AF_INET6, "any": 0}[sys.argv[3]]
udp = len(sys.argv) > 4 and sys.argv[4] == "udp"
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
        s.sendall(b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
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
