# End-to-end tests of srt compatibility: moat run as `srt` (and `moat srt`):
# srt's command line, argument by argument and status by status, compared with
# the real srt (0.0.83, from the npm registry: tests/srt/srt_install.sh); the
# settings file search and refusals; what the settings map to inside the
# sandbox; `moat check` of srt settings.  The network cases are in the lab
# (tests/e2e_lab/test_srt.sh).

# moat as srt, through a link named srt; OUT, ERR, RC.
srt_moat() {
    local o e
    ln -sf "$MOAT" "$WORK/srt"
    o=$(mktemp) e=$(mktemp)
    RC=0
    "$WORK/srt" "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ srt(moat) $* -> $RC; out=[$OUT] err=[$ERR]"
}

# The real srt; SRT_OUT, SRT_ERR, SRT_RC.
srt_real() {
    local bin o e
    bin=$("$(dirname "${BASH_SOURCE[0]}")/../srt/srt_install.sh") || {
        fail "cannot install @anthropic-ai/sandbox-runtime"; return 1; }
    o=$(mktemp) e=$(mktemp)
    SRT_RC=0
    "$bin" "$@" >"$o" 2>"$e" || SRT_RC=$?
    SRT_OUT=$(cat "$o") SRT_ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ srt(real) $* -> $SRT_RC; out=[$SRT_OUT] err=[$SRT_ERR]"
}

empty_settings() {
    printf '%s' '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' > "$WORK/s.json"
}

# Both, with the same arguments: the same stdout and the same status.
same_as_srt() { # WHAT ARGS...
    local what=$1; shift
    srt_moat "$@"
    srt_real "$@"
    expect_eq "$OUT" "$SRT_OUT" "$what: stdout"
    expect_eq "$RC" "$SRT_RC" "$what: status"
}

test_srt_arguments_are_kept_intact_as_srt_keeps_them() {
    empty_settings
    S=(-s "$WORK/s.json")
    same_as_srt "odd arguments" "${S[@]}" printf '%s|' a 'b  c' "it's" '' '$HOME' '*' '!x'
    same_as_srt "unknown options stay with the command" "${S[@]}" printf '%s|' -x -- -c y
    same_as_srt "everything after the first --" "${S[@]}" -- printf '%s|' -- -c x -s y
    same_as_srt "-c runs a string; further words are ignored" \
        "${S[@]}" -c 'printf "%s|" "$0" "$1"' x y
    same_as_srt "srt's options are taken anywhere before --" "${S[@]}" printf '%s|' -c 'echo c'
    same_as_srt "grouped flags, attached values" -ds"$WORK/s.json" -c'printf dc'
    same_as_srt "--settings=FILE" --settings="$WORK/s.json" printf '%s|' eq
    same_as_srt "bash builtins run, as srt runs them" "${S[@]}" type cd
}

test_srt_exit_statuses_are_srts() {
    empty_settings
    S=(-s "$WORK/s.json")
    same_as_srt "the command's status" "${S[@]}" sh -c 'exit 7'
    same_as_srt "killed by a signal" "${S[@]}" -c 'kill -TERM $$'
    same_as_srt "not found" "${S[@]}" /nonexistent/cmd
    same_as_srt "not executable" "${S[@]}" /etc/passwd
    same_as_srt "no command" "${S[@]}"
    expect_contains "$ERR" "Error: No command specified. Use -c <command> or provide command arguments."
    same_as_srt "an option without its value" "${S[@]}" true -s
    expect_contains "$ERR" "error: option '-s, --settings <path>' argument missing"
}

test_srt_settings_refusals_name_the_problem() {
    srt_moat -s "$WORK/missing.json" true
    expect_eq "$RC" 1 "a --settings file that does not exist"
    expect_contains "$ERR" "Error: $WORK/missing.json does not exist."
    expect_contains "$ERR" "Refusing to run with the built-in defaults"
    : > "$WORK/empty.json"
    srt_moat -s "$WORK/empty.json" true
    expect_eq "$RC" 1 "an empty file"
    expect_contains "$ERR" "is empty. Delete it, or put a config in it."
    printf '{"network": {' > "$WORK/bad.json"
    srt_moat -s "$WORK/bad.json" true
    expect_eq "$RC" 1 "not JSON"
    expect_contains "$ERR" "Error: $WORK/bad.json:1:"
    printf '{\n  "network": {"allowedDomains": ["*.com"], "deniedDomains": []},\n  "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": []}\n}\n' > "$WORK/pat.json"
    srt_moat -s "$WORK/pat.json" true
    expect_eq "$RC" 1 "a pattern srt refuses"
    expect_contains "$ERR" "pat.json:2:34: \$.network.allowedDomains[0]: invalid domain pattern"
    # srt refuses the same files, with status 1.
    for f in missing empty bad pat; do
        srt_real -s "$WORK/$f.json" true
        expect_eq "$SRT_RC" 1 "real srt, $f"
        expect_contains "$SRT_ERR" "Refusing to run with the built-in defaults"
    done
    # Keys moat cannot honour are refused, naming the key.
    printf '{"network":{"allowedDomains":[],"deniedDomains":[],"tlsTerminate":{}},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' > "$WORK/tls.json"
    srt_moat -s "$WORK/tls.json" true
    expect_eq "$RC" 1 "tlsTerminate"
    expect_contains "$ERR" "\$.network.tlsTerminate: not supported: moat does not terminate TLS"
}

