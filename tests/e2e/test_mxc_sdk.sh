# The real client: Microsoft's @microsoft/mxc-sdk 1.0.1 (from the npm
# registry, tests/mxc/sdk_install.sh) drives moat in-process, loading
# libmxc_ffi.so from $MXC_FFI_DIR as it loads mxc's own: run(), spawn()
# (streaming, kill, timeout), spawnWithPty(), its typed errors and its
# warnings, through tests/e2e/mxc_sdk_v1_driver.mjs under Debian's Node.

# sdk SCENARIO [ARG]: OUT is the driver's JSON line, ERR its stderr.
sdk() {
    local dir=${MXC_SDK_1_0_1:-}
    if [ -z "$dir" ]; then
        # run_all.sh installs it as root before the unprivileged pass.
        dir=$("$HERE/../mxc/sdk_install.sh" 1.0.1) ||
            { fail "no @microsoft/mxc-sdk 1.0.1: set MXC_SDK_1_0_1 or run as root"; return 1; }
    fi
    RC=0
    # Node cannot load a sanitizer build: the sanitizer pass names a release one.
    OUT=$(MXC_FFI_DIR=${MXC_SDK_FFI_DIR:-$(dirname "$MXC_FFI")} /usr/bin/node "$HERE/mxc_sdk_v1_driver.mjs" "$dir" "$@" \
          2>"$WORK/sdk.err") || RC=$?
    ERR=$(cat "$WORK/sdk.err")
    echo "+ node mxc_sdk_v1_driver.mjs $* -> $RC; out=[$OUT] err=[$ERR]"
}

# json EXPR: a field of OUT, Python syntax on `o` (the parsed line).
json() {
    printf '%s' "$OUT" | python3 -c "import json, sys; o = json.loads(sys.stdin.read()); print(json.dumps($1))"
}

test_mxc_sdk_run_captures_output_and_status() {
    sdk run
    expect_eq "$RC" 0 node
    expect_eq "$OUT" '{"stdout":"out\n","stderr":"err\n","exitCode":3,"timedOut":false,"warnings":[]}'
}

test_mxc_sdk_run_times_out() {
    sdk run-timeout
    expect_eq "$OUT" '{"stdout":"","stderr":"","exitCode":-1,"timedOut":true,"warnings":[],"quick":true}'
}

test_mxc_sdk_spawn_streams_stdin_and_stdout() {
    sdk stream
    expect_eq "$OUT" '{"first":true,"second":true,"stdout":"got one\ngot two\ngot bye\n","stderr":"fin\n","exitCode":6,"timedOut":false,"id":true}'
}

test_mxc_sdk_spawn_kill_and_timeout() {
    sdk kill
    expect_eq "$OUT" '{"started":true,"exitCode":-1,"timedOut":false,"quick":true}'
    sdk spawn-timeout
    expect_eq "$OUT" '{"exitCode":-1,"timedOut":true}'
}

test_mxc_sdk_spawn_with_pty() {
    sdk pty
    expect_eq "$OUT" '{"sized":true,"resized":true,"output":"/dev/pts/0\n33 99\nhello\ngot hello\n44 111\n","exitCode":2,"timedOut":false}'
    sdk pty-eof
    expect_eq "$OUT" '{"ended":true,"exitCode":0,"timedOut":false}'
}

test_mxc_sdk_refused_config_is_a_typed_error_with_moats_message() {
    sdk refused '{"command":"true","filesystem":{"readonlyPaths":["relative/path"]}}'
    expect_eq "$(json '[o["isMxcError"], o["code"], o["details"]]')" \
        '[true, "policy_validation", {"ffiStatus": 11}]'
    expect_contains "$(json 'o["message"]')" '$.filesystem.readonlyPaths[0]: not an absolute path'
    # An egress rule the loader cannot read: mxc's malformed_request.
    sdk refused '{"command":"true","network":{"egress":{"default":"deny","allow":[{"to":[{"cidr":"example.com"}]}]}}}'
    expect_eq "$(json 'o["code"]')" '"malformed_request"'
    expect_contains "$(json 'o["message"]')" 'cidr'
}

test_mxc_sdk_warnings_reach_the_sdk() {
    # run(): in the result, with what moat refused while it ran.
    d=$(dirname "$ATTACK")
    sdk run-request "{\"command\":\"$ATTACK fetch 203.0.113.9 80\",\"ui\":{\"disable\":false},\"filesystem\":{\"readonlyPaths\":[\"$d\"]},\"network\":{\"egress\":{\"default\":\"deny\",\"allow\":[{\"to\":[{\"cidr\":\"198.51.100.7/32\"}],\"ports\":[{\"port\":80}]}]}}}"
    expect_eq "$(json 'o["stdout"]')" '"ECONNREFUSED\n"'
    expect_contains "$(json 'o["warnings"]')" '$.ui: ignored: the UI policy is Windows-only'
    expect_contains "$(json 'o["warnings"]')" 'moat: blocked connection to 203.0.113.9:80'
    # spawn(): this SDK cannot read them from the handle (docs/compat-mxc.md),
    # so they lead the command's stderr, as under `moat run`.
    sdk spawn-warnings '{"command":"echo out; echo err >&2","ui":{"disable":false}}'
    expect_eq "$(json '[o["before"], o["after"], o["stdout"], o["exitCode"]]')" '[[], [], "out\n", 0]'
    expect_eq "$(json 'o["stderr"]' | sed 's/request:1:[0-9]*: //')" \
        '"moat: warning: $.ui: ignored: the UI policy is Windows-only; the sandbox has no display, clipboard or input-injection access (AF_UNIX sockets are refused, so no X11 or Wayland socket either)\nerr\n"'
}

test_mxc_sdk_policy_and_environment_are_the_requests() {
    # The SDK's filesystem, network and environment, enforced as asked:
    # no more (the caller's secret, an unlisted file, the host's loopback),
    # no less (the listed and writable paths, the request's variable).
    mkdir -p rw ro unlisted
    echo data > ro/file; echo hidden > unlisted/file
    port=$((40000 + RANDOM % 20000))
    "$ATTACK" serve 127.0.0.1 "$port" > "$WORK/serve.out" 2>&1 &
    server=$!
    sleep 0.2
    d=$(dirname "$ATTACK")
    cmd="cat $WORK/ro/file; $ATTACK read $WORK/unlisted/file; $ATTACK write $WORK/ro/new; $ATTACK write $WORK/rw/new; $ATTACK fetch 127.0.0.1 $port; echo token=\$TOKEN secret=\$MOAT_SDK_SECRET"
    MOAT_SDK_SECRET=from-the-caller sdk run-request "{\"command\":\"$cmd\",\"filesystem\":{\"readonlyPaths\":[\"$WORK/ro\",\"$d\"],\"readwritePaths\":[\"$WORK/rw\"]},\"network\":{\"egress\":{\"default\":\"deny\"}},\"environment\":{\"TOKEN\":\"t-42\"}}"
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    expect_eq "$(json 'o["stdout"]')" '"data\nENOENT\nEROFS\nok\nECONNREFUSED\ntoken=t-42 secret=\n"'
    [ -e rw/new ] || fail "rw/new was not written"
}
