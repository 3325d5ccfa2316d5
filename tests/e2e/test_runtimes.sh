# Everyday runtimes under the default policy (network mode none): the JVM,
# Node, Python, curl, wget, git, make and cc start and do their work; a name
# lookup fails at once with the client's own "could not resolve" message,
# never "thread failed to start" or a hang.  (Proxy, firewall and host
# modes: tests/e2e_lab/test_runtimes.sh.)

# The lookups below go nowhere (mode none has loopback only): --timeout
# turns a client that waits for a resolver into a failure (124), not a slow
# pass.

test_runtime_curl_and_wget_fail_lookups_at_once() {
    moat_run --timeout 20 -- curl -sS http://moat-test.example/
    expect_eq "$RC" 6 "curl's 'could not resolve host'"
    expect_contains "$ERR" "Could not resolve host: moat-test.example"
    expect_not_contains "$ERR" "thread failed to start"
    moat_run --timeout 20 -- wget -nv http://moat-test.example/ -O /dev/null
    expect_eq "$RC" 4 "wget's network failure"
    expect_contains "$ERR" "unable to resolve host address"
}

test_runtime_git_commits_and_fails_lookups_at_once() {
    # The repository exists before the run: a new one inside a writable
    # tree is refused (docs/policy.md, built-in protections).
    git init -q repo
    (cd repo && echo a > a && git add a && git -c user.name=t -c user.email=t@example commit -qm one)
    moat_run --timeout 20 --allow-write "$WORK/repo" -c 'cd repo && echo b > b && git add b &&
        git -c user.name=t -c user.email=t@example commit -qm two && git log --format=%s'
    expect_eq "$RC" 0
    expect_eq "$OUT" "two
one"
    expect_eq "$(git -C repo log --format=%s -1)" two "the commit, seen on the host"
    moat_run --timeout 20 -- git ls-remote https://moat-test.example/x/y
    expect_eq "$RC" 128
    expect_contains "$ERR" "Could not resolve host: moat-test.example"
}

test_runtime_python_runs_and_fails_lookups_at_once() {
    moat_run --timeout 20 -- python3 -c '
import socket, sys
a, b = socket.socketpair(); a.send(b"pair"); print(b.recv(4).decode())
try:
    socket.getaddrinfo("moat-test.example", 80)
except socket.gaierror as e:
    print("gaierror", e.errno in (socket.EAI_AGAIN, socket.EAI_NONAME))'
    expect_eq "$RC" 0
    expect_eq "$OUT" "pair
gaierror True"
}

test_runtime_node_runs_and_fails_lookups_at_once() {
    moat_run --timeout 20 -- node -e '
require("dns").lookup("moat-test.example", (e) => {
  console.log("lookup", e.code);
  fetch("http://moat-test.example/").catch((f) => console.log("fetch", f.cause.code));
});'
    expect_eq "$RC" 0
    expect_contains "$OUT" "lookup EAI_"
    expect_contains "$OUT" "fetch EAI_"
}

test_runtime_jvm_starts_uses_nio_and_fails_lookups_at_once() {
    # The JVM's NIO makes a socketpair at start-up (Selector.open): it must
    # work under the default policy, without --allow-unix-sockets.
    mkdir java
    cat > java/Rt.java <<'EOF'
import java.net.*;
import java.nio.channels.*;
public class Rt {
    public static void main(String[] a) throws Exception {
        Selector s = Selector.open();
        System.out.println("selector " + s.isOpen());
        try {
            InetAddress.getByName("moat-test.example");
            System.out.println("resolved");
        } catch (UnknownHostException e) {
            System.out.println("unknown host");
        }
    }
}
EOF
    javac -d java java/Rt.java
    moat_run --timeout 30 -- java -cp "$WORK/java" Rt
    expect_eq "$RC" 0
    expect_eq "$OUT" "selector true
unknown host"
}

test_runtime_make_and_cc_build_in_a_writable_tree() {
    mkdir src
    printf '#include <stdio.h>\nint main(void) { puts("built in moat"); return 0; }\n' > src/hello.c
    printf 'hello: hello.c\n\tcc -Wall -o hello hello.c\n' > src/Makefile
    moat_run --allow-write "$WORK/src" -c 'cd src && make -s && ./hello'
    expect_eq "$RC" 0
    expect_eq "$OUT" "built in moat"
    [ -x src/hello ] || fail "the binary is not on the host"
}
