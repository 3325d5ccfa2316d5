#!/usr/bin/python3
"""A TCP forwarder that gives the lab a round-trip time.

The lab's veth has no delay and this kernel has no netem, so `slow.test`
(LAB_SLOW4, LAB_SLOW6) is this relay in the world namespace: each connection
to it is forwarded to the same port of dual.test's address of the same family,
and every chunk, in either direction, is left unread (and so unacknowledged) DELAY
milliseconds before it is written on.  A request/response exchange through it therefore costs 2 * DELAY
more than one to dual.test itself (the lab's RTT, LAB_DELAY_MS * 2).

The relay's own sockets send at once (TCP_NODELAY), so any extra wait seen by
a client is its own or its proxy's, not the relay's.  One thread per direction of
each connection: a test tool, for a handful of connections.  Started by lab.sh as
root; exits on SIGTERM and by itself after --lifetime seconds.
"""

import argparse
import ipaddress
import select
import signal
import socket
import sys
import threading
import time


def pump(src, dst, delay):
    """Copy src to dst: once bytes are waiting, leave them unread for DELAY, then move them.

    Left unread, they are not acknowledged either (the kernel acknowledges when they are
    read, or after its delayed-ACK timer), so a sender waiting for an ACK -- Nagle's
    algorithm -- waits as it would on a link with this delay."""
    try:
        while True:
            select.select([src], [], [])
            time.sleep(delay)
            data = src.recv(65536)
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(data)
    except OSError:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(conn, targets, delay):
    local = conn.getsockname()
    fam = socket.AF_INET6 if ":" in local[0] else socket.AF_INET
    try:
        up = socket.create_connection((targets[fam], local[1]), timeout=10)
        up.settimeout(None)
    except OSError:
        conn.close()
        return
    for s in (conn, up):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(target=pump, args=(up, conn, delay), daemon=True)
    back.start()
    pump(conn, up, delay)
    back.join()
    conn.close()
    up.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", action="append", required=True, help="address to listen on (repeat)")
    ap.add_argument("--to4", required=True)
    ap.add_argument("--to6", required=True)
    ap.add_argument("--ports", default="80,443")
    ap.add_argument("--delay-ms", type=float, required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--lifetime", type=int, default=1800)
    a = ap.parse_args()
    targets = {socket.AF_INET: a.to4, socket.AF_INET6: a.to6}
    delay = a.delay_ms / 1000.0

    def stop(*_):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    listeners = []
    for addr in a.listen:
        fam = socket.AF_INET6 if ipaddress.ip_address(addr).version == 6 else socket.AF_INET
        for port in [int(p) for p in a.ports.split(",")]:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((addr, port))
            except OSError as e:
                sys.exit(f"delay_relay: cannot bind {addr} {port}: {e}")
            s.listen(64)
            listeners.append(s)
    with open(a.ready, "w") as f:
        f.write("ready\n")
    deadline = time.monotonic() + a.lifetime
    while time.monotonic() < deadline:
        ready, _, _ = select.select(listeners, [], [], 1.0)
        for s in ready:
            conn, _ = s.accept()
            threading.Thread(target=handle, args=(conn, targets, delay), daemon=True).start()


if __name__ == "__main__":
    main()
