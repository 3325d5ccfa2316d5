# libmxc_ffi.so, mxc's in-process ABI, through a C caller that loads it by
# path as the SDK does (tests/e2e/mxc_ffi_client.c): every function, the
# handle rules (threads, freed handles, a free during a wait), the pty
# relay, mxc's status codes with moat's messages; and workloads that try
# to get out: the policy the request asks for is the one enforced.

ffi() { # SCENARIO [ARGS...]: run the client; OUT, ERR, RC
    OUT=$("$MXC_FFI_CLIENT" "$MXC_FFI" "$@" 2>"$WORK/ffi.err") && RC=0 || RC=$?
    ERR=$(cat "$WORK/ffi.err")
    echo "+ mxc_ffi_client $* -> $RC; out=[$OUT] err=[$ERR]"
}

ffi_run() { # REQUEST_JSON: mxc_run_json; OUT has status, exit, stdout, stderr, warnings
    printf '%s' "$1" > "$WORK/request.json"
    ffi run "$WORK/request.json"
}

line_of() { # PREFIX: the first line of OUT starting with "PREFIX "
    printf '%s\n' "$OUT" | sed -n "s/^$1 //p" | head -n 1
}

# The SDK's request for a command, as 1.0.1 writes it; more members after.
sdk_request() { # COMMAND_LINE [MEMBERS]
    printf '{"version":"1.0.0","containerId":"0123abcd","containment":"process","lifecycle":{"destroyOnExit":true,"preservePolicy":false},"process":{"commandLine":"%s","timeout":0}%s}' \
        "$1" "${2:+,$2}"
}

test_mxc_ffi_exports_exactly_what_the_sdk_binds() {
    # The names SDK 1.0.1's dist/bindings bind, and mxc_version (native-library.js).
    want="mxc_available_backends_json mxc_error_detail_free mxc_exec_state_aware_json
mxc_native_pipe_close mxc_probe_request_json_with_error mxc_run_json mxc_run_result_free
mxc_run_state_aware_exec_json mxc_run_state_aware_json mxc_sandbox_free mxc_sandbox_id
mxc_sandbox_kill mxc_sandbox_kill_for_timeout mxc_sandbox_output_metadata_json
mxc_sandbox_pty_resize mxc_sandbox_take_native_stdio mxc_sandbox_try_wait mxc_sandbox_wait
mxc_sandbox_warnings_json mxc_spawn_json mxc_spawn_pty_json mxc_state_aware_exec_pty
mxc_state_aware_result_free mxc_string_free mxc_telemetry_get_consent_status
mxc_telemetry_request_consent mxc_telemetry_withdraw_consent mxc_version"
    got=$(nm -D --defined-only "$MXC_FFI" | awk '$2 ~ /^[TtWiD]$/ {print $3}' | sort | tr '\n' ' ')
    expect_eq "$got" "$(echo $want | tr ' ' '\n' | sort | tr '\n' ' ')" "exported symbols"
}

test_mxc_ffi_spawn_streams_through_native_stdio() {
    ffi spawn
    expect_eq "$RC" 0 status
    expect_eq "$OUT" "id a pid
warnings 0 (null)
take 0
take again 4 -1 -1 -1
try_wait 0 running 1 exit 0 timed_out 0
stdout [line1
line2
]
stderr [done
]
wait 0 exit 7 timed_out 0
try_wait after 0 running 0 exit 7 timed_out 0
wait again 0 exit 7 timed_out 0
kill after 0
metadata 0 (null)"
}

test_mxc_ffi_wait_drains_output_nobody_took() {
    ffi untaken
    expect_eq "$OUT" "wait 0 exit 4 timed_out 0"
}

test_mxc_ffi_kill_ends_the_sandbox() {
    ffi kill
    expect_eq "$OUT" "try_wait 0 running 1 exit 0 timed_out 0
kill 0
kill again 0
wait 0 exit -1 timed_out 0
kill_for_timeout after the end 0
try_wait after 0 running 0 exit -1 timed_out 0"
}

