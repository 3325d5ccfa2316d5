# Local networking inside the sandbox: binding (every address spelling,
# including the dual-stack ::ffff:127.0.0.1 that srt's allowLocalBinding
# missed), port exposure to the host's loopback and host ports.  No traffic
# leaves loopback.

free_port() { echo $((40000 + RANDOM % 20000)); }

test_local_binding_off_refuses_every_spelling() {
    MOAT_OPTS=()
    p=$(free_port)
    # A named port: bind(2) refused by Landlock, whatever the spelling.
    attack bind 127.0.0.1 "$p"; expect_eq "$OUT" EACCES "bind 127.0.0.1"
    attack bind ::1 "$p"; expect_eq "$OUT" EACCES "bind ::1"
    attack bind ::ffff:127.0.0.1 "$p"; expect_eq "$OUT" EACCES "bind ::ffff:127.0.0.1 (dual-stack)"
    attack bind 0.0.0.0 "$p"; expect_eq "$OUT" EACCES "bind 0.0.0.0"
    attack bind :: "$p"; expect_eq "$OUT" EACCES "bind ::"
    # An ephemeral port (what clients bind before connecting) binds, but
    # no socket may listen: listen(2) refused by seccomp.
    attack bind 127.0.0.1 0; expect_eq "$OUT" EPERM "listen on an ephemeral port"
    attack bind ::ffff:127.0.0.1 0; expect_eq "$OUT" EPERM "listen, dual-stack"
}

test_local_binding_on_allows_every_spelling_and_they_talk() {
    MOAT_OPTS=(--allow-local-binding)
    attack bind 127.0.0.1 0; expect_eq "$OUT" ok
    attack bind ::1 0; expect_eq "$OUT" ok
    attack bind ::ffff:127.0.0.1 0; expect_eq "$OUT" ok
    p=$(free_port)
    moat_run --timeout 10 --allow-local-binding -c "$ATTACK serve ::ffff:127.0.0.1 $p & sleep 0.3; $ATTACK fetch 127.0.0.1 $p; wait"
    expect_contains "$OUT" "hello from the sandbox"
}

test_local_binding_never_opens_egress() {
    # Binding allowed, network none: still no route anywhere but loopback.
    MOAT_OPTS=(--allow-local-binding)
    attack fetch 198.51.100.10 80
    case "$OUT" in ENETUNREACH|EHOSTUNREACH|ECONNREFUSED) ;; *) fail "egress: $OUT" ;; esac
}

java_dual_stack_server() { # the JVM's ServerSocket on 127.0.0.1 is an AF_INET6 socket
    mkdir -p java
    cat > java/Dual.java <<'JAVA'
import java.net.*;
import java.io.*;
public class Dual {
    public static void main(String[] a) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
            int port = s.getLocalPort();
            try (Socket c = new Socket("127.0.0.1", port); Socket in = s.accept()) {
                in.getOutputStream().write("java-dual-stack-ok\n".getBytes());
                System.out.print(new BufferedReader(new InputStreamReader(c.getInputStream())).readLine());
            }
        } catch (IOException e) { System.out.print("refused"); }
    }
}
JAVA
    javac -d java java/Dual.java
}

test_java_dual_stack_server_with_local_binding_on_and_off() {
    command -v javac >/dev/null && command -v java >/dev/null || fail "java 17 not installed"
    java_dual_stack_server
    # The JVM's NIO needs socketpair(AF_UNIX) (sun.nio.ch.FileDispatcherImpl),
    # which moat refuses unless unix sockets are allowed.
    moat_run --allow-unix-sockets --allow-local-binding -- java -cp "$WORK/java" Dual
    expect_eq "$OUT" java-dual-stack-ok "allowLocalBinding on"
    moat_run --allow-unix-sockets -- java -cp "$WORK/java" Dual
    expect_eq "$OUT" refused "allowLocalBinding off"
}

