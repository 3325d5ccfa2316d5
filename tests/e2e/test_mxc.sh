# End-to-end tests of mxc compatibility: moat as mxc's lxc-exec executor
# (`moat mxc`, or moat called lxc-exec) and `moat check` of mxc configs.

# mxc_exec CONFIG_JSON [OPTIONS...]: run lxc-exec --config-base64 with the
# config; OUT, ERR, RC as moat_run sets them.
mxc_exec() {
    local cfg=$1 o e; shift
    mkdir -p "$WORK/bin/x64"
    ln -sf "$MOAT" "$WORK/bin/x64/lxc-exec"
    o=$(mktemp) e=$(mktemp)
    RC=0
    "$WORK/bin/x64/lxc-exec" --config-base64 "$(printf '%s' "$cfg" | base64 -w0)" "$@" \
        >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ lxc-exec $cfg $* -> $RC; out=[$OUT] err=[$ERR]"
}

# The envelope line on stderr, as the SDKs read it: "CODE|MESSAGE".
envelope() {
    printf '%s\n' "$ERR" | python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        e = json.loads(line)["error"]
        assert set(e) == {"code", "message"}, e
        print(e["code"] + "|" + e["message"]); break'
}

mxc_free_port() { echo $((40000 + RANDOM % 20000)); }

test_mxc_status_passes_through() {
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"echo out; echo err >&2; exit 7"}}'
    expect_eq "$RC" 7 status
    expect_eq "$OUT" out stdout
    expect_eq "$ERR" err stderr
    # The same as `moat mxc`, and from the oldest contract.
    RC=0
    OUT=$("$MOAT" mxc --config-base64 "$(printf '%s' '{"version":"0.6.0-alpha","process":{"commandLine":"echo $((6*7))"}}' | base64 -w0)") || RC=$?
    expect_eq "$RC" 0 "moat mxc status"
    expect_eq "$OUT" 42 "moat mxc stdout"
}

test_mxc_runs_sandboxed() {
    # The same sandbox as moat run: its own pid namespace, no capabilities, seccomp.
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"grep -E \"^(CapEff|Seccomp):\" /proc/self/status | tr -s \"\\t \" \" \"; ls /proc | grep -c \"^[0-9]\""}}'
    expect_eq "$RC" 0 status
    expect_contains "$OUT" "CapEff: 0000000000000000"
    expect_contains "$OUT" "Seccomp: 2"
    n=$(printf '%s\n' "$OUT" | tail -n 1)
    [ "$n" -le 5 ] || fail "the sandbox sees $n processes: not its own pid namespace"
}

test_mxc_filesystem_is_the_listed_model() {
    mkdir -p rw ro denied/inner unlisted
    echo secret > denied/inner/key
    echo hidden > unlisted/file
    echo data > ro/file
    cfg=$(printf '{"version":"1.0.0","process":{"commandLine":"echo w > %s/rw/new && echo rw-ok; echo x > %s/ro/file || echo ro-refused; cat %s/denied/inner/key || echo denied-hidden; cat %s/unlisted/file || echo unlisted-absent; cat %s/ro/file"},"filesystem":{"readwritePaths":["%s/rw","%s/denied"],"readonlyPaths":["%s/ro"],"deniedPaths":["%s/denied/inner"]}}' \
        "$WORK" "$WORK" "$WORK" "$WORK" "$WORK" "$WORK" "$WORK" "$WORK" "$WORK")
    mxc_exec "$cfg"
    expect_eq "$RC" 0 status
    expect_contains "$OUT" rw-ok
    expect_contains "$OUT" ro-refused
    expect_contains "$OUT" denied-hidden
    expect_contains "$OUT" unlisted-absent
    expect_contains "$OUT" data "read-only file readable"
    expect_eq "$(cat rw/new)" w "the write reached the host"
    expect_eq "$(cat ro/file)" data "the read-only file is unchanged"
}

test_mxc_environment_is_process_env_up_to_0_8() {
    export MOAT_E2E_MARK=from-the-caller
    mxc_exec '{"version":"0.8.0-alpha","process":{"commandLine":"env","env":["A=1","B=x=y","A=2"]}}'
    expect_eq "$RC" 0 status
    expect_contains "$OUT" "A=2"
    expect_contains "$OUT" "B=x=y"
    expect_not_contains "$OUT" "A=1"
    expect_not_contains "$OUT" MOAT_E2E_MARK
    expect_not_contains "$OUT" "HOME="
    # From 0.9 an omitted env means the defaults (moat's: HOME, PATH, ... from
    # the caller), still never the caller's other variables.
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"env"}}'
    expect_contains "$OUT" "HOME=$HOME"
    expect_not_contains "$OUT" MOAT_E2E_MARK
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"env","env":["C=3"],"inheritDefaultEnv":true}}'
    expect_contains "$OUT" "HOME=$HOME"
    expect_contains "$OUT" "C=3"
}

