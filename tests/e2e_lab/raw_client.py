# A client that knows nothing of proxies: resolve with getaddrinfo (glibc,
# no threads), connect, speak HTTP/1.0 (or send one datagram), print one line:
#   ok ADDRESS BODY MS   or   refused EXCEPTION MS
# Usage: raw_client.py HOST PORT 4|6|any [udp | NAME [CA]]
#        raw_client.py HOST PORT 4|6|any shape SHAPE NAME
# NAME goes in the Host header instead of HOST; with CA the request goes over
# TLS with NAME as the server name.  With "shape", the bytes sent are one of
# the SHAPES below claiming NAME, the way an attacker would write them to get
# a shared server to serve another site; the line printed is
#   served SITE... MS   (the X-Lab-Site of each response, or "tls" for TLS
#                        bytes back)  or   refused EXCEPTION MS
import socket
import ssl
import struct
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
fam = {"4": socket.AF_INET, "6": socket.AF_INET6, "any": 0}[sys.argv[3]]
udp = len(sys.argv) > 4 and sys.argv[4] == "udp"
shape = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "shape" else None
name = sys.argv[6] if shape else sys.argv[4] if len(sys.argv) > 4 and not udp else host
ca = sys.argv[5] if len(sys.argv) > 5 and not shape else None


def client_hello(sni):
    """The ClientHello Python's TLS stack sends for sni, as one record."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def records(hello, size, version=b"\x03\x01", before=b""):
    """hello's handshake message re-cut into records of size bytes."""
    body, out = hello[5:], before
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"\x16" + version + struct.pack("!H", len(part)) + part
    return out


def h2_request(authority):
    """The HTTP/2 preface, SETTINGS, and a HEADERS frame whose HPACK block names authority
    (literal field, indexed name :authority, no Huffman)."""
    def frame(ftype, flags, stream, payload):
        return struct.pack("!I", len(payload))[1:] + bytes([ftype, flags]) + \
            struct.pack("!I", stream) + payload
    block = b"\x82\x86\x84" + b"\x01" + bytes([len(authority)]) + authority.encode()
    return b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") + frame(1, 5, 1, block)


SHAPES = {
    "crlf": lambda n: b"\r\n\r\nGET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % n,
    "lf": lambda n: b"\n\nGET / HTTP/1.1\nHost: %s\nConnection: close\n\n" % n,
    "tabs": lambda n: b"GET\t/\tHTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % n,
    "vtff": lambda n: b"GET\x0b/\x0cHTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % n,
    "lower": lambda n: b"get / http/1.1\r\nhOST: %s\r\nConnection: close\r\n\r\n" % n,
    "spacecolon": lambda n: b"GET / HTTP/1.1\r\nHost : %s\r\nConnection: close\r\n\r\n" % n,
    "fold": lambda n: b"GET / HTTP/1.1\r\nX-A: b\r\n\tHost: %s\r\nConnection: close\r\n\r\n" % n,
    "absolute": lambda n: b"GET http://%s/ HTTP/1.1\r\nHost: dual.test\r\nConnection: close\r\n\r\n" % n,
    "duphost": lambda n: b"GET / HTTP/1.1\r\nHost: dual.test\r\nHost: %s\r\nConnection: close\r\n\r\n" % n,
    "http10": lambda n: b"GET / HTTP/1.0\r\n\r\n",
    "http09": lambda n: b"GET /\r\n",
    "pipeline": lambda n: b"GET / HTTP/1.1\r\nHost: dual.test\r\n\r\nGET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % n,
    "h2c": lambda n: h2_request(n.decode()),
    "tls-split": lambda n: records(client_hello(n.decode()), 10),
    "tls-v0300": lambda n: records(client_hello(n.decode()), 16384, b"\x03\x00"),
    "tls-v0304": lambda n: records(client_hello(n.decode()), 16384, b"\x03\x04"),
    "tls-v0000": lambda n: records(client_hello(n.decode()), 16384, b"\x00\x00"),
    "tls-ccs": lambda n: records(client_hello(n.decode()), 100, b"\x03\x03", b"\x14\x03\x03\x00\x01\x01"),
    "tls-alert": lambda n: records(client_hello(n.decode()), 16384, b"\x03\x01", b"\x15\x03\x01\x00\x02\x01\x00"),
    "sslv2": lambda n: b"\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10" + bytes(range(21)) + bytes(16),
}


def sites(data):
    if data[:1] in (b"\x15", b"\x16"):
        return ["tls"]
    return [line.split(b":", 1)[1].strip().decode() for line in data.split(b"\r\n")
            if line.lower().startswith(b"x-lab-site:")] or ["nothing"]


t = time.time()
try:
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    ai = socket.getaddrinfo(host, port, fam, kind)[0]
    s = socket.socket(ai[0], kind)
    s.settimeout(5)
    s.connect(ai[4])
    if shape:
        s.sendall(SHAPES[shape](name.encode()))
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
            if data[:1] in (b"\x15", b"\x16"):
                break  # the server answered the TLS hello: it passed
        print("served", " ".join(sites(data)), f"{(time.time() - t) * 1000:.1f}")
        sys.exit(0)
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