test_srt_default_settings_file_and_built_in_defaults() {
    mkdir -p "$WORK/out"
    # No ~/.srt-settings.json: srt's built-in settings, under which nothing is writable.
    srt_moat -c "echo x > $WORK/out/f && echo wrote"
    expect_eq "$RC" 1 "built-in settings: writes refused"
    expect_contains "$ERR" "Read-only file system"
    # ~/.srt-settings.json is read without -s.
    printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["%s/out"],"denyWrite":[]}}' "$WORK" > "$HOME/.srt-settings.json"
    srt_moat -c "echo x > $WORK/out/f && echo wrote"
    expect_eq "$RC" 0 "with ~/.srt-settings.json"
    expect_eq "$OUT" wrote
    # ... and an invalid one is an error, never a fall-back to the defaults.
    printf '{"network":{}}' > "$HOME/.srt-settings.json"
    srt_moat true
    expect_eq "$RC" 1 "an invalid default file"
    expect_contains "$ERR" "missing required key \"allowedDomains\""
}

test_srt_version_help_and_what_moat_does_not_do() {
    srt_moat --version
    expect_eq "$RC" 0
    expect_contains "$OUT" "0.0.83 (moat "
    srt_moat -h
    expect_eq "$RC" 0
    expect_contains "$OUT" "-s, --settings <path>"
    empty_settings
    srt_moat -s "$WORK/s.json" --control-fd 9 true
    expect_eq "$RC" 1 "--control-fd"
    expect_contains "$ERR" "--control-fd 9 is not supported by moat"
    srt_moat -s "$WORK/s.json" --control-fd 2 true
    expect_contains "$ERR" "must be an integer file descriptor >= 3"
    srt_moat -s "$WORK/s.json" proxy
    expect_eq "$RC" 1 "srt proxy"
    expect_contains "$ERR" "srt proxy is not supported by moat"
    # A word "proxy" after the command is just an argument.
    srt_moat -s "$WORK/s.json" echo proxy
    expect_eq "$OUT" proxy
    # `moat srt` is the same program.
    RC=0
    OUT=$("$MOAT" srt -s "$WORK/s.json" printf '%s|' 'a b') || RC=$?
    expect_eq "$OUT" "a b|" "moat srt"
}

test_srt_filesystem_rules_and_credentials_inside_the_sandbox() {
    mkdir -p proj/sub secret
    echo key > secret/id
    echo token > "$HOME/.token"
    printf '{"network":{"allowedDomains":[],"deniedDomains":[]},
      "filesystem":{"denyRead":["%s/secret"],"allowWrite":["."],"denyWrite":["./sub",".env"]},
      "credentials":{"files":[{"path":"~/.token","mode":"deny"}],"envVars":[{"name":"MY_TOKEN","mode":"deny"}]}}' "$WORK" > proj/s.json
    cd proj
    MY_TOKEN=t0p OTHER=kept srt_moat -s s.json -c '
        echo w > new && echo write-ok
        echo w > sub/x 2>/dev/null || echo subdir-refused
        echo w > .env 2>/dev/null || echo absent-deny-refused
        echo w > s.json 2>/dev/null || echo settings-read-only
        cat '"$WORK"'/secret/id 2>/dev/null; ls '"$WORK"'/secret | wc -l
        cat ~/.token 2>/dev/null | wc -c
        echo "token=${MY_TOKEN:-unset} other=$OTHER runtime=$SANDBOX_RUNTIME"'
    cd ..
    expect_eq "$RC" 0
    expect_eq "$OUT" "write-ok
subdir-refused
absent-deny-refused
settings-read-only
0
0
token=unset other=kept runtime=1"
}

