# Proxy mode in the dual-stack lab: names, both families, IP spellings,
# DNS filtering and exfiltration, rebinding, credentials, logs.

test_dual_allowed_name_over_http_prefers_ipv6() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    curl_in http://dual.test/
    expect_eq "$(last_line)" 200
    expect_contains "$OUT" "hello from [2001:db8:1::10]:80"
}

test_dual_allowed_name_over_https_connect() {
    cp "$LAB_CA" ca.pem; chmod 644 ca.pem
    SB_OPTS=(--network proxy --allow-net dual.test:443)
    curl_in --cacert "$WORK/ca.pem" https://dual.test/
    expect_eq "$(last_line)" 200
    expect_contains "$OUT" "hello from"
}

test_dual_socks5_with_remote_resolution() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -c 'curl -sS --max-time 10 -x "$ALL_PROXY" http://dual.test:8080/'
    expect_eq "$RC" 0
    expect_contains "$OUT" "hello from [2001:db8:1::10]:8080"
}

test_dual_ipv4_and_ipv6_literals_when_allowed() {
    SB_OPTS=(--network proxy --allow-net "$LAB_W4" --allow-net "[$LAB_W6]")
    curl_in "http://$LAB_W4/"
    expect_contains "$OUT" "hello from $LAB_W4:80"
    curl_in "http://[$LAB_W6]/"
    expect_contains "$OUT" "hello from [$LAB_W6]:80"
}

test_dual_v4only_and_v6only_names() {
    SB_OPTS=(--network proxy --allow-net v4only.test --allow-net v6only.test)
    curl_in http://v4only.test/
    expect_contains "$OUT" "hello from $LAB_V4ONLY:80"
    curl_in http://v6only.test/
    expect_contains "$OUT" "hello from [$LAB_V6ONLY]:80"
}

test_dual_denied_name_gets_403_with_reason_and_is_logged() {
    SB_OPTS=(--network proxy --allow-net dual.test --log "$WORK/violations.log")
    curl_in http://denied.test/
    expect_eq "$(last_line)" 403
    expect_contains "$OUT" "blocked by moat policy: denied.test:80"
    grep -q '"kind":"connect","destination":"denied.test:80"' violations.log ||
        fail "no log line: $(cat violations.log)"
}

test_dual_socks5_denied_target_gets_code_2() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -c 'curl -sS --max-time 10 -x "$ALL_PROXY" http://denied.test/'
    expect_eq "$RC" 97 "curl's SOCKS failure"
    expect_contains "$ERR" "(2)" "SOCKS5 reply 2: not allowed by ruleset"
}

test_dual_wildcard_matches_subdomains_only() {
    SB_OPTS=(--network proxy --allow-net '*.wild.test')
    curl_in http://a.wild.test/
    expect_eq "$(last_line)" 200
    curl_in http://b.wild.test/
    expect_eq "$(last_line)" 200
    curl_in http://wild.test/
    expect_eq "$(last_line)" 403
}

test_dual_cdn_name_with_rotating_addresses() {
    SB_OPTS=(--network proxy --allow-net cdn.test)
    curl_in http://cdn.test/
    expect_eq "$(last_line)" 200
    lab_cdn_rotate B >/dev/null
    curl_in http://cdn.test/
    expect_eq "$(last_line)" 200
    expect_contains "$OUT" "2001:db8:3::2"
}

test_dual_every_ipv6_spelling_of_a_denied_ipv4_is_denied() {
    SB_OPTS=(--network proxy --allow-net 203.0.113.0/24 --deny-net "$LAB_DENIED4")
    for target in "$LAB_DENIED4" "[::ffff:$LAB_DENIED4]" "[::ffff:cb00:7109]" "[::$LAB_DENIED4]" \
                  "[64:ff9b::$LAB_DENIED4]" "[2002:cb00:7109::]" 0xcb007109 3405803785 0313.0.0161.011; do
        sb "${SB_OPTS[@]}" -- curl -sS --noproxy '' --max-time 10 -o /dev/null -w '%{http_code}' \
            -p "http://$target:80/"
        case "$OUT" in 403*|000*) ;; *) fail "$target: $OUT" ;; esac
        expect_contains "$ERR$OUT" "403" "$target"
    done
    # The control: another address in the allowed /24, mapped spelling too.
    curl_in "http://[::ffff:203.0.113.20]/"
    expect_eq "$(last_line)" 200
}

test_dual_mapped_spelling_of_an_allowed_ipv4_is_allowed() {
    SB_OPTS=(--network proxy --allow-net "$LAB_W4")
    sb "${SB_OPTS[@]}" -- curl -sS --noproxy '' --max-time 10 -p "http://[::ffff:$LAB_W4]/"
    expect_contains "$OUT" "hello from $LAB_W4:80"
}

