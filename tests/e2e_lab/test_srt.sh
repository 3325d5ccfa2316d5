# srt settings files run by moat as `srt`, in the dual-stack lab, and the same
# files run by the real srt 0.0.83 (from the npm registry, tests/srt/): names
# allowed, denied, wildcard and apex, over both families; srt's 403; writes
# outside allowWrite; srt's mandatory deny list; the #127 scenario (a JVM
# server on 127.0.0.1, bound as ::ffff:127.0.0.1).  The verdicts agree except
# where moat is documented to be stricter (docs/compat-srt.md).

# srt_lab moat|real ARGS...: that srt in the lab's host namespace, as $RUN_AS,
# from $WORK/proj, with the variables in SRT_ENV; OUT, ERR, RC.
SRT_ENV=()
srt_lab() {
    local which=$1 bin o e
    shift
    if [ "$which" = moat ]; then
        ln -sf "$MOAT" "$WORK/srt"
        bin=$WORK/srt
    else
        bin=$("$(dirname "${BASH_SOURCE[0]}")/../srt/srt_install.sh") || {
            fail "cannot install @anthropic-ai/sandbox-runtime"; return 1; }
    fi
    mkdir -p "$WORK/proj"
    chmod 0777 "$WORK/proj"
    o=$(mktemp) e=$(mktemp)
    chmod 0666 "$o" "$e"
    RC=0
    ip netns exec "$LAB_HOST" "$BASH" -c "$(declare -f as_user); cd \"\$1\" && shift && as_user \"\$@\"" \
        _ "$WORK/proj" env "${SRT_ENV[@]}" "$bin" "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ [$RUN_AS] srt($which) $* -> $RC; out=[$OUT] err=[$ERR]"
}

# settings FILE JSON: a settings file both can read.
settings() {
    printf '%s\n' "$2" > "$WORK/$1"
    chmod 0644 "$WORK/$1"
}

NET_SETTINGS='{
  "network": {
    "allowedDomains": ["dual.test", "*.wild.test", "v4only.test", "v6only.test", "[2001:db8:1::10]"],
    "deniedDomains": ["denied.test"]
  },
  "filesystem": { "denyRead": [], "allowWrite": ["."], "denyWrite": [] }
}'

# One line per URL: the URL and the status curl got through srt's proxy.
CURL_TABLE='for u in http://dual.test/ http://v4only.test/ http://v6only.test/ \
    http://a.wild.test/ http://b.wild.test:8080/ http://wild.test/ http://denied.test/ \
    http://secret.denied.test/ http://other.test/ http://198.51.100.10/ "http://[2001:db8:1::10]/"; do
  printf "%s %s\n" "$u" "$(curl -s --max-time 10 -o /dev/null -w "%{http_code}" "$u")"
done
printf "body: %s\n" "$(curl -s --max-time 10 http://denied.test/)"
curl -s --max-time 10 -o /dev/null https://denied.test/; echo "https denied: curl $?"
printf "https allowed: %s\n" "$(curl -s --max-time 10 --cacert ca.pem -o /dev/null -w "%{http_code}" https://dual.test/)"'

CURL_EXPECTED='http://dual.test/ 200
http://v4only.test/ 200
http://v6only.test/ 200
http://a.wild.test/ 200
http://b.wild.test:8080/ 200
http://wild.test/ 403
http://denied.test/ 403
http://secret.denied.test/ 403
http://other.test/ 403
http://198.51.100.10/ 403
http://[2001:db8:1::10]/ 200
body: Connection blocked by network allowlist
https denied: curl 56
https allowed: 200'

test_dual_srt_names_allowed_denied_wildcard_and_apex_in_both_families() {
    settings s.json "$NET_SETTINGS"
    mkdir -p "$WORK/proj" && cp "$LAB_CA" "$WORK/proj/ca.pem" && chmod 0644 "$WORK/proj/ca.pem"
    srt_lab moat -s "$WORK/s.json" -c "$CURL_TABLE"
    expect_eq "$RC" 0 "moat"
    expect_eq "$OUT" "$CURL_EXPECTED" "moat's verdicts"
    srt_lab real -s "$WORK/s.json" -c "$CURL_TABLE"
    expect_eq "$RC" 0 "real srt"
    expect_eq "$OUT" "$CURL_EXPECTED" "real srt's verdicts"
}

test_dual_srt_allowed_name_uses_either_family_and_ipv6_when_both() {
    # moat dials IPv6 first for a dual-stack name; each single-family name is
    # reached over its one family.
    settings s.json "$NET_SETTINGS"
    srt_lab moat -s "$WORK/s.json" -c 'curl -s --max-time 10 http://dual.test/
        curl -s --max-time 10 http://v4only.test/; curl -s --max-time 10 http://v6only.test/'
    expect_eq "$OUT" "hello from [$LAB_W6]:80
hello from $LAB_V4ONLY:80
hello from [$LAB_V6ONLY]:80"
}