test_srt_unix_socket_list_is_enforced_on_linux() {
    # srt ignores allowUnixSockets on Linux (seccomp cannot see paths); moat
    # enforces it: the listed socket connects, another does not.
    for n in a b; do
        python3 -c 'import socket,sys,os
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1],0o777); s.listen(4)
for _ in range(4):
    c,_=s.accept(); c.sendall(b"hello\n"); c.close()' "$WORK/$n.sock" &
    done
    for _ in $(seq 100); do [ -S "$WORK/a.sock" ] && [ -S "$WORK/b.sock" ] && break; sleep 0.05; done
    printf '{"network":{"allowedDomains":[],"deniedDomains":[],"allowUnixSockets":["%s/a.sock"]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' "$WORK" > s.json
    srt_moat -s s.json -c 'for n in a b; do python3 -c "import socket,sys
s=socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print(sys.argv[2], s.recv(9).decode().strip())
except OSError as e: print(sys.argv[2], e.strerror)" '"$WORK"'/$n.sock $n; done'
    kill %1 %2 2>/dev/null || true
    wait 2>/dev/null || true
    expect_contains "$OUT" "a hello"
    expect_contains "$OUT" "b Permission denied"
    expect_contains "$ERR" "refused connect $WORK/b.sock: not in allowUnixSockets"
    # A datagram socket names its peer in every sendto(2), past any connect check.
    srt_moat -s s.json -c 'python3 -c "import socket
try:
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b\"x\", \"'"$WORK"'/b.sock\")
except OSError as e: print(e.strerror)"'
    expect_eq "$OUT" "Operation not permitted" "a datagram socket"
}

test_srt_check_validates_settings() {
    printf '{"network":{"allowedDomains":["example.com"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]},"mandatoryDenySearchDepth":3}' > s.json
    moat_run_check() { RC=0; OUT=$("$MOAT" check "$@" 2>"$WORK/err") || RC=$?; ERR=$(cat "$WORK/err"); }
    moat_run_check s.json
    expect_eq "$RC" 0 "detected as srt settings"
    expect_contains "$OUT" '"mode": "proxy"'
    expect_contains "$OUT" "\"$WORK\""
    expect_contains "$ERR" "\$.mandatoryDenySearchDepth: moot"
    moat_run_check --format srt s.json
    expect_eq "$RC" 0 "--format srt"
    printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]},"ripgrep":{}}' > bad.json
    moat_run_check bad.json
    expect_eq "$RC" 125 "an invalid settings file"
    expect_contains "$ERR" "\$.ripgrep: missing required key \"command\""
    # A moat policy is still a moat policy, and --format srt reads it as srt's.
    printf '{"network":{"mode":"none"}}' > moat.json
    moat_run_check moat.json
    expect_eq "$RC" 0 "a moat policy"
    moat_run_check --format srt moat.json
    expect_eq "$RC" 125 "a moat policy read as srt settings"
    expect_contains "$ERR" "\$.network.mode: unknown key"
}

test_srt_schema_verdicts_agree_with_srts_own() {
    # Every fixture through srt's own loader (its zod schema) and through
    # moat check --format srt: valid/ both accept, invalid/ both refuse,
    # moat_refuses/ srt accepts and moat refuses, for the reasons in
    # docs/compat-srt.md.
    local fx bin pkg
    fx=$(cd "$(dirname "${BASH_SOURCE[0]}")/../srt" && pwd)
    bin=$("$fx/srt_install.sh") || { fail "cannot install srt"; return 1; }
    pkg=$(dirname "$(readlink -f "$bin")")/..
    # Relative paths in the fixtures resolve against a directory both can read.
    cd "$WORK"
    node "$fx/schema_verdict.mjs" "$pkg" "$fx"/fixtures/*/*.json > srt.out 2>&1 || true
    cat srt.out
    n=0
    for f in "$fx"/fixtures/*/*.json; do
        n=$((n + 1))
        kind=$(basename "$(dirname "$f")")
        srt=$(grep -F " $f" srt.out | cut -d' ' -f1)
        mrc=0
        "$MOAT" check --format srt "$f" > /dev/null 2> moat.err || mrc=$?
        moat=$([ "$mrc" = 0 ] && echo ok || echo invalid)
        case $kind in
            valid) want_srt=ok want_moat=ok ;;
            invalid) want_srt=invalid want_moat=invalid ;;
            moat_refuses) want_srt=ok want_moat=invalid ;;
        esac
        expect_eq "$srt" "$want_srt" "srt on $kind/$(basename "$f")"
        expect_eq "$moat" "$want_moat" "moat on $kind/$(basename "$f") ($(cat moat.err))"
    done
    [ "$n" -ge 40 ] || fail "only $n fixtures"
}
