#!/usr/bin/env python3
"""Write the hand-made seed inputs of the fuzz targets: tests/fuzz/corpus/NAME/seed-LABEL.

Valid inputs and the edge cases each parser is known to care about, built here field by
field (nothing downloaded).  `make fuzz` grows the corpora from these and `make fuzz-merge`
adds, next to them, what adds coverage.  Rerunning rewrites the seed-* files only.
A new target adds a function below, or puts seed-* files in its corpus directory by hand.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "corpus")
SEEDS = {}


def seed(target, label, data):
    SEEDS.setdefault(target, {})[label] = data.encode() if isinstance(data, str) else data


# ---- strings: addresses, names, patterns, rules -------------------------------------

for label, text in {
    "v4": "192.0.2.1", "v6": "2001:db8::1", "v6-brackets": "[2001:db8::1]",
    "mapped": "::ffff:127.0.0.1", "compat": "::192.0.2.1", "nat64": "64:ff9b::a9fe:a9fe",
    "6to4": "2002:7f00:1::", "v6-quad": "1:2:3:4:5:6:1.2.3.4", "zone": "fe80::1%eth0",
    "octal": "0177.0.0.1", "hex": "0x7f.1", "int": "2130706433", "leading-zero": "010.0.0.1",
    "cidr4": "203.0.113.0/24", "cidr6": "[2001:db8::]/32", "host-bits": "203.0.113.1/24",
    "mapped-cidr": "::ffff:0:0/96", "compat-cidr": "::/100", "prefix0": "0.0.0.0/0",
    "metadata": "169.254.169.254", "authority": "example.com:443",
    "authority6": "[2001:db8::1]:8080", "bare6-port": "2001:db8::1:443", "port": "65535",
    "port0": "0", "fullwidth": "\uff11\uff12\uff17.\uff10.\uff10.\uff11:80",
}.items():
    seed("addr", label, text)

for label, text in {
    "plain": "example.com", "wildcard": "*.example.com", "star": "*", "tld": "*.com",
    "idn": "B\u00fccher.example", "fullwidth-dot": "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\u3002com",
    "a-label": "xn--bcher-kva.example", "trailing-dot": "Example.COM.",
    "underscore": "_dmarc.example.com", "numeric-tld": "example.123",
    "ip-spelling": "0x7f.1", "long-label": "a" * 64 + ".test",
    "long-name": ".".join(["abcdefghi"] * 26), "combining": "e\u0301.test",
    "joiner": "a\u200db.test", "bad-utf8": b"\xc3(.test", "mid-star": "a.*.test",
}.items():
    seed("hostpat", label, text)
    seed("punycode", label, text)
seed("punycode", "greek", "\u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac.\u0394\u039f\u039a")
seed("punycode", "cjk", "\u4f8b\u3048.\u30c6\u30b9\u30c8")
seed("punycode", "emoji", "\U0001f600.test")
seed("punycode", "reserved-hyphens", "ab--\u00e9.test")
# ASCII spelled in fullwidth forms or with the Kelvin sign passes through like ASCII: an
# "xn--" label made so is not the encoder's (found by the first long run).
seed("punycode", "fullwidth-a-label", "\uff47\u3002xn--\uff4f")
seed("punycode", "kelvin-a-label", "xn--\u212a.test")
seed("punycode", "codepoints", bytes([0x00, 0x00, 0x61, 0x00, 0x00, 0xe9, 0x01, 0xf6, 0x00]))

for label, text in {
    "host": "example.com", "wildcard-port": "*.example.com:443", "tcp": "tcp://example.com:22",
    "udp": "udp://203.0.113.9:53", "v4": "203.0.113.9", "cidr": "203.0.113.0/24:443",
    "v6": "2001:db8::1", "v6-port": "[2001:db8::1]:443", "cidr6-port": "[2001:db8::]/32:443",
    "star": "*", "loopback": "127.0.0.1", "mapped": "::ffff:169.254.169.254",
    "scheme": "http://example.com", "space": "exa mple.com", "octal": "0177.0.0.1",
    "host-bits": "203.0.113.1/24", "port0": "example.com:0", "slash-in-brackets": "[2001:db8::/32]",
}.items():
    seed("netrule", label, text)


# ---- DNS ------------------------------------------------------------------------------

def dns_name(name):
    out = b""
    for label in name.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(qid, name, qtype, edns=True, flags=0x0100, opt_rdata=b""):
    msg = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    msg += dns_name(name) + struct.pack(">HH", qtype, 1)
    if edns:
        msg += b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(opt_rdata)) + opt_rdata
    return msg


for label, msg in {
    "a": dns_query(0x1234, "example.com", 1),
    "aaaa-no-edns": dns_query(7, "Example.COM", 28, edns=False),
    "localhost": dns_query(1, "localhost", 1),
    "sub-localhost-aaaa": dns_query(2, "a.localhost", 28),
    "denied": dns_query(3, "denied.example", 1, edns=False),
    "txt": dns_query(4, "x.test", 16),
    "https": dns_query(5, "x.test", 65),
    "any": dns_query(6, "x.test", 255),
    "root": dns_query(8, "", 1),
    "cookie": dns_query(9, "example.com", 1, opt_rdata=struct.pack(">HH", 10, 8) + bytes(8)),
    "opcode": dns_query(10, "example.com", 1, flags=0x2100),
    "response": dns_query(11, "example.com", 1, flags=0x8100),
    "underscore-star": dns_query(12, "_x.*.test", 1),
    "bad-char": dns_query(13, "a b.test", 1),
    "edns1": dns_query(14, "example.com", 1)[:-6] + struct.pack(">IH", 0x00010000, 0),
}.items():
    seed("dns_query", label, msg)


def rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def dns_response(qid, name, qtype, answers, flags=0x8180, authority=(), additional=()):
    msg = struct.pack(">HHHHHH", qid, flags, 1, len(answers), len(authority), len(additional))
    return msg + dns_name(name) + struct.pack(">HH", qtype, 1) + b"".join(answers) + \
        b"".join(authority) + b"".join(additional)


Q = b"\xc0\x0c"  # a pointer to the question name
V6 = bytes.fromhex("20010db8000000000000000000000001")
for label, msg in {
    "a": dns_response(1, "example.com", 1, [rr(Q, 1, 300, bytes([93, 184, 216, 34]))]),
    "aaaa-ipv6": dns_response(2, "example.com", 28, [rr(Q, 28, 300, V6)], flags=0x81a0),
    "aaaa-no-ipv6": dns_response(2, "example.com", 28, [rr(Q, 28, 300, V6)]),
    "cname": dns_response(3, "www.example.com", 1, [
        rr(Q, 5, 60, dns_name("cdn.example.net")),
        rr(dns_name("cdn.example.net"), 1, 30, bytes([198, 51, 100, 7]))]),
    "cname-loop": dns_response(4, "a.test", 1, [
        rr(Q, 5, 60, dns_name("b.test")), rr(dns_name("b.test"), 5, 60, dns_name("a.test"))]),
    "rebind": dns_response(5, "evil.test", 1, [rr(Q, 1, 60, bytes([127, 0, 0, 1]))]),
    "metadata-v6": dns_response(6, "evil.test", 28, [rr(Q, 28, 60, bytes.fromhex(
        "fd000ec2000000000000000000000254"))], flags=0x81a0),
    "denied-target": dns_response(7, "ok.test", 1, [
        rr(Q, 5, 60, dns_name("denied.test")),
        rr(dns_name("denied.test"), 1, 30, bytes([198, 51, 100, 7]))]),
    "truncated": dns_response(8, "example.com", 1, [], flags=0x8380),
    "nxdomain-soa": dns_response(9, "nx.test", 1, [], flags=0x8183, authority=[
        rr(dns_name("test"), 6, 60, dns_name("ns.test") + dns_name("h.test") + bytes(20))]),
    "servfail": dns_response(10, "example.com", 1, [], flags=0x8182),
    "edns-pin-fails": dns_response(11, "example.com", 1,
                                   [rr(Q, 1, 0x80000000, bytes([192, 0, 2, 1]))], flags=0x8590),
    "other-owner": dns_response(12, "example.com", 1, [rr(dns_name("other.test"), 1, 60,
                                                          bytes([192, 0, 2, 1]))]),
    "forward-pointer": dns_response(13, "example.com", 1, [rr(b"\xc0\x40", 1, 60, bytes(4))]),
    "many": dns_response(14, "example.com", 1,
                         [rr(Q, 1, 60, bytes([192, 0, 2, i])) for i in range(70)]),
}.items():
    seed("dns_response", label, msg)


def pointer_chain(hops):
    """An answer whose owner is reached through `hops` compression pointers (32 allowed)."""
    head = dns_response(15, "a.test", 1, [])
    body, offsets = b"", []
    for i in range(hops):
        at = len(head) + 12 + len(body)  # after the NULL record's owner and fixed fields
        body += b"\x01x" + (struct.pack(">H", 0xc000 | offsets[-1]) if offsets else Q)
        offsets.append(at)
    owner = struct.pack(">H", 0xc000 | offsets[-1])
    # The chain sits in an RR's data (type NULL) so the message stays well-formed.
    msg = head[:6] + struct.pack(">H", 2) + head[8:]
    return msg + rr(Q, 10, 60, body) + rr(owner, 1, 60, bytes([192, 0, 2, 1]))


seed("dns_response", "pointers-32", pointer_chain(31))
seed("dns_response", "pointers-33", pointer_chain(33))
seed("dns_response", "cname-chain-17", dns_response(16, "c0.test", 1, [
    rr(dns_name(f"c{i}.test"), 5, 60, dns_name(f"c{i + 1}.test")) for i in range(17)] +
    [rr(dns_name("c17.test"), 1, 60, bytes([192, 0, 2, 1]))]))


# ---- HTTP -----------------------------------------------------------------------------

for label, text in {
    "connect": "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
               "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
    "connect6": "CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\ntunnel data",
    "get": "GET http://example.com/x?y HTTP/1.1\r\nHost: other.test\r\n"
           "Proxy-Connection: keep-alive\r\nContent-Length: 5\r\n\r\nhello",
    "post-chunked": "POST http://example.com:8080 HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n"
                    "Connection: close\r\n\r\n",
    "http10": "GET http://example.com/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "leading-crlf": "\r\n\r\nGET http://example.com/ HTTP/1.1\r\n\r\n",
    "te-cl": "POST http://example.com/ HTTP/1.1\r\nContent-Length: 3\r\n"
             "Transfer-Encoding: chunked\r\n\r\n",
    "cl-list": "POST http://example.com/ HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n",
    "two-hosts": "GET http://example.com/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "userinfo": "GET http://allowed@evil.test/ HTTP/1.1\r\n\r\n",
    "https": "GET https://example.com/ HTTP/1.1\r\n\r\n",
    "origin-form": "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "bare-lf": "GET http://example.com/ HTTP/1.1\nHost: x\n\n",
    "obs-fold": "GET http://example.com/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
    "space-colon": "GET http://example.com/ HTTP/1.1\r\nHost : x\r\n\r\n",
    "version": "GET http://example.com/ HTTP/2.0\r\n\r\n",
    "incomplete": "CONNECT example.com:443 HTTP/1.1\r\nHost: exa",
    "wrong-creds": "CONNECT a.test:1 HTTP/1.1\r\nProxy-Authorization: basic dXNlcjpwYXNzeA==\r\n\r\n",
    "labelled-creds": "CONNECT a.test:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlci5ZM1Z5YkE9PTpwYXNz\r\n\r\n",
}.items():
    seed("http_request", label, text)

for label, text in {
    "pipeline": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                "HTTP/1.1 204 No Content\r\n\r\n"
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5;ext=1\r\nhello\r\n0\r\nTrailer: v\r\n\r\n"
                "HTTP/1.0 200 OK\r\n\r\nuntil close",
    "chunked-body": "5\r\nhello\r\nA \t;x\r\n0123456789\r\n0\r\n\r\n",
    "continue": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "switching": "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nframes",
    "304": "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
    "no-reason": "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx",
    "te-cl": "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "te-not-chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody",
    "huge-length": "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "huge-chunk": "fffffffffffffffffff\r\n",
    "chunk-no-crlf": "3\r\nabcX",
    "not-http": "SSH-2.0-OpenSSH\r\n",
}.items():
    seed("http_response", label, text)


# ---- SOCKS5 ---------------------------------------------------------------------------

AUTH = b"\x01\x04user\x04pass"
for label, data in {
    "domain": b"\x05\x01\x02" + AUTH + b"\x05\x01\x00\x03\x0bexample.com\x01\xbbGET / HTTP/1.1",
    "ipv4": b"\x05\x02\x00\x02" + AUTH + b"\x05\x01\x00\x01\xcb\x00\x71\x09\x00\x50",
    "ipv6": b"\x05\x01\x02" + AUTH + b"\x05\x01\x00\x04" + V6 + b"\x01\xbb",
    "v6-as-domain": b"\x05\x01\x02" + AUTH + b"\x05\x01\x00\x03\x0b2001:db8::1\x00\x35",
    "no-auth-offered": b"\x05\x01\x00",
    "wrong-pass": b"\x05\x01\x02\x01\x04user\x04pasx",
    "bind": b"\x05\x01\x02" + AUTH + b"\x05\x02\x00\x01" + bytes(6),
    "udp": b"\x05\x01\x02" + AUTH + b"\x05\x03\x00\x01" + bytes(6),
    "bad-atyp": b"\x05\x01\x02" + AUTH + b"\x05\x01\x00\x05",
    "empty-domain": b"\x05\x01\x02" + AUTH + b"\x05\x01\x00\x03\x00",
    "bad-domain": b"\x05\x01\x02" + AUTH + b"\x05\x01\x00\x03\x03a/b\x00\x50",
    "socks4": b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00",
    "empty-methods": b"\x05\x00",
    "port0": b"\x05\x01\x02" + AUTH + b"\x05\x01\x00\x01\xcb\x00\x71\x09\x00\x00",
    "labelled-user": b"\x05\x01\x02\x01\x0cuser.Y3VybA==\x04pass\x05\x01\x00\x03\x01a\x00\x50",
}.items():
    seed("socks5", label, data)

for label, text in {
    "creds": "dXNlcjpwYXNz", "padded": "YQ==", "unpadded": "YQ", "bad-padding": "YQ=",
    "dangling": "YWJjZ", "url-safe": "-_8=", "inner-pad": "YQ==YQ==", "space": "dXNl cjpw",
    "nonzero-bits": "YR==",
}.items():
    seed("base64", label, text)


# ---- TLS ClientHello / HTTP names ------------------------------------------------------

def vec(b, k):
    return len(b).to_bytes(k, "big") + b


def sni_ext(*names):
    entries = b"".join(b"\x00" + vec(n.encode(), 2) for n in names)
    return struct.pack(">H", 0) + vec(vec(entries, 2), 2)


def client_hello(exts=b"", session=b"", record_len=None):
    body = b"\x03\x03" + bytes(32) + vec(session, 1) + vec(b"\x13\x01\x00\x2f", 2) + \
        vec(b"\x00", 1) + vec(exts, 2)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    rec = len(hs) if record_len is None else record_len
    return b"\x16\x03\x01" + rec.to_bytes(2, "big") + hs


ALPN = struct.pack(">H", 16) + vec(vec(b"\x02h2\x08http/1.1", 2), 2)
for label, data in {
    "sni": client_hello(sni_ext("Example.COM.") + ALPN),
    "no-sni": client_hello(ALPN),
    "no-extensions": client_hello()[:-2],
    "sni-ip": client_hello(sni_ext("192.0.2.1")),
    "two-names": client_hello(sni_ext("a.test", "b.test")),
    "two-extensions": client_hello(sni_ext("a.test") + sni_ext("b.test")),
    "bad-name": client_hello(sni_ext("a..test")),
    "session-id": client_hello(sni_ext("a.test"), session=bytes(32)),
    "record-too-long": client_hello(sni_ext("a.test"), record_len=18433),
    "host": "GET / HTTP/1.1\r\nHost: Example.com:8080\r\n\r\n",
    "absolute": "GET http://user@a.test:80/x HTTP/1.1\r\nHost: b.test\r\n\r\n",
    "connect": "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: a.test\r\n\r\n",
    "bare-lf": "POST /x HTTP/1.1\nhost: a.test\n\n",
    "two-hosts": "GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n",
    "host-ipv6": "GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n",
    "partial-method": "OPTI",
    "ssh": "SSH-2.0-x\r\n",
}.items():
    seed("server_name", label, data)


# ---- NFLOG ----------------------------------------------------------------------------

def nl_attr(atype, value):
    a = struct.pack("=HH", 4 + len(value), atype) + value
    return a + b"\0" * (-len(a) % 4)


def nflog_msg(attrs, mtype=(4 << 8) | 0):
    body = struct.pack("=BBH", 0, 0, struct.unpack("=H", struct.pack(">H", 7))[0]) + \
        b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), mtype, 0, 0, 0) + body


TCP4 = bytes([0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 2, 203, 0, 113, 9]) + \
    struct.pack(">HH", 40000, 443) + bytes(16)
UDP6 = bytes([0x60, 0, 0, 0, 0, 8, 17, 64]) + bytes.fromhex("20010db8" + "0" * 23 + "2") + V6 + \
    struct.pack(">HHHH", 5353, 53, 8, 0)
ICMP4 = bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 2, 198, 51, 100, 1]) + bytes(8)
for label, data in {
    "tcp4": nflog_msg([nl_attr(1, struct.pack(">HBB", 0x0800, 3, 0)), nl_attr(10, b"moat\0"),
                       nl_attr(9, TCP4)]),
    "udp6-icmp": nflog_msg([nl_attr(9, UDP6)]) + nflog_msg([nl_attr(9, ICMP4)]),
    "config": nflog_msg([nl_attr(9, TCP4)], mtype=(4 << 8) | 1),
    "huge-length": struct.pack("=I", 0xff000048) + nflog_msg([nl_attr(9, TCP4)])[4:],
    "unaligned-end": nflog_msg([nl_attr(9, TCP4)])[:-2],
}.items():
    if label == "unaligned-end":
        data = struct.pack("=I", len(data)) + data[4:]
    seed("nflog", label, data)


# ---- the name gate (firewall mode), bound to example.com ------------------------------

def h2_frame(ftype, flags, stream, payload):
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def h2_request(authority, stream=1, flags=0x5):
    block = b"\x82\x87\x84\x41" + bytes([len(authority)]) + authority.encode()
    return h2_frame(1, flags, stream, block)


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b"")
for label, data in {
    "h1": "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "h1-two": "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
              "GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n",
    "h1-body-next": "POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n\r\nbody"
                    "GET http://example.com/ HTTP/1.1\r\n\r\n",
    "h1-chunked": "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "4\r\nbody\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: example.com.\r\n\r\n",
    "h1-no-host": "GET / HTTP/1.0\r\n\r\n",
    "h1-lenient": "\r\nget  /  http/1.1\r\nHOST : example.com\r\n\r\n",
    "h1-absolute-other": "GET http://evil.test/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "h09": "GET /\r\n",
    "connect": "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01",
    "websocket": "GET /ws HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\r\n\x16\x03",
    "tls": client_hello(sni_ext("example.com")),
    "tls-other": client_hello(sni_ext("evil.test")),
    "tls-ccs-first": b"\x14\x03\x03\x00\x01\x01" + client_hello(sni_ext("example.com")),
    "h2": PREFACE + h2_request("example.com") + h2_frame(0, 1, 1, b"data"),
    "h2-other": PREFACE + h2_request("example.com") + h2_request("evil.test", stream=3),
    "h2-continuation": PREFACE + h2_request("example.com", flags=0x1)[:-5] +
                       h2_frame(9, 0x4, 1, b"e.com"),
    "h2-push": PREFACE + h2_frame(5, 0x4, 1, b"\x00\x00\x00\x02\x82"),
    "h2c-upgrade": "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: h2c\r\n"
                   "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
    "ssh": "SSH-2.0-OpenSSH_9.2\r\n",
    "bare-token": "x",
}.items():
    seed("name_gate", label, data)


# ---- proxy user labels ----------------------------------------------------------------

for label, text in {
    "srt": "srt.Y3VybCBleGFtcGxlLmNvbQ==", "escaped": "Y3VybCBleGFtcGxlLmNvbQ%3D%3D",
    "c1": "wp8=", "overlong": "4ICv", "surrogate": "7aCA", "plain": "not base64!",
    "utf16-cut": "\U0001f600" * 60, "long": "x" * 300,
}.items():
    seed("attribution", label, text)


# ---- mxc and srt configurations -------------------------------------------------------

ROOT = os.path.join(HERE, "..", "..")
for version in sorted(os.listdir(os.path.join(ROOT, "tests", "mxc", "fixtures"))):
    for kind in ("valid", "invalid"):
        d = os.path.join(ROOT, "tests", "mxc", "fixtures", version, kind)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.startswith("moat_"):  # written for moat (the others are Microsoft's)
                seed("mxc", f"{version}-{kind}-{f[5:-5]}", open(os.path.join(d, f), "rb").read())
for kind in ("valid", "invalid"):
    d = os.path.join(ROOT, "tests", "srt", "fixtures", kind)
    for f in sorted(os.listdir(d)):
        seed("srt", f"{kind}-{f[:-5]}", open(os.path.join(d, f), "rb").read())
seed("srt", "argv", b"git\0commit\0-m\0it's \"done\"\0\0=x\0a*b")


# ---- policy files ---------------------------------------------------------------------

for label, text in {
    "example": open(os.path.join(HERE, "..", "..", "examples", "policy.json")).read(),
    "network": '{"network":{"mode":"proxy","allow":["*.example.com","203.0.113.0/24:443",'
               '"[2001:db8::1]:443"],"deny":["*"],"allowLocalBinding":true,"expose":[8080],'
               '"hostPorts":[5432]}}',
    "filesystem": '{"filesystem":{"read":"listed","allowRead":["/usr","~/src"],'
                  '"allowWrite":["work","../x"],"denyWrite":["work/.git"],"privateTmp":false,'
                  '"protectDefaults":true,"unprotect":[".git/config"]}}',
    "process": '{"process":{"cwd":"/tmp","timeout":1.5,"memoryMax":"512M","pidsMax":100,'
               '"env":{"A":"b"},"passEnv":["LC_*"],"allowNestedNamespaces":false,'
               '"rlimits":{"nofile":{"soft":10,"hard":20},"core":0,"as":"unlimited"}}}',
    "duplicate-key": '{"network":{"mode":"none","mode":"host"}}',
    "typo": '{"netwrok":{}}',
    "wrong-type": '{"filesystem":{"allowWrite":"x"}}',
    "nul": '{"process":{"env":{"A":"\\u0000"}}}',
    "syntax": '{"network": [1, 2,',
    "bom": "\ufeff{}",
}.items():
    seed("policy_json", label, text)
    seed("json_locate", label, text)
seed("json_locate", "escapes", '{"a\\u00e9\\ud83d\\ude00":[1,2.5e3,"x\\"y",{"k":null}],"b":true}')
seed("json_locate", "nested", "[[[[[[[[[[1]]]]]]]]]]")


def main():
    names = sys.argv[1:] or sorted(SEEDS)
    for target in names:
        d = os.path.join(TOP, target)
        os.makedirs(d, exist_ok=True)
        for label, data in SEEDS[target].items():
            with open(os.path.join(d, "seed-" + label), "wb") as f:
                f.write(data)
        print(f"{target}: {len(SEEDS[target])} seeds")


if __name__ == "__main__":
    main()