test_mxc_ffi_timeouts() {
    # kill_for_timeout, the request's own process.timeout, and a command
    # that exits 124 by itself (not a timeout).
    ffi timeout
    expect_eq "$OUT" "kill_for_timeout 0
wait 0 exit -1 timed_out 1
own timeout 0 exit -1 timed_out 1
took under 10 s 1
exit 124 0 exit 124 timed_out 0"
}

test_mxc_ffi_freed_handles_are_refused_not_crashes() {
    ffi stale
    expect_eq "$RC" 0 "the caller survived"
    expect_eq "$OUT" "wait 0 exit 0 timed_out 0
wait freed 6 exit 55 timed_out 55
try_wait freed 6 running 55 exit 55 timed_out 55
kill freed 6
kill_for_timeout freed 6
resize freed 6
warnings freed 6 (null)
take freed 6
id freed 0
try_wait NULL 100 running 55 exit 55 timed_out 55
id NULL 0
survived"
}

test_mxc_ffi_free_while_another_thread_waits() {
    ffi free-while-waiting
    expect_eq "$OUT" "waiter 0 exit -1 timed_out 0
waiter returned in under 10 s 1
after 6 running 55 exit 55 timed_out 55"
}

test_mxc_ffi_threads_run_sandboxes_at_once() {
    ffi threads
    expect_eq "$OUT" "threads ok 8 of 8"
}

test_mxc_ffi_pty_is_relayed_resized_and_ended() {
    ffi pty
    expect_eq "$RC" 0 status
    expect_contains "$OUT" "take 0 stderr -1"
    expect_contains "$OUT" "terminal [/dev/pts/0 "
    expect_contains "$OUT" "30 100 "
    expect_contains "$OUT" "got hello "
    expect_contains "$OUT" "40 120 "
    expect_contains "$OUT" "wait 0 exit 3 timed_out 0"
    expect_contains "$OUT" "resize after the end 0"
    expect_contains "$OUT" "resize 0 rows 1"
    expect_contains "$OUT" "0 rows 1 PTY rows and columns must be between 1 and 32767"
    ffi pty-eof
    expect_eq "$OUT" "saw cat ended 1
wait 0 exit 0 timed_out 0"
}

test_mxc_ffi_spawned_warnings_lead_stderr_and_the_terminal() {
    ffi warned
    ui='$.ui: ignored: the UI policy is Windows-only; the sandbox has no display, clipboard or input-injection access (AF_UNIX sockets are refused, so no X11 or Wayland socket either)'
    expect_eq "$(printf '%s\n' "$OUT" | sed 's/request:1:[0-9]*: //')" "warnings 0 (null)
stdout [out
]
stderr [moat: warning: $ui
err
]
wait 0 exit 0 timed_out 0
terminal [moat: warning: $ui|
on-terminal|
]
wait 0 exit 0 timed_out 0"
}

test_mxc_ffi_errors_have_mxc_codes_and_moat_messages() {
    ffi errors
    expect_contains "$OUT" "null 100 100: request JSON pointer is null"
    expect_contains "$OUT" "utf8 101 101: request JSON is not UTF-8"
    expect_contains "$OUT" 'bogus 1 1: request:1:170: $.bogus: unknown field'
    expect_contains "$OUT" 'relative 11 11: request:1:201: $.filesystem.readonlyPaths[0]: not an absolute path'
    expect_contains "$OUT" 'vm 1 1: request:1:34: $.containment: unknown value "vm"'
    expect_contains "$OUT" 'unversioned 1 1: request:1:1: $: missing required field "version"'
    expect_contains "$OUT" "run NULL out 100"
    expect_contains "$OUT" 'spawn bogus 1 handle null: request:1:170: $.bogus: unknown field'
    expect_contains "$OUT" "spawn NULL out 100"
    # A sandbox that cannot start fails the spawn, with moat's reason.
    expect_contains "$OUT" "spawn cwd 12 handle null op moat_spawn native ENOENT: cannot change to the working directory /nonexistent-mxc-cwd in the sandbox"
}

