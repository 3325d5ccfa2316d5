# Landlock isolation attacked directly (docs/security.md, "Isolation
# modes"): what a workload without namespaces around it would try first,
# each checked for the errno of the layer that refuses it.

ll_run() { moat_run --isolation landlock "$@"; }

# A small Python helper for calls the attacker binary does not make.
py() { ll_run "${MOAT_OPTS[@]}" -- python3 -c "$1"; }

test_landlock_denyread_unreadable_by_every_door() {
    mkdir -p home/.ssh proj
    echo SECRET > home/.ssh/id
    MOAT_OPTS=(--allow-write "$WORK/home" --deny-read "$WORK/home/.ssh")
    ll_run "${MOAT_OPTS[@]}" -- "$ATTACK" read "$WORK/home/.ssh/id"
    expect_eq "$OUT" EACCES "read"
    ll_run "${MOAT_OPTS[@]}" -- "$ATTACK" read "/proc/self/root$WORK/home/.ssh/id"
    expect_eq "$OUT" EACCES "read through /proc/self/root"
    ll_run "${MOAT_OPTS[@]}" -- "$ATTACK" link "$WORK/home/.ssh/id" "$WORK/home/copy"
    expect_eq "$OUT" EROFS "hard link out of the hidden tree"
    ll_run "${MOAT_OPTS[@]}" -- "$ATTACK" rename "$WORK/home/.ssh" "$WORK/home/open"
    expect_eq "$OUT" EROFS "rename of the hidden tree"
    ll_run "${MOAT_OPTS[@]}" -- "$ATTACK" write "$WORK/home/.ssh/id"
    expect_eq "$OUT" EROFS "overwrite of hidden data"
    ll_run "${MOAT_OPTS[@]}" -c "cat $WORK/home/.ssh/id $WORK/home/copy $WORK/home/open/id 2>&1; true"
    expect_not_contains "$OUT" SECRET
    expect_eq "$(cat home/.ssh/id)" SECRET "the data on the host"
    # What it cannot do: the denied name is still listed in its parent's
    # entries... except that the parent cannot be listed at all.
    ll_run "${MOAT_OPTS[@]}" -c "ls $WORK/home >/dev/null 2>&1 && echo listed || echo unlisted"
    expect_eq "$OUT" unlisted "the parent of a denied path"
}

test_landlock_modes_and_attributes_only_in_writable_trees() {
    mkdir -p proj outside
    echo x > proj/f; echo y > outside/g; chmod 0644 outside/g
    MOAT_OPTS=(--allow-write "$WORK/proj")
    py "import os; os.chmod('$WORK/proj/f', 0o600); print('ok')"
    expect_eq "$OUT" ok "chmod inside allowWrite"
    py "
import os, errno
for f in (lambda: os.chmod('$WORK/outside/g', 0o666),
          lambda: os.setxattr('$WORK/outside/g', 'user.moat', b'1'),
          lambda: os.setxattr('$WORK/outside/g', 'system.posix_acl_access', b'\x02\x00\x00\x00'),
          lambda: os.chown('$WORK/outside/g', os.getuid(), os.getgid())):
    try: f(); print('allowed')
    except OSError as e: print(errno.errorcode[e.errno])
"
    expect_eq "$(echo $OUT)" "EROFS EROFS EROFS EROFS" "chmod, xattr, ACL, chown outside"
    expect_eq "$(stat -c %a outside/g)" 644 "the mode on the host"
    py "import os; fd = os.open('$WORK/outside/g', os.O_RDONLY); os.fchmod(fd, 0o666)"
    expect_contains "$ERR" "Read-only file system" "fchmod on a read-only descriptor"
    expect_eq "$(stat -c %a outside/g)" 644 "the mode on the host after fchmod"
}

test_landlock_proc_sys_is_not_writable_as_root() {
    [ "$ROOT_RUN" = 1 ] || return 0
    ll_run -- "$ATTACK" write /proc/sys/kernel/core_pattern
    expect_eq "$OUT" EACCES "core_pattern"
    ll_run -- "$ATTACK" write /dev/sda
    expect_contains "EACCES ENOENT" "$OUT" "a disk device"
}

test_landlock_network_none_has_no_ip_sockets() {
    ll_run -- "$ATTACK" inet-socket
    expect_eq "$OUT" EAFNOSUPPORT "IPv4"
    ll_run -- "$ATTACK" socket 10 1 0
    expect_eq "$OUT" EAFNOSUPPORT "IPv6"
    ll_run -- "$ATTACK" socket 16 3 0
    expect_eq "$OUT" EAFNOSUPPORT "netlink"
    ll_run -- "$ATTACK" unix-socketpair
    expect_eq "$OUT" ok "a Unix socketpair"
}

# A TCP server of the host's on loopback, for the connect tests.
start_host_server() { # PORT
    python3 -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $1)); s.listen(8); print('up', flush=True)
while True:
    c, _ = s.accept(); c.sendall(b'host-secret\n'); c.close()
" > "$WORK/server.out" &
    SERVER=$!
    for _ in $(seq 50); do grep -q up "$WORK/server.out" 2>/dev/null && return 0; sleep 0.05; done
    fail "the host's server did not start"
}

