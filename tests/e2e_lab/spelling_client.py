# Every spelling of a destination, through one path, one line each:
#   TARGET ok|refused
# Usage: spelling_client.py PATH TARGET...
#   PATH: connect (an HTTP proxy CONNECT tunnel), socks (SOCKS5, the target as a domain),
#         direct (getaddrinfo and connect, as a program that knows nothing of proxies)
# Then GET / over it: "ok" when the lab's server answered, "refused" otherwise.
import base64
import os
import socket
import sys
import urllib.parse

path, targets = sys.argv[1], sys.argv[2:]
u = urllib.parse.urlsplit(os.environ.get("http_proxy", "http://x:y@127.0.0.1:3128"))
cred = base64.b64encode(f"{u.username}:{u.password}".encode()).decode()


def bracket(t):
    return f"[{t}]" if ":" in t else t


def tunnel(t):
    if path == "direct":
        ai = socket.getaddrinfo(t, 80, 0, socket.SOCK_STREAM)[0]
        s = socket.socket(ai[0], socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(ai[4])
        return s
    if path == "connect":
        s = socket.create_connection(("127.0.0.1", u.port), timeout=5)
        s.sendall(f"CONNECT {bracket(t)}:80 HTTP/1.1\r\nProxy-Authorization: Basic {cred}\r\n\r\n".encode())
        head = s.recv(4096)
        if b" 200 " not in head.split(b"\r\n")[0]:
            raise OSError(head.split(b"\r\n")[0].decode())
        return s
    s = socket.create_connection(("127.0.0.1", 1080), timeout=5)
    s.sendall(b"\x05\x01\x02")
    s.recv(2)
    s.sendall(b"\x01" + bytes([len(u.username)]) + u.username.encode() +
              bytes([len(u.password)]) + u.password.encode())
    s.recv(2)
    name = t.encode()
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + b"\x00\x50")
    reply = s.recv(22)
    if reply[1:2] != b"\x00":
        raise OSError(f"SOCKS5 reply {reply[1]}")
    return s


for t in targets:
    try:
        s = tunnel(t)
        s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        print(t, "ok" if b"hello from" in data else "refused")
    except Exception:
        print(t, "refused")