expose_case() { # ADDR [v6only]: a sandbox server, fetched from the host's 127.0.0.1 and ::1
    local p; p=$(free_port)
    for host in 127.0.0.1 ::1; do
        rm -f serve.out
        "$MOAT" run --timeout 10 --expose "$p" -- "$ATTACK" serve "$1" "$p" ${2:-} > serve.out 2>&1 &
        local pid=$!
        for _ in $(seq 100); do grep -q listening serve.out 2>/dev/null && break; sleep 0.05; done
        out=$("$ATTACK" fetch "$host" "$p" || true)
        wait "$pid" || true
        expect_eq "$out" "hello from the sandbox" "server on $1, client on host $host"
    done
}

test_expose_reaches_an_ipv4_server_from_both_host_families() { expose_case 127.0.0.1; }
test_expose_reaches_a_dual_stack_server_from_both_host_families() { expose_case ::ffff:127.0.0.1; }
test_expose_reaches_an_ipv6_only_server_from_both_host_families() { expose_case ::1 v6only; }

test_exposed_port_is_the_only_one_bindable() {
    p=$(free_port)
    MOAT_OPTS=(--expose "$p")
    attack bind 127.0.0.1 "$p"; expect_eq "$OUT" ok
    attack bind 127.0.0.1 $((p + 1)); expect_eq "$OUT" EACCES
}

test_host_port_reaches_the_host_loopback_in_both_families() {
    p=$(free_port)
    for inside in 127.0.0.1 ::1; do
        rm -f host.out
        timeout 10 "$ATTACK" serve 127.0.0.1 "$p" > host.out 2>&1 &
        pid=$!
        for _ in $(seq 100); do grep -q listening host.out 2>/dev/null && break; sleep 0.05; done
        moat_run --host-port "$p" -- "$ATTACK" fetch "$inside" "$p"
        wait "$pid" || true
        expect_eq "$OUT" "hello from the sandbox" "sandbox $inside -> host port"
    done
}

