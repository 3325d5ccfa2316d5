# Connect to HOST:PORT (resolved with getaddrinfo, family 4|6|any) but name
# NAME in what is sent: the TLS server name (with CA) or the HTTP Host.
# Prints one line:  ok STATUS-LINE BODY   or   refused EXCEPTION
# Usage: name_client.py HOST PORT 4|6|any NAME http|tls [CA]
import socket
import ssl
import sys

host, port, fam, name, proto = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
family = {"4": socket.AF_INET, "6": socket.AF_INET6, "any": 0}[fam]
try:
    ai = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(ai[4])
    if proto == "tls":
        ctx = ssl.create_default_context(cafile=sys.argv[6])
        s = ctx.wrap_socket(s, server_hostname=name)
    s.sendall(b"GET / HTTP/1.0\r\nHost: " + name.encode() + b"\r\n\r\n")
    data = b""
    while True:  # HTTP/1.0: the server closes after the response
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.decode(errors="replace").partition("\r\n\r\n")
    print("ok", head.split("\r\n")[0], body.strip())
except Exception as e:  # the verdict is the output
    print("refused", type(e).__name__)
