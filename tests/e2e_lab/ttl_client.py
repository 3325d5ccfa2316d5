# Connections to one pool address, for the resolver's answer cache: resolve
# NAME once, touch DIR/resolved, wait for DIR/go1, fetch twice back to back,
# touch DIR/two, wait for DIR/go2, sleep SECONDS, fetch once more.  Prints
#   two BOOL BOOL   and   later BOOL   (each: the fetch got the lab's page)
# Usage: ttl_client.py NAME DIR SECONDS
import os
import socket
import sys
import time

name, where, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])


def wait(f):
    deadline = time.monotonic() + 20
    while not os.path.exists(f) and time.monotonic() < deadline:
        time.sleep(0.02)


def touch(f):
    open(f, "w").close()


def fetch(addr):
    try:
        with socket.create_connection((addr, 80), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: " + name.encode() + b"\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        return b"hello from" in data
    except OSError:
        return False


pool = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
touch(f"{where}/resolved")
wait(f"{where}/go1")
print("two", fetch(pool), fetch(pool), flush=True)
touch(f"{where}/two")
wait(f"{where}/go2")
time.sleep(pause)
print("later", fetch(pool), flush=True)