test_dual_dns_answers_allowed_names_in_both_families() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -c 'dig +short +time=3 dual.test A; dig +short +time=3 dual.test AAAA'
    expect_contains "$OUT" "$LAB_W4"
    expect_contains "$OUT" "$LAB_W6"
}

test_dual_dns_exfiltration_never_leaves_the_machine() {
    lab_dns_reset
    SB_OPTS=(--network proxy --allow-net dual.test --log "$WORK/violations.log")
    sb "${SB_OPTS[@]}" -c 'dig +time=3 +tries=1 secret.denied.test A; dig +tcp +time=3 +tries=1 other.secret.denied.test TXT'
    expect_contains "$OUT" "status: NXDOMAIN"
    if lab_dns_saw secret.denied.test; then fail "the query reached the lab's DNS server"; fi
    grep -q '"kind":"dns"' violations.log || fail "no dns log line"
}

test_dual_rebinding_names_are_refused() {
    SB_OPTS=(--network proxy --allow-net rebind-lo.test --allow-net rebind-meta.test)
    curl_in http://rebind-lo.test/
    expect_eq "$(last_line)" 403
    curl_in http://rebind-meta.test/
    expect_eq "$(last_line)" 403
    sb "${SB_OPTS[@]}" -- dig +time=3 rebind-lo.test A
    expect_contains "$OUT" "status: REFUSED"
}

test_dual_proxy_without_credential_is_refused() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -- curl -sS --noproxy '' --max-time 10 -o /dev/null -w '%{http_code}' \
        -x http://127.0.0.1:3128 http://dual.test/
    expect_eq "$OUT" 407
    # From outside the sandbox, the proxy does not exist at all.
    if ip netns exec "$LAB_HOST" curl -sS --max-time 3 -x http://127.0.0.1:3128 http://dual.test/ 2>/dev/null; then
        fail "the proxy answered from outside the sandbox"
    fi
}

test_dual_program_ignoring_the_proxy_cannot_connect_and_leaves_a_trace() {
    # Node 20's https.get and fetch ignore the proxy variables: they must
    # fail at once, and the person must learn why (issue 10).
    SB_OPTS=(--network proxy --allow-net dual.test --log "$WORK/violations.log")
    sb "${SB_OPTS[@]}" -- "$ATTACK" fetch "$LAB_W4" 80
    expect_eq "$OUT" ECONNREFUSED "direct connect"
    sb "${SB_OPTS[@]}" -- "$ATTACK" fetch "$LAB_W6" 443
    expect_eq "$OUT" ECONNREFUSED "direct connect over IPv6"
    expect_contains "$ERR" "moat: blocked connection to [$LAB_W6]:443: direct connection: proxy mode serves only programs that use the proxy variables (--network firewall serves the others)"
    grep -q "\"kind\":\"connect\",\"destination\":\"$LAB_W4\".*\"port\":80,\"reason\":\"direct connection: proxy mode" violations.log ||
        fail "no log line for the direct IPv4 connection: $(cat violations.log)"
    grep -q "\"destination\":\"$LAB_W6\".*\"port\":443" violations.log ||
        fail "no log line for the direct IPv6 connection"
    # A resolver of its own (UDP to another server's port 53) is refused and logged too.
    sb "${SB_OPTS[@]}" -- dig +time=2 +tries=1 "@$LAB_DNS4" dual.test
    grep -q "\"kind\":\"udp\",\"destination\":\"$LAB_DNS4\".*\"port\":53" violations.log ||
        fail "no log line for DNS to another server"
}

