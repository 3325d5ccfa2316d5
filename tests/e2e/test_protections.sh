# Built-in protections: git hooks/config, shell rc files, ssh, the policy
# file itself stay read-only inside writable trees, unless lifted.

make_repo() {
    mkdir -p repo/.git/hooks repo/src
    echo '[core]' > repo/.git/config
    echo '#!/bin/sh' > repo/.git/hooks/pre-commit.sample
}

test_git_hooks_are_read_only_in_a_writable_repo() {
    make_repo
    MOAT_OPTS=(--allow-write "$WORK/repo")
    attack write "$WORK/repo/.git/hooks/pre-commit"; expect_eq "$OUT" EROFS
    attack write "$WORK/repo/.git/config"; expect_eq "$OUT" EROFS
    attack write "$WORK/repo/src/main.c"; expect_eq "$OUT" ok
    [ ! -e repo/.git/hooks/pre-commit ] || fail "hook planted on the host"
}

test_unprotect_lifts_one_protection() {
    make_repo
    MOAT_OPTS=(--allow-write "$WORK/repo" --unprotect .git/config)
    attack write "$WORK/repo/.git/config"; expect_eq "$OUT" ok
    attack write "$WORK/repo/.git/hooks/pre-commit"; expect_eq "$OUT" EROFS
}

test_shell_rc_files_are_read_only_in_a_writable_home() {
    echo 'echo hi' > "$HOME/.bashrc"; mkdir -p "$HOME/.ssh"
    MOAT_OPTS=(--allow-write "$HOME")
    attack write "$HOME/.bashrc"; expect_eq "$OUT" EROFS
    attack write "$HOME/.ssh/authorized_keys"; expect_eq "$OUT" EROFS
    attack write "$HOME/notes.txt"; expect_eq "$OUT" ok
    expect_eq "$(cat "$HOME/.bashrc")" 'echo hi'
}

test_policy_file_itself_is_read_only() {
    printf '{ "filesystem": { "allowWrite": [ "." ] } }\n' > policy.json
    MOAT_OPTS=(--policy "$WORK/policy.json")
    attack write "$WORK/policy.json"; expect_eq "$OUT" EROFS
    attack write "$WORK/other"; expect_eq "$OUT" ok
}

test_srt_settings_file_cannot_be_planted_in_home() {
    # `moat srt` without -s reads ~/.srt-settings.json: a workload that could
    # write it would choose the next srt run's sandbox.
    local planted='{ "filesystem": { "allowWrite": ["/"] } }'
    MOAT_OPTS=(--allow-write "$HOME")
    moat_run "${MOAT_OPTS[@]}" -- sh -c "cd \"\$HOME\" && echo '$planted' > s.json &&
        { $ATTACK write .srt-settings.json; $ATTACK rename s.json .srt-settings.json;
          $ATTACK link s.json .srt-settings.json; $ATTACK symlink s.json .srt-settings.json; }"
    expect_eq "$OUT" "$(printf 'EROFS\nEROFS\nEROFS\nEROFS')" "planting it"
    expect_contains "$ERR" "refused create $HOME/.srt-settings.json"
    [ ! -e "$HOME/.srt-settings.json" ] && [ ! -L "$HOME/.srt-settings.json" ] ||
        fail "\$HOME/.srt-settings.json planted"
    # One that exists stays as it is.
    echo '{}' > "$HOME/.srt-settings.json"
    attack append "$HOME/.srt-settings.json"; expect_eq "$OUT" EROFS "appending to it"
    expect_eq "$(cat "$HOME/.srt-settings.json")" '{}'
    # Elsewhere it is an ordinary name.
    mkdir proj
    MOAT_OPTS=(--allow-write "$WORK/proj")
    attack write "$WORK/proj/.srt-settings.json"; expect_eq "$OUT" ok "outside the home"
}