test_dual_srt_denial_is_attributed_to_the_command_in_the_log() {
    settings s.json "$NET_SETTINGS"
    # The proxy user names the command (srt's "srt.<base64>"); a tool inside
    # may name a sub-command of its own the same way, but a name never stands
    # in for the password.
    SRT_ENV=(MOAT_LOG="$WORK/v.log")
    srt_lab moat -s "$WORK/s.json" -c 'curl -s -o /dev/null http://denied.test/
        tok=$(printf "%s" "$HTTP_PROXY" | sed -E "s|^http://[^:]*:([^@]*)@.*|\1|")
        label=$(printf "npm install left-pad" | base64 -w0 | sed "s/+/%2B/g; s|/|%2F|g; s/=/%3D/g")
        curl -s -o /dev/null -x "http://srt.$label:$tok@127.0.0.1:3128" http://other.test/
        curl -s -o /dev/null -x "http://srt.$label:wrong@127.0.0.1:3128" -w "%{http_code}" http://dual.test/'
    SRT_ENV=()
    expect_eq "$OUT" 407 "a name does not stand in for the password"
    log=$(cat "$WORK/v.log")
    expect_contains "$log" '"destination":"denied.test:80"'
    expect_contains "$log" '"attribution":"curl -s -o /dev/null http://denied.test/'
    expect_contains "$log" '"destination":"other.test:80"'
    expect_contains "$log" '"attribution":"npm install left-pad"'
}

WRITE_TABLE='w() { e=$( (echo x >> "$1") 2>&1 ) && echo "$1 ok" || echo "$1 ${e##*: }"; }
w rw/new; w rw/ro/x; w outside.txt; w ../outside.txt; w /etc/moat-srt-test'

test_dual_srt_writes_outside_allow_write_are_read_only() {
    mkdir -p "$WORK/proj/rw/ro"
    chmod -R 0777 "$WORK/proj"
    settings s.json '{"network":{"allowedDomains":[],"deniedDomains":[]},
      "filesystem":{"denyRead":[],"allowWrite":["rw"],"denyWrite":["rw/ro"]}}'
    want='rw/new ok
rw/ro/x Read-only file system
outside.txt Read-only file system
../outside.txt Read-only file system
/etc/moat-srt-test Read-only file system'
    srt_lab moat -s "$WORK/s.json" -c "$WRITE_TABLE"
    expect_eq "$OUT" "$want" "moat"
    rm -f "$WORK/proj/rw/new"
    srt_lab real -s "$WORK/s.json" -c "$WRITE_TABLE"
    expect_eq "$OUT" "$want" "real srt"
}

# srt's own mandatory-deny test: these exist in the working directory, which is writable.
DENY_NAMES='.bashrc .gitconfig .zshrc .mcp.json .bash_profile .zprofile .profile .gitmodules
.ripgreprc .git/config .git/hooks/pre-commit .vscode/settings.json .claude/commands/c.md
.claude/agents/a.md .idea/workspace.xml'
FREE_NAMES='regular.txt .git/objects/ab .git/index .claude/notes.md'

make_tree() {
    local n
    for n in $DENY_NAMES $FREE_NAMES; do
        mkdir -p "$WORK/proj/$(dirname "$n")"
        echo orig > "$WORK/proj/$n"
    done
    chmod -R a+rwX "$WORK/proj"
}

test_dual_srt_mandatory_deny_list_holds_as_in_srt() {
    mkdir -p "$WORK/proj"
    make_tree
    settings s.json '{"network":{"allowedDomains":[],"deniedDomains":[]},
      "filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}'
    table='w() { e=$( (echo x >> "$1") 2>&1 ) && echo "$1 ok" || echo "$1 ${e##*: }"; }
for n in '"$(echo $DENY_NAMES $FREE_NAMES)"'; do w "$n"; done'
    want=$(for n in $DENY_NAMES; do echo "$n Read-only file system"; done
           for n in $FREE_NAMES; do echo "$n ok"; done)
    srt_lab moat -s "$WORK/s.json" -c "$table"
    expect_eq "$OUT" "$want" "moat"
    make_tree
    srt_lab real -s "$WORK/s.json" -c "$table"
    expect_eq "$OUT" "$want" "real srt"
    # allowGitConfig: .git/config writable, the hooks still not.
    settings g.json '{"network":{"allowedDomains":[],"deniedDomains":[]},
      "filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[],"allowGitConfig":true}}'
    table2='w() { e=$( (echo x >> "$1") 2>&1 ) && echo "$1 ok" || echo "$1 ${e##*: }"; }
w .git/config; w .git/hooks/pre-commit'
    want2='.git/config ok
.git/hooks/pre-commit Read-only file system'
    srt_lab moat -s "$WORK/g.json" -c "$table2"
    expect_eq "$OUT" "$want2" "moat, allowGitConfig"
    srt_lab real -s "$WORK/g.json" -c "$table2"
    expect_eq "$OUT" "$want2" "real srt, allowGitConfig"
}