test_dual_refusals_are_told_on_stderr_once_and_escaped() {
    # A short line per distinct refusal, on moat's stderr; the workload's
    # text cannot carry terminal escape sequences there, whichever way it
    # tries to get its bytes into a refusal (tests/unit/test_tell.c escapes
    # what a library caller could report).
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 -c 'import base64, os, socket, struct, urllib.parse
u = urllib.parse.urlsplit(os.environ["http_proxy"])
cred = base64.b64encode(f"{u.username}:{u.password}".encode()).decode()
evil = b"\x1b]0;pwned\x07\x1b[2J\xc2\x9b31m"
for target in [b"denied.test:443", b"denied.test:443", evil + b"x.test:443"]:
    s = socket.create_connection(("127.0.0.1", u.port))
    s.sendall(b"CONNECT " + target + f" HTTP/1.1\r\nProxy-Authorization: Basic {cred}\r\n\r\n".encode())
    print(s.recv(200).split(b"\r\n")[0].decode())
s = socket.create_connection(("127.0.0.1", 1080))
s.sendall(b"\x05\x01\x02"); s.recv(2)
s.sendall(b"\x01" + bytes([len(u.username)]) + u.username.encode() + bytes([len(u.password)]) + u.password.encode()); s.recv(2)
name = evil + b"y.test"
s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + b"\x01\xbb"); print(s.recv(10))
q = struct.pack("!HHHHHH", 1, 0x100, 1, 0, 0, 0) + bytes([len(evil)]) + evil + b"\x04test\x00\x00\x01\x00\x01"
d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); d.settimeout(3); d.sendto(q, ("127.0.0.1", 53)); print(d.recv(512)[3] & 15)'
    expect_contains "$OUT" "403"
    expect_eq "$(printf '%s\n' "$ERR" | grep -c 'moat: blocked connection to denied.test:443: not in allow list')" 1 \
        "one line for two identical refusals"
    case "$ERR" in *$'\e'*|*$'\a'*|*$'\xc2\x9b'*) fail "an escape sequence reached the terminal: $ERR" ;; esac
    # --quiet: nothing; --log -: the JSON lines instead.
    sb --quiet "${SB_OPTS[@]}" -- curl -s -o /dev/null -p http://denied.test/
    expect_not_contains "$ERR" "moat: blocked"
    sb --log - "${SB_OPTS[@]}" -- curl -s -o /dev/null -p http://denied.test/
    expect_contains "$ERR" '"kind":"connect","destination":"denied.test:80"'
    expect_not_contains "$ERR" "moat: blocked"
}

test_dual_a_refused_name_is_logged_once() {
    SB_OPTS=(--network proxy --allow-net dual.test --log "$WORK/violations.log")
    sb "${SB_OPTS[@]}" -c 'dig +short +time=2 x.denied.test A; dig +short +time=2 x.denied.test AAAA'
    expect_eq "$(grep -c '"kind":"dns","destination":"x.denied.test"' violations.log)" 1 \
        "log lines for the A and AAAA queries of one name"
}

test_dual_git_ssh_proxy_command_reaches_port_22() {
    # GIT_SSH_COMMAND's ProxyCommand is `moat connect %h %p`: a CONNECT
    # tunnel through the sandbox's proxy; the lab's port 22 echoes.
    SB_OPTS=(--network proxy --allow-net dual.test:22)
    sb "${SB_OPTS[@]}" -c 'case "$GIT_SSH_COMMAND" in *"connect %h %p"*) ;; *) exit 3 ;; esac
        helper=${GIT_SSH_COMMAND#*ProxyCommand=?}; helper=${helper%% connect*}
        echo ping-over-ssh-path | timeout 5 "$helper" connect dual.test 22'
    expect_eq "$RC" 0
    expect_contains "$OUT" ping-over-ssh-path
    sb "${SB_OPTS[@]}" -c 'echo x | timeout 5 "${GIT_SSH_COMMAND#*ProxyCommand=?}" 2>&1; helper=${GIT_SSH_COMMAND#*ProxyCommand=?}; helper=${helper%% connect*}; echo x | timeout 5 "$helper" connect denied.test 22'
    expect_contains "$ERR" "403"
}

test_dual_toolchain_clients_use_the_proxy_variables() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -- wget -q -O - http://dual.test/
    expect_contains "$OUT" "hello from" "wget"
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 -c 'import urllib.request; print(urllib.request.urlopen("http://dual.test/", timeout=10).read().decode())'
    expect_contains "$OUT" "hello from" "python urllib"
    sb "${SB_OPTS[@]}" -- git -c http.proxyAuthMethod=basic ls-remote http://dual.test/nothing.git
    expect_contains "$ERR" "dual.test" "git reached the server through the proxy"
    expect_not_contains "$ERR" "Could not resolve" "git"
}

test_dual_java_http_client_through_the_proxy() {
    command -v javac >/dev/null || fail "javac missing"
    mkdir -p java
    cat > java/Get.java <<'JAVA'
import java.net.*;
import java.io.*;
public class Get {
    public static void main(String[] a) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(a[0]).openConnection();
        c.setConnectTimeout(10000);
        try (InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
            System.out.println(c.getResponseCode() + " " + new String(in.readAllBytes()).trim());
        }
    }
}
JAVA
    javac -d java java/Get.java
    chmod -R a+rX java
    # JAVA_TOOL_OPTIONS is all the JVM gets; NIO needs socketpair(AF_UNIX).
    SB_OPTS=(--network proxy --allow-unix-sockets --allow-net dual.test)
    sb "${SB_OPTS[@]}" -- java -cp "$WORK/java" Get http://dual.test/
    expect_contains "$OUT" "200 hello from" "java http://"
    sb "${SB_OPTS[@]}" -- java -cp "$WORK/java" Get http://denied.test/
    expect_contains "$OUT" "403 blocked by moat policy" "java, denied"
    # HTTPS: a CONNECT tunnel, where JVMs send no proxy credential.
    keytool -importcert -noprompt -alias lab -file "$LAB_CA" -keystore "$WORK/trust.p12" \
        -storetype PKCS12 -storepass changeit >/dev/null 2>&1
    chmod a+r "$WORK/trust.p12"
    SB_OPTS=(--network proxy --allow-unix-sockets --allow-net dual.test:443)
    sb "${SB_OPTS[@]}" -- java -Djavax.net.ssl.trustStore="$WORK/trust.p12" \
        -Djavax.net.ssl.trustStorePassword=changeit -cp "$WORK/java" Get https://dual.test/
    expect_contains "$OUT" "200 hello from" "java https://"
}

