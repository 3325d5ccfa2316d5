# Faults (issue 14): moat SIGKILLed at every phase of its set-up, and with
# connections open, leaves nothing on the host: no process, no namespace, no
# mount, no file.  `--debug-pause-at PHASE` (a testing aid) stops the set-up
# at a named phase and renames the paused process `paused:PHASE`.

# What the host could keep from a killed moat, as this user sees it: the
# mount table (less /run/netns, which the network lab's `ip netns` manages),
# the test's own directory (moat's working directory and $HOME), and entries
# of this user in /dev/shm made since the test began.
fault_host_state() {
    grep -v ' /run/netns' /proc/self/mountinfo | sort
    find "$WORK" -mindepth 1 ! -name '.*' ! -name 'fault.*' | sort
    find /dev/shm -mindepth 1 -maxdepth 1 -user "$(id -u)" -newer "$WORK/.fault-start" 2>/dev/null
}

ns_ids() { # PID: its namespaces, as /proc/PID/ns links read (none if it cannot be inspected)
    local n
    for n in user mnt pid net ipc uts cgroup; do readlink "/proc/$1/ns/$n" || true; done
}

wait_gone() { # PID
    for _ in $(seq 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    fail "process $1 ($(cat "/proc/$1/comm" 2>/dev/null)) outlived moat"
}

# fault_kill_at PHASE MODE: moat paused at PHASE, SIGKILLed, then the checks.
fault_kill_at() {
    local phase=$1 mode=$2 mark="moat-fault-mark-$1" pid init ns cut before after
    touch "$WORK/.fault-start"
    before=$(fault_host_state)
    "$MOAT" run --network "$mode" --allow-net 198.51.100.10 --debug-pause-at "$phase" \
        -- "$ATTACK" sleep-forever "$mark" > fault.out 2>&1 &
    pid=$!
    # The supervisor pauses before the clone; the sandbox init (its child) after it.
    local who=''
    for _ in $(seq 200); do
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "paused:$phase" ]; then who=$pid; break; fi
        init=$(pgrep -P "$pid" || true)
        if [ -n "$init" ] && [ "$(cat "/proc/$init/comm" 2>/dev/null)" = "paused:$phase" ]; then
            who=$init; break
        fi
        sleep 0.05
    done
    [ -n "$who" ] || { cat fault.out; fail "moat never paused at $phase"; return; }
    init=$(pgrep -P "$pid" || true)
    ns=$([ -n "$init" ] && ns_ids "$init" 2>/dev/null || true)
    echo "paused at $phase: moat $pid, init ${init:-none}, namespaces: $(echo "$ns" | tr '\n' ' ')"
    if [ -n "$init" ] && [ -z "$ns" ]; then
        echo "(the init is not dumpable any more: its namespaces are checked in the root pass)"
    fi
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    [ -z "$init" ] || wait_gone "$init"
    expect_no_process "$mark"
    cut=$(/usr/bin/python3 "$HERE/leftovers.py" now)
    if [ -n "$ns" ]; then
        # shellcheck disable=SC2086  # one argument per namespace
        left=$(/usr/bin/python3 "$HERE/leftovers.py" holders "$cut" $ns) ||
            fail "a namespace of the killed sandbox lives on: $left"
    fi
    after=$(fault_host_state)
    [ "$before" = "$after" ] ||
        fail "the host changed: $(diff <(echo "$before") <(echo "$after") | head -n 20)"
}

test_sigkill_of_moat_before_the_clone_leaves_nothing() { fault_kill_at clone firewall; }
test_sigkill_of_moat_after_the_network_set_up_leaves_nothing() { fault_kill_at network firewall; }
test_sigkill_of_moat_during_the_nftables_load_leaves_nothing() {
    fault_kill_at nftables firewall
    fault_kill_at nftables proxy # proxy mode's trace table
}
test_sigkill_of_moat_during_the_mounts_leaves_nothing() {
    fault_kill_at mounts firewall
    fault_kill_at mounts none
}
test_sigkill_of_moat_before_the_command_starts_leaves_nothing() { fault_kill_at exec firewall; }

test_debug_pause_at_refuses_an_unknown_phase() {
    moat_run --debug-pause-at mountz -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "--debug-pause-at mountz: expected clone, network, nftables, mounts or exec"
}