test_mxc_ffi_what_moat_does_not_do_is_refused_with_a_reason() {
    ffi unsupported
    expect_contains "$OUT" "state-aware 3 3: moat runs one-shot requests only"
    expect_contains "$OUT" "exec 3 handle null"
    expect_contains "$OUT" "exec pty 3 handle null"
    expect_contains "$OUT" "run exec 3"
    expect_contains "$OUT" "probe 2 json (null): the request probe is for Windows ProcessContainer"
    # Telemetry: mxc's own answer off Windows (moat has none at all).
    expect_contains "$OUT" 'consent status 0 {"effectiveState":"not-applicable","policy":"not-applicable","reason":"not-applicable","storedState":"not-applicable"}'
    expect_contains "$OUT" 'withdraw 0 {"effectiveState":"not-applicable","policy":"not-applicable","reason":"not-applicable","result":"notApplicable","storedState":"not-applicable"}'
    expect_contains "$OUT" "consent NULL out 100"
}

test_mxc_ffi_available_backends_are_this_hosts() {
    ffi backends
    expect_contains "$OUT" 'backends [{"backend":"bubblewrap","capabilities":["filesystemDeniedPaths"'
    expect_contains "$OUT" "version moat "
    # The same facts as lxc-exec --available-backends.
    want=$("$MOAT" mxc --available-backends | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), separators=(",", ":")))')
    expect_eq "$(line_of backends)" "$want" "the same as lxc-exec's"
}

test_mxc_ffi_run_captures_output_status_and_warnings() {
    ffi_run "$(sdk_request 'echo out; echo err >&2; exit 9' '"ui":{"disable":false}')"
    expect_eq "$(line_of status)" 0
    expect_eq "$(line_of exit)" 9
    expect_eq "$(line_of timed_out)" 0
    expect_contains "$OUT" "stdout out"
    expect_contains "$OUT" "stderr err"
    expect_contains "$(line_of warnings)" '["request:1:'
    expect_contains "$(line_of warnings)" '$.ui: ignored: the UI policy is Windows-only'
}

test_mxc_ffi_filesystem_policy_is_the_one_enforced() {
    # The listed model through the FFI, attacked: writes outside
    # readwritePaths fail with the kernel's refusal, deniedPaths is empty,
    # what is not listed is absent, what is writable is.
    mkdir -p rw ro/deny unlisted
    echo secret > ro/deny/key; echo hidden > unlisted/file; echo data > ro/file
    d=$(dirname "$ATTACK")
    cmd="$ATTACK write $WORK/ro/file; $ATTACK read $WORK/ro/deny/key; $ATTACK read $WORK/unlisted/file; $ATTACK write $WORK/rw/new; $ATTACK read $WORK/ro/file; $ATTACK write $d/planted"
    ffi_run "$(sdk_request "$cmd" "\"filesystem\":{\"readwritePaths\":[\"$WORK/rw\"],\"readonlyPaths\":[\"$WORK/ro\",\"$d\"],\"deniedPaths\":[\"$WORK/ro/deny\"]}")"
    expect_eq "$(line_of status)" 0
    got=$(printf '%s\n' "$OUT" | sed -n '/^stdout /,/^stderr /p' | sed '$d; s/^stdout //')
    expect_eq "$got" "EROFS
ENOENT
ENOENT
ok
ok
EROFS"
    [ ! -e "$d/planted" ] || fail "the workload wrote next to the attacker"
    [ "$(cat ro/file)" = data ] || fail "ro/file changed"
}