test_dual_jvm_port_serves_only_the_sandbox() {
    SB_OPTS=(--network proxy --allow-net dual.test)
    sb "${SB_OPTS[@]}" -- curl -sS --noproxy '' --max-time 10 -x http://127.0.0.1:3129 http://dual.test/
    expect_contains "$OUT" "hello from" "inside, without credential"
    if ip netns exec "$LAB_HOST" curl -sS --max-time 3 -x http://127.0.0.1:3129 http://dual.test/ 2>/dev/null; then
        fail "the JVM proxy port answered from outside the sandbox"
    fi
}

test_dual_large_answer_comes_through_whole() {
    # 60 AAAA records (~1.7 KB): truncated over UDP, fetched again over TCP
    # by moat from upstream, and over TCP by the client from moat.
    SB_OPTS=(--network proxy --allow-net big.test)
    sb "${SB_OPTS[@]}" -c 'dig +short +time=5 big.test AAAA | wc -l; dig +tcp +short +time=5 big.test AAAA | wc -l'
    expect_eq "$(echo "$OUT" | sed -n 1p)" 60 "over UDP, then TCP after TC"
    expect_eq "$(echo "$OUT" | sed -n 2p)" 60 "over TCP"
}

test_dual_a_tunnel_to_one_name_cannot_front_another() {
    # A CONNECT or SOCKS5 tunnel to dual.test is judged as firewall mode
    # judges dual.test's pool address: the same verdict in every mode.
    cp "$LAB_CA" ca.pem; chmod 644 ca.pem
    SB_OPTS=(--network proxy --allow-net dual.test --log "$WORK/violations.log")
    sb "${SB_OPTS[@]}" -- /usr/bin/python3 -c 'import base64, os, socket, ssl, struct, sys, urllib.parse
u = urllib.parse.urlsplit(os.environ["http_proxy"])
cred = base64.b64encode(f"{u.username}:{u.password}".encode()).decode()
def connect(port):
    s = socket.create_connection(("127.0.0.1", u.port), timeout=5)
    s.sendall(f"CONNECT dual.test:{port} HTTP/1.1\r\nProxy-Authorization: Basic {cred}\r\n\r\n".encode())
    assert b" 200 " in s.recv(4096)
    return s
def socks(port):
    s = socket.create_connection(("127.0.0.1", 1080), timeout=5)
    s.sendall(b"\x05\x01\x02"); s.recv(2)
    s.sendall(b"\x01" + bytes([len(u.username)]) + u.username.encode() + bytes([len(u.password)]) + u.password.encode()); s.recv(2)
    s.sendall(b"\x05\x01\x00\x03\x09dual.test" + struct.pack("!H", port)); s.recv(22)
    return s
def tls(s, name):
    return ssl.create_default_context(cafile=sys.argv[1]).wrap_socket(s, server_hostname=name)
def get(s, host):
    s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        c = s.recv(4096)
        if not c:
            return data
        data += c
for how, open_ in (("connect", connect), ("socks", socks)):
    for what, f in (("https-dual", lambda: get(tls(open_(443), "dual.test"), "dual.test")),
                    ("https-denied", lambda: get(tls(open_(443), "denied.test"), "denied.test")),
                    ("http-dual", lambda: get(open_(80), "dual.test")),
                    ("http-denied", lambda: get(open_(80), "denied.test"))):
        try:
            data = f()
            print(how, what, "served" if b"hello from" in data else "nothing")
        except Exception as e:
            print(how, what, "refused", type(e).__name__)' "$WORK/ca.pem"
    for how in connect socks; do
        expect_contains "$OUT" "$how https-dual served"
        expect_contains "$OUT" "$how http-dual served"
        expect_contains "$OUT" "$how https-denied refused"
        expect_contains "$OUT" "$how http-denied refused"
    done
    grep -q '"reason":"TLS server name denied.test, but the tunnel was opened to dual.test"' \
        violations.log || fail "no log line for the fronted TLS name: $(cat violations.log)"
    expect_contains "$ERR" "moat: blocked connection to denied.test:443: TLS server name denied.test, but the tunnel was opened to dual.test"
}