test_dual_srt_names_made_during_the_run_moat_is_stricter() {
    # srt looks for the names in the tree once, down to mandatoryDenySearchDepth
    # (3): a .bashrc made during the run, deeper, is writable under srt.  moat's
    # write guard refuses the name at any depth, new or old (documented).
    settings s.json '{"network":{"allowedDomains":[],"deniedDomains":[]},
      "filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}'
    table='mkdir -p a/b/c/d; e=$( (echo "evil" > a/b/c/d/.bashrc) 2>&1 ) && echo made || echo "${e##*: }"'
    srt_lab moat -s "$WORK/s.json" -c "$table"
    expect_eq "$OUT" "Read-only file system" "moat"
    rm -rf "$WORK/proj/a"
    srt_lab real -s "$WORK/s.json" -c "$table"
    expect_eq "$OUT" made "real srt (documented: moat is stricter)"
}

java_dual_stack_server() { # the JVM's ServerSocket on 127.0.0.1 is an AF_INET6 socket
    mkdir -p "$WORK/java"
    cat > "$WORK/java/Dual.java" <<'JAVA'
import java.net.*;
import java.io.*;
public class Dual {
    public static void main(String[] a) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
            int port = s.getLocalPort();
            try (Socket c = new Socket("127.0.0.1", port); Socket in = s.accept()) {
                in.getOutputStream().write("java-dual-stack-ok\n".getBytes());
                System.out.println(new BufferedReader(new InputStreamReader(c.getInputStream())).readLine());
            }
        } catch (IOException e) { System.out.println("refused"); }
    }
}
JAVA
    javac -d "$WORK/java" "$WORK/java/Dual.java"
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/raw_client.py"
    chmod -R a+rX "$WORK/java" "$WORK/raw_client.py"
}

test_dual_srt_issue_127_java_server_on_127_0_0_1_local_binding_on_and_off() {
    command -v javac >/dev/null || fail "javac missing"
    java_dual_stack_server
    # The JVM's NIO makes a socketpair at start: srt's seccomp filter and
    # moat's refuse AF_UNIX unless it is allowed.
    for b in true false; do
        settings "lb-$b.json" '{"network":{"allowedDomains":["dual.test"],"deniedDomains":[],
          "allowLocalBinding":'"$b"',"allowAllUnixSockets":true},
          "filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}'
    done
    run127='java -cp '"$WORK"'/java Dual 2>/dev/null; python3 '"$WORK"'/raw_client.py dual.test 80 any | cut -d" " -f1'
    srt_lab moat -s "$WORK/lb-true.json" -c "$run127"
    expect_eq "$OUT" "java-dual-stack-ok
refused" "moat, allowLocalBinding true: the server accepts; egress stays closed"
    srt_lab moat -s "$WORK/lb-false.json" -c "$run127"
    expect_eq "$OUT" "refused
refused" "moat, allowLocalBinding false: the bind is refused; egress closed"
    srt_lab real -s "$WORK/lb-true.json" -c "$run127"
    expect_eq "$OUT" "java-dual-stack-ok
refused" "real srt, allowLocalBinding true"
    # srt ignores allowLocalBinding on Linux: the server runs there anyway
    # (documented: moat enforces it).
    srt_lab real -s "$WORK/lb-false.json" -c "$run127"
    expect_eq "$OUT" "java-dual-stack-ok
refused" "real srt, allowLocalBinding false (ignored on Linux)"
}

test_dual_srt_moat_network_mode_filters_programs_that_ignore_the_proxy() {
    # What srt cannot give on Linux: a program that knows nothing of proxies
    # is filtered rather than cut off ("moat": {"networkMode": "firewall"},
    # a key srt drops), and names resolve inside the sandbox.
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/raw_client.py"
    chmod a+r "$WORK/raw_client.py"
    settings fw.json '{"network":{"allowedDomains":["dual.test"],"deniedDomains":[]},
      "filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]},
      "moat":{"networkMode":"firewall"}}'
    raw="for t in 'dual.test 80 4' 'dual.test 80 6' 'denied.test 80 any'; do python3 $WORK/raw_client.py \$t | cut -d' ' -f1-3; done"
    srt_lab moat -s "$WORK/fw.json" -c "$raw"
    expect_contains "$(printf '%s\n' "$OUT" | sed -n 1p)" "ok" "dual.test over IPv4, without the proxy"
    expect_contains "$(printf '%s\n' "$OUT" | sed -n 2p)" "ok" "dual.test over IPv6, without the proxy"
    expect_contains "$(printf '%s\n' "$OUT" | sed -n 3p)" "refused" "denied.test"
    # srt's model (the default): the same program cannot connect at all.
    settings px.json '{"network":{"allowedDomains":["dual.test"],"deniedDomains":[]},
      "filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}'
    srt_lab moat -s "$WORK/px.json" -c "$raw"
    expect_eq "$(printf '%s\n' "$OUT" | cut -d' ' -f1 | tr '\n' ' ')" "refused refused refused " \
        "proxy mode"
    srt_lab real -s "$WORK/px.json" -c "$raw"
    expect_eq "$(printf '%s\n' "$OUT" | cut -d' ' -f1 | tr '\n' ' ')" "refused refused refused " \
        "real srt"
}