test_host_ports_open_nothing_else_of_the_host() {
    p=$(free_port)
    timeout 10 "$ATTACK" serve 127.0.0.1 $((p + 1)) > host.out 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q listening host.out 2>/dev/null && break; sleep 0.05; done
    moat_run --host-port "$p" -- "$ATTACK" fetch 127.0.0.1 $((p + 1))
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    expect_eq "$OUT" ECONNREFUSED
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The host side of the supervisor-limit tests: an echo server on 127.0.0.1:PORT, one line back
# for each line, for every connection, for 30 s.
limit_server() { # PORT
    cat > limit_server.py <<PY
import socket, select, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", $1)); s.listen(8)
conns, end = [], time.monotonic() + 30
while time.monotonic() < end:
    for x in select.select([s] + conns, [], [], 1)[0]:
        if x is s:
            conns.append(s.accept()[0]); continue
        d = x.recv(100)
        if d: x.sendall(d)
        else: conns.remove(x); x.close()
PY
    /usr/bin/python3 limit_server.py &
    LIMIT_SERVER=$!
    sleep 0.3
}

# The workload: an old connection through the supervisor (to the host port), then, once
# $WORK/limited exists, a new one of the kind given; the old one must echo meanwhile; once
# $WORK/raised exists, the new kind must work again.  Prints one line per step.
limit_client() { # PORT KIND (forward: the host port; proxy: a request to the HTTP proxy)
    cat > limit_client.py <<PY
import os, socket, sys, time
W = "$WORK"
def wait_for(name, secs=20):
    end = time.monotonic() + secs
    while not os.path.exists(os.path.join(W, name)) and time.monotonic() < end:
        time.sleep(0.05)
def echo(c, msg):
    c.sendall(msg); return c.recv(100) == msg
def new_one():
    """True: served; False: refused (closed, reset); None: still waiting after 3 s."""
    try:
        c = socket.create_connection(("127.0.0.1", 3128 if "$2" == "proxy" else $1), timeout=3)
        if "$2" == "proxy":
            c.sendall(b"CONNECT 127.0.0.1:1 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            return c.recv(100).startswith(b"HTTP/1.1 40")
        return echo(c, b"new\\n")
    except socket.timeout:
        return None
    except OSError:
        return False
a = socket.create_connection(("127.0.0.1", $1), timeout=10)
print("old connection:", echo(a, b"a1\\n"), flush=True)
open(os.path.join(W, "old-up"), "w").close()
wait_for("limited")
print("new connection while limited:", {True: "served", False: "refused", None: "waiting"}[new_one()], flush=True)
print("old connection while limited:", echo(a, b"a2\\n"), flush=True)
open(os.path.join(W, "tried"), "w").close()
wait_for("raised")
print("new connection after:", {True: "served", False: "refused", None: "waiting"}[new_one()], flush=True)
print("old connection after:", echo(a, b"a3\\n"), flush=True)
PY
}

wait_file() { for _ in $(seq 400); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "no $1"; }

# Out of descriptors (RLIMIT_NOFILE at the lowest free number): the listener pauses instead
# of spinning on EMFILE, a new connection waits in the kernel's backlog, connections already
# open keep working, and the new one is served once descriptors are free again.
test_supervisor_out_of_descriptors_pauses_instead_of_spinning() {
    p=$(free_port)
    limit_server "$p"
    limit_client "$p" forward
    "$MOAT" run --timeout 30 --host-port "$p" --allow-write "$WORK" -- \
        /usr/bin/python3 "$WORK/limit_client.py" > limit.out 2> limit.err &
    pid=$!
    wait_file "$WORK/old-up"
    # RLIMIT_NOFILE bounds descriptor numbers: the lowest free number as the
    # limit makes the next accept4 fail with EMFILE.
    n=0
    while [ -e "/proc/$pid/fd/$n" ]; do n=$((n + 1)); done
    prlimit --pid "$pid" --nofile="$n:"
    touch "$WORK/limited"
    wait_file "$WORK/tried"
    before=$(cpu_ticks "$pid"); sleep 2; after=$(cpu_ticks "$pid")
    prlimit --pid "$pid" --nofile=1024:
    touch "$WORK/raised"
    wait "$pid" || true
    kill "$LIMIT_SERVER" 2>/dev/null; wait "$LIMIT_SERVER" 2>/dev/null || true
    cat limit.out
    # 2 s of spinning is ~200 ticks; a paused listener wakes 20 times.
    [ $((after - before)) -lt 40 ] || fail "supervisor used $((after - before)) ticks in 2 s while out of descriptors"
    expect_eq "$(cat limit.out)" "old connection: True
new connection while limited: waiting
old connection while limited: True
new connection after: served
old connection after: True"
}

# Out of memory (RLIMIT_AS at what the supervisor has mapped): a new proxy connection, whose
# buffers cannot be allocated, is refused at once; connections already open keep working;
# once memory is there again, new ones are served.
test_supervisor_out_of_memory_refuses_new_connections_and_recovers() {
    p=$(free_port)
    limit_server "$p"
    limit_client "$p" proxy
    "$MOAT" run --timeout 30 --network proxy --host-port "$p" --allow-write "$WORK" -- \
        /usr/bin/python3 "$WORK/limit_client.py" > limit.out 2> limit.err &
    pid=$!
    wait_file "$WORK/old-up"
    as=$(awk '/^VmSize:/ { printf "%.0f", $2 * 1024 }' "/proc/$pid/status") # (not print: mawk writes a sanitizer build's size as 2.2e+16)
    prlimit --pid "$pid" --as="$as:"
    touch "$WORK/limited"
    wait_file "$WORK/tried"
    prlimit --pid "$pid" --as=unlimited:
    touch "$WORK/raised"
    rc=0; wait "$pid" || rc=$?
    kill "$LIMIT_SERVER" 2>/dev/null; wait "$LIMIT_SERVER" 2>/dev/null || true
    cat limit.out
    expect_eq "$rc" 0 "the workload's status (moat did not crash)"
    expect_eq "$(cat limit.out)" "old connection: True
new connection while limited: refused
old connection while limited: True
new connection after: served
old connection after: True"
}
