# No silent no-ops: what a policy would not do as written is refused or
# warned about, by `moat run` and `moat check` alike; several policy files
# merge and every one of them stays read-only; a working directory the
# sandbox hides falls back to / with a warning.

test_several_policies_merge_and_each_is_protected() {
    mkdir proj
    printf '{ "filesystem": { "allowWrite": ["."] }, "process": { "env": { "A": "1", "C": "a" } } }\n' > proj/a.json
    printf '{ "process": { "env": { "B": "2", "C": "b" } } }\n' > proj/b.json
    moat_run -p proj/a.json -p proj/b.json -c 'cd proj; echo "$A $B $C"; echo x > a.json || echo a-refused; echo x > b.json || echo b-refused; echo ok > new'
    expect_eq "$RC" 0
    expect_eq "$OUT" "1 2 b
a-refused
b-refused"
    expect_eq "$(cat proj/new)" ok "the tree is writable"
    grep -q '"A": "1"' proj/a.json || fail "a.json changed: $(cat proj/a.json)"
    grep -q '"B": "2"' proj/b.json || fail "b.json changed: $(cat proj/b.json)"
    # moat check merges them the same way
    RC=0; OUT=$("$MOAT" check proj/a.json proj/b.json) || RC=$?
    expect_eq "$RC" 0
    expect_contains "$OUT" '"B": "2"'
    expect_contains "$OUT" "\"$WORK/proj\""
}

test_allow_rules_without_a_filtering_mode_are_warned() {
    moat_run --allow-net example.com -- true
    expect_eq "$RC" 0
    expect_contains "$ERR" 'moat: warning: $.network.allow: "example.com" has no effect in network mode "none"'
    moat_run --network host --allow-net example.com -- true
    expect_eq "$RC" 0
    expect_contains "$ERR" 'has no effect in network mode "host"'
    printf '{ "network": { "allow": ["pypi.org"] } }\n' > p.json
    RC=0; "$MOAT" check p.json > out 2> err || RC=$?
    expect_eq "$RC" 0
    expect_contains "$(cat err)" 'moat: warning: $.network.allow: "pypi.org" has no effect'
    # where the rules act: not a word
    moat_run --network proxy --allow-net example.com -- true
    expect_eq "$RC" 0
    expect_eq "$ERR" ""
}

test_deny_rules_in_host_mode_are_refused() {
    moat_run --network host --deny-net 127.0.0.1 -- touch "$WORK/started"
    expect_eq "$RC" 125
    expect_contains "$ERR" 'cannot be enforced in network mode "host"'
    [ ! -e "$WORK/started" ] || fail "the command ran"
    printf '{ "network": { "mode": "host", "deny": ["10.0.0.0/8"] } }\n' > p.json
    RC=0; "$MOAT" check p.json > out 2> err || RC=$?
    expect_eq "$RC" 125
    expect_contains "$(cat err)" '$.network.deny: "10.0.0.0/8" cannot be enforced'
}

test_missing_allow_write_path_is_warned() {
    moat_run --allow-write "$HOME/.cache/pip" -- mkdir -p "$HOME/.cache/pip"
    expect_eq "$RC" 1
    expect_contains "$ERR" "moat: warning: \$.filesystem.allowWrite: \"$HOME/.cache/pip\" does not exist"
    [ ! -e "$HOME/.cache" ] || fail "moat created it"
    # created first, as the warning says: it works
    mkdir -p "$HOME/.cache/pip"
    moat_run --allow-write "$HOME/.cache/pip" -- touch "$HOME/.cache/pip/x"
    expect_eq "$RC" 0
    expect_eq "$ERR" ""
    # a path inside another writable tree may be created by the command
    moat_run --allow-write "$WORK" --allow-write "$WORK/later" -- mkdir "$WORK/later"
    expect_eq "$RC" 0
    expect_eq "$ERR" ""
}

test_variable_in_a_path_is_refused() {
    moat_run --allow-write '$HOME/x' -- touch "$WORK/started"
    expect_eq "$RC" 125
    expect_contains "$ERR" 'moat does not expand variables ("$HOME" would be a directory of that name); write "~"'
    [ ! -e "$WORK/started" ] || fail "the command ran"
    printf '{\n  "filesystem": { "denyRead": ["${XDG_CONFIG_HOME}/gh"] }\n}\n' > p.json
    RC=0; "$MOAT" check p.json > out 2> err || RC=$?
    expect_eq "$RC" 125
    expect_contains "$(cat err)" 'p.json:2:32: $.filesystem.denyRead[0]'
}

test_hidden_working_directory_falls_back_to_root_with_a_warning() {
    local d
    d=$(mktemp -d /tmp/moat-e2e-cwd.XXXXXX)
    chmod 0755 "$d"
    echo mine > "$d/file"
    touch "/tmp/$(basename "$d")-beside"
    # A checkout under /tmp: the private /tmp shows the caller's own directory, read-only,
    # and nothing else of the host's /tmp.
    RC=0
    (cd "$d" && "$MOAT" run -- sh -c 'pwd; cat file; touch new 2>&1; ls /tmp' \
        > "$WORK/out" 2> "$WORK/err") || RC=$?
    expect_eq "$RC" 0
    expect_eq "$(cat out)" "$d
mine
touch: cannot touch 'new': Read-only file system
$(basename "$d")"
    expect_eq "$(cat err)" "" "no warning when the directory is shown"
    # unless a denyRead covers it: then it is hidden, and the command starts in /
    RC=0
    (cd "$d" && "$MOAT" run --deny-read "$d" -- sh -c 'pwd; cat file 2>/dev/null' \
        > "$WORK/out" 2> "$WORK/err") || RC=$?
    expect_eq "$(cat out)" /
    expect_contains "$(cat err)" "moat: warning: \$.process.cwd: the current directory $d is not visible in the sandbox (the sandbox's private /tmp hides it), so the command starts in /"
    # and in the listed read model it is shown only when listed
    RC=0
    (cd "$d" && "$MOAT" run --read-model listed -- pwd > "$WORK/out" 2> "$WORK/err") || RC=$?
    rm -rf "$d" "/tmp/$(basename "$d")-beside"
    expect_eq "$(cat out)" /
    expect_contains "$(cat err)" "the current directory $d is not visible in the sandbox"
    # the listed read model hides the caller's directory too
    moat_run --read-model listed -- pwd
    expect_eq "$RC" 0
    expect_eq "$OUT" /
    expect_contains "$ERR" '"listed" read model'
    # shown: the command starts there, without a word
    moat_run --read-model listed --allow-read "$WORK" -- pwd
    expect_eq "$OUT" "$WORK"
    expect_eq "$ERR" ""
}

test_explicit_cwd_that_is_hidden_is_still_refused() {
    moat_run --cwd /tmp/moat-no-such-directory -- touch "$WORK/started"
    expect_eq "$RC" 125
    expect_contains "$ERR" "cannot change to the working directory /tmp/moat-no-such-directory"
    [ ! -e "$WORK/started" ] || fail "the command ran"
}
