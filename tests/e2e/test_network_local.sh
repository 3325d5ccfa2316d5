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

test_supervisor_out_of_descriptors_pauses_instead_of_spinning() {
    need_root || return 0 # prlimit on another user's process; the root pass covers it
    p=$(free_port)
    cat > server.py <<PY
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", $p)); s.listen(8); s.settimeout(20)
c = s.accept()[0]; c.sendall(b"hello\n"); c.recv(1)
PY
    cat > client.py <<PY
import socket, time
time.sleep(1.5)
s = socket.create_connection(("127.0.0.1", $p)); s.settimeout(15)
print(s.recv(10).decode().strip())
PY
    /usr/bin/python3 server.py & server=$!
    "$MOAT" run --timeout 20 --host-port "$p" -- /usr/bin/python3 "$WORK/client.py" > greet.out 2>&1 &
    pid=$!
    sleep 0.7
    # RLIMIT_NOFILE bounds descriptor numbers: the lowest free number as the
    # limit makes the next accept4 fail with EMFILE.
    n=0
    while [ -e "/proc/$pid/fd/$n" ]; do n=$((n + 1)); done
    prlimit --pid "$pid" --nofile="$n:"
    sleep 1.5 # the workload has connected; its connection waits in the backlog
    before=$(cpu_ticks "$pid"); sleep 2; after=$(cpu_ticks "$pid")
    prlimit --pid "$pid" --nofile=1024:
    wait "$pid" || true
    kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
    cat greet.out
    # 2 s of spinning is ~200 ticks; a paused listener wakes 20 times.
    [ $((after - before)) -lt 40 ] || fail "supervisor used $((after - before)) ticks in 2 s while out of descriptors"
    grep -q hello greet.out || fail "no recovery after the limit was raised"
}