# Connections through moat when it dies: the host side sees each of them
# closed at once (moat's sockets go with it) and nothing is left.
test_sigkill_of_moat_with_connections_open_leaves_nothing() {
    local p=$((40000 + RANDOM % 20000)) before after
    touch "$WORK/.fault-start"
    before=$(fault_host_state)
    cat > fault.server.py <<PY
import socket, select, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", $p)); s.listen(8)
conns, closed, end = [], 0, time.monotonic() + 30
while time.monotonic() < end and (len(conns) < 3 or closed < 3):
    r, _, _ = select.select([s] + [c for c in conns if c], [], [], 1)
    for x in r:
        if x is s:
            c = s.accept()[0]; c.sendall(b"hello\n"); conns.append(c)
            print("accepted", len(conns), flush=True)
            continue
        try:
            d = x.recv(100)
        except OSError:
            d = b""
        if d:
            x.sendall(d)
        else:
            closed += 1; conns[conns.index(x)] = None; x.close()
            print("closed", closed, flush=True)
PY
    cat > fault.client.py <<PY
import socket, time
cs = [socket.create_connection(("127.0.0.1", $p)) for _ in range(3)]
for c in cs:
    c.settimeout(10); c.recv(6); c.sendall(b"x"); c.recv(1)
print("connected moat-fault-mark-conns", flush=True)
time.sleep(60)
PY
    /usr/bin/python3 fault.server.py > fault.server.out 2>&1 &
    local server=$!
    sleep 0.3
    "$MOAT" run --network proxy --host-port "$p" -- /usr/bin/python3 "$WORK/fault.client.py" \
        moat-fault-mark-conns > fault.client.out 2>&1 &
    local pid=$!
    for _ in $(seq 200); do grep -q connected fault.client.out && break; sleep 0.05; done
    grep -q connected fault.client.out || fail "the connections never opened: $(cat fault.client.out)"
    local init; init=$(pgrep -P "$pid" || true)
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    for _ in $(seq 100); do grep -q "closed 3" fault.server.out && break; sleep 0.05; done
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    cat fault.server.out
    expect_contains "$(cat fault.server.out)" "closed 3" "the host side of the three connections"
    [ -z "$init" ] || wait_gone "$init"
    expect_no_process moat-fault-mark-conns
    after=$(fault_host_state)
    [ "$before" = "$after" ] ||
        fail "the host changed: $(diff <(echo "$before") <(echo "$after") | head -n 20)"
}

# A writable tree on a full filesystem: the workload gets ENOSPC, moat goes on (the write
# guard still refuses a protected name, the private /tmp still works), its log on the same
# full filesystem cannot be written and it says so once, and once there is room again the
# log is written again.  Root pass only: the small tmpfs is mounted by root in a private
# mount namespace and moat then runs in it as root and as uid 65534.  (A tmpfs uid 65534
# could mount itself would live in a user namespace of its own, where moat would not be the
# unprivileged moat this is about.)
test_writable_tree_on_a_full_filesystem() {
    need_root || { echo "root pass only: see the comment above"; return 0; }
    mkdir -p "$WORK/fs"
    chmod 0755 "$WORK"
    cat > fs.workload.sh <<'SH'
fs=$1 attack=$2 moat_err=$3
"$attack" fill "$fs/tree/filler" 1048576
echo private-tmp > /tmp/t && cat /tmp/t
mkdir "$fs/tree/.git/hooks" 2>&1 | grep -o "Read-only file system"
# The supervisor logs the refusal a moment later: the disk stays full until it has tried.
for _ in $(seq 200); do grep -q "cannot write to the --log file" "$moat_err" && break; sleep 0.05; done
rm "$fs/tree/filler"
sleep 1.1 # the same refusal again within a second is not logged again
mkdir "$fs/tree/.git/hooks" 2>&1 | grep -o "Read-only file system"
exit 7
SH
    chmod 0644 fs.workload.sh
    local who uid
    for who in root nobody; do
        uid=$([ "$who" = root ] && echo 0 || echo 65534)
        rm -f fs.out fs.err fs.log
        unshare --mount --propagation private bash -c '
            set -e
            fs=$1 uid=$2 attack=$3 moat=$4 copy=$5
            mount -t tmpfs -o size=256k,mode=0755 tmpfs "$fs"
            mkdir -p "$fs/tree/.git" "$fs/logs"
            chown -R "$uid:$uid" "$fs"
            run() { if [ "$uid" = 0 ]; then "$@"; else setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; fi; }
            rc=0
            run "$moat" run --allow-write "$fs/tree" --log "$fs/logs/refusals.log" -- \
                sh "$(dirname "$copy")/fs.workload.sh" "$fs" "$attack" "$(dirname "$copy")/fs.err" || rc=$?
            cp "$fs/logs/refusals.log" "$copy"
            exit "$rc"
        ' _ "$WORK/fs" "$uid" "$ATTACK" "$MOAT" "$WORK/fs.log" > fs.out 2> fs.err && rc=0 || rc=$?
        echo "[$who] rc=$rc out=[$(cat fs.out)] err=[$(cat fs.err)] log=[$(cat fs.log)]"
        expect_eq "$rc" 7 "[$who] the workload's status"
        expect_eq "$(cat fs.out)" "ENOSPC
private-tmp
Read-only file system
Read-only file system" "[$who] what the workload saw"
        [ "$(grep -c 'cannot write to the --log file: No space left on device' fs.err)" = 1 ] ||
            fail "[$who] the full log was not said exactly once"
        expect_contains "$(cat fs.err)" "moat: refused create $WORK/fs/tree/.git/hooks" \
            "[$who] refusals still told"
        # The refusal made while the disk was full is not in the log; the one after is.
        [ "$(grep -c '"kind":"file"' fs.log)" = 1 ] || fail "[$who] the log: $(cat fs.log)"
        expect_contains "$(tail -n 1 fs.log)" "\"destination\":\"$WORK/fs/tree/.git/hooks\""
    done
}