test_mxc_cwd() {
    mkdir -p proj
    cfg=$(printf '{"version":"1.0.0","process":{"commandLine":"pwd","cwd":"%s/proj"},"filesystem":{"readonlyPaths":["%s/proj"]}}' "$WORK" "$WORK")
    mxc_exec "$cfg"
    expect_eq "$OUT" "$WORK/proj" "process.cwd"
    # Without cwd: the caller's directory when the sandbox shows it, else /.
    cfg=$(printf '{"version":"1.0.0","process":{"commandLine":"pwd"},"filesystem":{"readonlyPaths":["%s"]}}' "$WORK")
    mxc_exec "$cfg"
    expect_eq "$OUT" "$WORK" "the caller's directory"
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"pwd"}}'
    expect_eq "$OUT" / "not visible: /"
}

test_mxc_error_envelope() {
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"touch ran"},"bogus":1}'
    expect_eq "$RC" 255 status
    expect_eq "$(envelope)" "malformed_request|--config-base64:1:58: \$.bogus: unknown field (expected one of: \$schema, _comment, version, containerId, containment, lifecycle, process, filesystem, fallback, network, ui, processContainer, lxc, seatbelt, runtimeConfig, telemetry, wslc)"
    [ ! -e ran ] || fail "the command ran"
    expect_contains "$ERR" "moat: --config-base64:1:58: \$.bogus: unknown field" "human line"

    mxc_exec '{"version":"1.0.0","containment":"wslc","process":{"commandLine":"touch ran"}}'
    expect_eq "$RC" 255 status
    expect_contains "$(envelope)" "unsupported_containment|--config-base64:1:34: \$.containment: \"wslc\""
    mxc_exec '{"version":"1.0.0","phase":"exec","sandboxId":"a:1","process":{"commandLine":"x"}}'
    expect_contains "$(envelope)" "unsupported_phase|"
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"x"},"runtimeConfig":{"networkProxy":"http://127.0.0.1:1"},"network":{"egress":{"default":"allow"}}}'
    expect_contains "$(envelope)" "policy_validation|"
    mxc_exec '{"process":{"commandLine":"touch ran"}}'
    expect_contains "$(envelope)" "malformed_request|--config-base64:1:1: \$: missing required field \"version\""
    [ ! -e ran ] || fail "the command ran"

    # Not base64, no config, an unknown option: malformed requests too.
    RC=0; ERR=$("$MOAT" mxc --config-base64 'not base64!' 2>&1 >/dev/null) || RC=$?
    expect_eq "$RC" 255 status
    expect_contains "$(envelope)" "malformed_request|--config-base64: not valid base64"
    RC=0; ERR=$("$MOAT" mxc 2>&1 >/dev/null) || RC=$?
    expect_contains "$(envelope)" "malformed_request|no config given"
    RC=0; ERR=$("$MOAT" mxc --delete --containername x 2>&1 >/dev/null) || RC=$?
    expect_contains "$(envelope)" "malformed_request|unknown option --delete"
}

test_mxc_timeout_is_an_error() {
    mxc_exec '{"version":"0.6.0-alpha","process":{"commandLine":"echo before; sleep 30; echo after","timeout":400}}'
    expect_eq "$RC" 255 status
    expect_eq "$OUT" before
    expect_eq "$(envelope)" "backend_error|script timed out after 400ms"
    # A workload that exits 124 itself is not a timeout.
    mxc_exec '{"version":"0.6.0-alpha","process":{"commandLine":"exit 124","timeout":30000}}'
    expect_eq "$RC" 124 "status of exit 124"
    expect_eq "$ERR" "" "stderr of exit 124"
}

test_mxc_dry_run_runs_nothing() {
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"touch ran"}}' --dry-run --debug --experimental --allow-testing-features
    expect_eq "$RC" 0 status
    expect_eq "$OUT" "Dry run completed. Result: validation passed"
    expect_contains "$ERR" '"read": "listed"' "--debug shows the moat policy"
    [ ! -e ran ] || fail "the command ran"
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"touch ran"},"lxc":{}}' --dry-run
    expect_eq "$RC" 255 status
    expect_contains "$OUT" "Dry run completed. Result: validation failed: --config-base64:1:64: \$.lxc: missing required field \"distribution\""
    expect_contains "$(envelope)" "malformed_request|"
    [ ! -e ran ] || fail "the command ran"
}

