# Everyday runtimes against the lab's servers in every network mode: curl,
# wget, Python, Node, the JVM, git (clone and fetch), npm and pip installs
# from a registry in world, and cc/make, through the proxy (proxy mode),
# transparently (firewall mode) and directly (host mode: the lab's host
# namespace); in mode none, a lookup fails at once although the resolver
# configured is a real one.  The registry, the pip index and the git
# repository are static files served in world on port 8081 (a bare
# repository over git's "dumb" HTTP protocol; npm's and pip's simple
# formats are plain files and directory listings).

RT_PORT=8081

# Build the files world serves from $WORK/srv: a git repository, an npm
# package (a packument and its tarball), a pip package (a wheel in a simple
# index).  Sets RT_PID to the server's pid; the caller kills it.
rt_serve() {
    local srv=$WORK/srv
    mkdir -p "$srv/npm" "$srv/simple/labpkg" "$WORK/build"
    # git: one commit now, another one later (rt_git_commit)
    git init -q --bare "$srv/repo.git"
    git init -q "$WORK/build/repo"
    rt_git_commit one
    # npm: package/index.js in a tarball, and its packument
    mkdir -p "$WORK/build/npm/package"
    printf '{"name":"lab-pkg","version":"1.0.0","main":"index.js"}\n' > "$WORK/build/npm/package/package.json"
    printf 'module.exports = "lab-pkg from the lab registry";\n' > "$WORK/build/npm/package/index.js"
    tar -C "$WORK/build/npm" -czf "$srv/npm/lab-pkg-1.0.0.tgz" package
    /usr/bin/python3 - "$srv" "$RT_PORT" <<'PY'
import base64, hashlib, json, os, sys, zipfile
srv, port = sys.argv[1], sys.argv[2]
tgz = open(os.path.join(srv, "npm/lab-pkg-1.0.0.tgz"), "rb").read()
dist = {"tarball": f"http://dual.test:{port}/npm/lab-pkg-1.0.0.tgz",
        "shasum": hashlib.sha1(tgz).hexdigest(),
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()}
doc = {"name": "lab-pkg", "dist-tags": {"latest": "1.0.0"},
       "versions": {"1.0.0": {"name": "lab-pkg", "version": "1.0.0", "main": "index.js", "dist": dist}}}
json.dump(doc, open(os.path.join(srv, "npm/lab-pkg"), "w"))
# a wheel: the module, METADATA, WHEEL and a RECORD with every file's hash
files = {"labpkg/__init__.py": b'WHO = "labpkg from the lab index"\n',
         "labpkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: labpkg\nVersion: 1.0\n",
         "labpkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: moat-lab\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                 for n, d in files.items()) + "labpkg-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(os.path.join(srv, "simple/labpkg/labpkg-1.0-py3-none-any.whl"), "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
    z.writestr("labpkg-1.0.dist-info/RECORD", record)
PY
    chmod -R a+rX "$srv"
    ip netns exec "$LAB_WORLD" /usr/bin/python3 -m http.server --bind :: --directory "$srv" \
        "$RT_PORT" >/dev/null 2>&1 &
    RT_PID=$!
    local i
    for i in $(seq 1 100); do
        ip netns exec "$LAB_HOST" curl -s -o /dev/null --max-time 1 \
            "http://$LAB_W4:$RT_PORT/" && return 0
        sleep 0.05
    done
    fail "the lab's file server did not start"
}

# Commit MESSAGE to the served repository.
rt_git_commit() {
    local b=$WORK/build/repo
    echo "$1" > "$b/$1"
    git -C "$b" add "$1"
    git -C "$b" -c user.name=lab -c user.email=lab@example commit -qm "$1"
    git -C "$b" push -q "$WORK/srv/repo.git" HEAD:refs/heads/main
    git -C "$WORK/srv/repo.git" symbolic-ref HEAD refs/heads/main
    git -C "$WORK/srv/repo.git" update-server-info
    chmod -R a+rX "$WORK/srv"
}

# The clients, one line each: "NAME: RESULT".  Run inside the sandbox with
# $1 = a directory it may write (the git clone, npm and pip go there).
# shellcheck disable=SC2016
RT_CLIENTS='set -u
out=$1; port='"$RT_PORT"'; cd "$out"
printf "curl: %s\n" "$(curl -sS --max-time 10 http://dual.test/ 2>&1)"
printf "wget: %s\n" "$(wget -q -T 10 -O - http://dual.test/ 2>&1)"
printf "python: %s\n" "$(/usr/bin/python3 -c "import urllib.request as u; print(u.urlopen(\"http://dual.test/\", timeout=10).read().decode())" 2>&1)"
printf "java: %s\n" "$(java -cp "$out/../java" Get http://dual.test/ 2>&1 | grep -v "Picked up")"
git clone -q "http://dual.test:$port/repo.git" clone 2>git.err
printf "git clone: %s\n" "$(git -C clone log --format=%s 2>&1) $(cat git.err)"
npm install --silent --no-audit --no-fund --registry "http://dual.test:$port/npm/" lab-pkg >npm.log 2>&1
printf "npm: %s\n" "$(node -e "console.log(require(\"$out/node_modules/lab-pkg\"))" 2>&1) $(tail -n 3 npm.log)"
/usr/bin/python3 -m pip install -q --no-cache-dir --disable-pip-version-check --no-deps \
    --target "$out/pip" --index-url "http://dual.test:$port/simple/" --trusted-host dual.test \
    labpkg >pip.log 2>&1
printf "pip: %s\n" "$(PYTHONPATH="$out/pip" /usr/bin/python3 -c "import labpkg; print(labpkg.WHO)" 2>&1) $(tail -n 3 pip.log)"
printf "int main(void) { return 7; }\n" > t.c
cc -o t t.c && ./t; printf "cc: %s\n" "$?"
'

# Java's client, compiled once per test (javac runs outside the sandbox).
rt_java() {
    mkdir -p "$WORK/java"
    cat > "$WORK/java/Get.java" <<'JAVA'
import java.io.*;
import java.net.*;
public class Get {
    public static void main(String[] a) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(a[0]).openConnection();
        c.setConnectTimeout(10000);
        c.setReadTimeout(10000);
        try (InputStream in = c.getInputStream()) {
            System.out.println(c.getResponseCode() + " " + new String(in.readAllBytes()).trim());
        }
    }
}
JAVA
    javac -d "$WORK/java" "$WORK/java/Get.java"
    chmod -R a+rX "$WORK/java"
}

# Run the clients in MODE with OPTIONS...; check every line.  Then a new
# commit on the server, and `git fetch` in the sandbox sees it.
rt_all_clients() {
    local mode=$1; shift
    rt_java
    rt_serve
    # shellcheck disable=SC2064
    trap "kill $RT_PID 2>/dev/null" EXIT
    mkdir -m 0777 "$WORK/out"
    sb --network "$mode" "$@" --allow-write "$WORK/out" --unprotect .git \
        --setenv npm_config_cache="$WORK/out/.npm" --setenv HOME="$WORK/out" \
        -- sh -c "$RT_CLIENTS" rt "$WORK/out"
    expect_eq "$RC" 0 "the clients' script"
    line() { printf '%s\n' "$OUT" | grep "^$1: " | head -n 1; }
    expect_contains "$(line curl)" "hello from" "curl ($mode)"
    expect_contains "$(line wget)" "hello from" "wget ($mode)"
    expect_contains "$(line python)" "hello from" "python urllib ($mode)"
    expect_contains "$(line java)" "200 hello from" "java HttpURLConnection ($mode)"
    expect_eq "$(line 'git clone')" "git clone: one " "git clone ($mode)"
    expect_contains "$(line npm)" "npm: lab-pkg from the lab registry" "npm install ($mode)"
    expect_contains "$(line pip)" "pip: labpkg from the lab index" "pip install ($mode)"
    expect_eq "$(line cc)" "cc: 7" "cc ($mode)"
    rt_git_commit two
    sb --network "$mode" "$@" --allow-write "$WORK/out" -- sh -c \
        'cd "$1/clone" && git fetch -q origin 2>&1 && git log --format=%s origin/main' rt "$WORK/out"
    expect_eq "$RC" 0 "git fetch ($mode)"
    expect_eq "$OUT" "two
one" "git fetch ($mode)"
}

test_dual_runtime_clients_through_the_proxy() {
    rt_all_clients proxy --allow-net dual.test
}

test_dual_runtime_clients_in_firewall_mode() {
    rt_all_clients firewall --allow-net dual.test
}

test_dual_runtime_clients_with_the_hosts_network() {
    rt_all_clients host
}

test_dual_runtime_lookups_fail_at_once_in_mode_none() {
    # The lab's resolv.conf names two real servers with 2 s timeouts and
    # 2 attempts: a client that waited for them would take 8 s.  In mode
    # none they are unreachable, and every client says so at once.
    sb --timeout 6 -c '
curl -sS --max-time 5 http://dual.test/ 2>&1; echo "curl=$?"
git ls-remote http://dual.test/x.git 2>&1; echo "git=$?"
/usr/bin/python3 -c "import socket; socket.getaddrinfo(\"dual.test\", 80)" 2>&1 | tail -n 1
node -e "require(\"dns\").lookup(\"dual.test\", (e) => console.log(\"node\", e && e.code))"'
    expect_eq "$RC" 0 "all four within the timeout"
    expect_contains "$OUT" "Could not resolve host: dual.test"
    expect_contains "$OUT" "curl=6"
    expect_contains "$OUT" "git=128"
    expect_contains "$OUT" "gaierror"
    expect_contains "$OUT" "node EAI_"
}

# apt drops privileges to its _apt user when run as root, and a sandbox
# has one user id and no capabilities (docs/policy.md, "Tools that switch
# users"): run as root, it needs APT::Sandbox::User=root; as anyone else it
# does not switch.  Then `apt-get update` and `apt-get download` work
# through the proxy, with lists and cache in a writable directory.
test_dual_runtime_apt_through_the_proxy() {
    local srv=$WORK/srv/apt pkg=$WORK/build/aptpkg f=lab-hello_1.0_all.deb
    mkdir -p "$srv" "$pkg/DEBIAN" "$pkg/usr/share/lab"
    printf 'Package: lab-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: lab <lab@example>\nDescription: a lab package\n' > "$pkg/DEBIAN/control"
    echo hello > "$pkg/usr/share/lab/hello"
    dpkg-deb -Zgzip --build "$pkg" "$srv/$f" >/dev/null
    { cat "$pkg/DEBIAN/control"; echo "Filename: ./$f"; echo "Size: $(stat -c %s "$srv/$f")"
      echo "SHA256: $(sha256sum "$srv/$f" | cut -d' ' -f1)"; echo; } > "$srv/Packages"
    rt_serve
    # shellcheck disable=SC2064
    trap "kill $RT_PID 2>/dev/null" EXIT
    local a=$WORK/apt
    mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
    echo "deb [trusted=yes] http://dual.test:$RT_PORT/apt ./" > "$a/sources.list"
    chmod -R a+rwX "$a"
    local opts="-o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=/nonexistent"
    opts="$opts -o Dir::State::Lists=$a/lists -o Dir::Cache=$a/cache -o Debug::NoLocking=1"
    if [ "$RUN_AS" = root ]; then
        # as root, without the option: apt's own error, which the docs explain
        # shellcheck disable=SC2086
        sb --network proxy --allow-net dual.test --allow-write "$a" -- apt-get $opts update
        expect_contains "$OUT$ERR" "setgroups" "apt as root cannot switch to _apt"
        opts="$opts -o APT::Sandbox::User=root"
    fi
    sb --network proxy --allow-net dual.test --allow-write "$a" --cwd "$a" \
        -- sh -c "apt-get $opts update && apt-get $opts download lab-hello"
    expect_eq "$RC" 0 "apt-get update and download"
    expect_not_contains "$ERR" "setgroups"
    cmp -s "$a/$f" "$srv/$f" || fail "the package did not arrive: $(ls "$a")"
}