test_mxc_ffi_environment_is_only_what_the_request_says() {
    # The caller's environment holds a secret; the request's env reaches the
    # workload, and its values never a command line on the host (mxc puts
    # them on bwrap's).
    export MOAT_FFI_SECRET=caller-secret-4711
    sdk_request 'env | sort; sleep 1' |
        sed 's/"timeout":0/"env":["TOKEN=value-from-request-93"],"timeout":0/' > "$WORK/request.json"
    "$MXC_FFI_CLIENT" "$MXC_FFI" run "$WORK/request.json" > "$WORK/env.out" 2>&1 &
    pid=$!
    sleep 0.5
    on_host=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' | grep -c 'value-from-request-9[3]' || true)
    wait "$pid"
    OUT=$(cat "$WORK/env.out")
    echo "$OUT"
    expect_eq "$(line_of status)" 0
    expect_eq "$on_host" 0 "the env value on a host command line"
    expect_contains "$OUT" "TOKEN=value-from-request-93"
    expect_not_contains "$OUT" "caller-secret-4711"
    expect_not_contains "$OUT" "HOME=" "an explicit env is the whole environment"
    # Without env (1.0.0): moat's defaults from the caller, and still not the secret.
    ffi_run "$(sdk_request 'env | sort')"
    expect_contains "$OUT" "PATH="
    expect_not_contains "$OUT" "caller-secret-4711"
    unset MOAT_FFI_SECRET
}

test_mxc_ffi_workload_cannot_reach_its_caller() {
    # Its own pid namespace (the caller's pid means nothing in it), no route
    # to the host's loopback, no user namespaces, no capabilities.
    port=$((40000 + RANDOM % 20000))
    "$ATTACK" serve 127.0.0.1 "$port" > "$WORK/serve.out" 2>&1 &
    server=$!
    sleep 0.2
    ffi_run "$(sdk_request "$ATTACK kill $$ 9; $ATTACK fetch 127.0.0.1 $port; $ATTACK unshare-user; grep CapEff /proc/self/status" "\"filesystem\":{\"readonlyPaths\":[\"$(dirname "$ATTACK")\"]}")"
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    got=$(printf '%s\n' "$OUT" | sed -n '/^stdout /,/^stderr /p' | sed '$d; s/^stdout //')
    expect_eq "$got" "$(printf 'ESRCH\nECONNREFUSED\nEPERM\nCapEff:\t0000000000000000')"
}

test_mxc_ffi_refusals_reach_the_warnings() {
    # Firewall mode from an egress rule; a denied destination is refused,
    # and the refusal is a warning of the run.
    ffi_run "$(sdk_request "$ATTACK fetch 203.0.113.9 80" "\"filesystem\":{\"readonlyPaths\":[\"$(dirname "$ATTACK")\"]},\"network\":{\"egress\":{\"default\":\"deny\",\"allow\":[{\"to\":[{\"cidr\":\"198.51.100.7/32\"}],\"ports\":[{\"port\":80}]}]}}")"
    expect_eq "$(line_of status)" 0
    expect_contains "$OUT" "stdout ECONNREFUSED"
    expect_contains "$(line_of warnings)" "moat: blocked connection to 203.0.113.9:80"
}

test_mxc_ffi_moat_mxc_log_receives_each_refusal() {
    # MOAT_MXC_LOG in the caller's environment: moat's violation log, one
    # JSON line per refusal, for every sandbox the library starts.
    req=$(sdk_request "$ATTACK fetch 203.0.113.9 80" "\"filesystem\":{\"readonlyPaths\":[\"$(dirname "$ATTACK")\"]},\"network\":{\"egress\":{\"default\":\"deny\",\"allow\":[{\"to\":[{\"cidr\":\"198.51.100.7/32\"}],\"ports\":[{\"port\":80}]}]}}")
    MOAT_MXC_LOG=$WORK/violations.log ffi_run "$req"
    expect_eq "$(line_of status)" 0
    log=$(cat "$WORK/violations.log" 2>&1)
    expect_contains "$log" '"kind":"connect","destination":"203.0.113.9"'
    expect_contains "$log" '"port":80,"reason":"rejected by the firewall ruleset"'
    # A log moat cannot open fails the start, with moat's reason.
    MOAT_MXC_LOG=$WORK/no-such-dir/violations.log ffi_run "$req"
    expect_eq "$(line_of status)" 12
    expect_contains "$OUT" "no-such-dir/violations.log: cannot open it"
}