test_mxc_available_backends() {
    RC=0
    OUT=$("$MOAT" mxc --available-backends) || RC=$?
    expect_eq "$RC" 0 status
    got=$(printf '%s' "$OUT" | python3 -c '
import json, sys
b = json.load(sys.stdin)
assert isinstance(b, list) and len(b) == 1, b
assert b[0]["backend"] == "bubblewrap", b
assert "filesystemDeniedPaths" in b[0]["capabilities"], b
assert all(isinstance(w, str) for w in b[0].get("warnings", [])), b
print("ok", "proxyEnforcement" in b[0]["capabilities"])')
    # This host runs moat (the rest of the suite proves it), network namespaces included.
    expect_eq "$got" "ok True" "backends report"
}

test_mxc_warnings_reach_stderr_and_the_log() {
    mxc_exec '{"version":"1.0.0","process":{"commandLine":"echo hi"},"ui":{"clipboard":"all"},"containment":"seatbelt"}' --log-file "$WORK/mxc.log"
    expect_eq "$RC" 0 status
    expect_eq "$OUT" hi
    expect_contains "$ERR" "moat: warning: --config-base64:1:56: \$.ui: ignored: the UI policy is Windows-only"
    expect_contains "$ERR" "moat: warning: --config-base64:1:81: \$.containment: \"seatbelt\" (macOS Seatbelt) runs in moat's process sandbox"
    expect_contains "$(cat mxc.log)" "warning: --config-base64:1:56: \$.ui"
    expect_contains "$(cat mxc.log)" "workload exited with status 0"
}

test_mxc_runtime_proxy_reaches_that_port_only() {
    p=$(mxc_free_port)
    adir=$(dirname "$ATTACK")
    timeout 10 "$ATTACK" serve 127.0.0.1 "$p" > host.out 2>&1 &
    pid=$!
    timeout 10 "$ATTACK" serve 127.0.0.1 $((p + 1)) > other.out 2>&1 &
    pid2=$!
    for _ in $(seq 100); do grep -q listening host.out 2>/dev/null && grep -q listening other.out 2>/dev/null && break; sleep 0.05; done
    # The proxy's port over IPv6 inside (the host side is IPv4), then another
    # port of the host's loopback, which has a server too.
    cfg=$(printf '{"version":"1.0.0","process":{"commandLine":"echo $HTTPS_PROXY; %s fetch ::1 %s; %s fetch 127.0.0.1 %s"},"filesystem":{"readonlyPaths":["%s"]},"runtimeConfig":{"networkProxy":"http://localhost:%s"}}' \
        "$ATTACK" "$p" "$ATTACK" $((p + 1)) "$adir" "$p")
    mxc_exec "$cfg"
    kill "$pid" "$pid2" 2>/dev/null; wait "$pid" "$pid2" 2>/dev/null || true
    expect_eq "$(printf '%s\n' "$OUT" | sed -n 1p)" "http://localhost:$p" "proxy variable"
    expect_eq "$(printf '%s\n' "$OUT" | sed -n 2p)" "hello from the sandbox" "the proxy's port"
    expect_eq "$(printf '%s\n' "$OUT" | sed -n 3p)" ECONNREFUSED "another host loopback port"
    expect_eq "$(cat other.out)" listening "the other server had no client"
}

test_mxc_check_reads_mxc_configs() {
    cat > cfg.json <<'EOF'
{
  "version": "0.7.0-alpha",
  "process": {"commandLine": "true"},
  "network": {"defaultPolicy": "block", "enforcementMode": "firewall",
              "allowedHosts": ["api.example.com", "127.0.0.1"]}
}
EOF
    RC=0
    OUT=$("$MOAT" check cfg.json 2>err.txt) || RC=$?
    expect_eq "$RC" 0 status
    expect_contains "$OUT" '"mode": "firewall"'
    expect_contains "$OUT" '"api.example.com"'
    expect_contains "$OUT" '"read": "listed"'
    expect_contains "$(cat err.txt)" "moat: warning: cfg.json:5:51: \$.network.allowedHosts[1]: \"127.0.0.1\" is left out"
    # The printed policy is a moat policy: moat check reads it back.
    printf '%s\n' "$OUT" > effective.json
    "$MOAT" check effective.json > /dev/null || fail "effective policy refused"
    # Forced formats.
    RC=0; "$MOAT" check --format moat cfg.json > /dev/null 2>err.txt || RC=$?
    expect_eq "$RC" 125 "as a moat policy"
    expect_contains "$(cat err.txt)" "cfg.json:2:3: \$.version: unknown key"
    RC=0; "$MOAT" check --format mxc effective.json > /dev/null 2>err.txt || RC=$?
    expect_eq "$RC" 125 "a moat policy as mxc"
    expect_contains "$(cat err.txt)" "missing required field \"version\""
    echo '{"version":"1.0.0","process":{"commandLine":"x"},"network":{"egress":{"allow":[{"to":[{"cidr":"10.0.0.1/8"}]}]}}}' > bad.json
    RC=0; "$MOAT" check bad.json > /dev/null 2>err.txt || RC=$?
    expect_eq "$RC" 125 "bad mxc config"
    expect_contains "$(cat err.txt)" "bad.json:1:95: \$.network.egress.allow[0].to[0].cidr: host bits are set"
}

test_mxc_config_is_wiped_from_the_executor_command_line() {
    # The SDK puts the whole config, environment values included, on
    # lxc-exec's command line; any local user can read /proc/PID/cmdline.
    b64=$(printf '%s' '{"version":"0.6.0-alpha","process":{"commandLine":"sleep 3","env":["TOKEN=s3cret-value"]}}' | base64 -w0)
    "$MOAT" mxc --config-base64 "$b64" &
    pid=$!
    sleep 1
    cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline")
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    expect_contains "$cmdline" "--config-base64" "the executor's command line"
    expect_not_contains "$cmdline" "${b64:0:40}" "the executor's command line"
}