test_landlock_proxy_mode_reaches_only_the_proxy() {
    local port=18191
    start_host_server $port
    MOAT_OPTS=(--network proxy --allow-net example.com)
    py "
import socket, errno, os
def attempt(what, f):
    try: f(); print(what, 'allowed')
    except OSError as e: print(what, errno.errorcode.get(e.errno, e.errno))
def conn(addr, fam=socket.AF_INET):
    s = socket.socket(fam); s.settimeout(2); s.connect(addr); s.close()
port = int(os.environ['HTTP_PROXY'].rsplit(':', 1)[1])
attempt('host-loopback', lambda: conn(('127.0.0.1', $port)))
attempt('proxy-port-elsewhere', lambda: conn(('198.51.100.7', port)))
attempt('proxy', lambda: conn(('127.0.0.1', port)))
attempt('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
attempt('fastopen', lambda: socket.socket().sendto(b'x', 0x20000000, ('127.0.0.1', port)))
attempt('dns', lambda: socket.getaddrinfo('example.com', 443))
"
    kill "$SERVER" 2>/dev/null || true
    expect_contains "$OUT" "host-loopback EACCES"
    expect_contains "$OUT" "proxy-port-elsewhere EACCES"
    expect_contains "$OUT" "proxy allowed"
    expect_contains "$OUT" "udp EPERM"
    expect_contains "$OUT" "fastopen EPERM"
    expect_not_contains "$OUT" "dns allowed"
    expect_contains "$ERR" "refused connect 127.0.0.1:$port"
    # The proxy is on the host's loopback: its credential keeps other local
    # processes (here, the test itself) out.
    mkdir -p rw
    "$MOAT" run --isolation landlock "${MOAT_OPTS[@]}" --allow-write "$WORK/rw" \
        -c 'echo "${HTTP_PROXY##*:}" > '"$WORK/rw/port"'; sleep 2' &
    local runner=$!
    for _ in $(seq 60); do [ -s rw/port ] && break; sleep 0.05; done
    local answer
    answer=$(python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', $(cat rw/port)), timeout=2)
s.sendall(b'CONNECT example.com:443 HTTP/1.1\\r\\nHost: example.com:443\\r\\n\\r\\n')
print(s.recv(200).split(b'\\r\\n')[0].decode())")
    wait "$runner" || true
    expect_contains "$answer" "407" "the proxy, asked without the credential"
}

test_landlock_host_ports_only_on_loopback() {
    local port=18192
    start_host_server $port
    ll_run --host-port $port -- "$ATTACK" fetch 127.0.0.1 $port
    expect_eq "$OUT" host-secret "the host port"
    ll_run --host-port $((port + 1)) -- "$ATTACK" fetch 127.0.0.1 $port
    kill "$SERVER" 2>/dev/null || true
    expect_eq "$OUT" EACCES "a host port not listed"
    expect_contains "$ERR" "refused connect 127.0.0.1:$port"
}

test_landlock_refuses_what_needs_namespaces() {
    for opt in "--network firewall" "--allow-local-binding" "--expose 18193" "--tmp-size 4M"; do
        # shellcheck disable=SC2086
        ll_run $opt -c "touch $WORK/ran"
        expect_eq "$RC" 125 "$opt"
        expect_contains "$ERR" 'not available with isolation "landlock"' "$opt"
    done
    [ ! -e ran ] || fail "a refused run ran the command"
}

test_landlock_whole_tree_is_killed() {
    ll_run -c 'setsid sh -c "sleep 313.61 & sleep 313.62" & (sleep 313.63 &); echo started'
    expect_eq "$OUT" started
    expect_no_process 'sleep 313.6'
    ll_run --timeout 0.5 -c 'setsid sleep 313.64 & sleep 313.65'
    expect_eq "$RC" 124
    expect_no_process 'sleep 313.6'
    # The init shares the command's Landlock domain; a scope layer of the
    # command's own keeps it from killing the init (and the tree's end).
    ll_run -c 'kill -9 $PPID 2>&1; echo rc=$?'
    expect_contains "$OUT" "rc=1"
    expect_contains "$OUT" "Operation not permitted"
}

test_landlock_supervisor_killed_takes_the_tree() {
    "$MOAT" run --isolation landlock -c 'sleep 313.66 & sleep 313.67' &
    local sup=$!
    wait_for_process 'sleep 313.67'
    kill -9 "$sup"
    wait "$sup" 2>/dev/null || true
    expect_no_process 'sleep 313.6'
}

test_landlock_tmpdir_is_private_and_removed() {
    mkdir keep; echo mine > keep/f
    ll_run -c 'echo "$TMPDIR"; touch "$TMPDIR/x" && ln -s '"$WORK/keep"' "$TMPDIR/link" &&
        mkdir -p "$TMPDIR/d/e" && chmod 000 "$TMPDIR/d" && echo made; touch /tmp/moat-ll-mark 2>&1 || true'
    local dir; dir=$(echo "$OUT" | head -1)
    expect_contains "$OUT" made
    expect_contains "$dir" /tmp/moat-run.
    [ ! -e "$dir" ] || fail "the run's TMPDIR $dir is left behind"
    expect_eq "$(cat keep/f)" mine "a symlink's target after the clean-up"
    expect_contains "$OUT" "Permission denied" "the host's /tmp"
    [ ! -e /tmp/moat-ll-mark ] || { rm -f /tmp/moat-ll-mark; fail "the host's /tmp was writable"; }
}

test_landlock_ptrace_and_signals_outside_are_refused() {
    sleep 313.68 &
    local victim=$!
    ll_run -- "$ATTACK" ptrace "$victim"
    expect_eq "$OUT" EPERM "ptrace of a host process"
    ll_run -- "$ATTACK" kill "$victim" 15
    expect_eq "$OUT" EPERM "kill of a host process"
    kill "$victim"
}
