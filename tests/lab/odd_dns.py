#!/usr/bin/python3
"""An authoritative server for `odd.test`, whose names answer one address family and fail
the other, as real servers sometimes do (docs: tests/lab/README.md).  dnsmasq forwards the
sub-zone here (server=/odd.test/...), over UDP and TCP.

    aaaa-refused.odd.test   A dual.test's     AAAA REFUSED
    aaaa-servfail.odd.test  A dual.test's     AAAA SERVFAIL
    aaaa-silent.odd.test    A dual.test's     AAAA never answered
    a-refused.odd.test      AAAA dual.test's  A REFUSED
    a-silent.odd.test       AAAA dual.test's  A never answered
    silent.odd.test         neither family ever answered
    slow.odd.test           dual.test's A and AAAA, each answer sent 2 s late
    tc.odd.test             over UDP: TC set, no records; over TCP: dual.test's A and AAAA
    tc-notcp.odd.test       over UDP: TC set, no records; over TCP: closed unanswered
    garbage.odd.test        the query's id, QR set, then bytes that are no DNS message
    any other name          NXDOMAIN

The last five are the upstream faults moat must survive (a resolver that is down, slow,
truncating, or answering garbage): tests point moat's resolv.conf straight at this server.

Started by lab.sh in the world namespace as root; exits on SIGTERM and after --lifetime.
"""

import argparse
import ipaddress
import select
import signal
import socket
import struct
import time

A, AAAA = 1, 28
NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5
SILENT = "silent"
SLOW = "slow"          # answered, but SLOW_S seconds late
TC_ONLY = "tc"         # UDP: TC=1 and nothing else
GARBAGE = "garbage"
SLOW_S = 2.0


def zone(v4, v6):
    ok4, ok6 = ("addr", v4), ("addr", v6)
    return {
        "aaaa-refused.odd.test": {A: ok4, AAAA: REFUSED},
        "aaaa-servfail.odd.test": {A: ok4, AAAA: SERVFAIL},
        "aaaa-silent.odd.test": {A: ok4, AAAA: SILENT},
        "a-refused.odd.test": {A: REFUSED, AAAA: ok6},
        "a-silent.odd.test": {A: SILENT, AAAA: ok6},
        "silent.odd.test": {A: SILENT, AAAA: SILENT},
        "slow.odd.test": {A: (SLOW, v4), AAAA: (SLOW, v6)},
        "tc.odd.test": {A: (TC_ONLY, v4), AAAA: (TC_ONLY, v6)},
        "tc-notcp.odd.test": {A: (TC_ONLY, None), AAAA: (TC_ONLY, None)},
        "garbage.odd.test": {A: GARBAGE, AAAA: GARBAGE},
    }


def parse_question(msg):
    """(id, flags, name, qtype, end of question) or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1 or flags & 0x8000:
        return None
    labels, i = [], 12
    while i < len(msg) and msg[i]:
        n = msg[i]
        if n > 63 or i + 1 + n > len(msg):
            return None
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    if i + 5 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
    return qid, flags, ".".join(labels), qtype, i + 5


def answer(msg, table, tcp=False):
    """(reply or None, seconds to wait before sending it)."""
    q = parse_question(msg)
    if not q:
        return None, 0
    qid, flags, name, qtype, end = q
    entry = table.get(name)
    rcode, records, tc, delay = NXDOMAIN, [], 0, 0
    if entry is not None:
        how = entry.get(qtype, NOERROR)
        if how == SILENT:
            return None, 0
        if how == GARBAGE:
            # A response header for this id, and counts no message this short can hold.
            return struct.pack("!HHHHHH", qid, 0x8180, 1, 9, 9, 9) + b"\xff\x13garbage", 0
        if isinstance(how, tuple) and how[0] == SLOW:
            how, delay = ("addr", how[1]), SLOW_S
        if isinstance(how, tuple) and how[0] == TC_ONLY:
            if not tcp:
                how, tc = NOERROR, 0x0200
            elif how[1] is None:
                return None, 0
            else:
                how = ("addr", how[1])
        if isinstance(how, tuple):
            rcode = NOERROR
            records.append(ipaddress.ip_address(how[1]).packed)
        else:
            rcode = how
    header = struct.pack("!HHHHHH", qid, 0x8400 | tc | (flags & 0x0100) | rcode, 1, len(records), 0, 0)
    out = header + msg[12:end]
    for data in records:
        out += struct.pack("!HHHIH", 0xC00C, qtype, 1, 2, len(data)) + data
    return out, delay


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", action="append", required=True)
    ap.add_argument("--v4", required=True)
    ap.add_argument("--v6", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--lifetime", type=int, default=1800)
    a = ap.parse_args()
    table = zone(a.v4, a.v6)

    def stop(*_):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    udp, tcp = [], []
    for addr in a.addr:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((addr, 53))
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, 53))
        t.listen(16)
        udp.append(u)
        tcp.append(t)
    with open(a.ready, "w") as f:
        f.write("ready\n")
    deadline = time.monotonic() + a.lifetime
    late = []  # (when, socket, reply, peer): answers held back (slow.odd.test)
    while time.monotonic() < deadline:
        wait = 1.0 if not late else max(0.0, min(1.0, late[0][0] - time.monotonic()))
        ready, _, _ = select.select(udp + tcp, [], [], wait)
        now = time.monotonic()
        while late and late[0][0] <= now:
            _, s, out, peer = late.pop(0)
            s.sendto(out, peer)
        for s in ready:
            if s in udp:
                msg, peer = s.recvfrom(4096)
                out, delay = answer(msg, table)
                if out and delay:
                    late.append((now + delay, s, out, peer))
                    late.sort(key=lambda x: x[0])
                elif out:
                    s.sendto(out, peer)
                continue
            conn, _ = s.accept()
            conn.settimeout(2)
            try:
                n = struct.unpack("!H", conn.recv(2))[0]
                msg = b""
                while len(msg) < n:
                    chunk = conn.recv(n - len(msg))
                    if not chunk:
                        break
                    msg += chunk
                out, delay = answer(msg, table, tcp=True)
                if out:
                    time.sleep(delay)
                    conn.sendall(struct.pack("!H", len(out)) + out)
            except (OSError, struct.error):
                pass
            conn.close()


if __name__ == "__main__":
    main()
