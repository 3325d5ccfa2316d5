# The filesystem policy: host read-only, allowWrite, denyRead/allowRead,
# denyWrite, private /tmp, minimal /dev, fresh /proc, the "listed" model.

test_write_outside_allow_write_fails_with_erofs() {
    mkdir -p outside rw
    MOAT_OPTS=(--allow-write "$WORK/rw")
    attack write "$WORK/outside/x"; expect_eq "$OUT" EROFS
    attack write "$WORK/rw/x"; expect_eq "$OUT" ok
    expect_eq "$(cat "$WORK/rw/x")" pwned "file written in allowWrite, seen on the host"
    [ ! -e "$WORK/outside/x" ] || fail "write outside allowWrite reached the host"
}

test_landlock_alone_blocks_a_write() {
    mkdir -p outside rw
    MOAT_OPTS=(--debug-disable-layer mounts --allow-write "$WORK/rw")
    attack write "$WORK/outside/x"; expect_eq "$OUT" EACCES "Landlock's refusal"
    attack write "$WORK/rw/x"; expect_eq "$OUT" ok
    [ ! -e "$WORK/outside/x" ] || fail "write reached the host"
}

test_mounts_alone_block_a_write() {
    mkdir -p outside rw
    MOAT_OPTS=(--debug-disable-layer landlock --allow-write "$WORK/rw")
    attack write "$WORK/outside/x"; expect_eq "$OUT" EROFS "the read-only mount's refusal"
    attack write "$WORK/rw/x"; expect_eq "$OUT" ok
}

test_deny_read_file_shows_empty_and_is_read_only() {
    echo "top-secret-content" > secret.txt
    moat_run --allow-write "$WORK" --deny-read "$WORK/secret.txt" -- cat "$WORK/secret.txt"
    expect_eq "$RC" 0; expect_eq "$OUT" ""
    MOAT_OPTS=(--allow-write "$WORK" --deny-read "$WORK/secret.txt")
    attack write "$WORK/secret.txt"; expect_eq "$OUT" EROFS
    expect_eq "$(cat secret.txt)" top-secret-content "host file untouched"
}

test_deny_read_dir_is_empty_and_writes_fail() {
    mkdir -p private; echo s3cret > private/key
    MOAT_OPTS=(--allow-write "$WORK" --deny-read "$WORK/private")
    moat_run "${MOAT_OPTS[@]}" -- ls -A "$WORK/private"
    expect_eq "$RC" 0; expect_eq "$OUT" "" "listing of a denied dir"
    attack read "$WORK/private/key"; expect_eq "$OUT" ENOENT
    attack write "$WORK/private/new"; expect_eq "$OUT" EROFS "write into a hidden dir must fail, not vanish"
    [ ! -e private/new ] || fail "write reached the host"
}

test_allow_read_reexposes_a_path_inside_a_denied_tree() {
    mkdir -p private/public; echo pub > private/public/f; echo s3cret > private/key
    MOAT_OPTS=(--deny-read "$WORK/private" --allow-read "$WORK/private/public")
    attack read "$WORK/private/public/f"; expect_eq "$OUT" ok
    attack read "$WORK/private/key"; expect_eq "$OUT" ENOENT
    attack write "$WORK/private/public/f"; expect_eq "$OUT" EROFS
}

test_deny_write_inside_allow_write_is_read_only() {
    mkdir -p proj/config; echo orig > proj/config/settings
    MOAT_OPTS=(--allow-write "$WORK/proj" --deny-write "$WORK/proj/config")
    attack write "$WORK/proj/config/settings"; expect_eq "$OUT" EROFS
    attack write "$WORK/proj/other"; expect_eq "$OUT" ok
    expect_eq "$(cat proj/config/settings)" orig
}

test_most_specific_rule_wins() {
    mkdir -p a/b/c
    MOAT_OPTS=(--deny-write "$WORK/a" --allow-write "$WORK/a/b" --deny-write "$WORK/a/b/c" --allow-write "$WORK")
    attack write "$WORK/a/x"; expect_eq "$OUT" EROFS
    attack write "$WORK/a/b/x"; expect_eq "$OUT" ok
    attack write "$WORK/a/b/c/x"; expect_eq "$OUT" EROFS
}

test_symlink_escape_from_writable_dir_fails() {
    mkdir -p rw outside; echo orig > outside/target
    MOAT_OPTS=(--allow-write "$WORK/rw")
    attack symlink "$WORK/outside/target" "$WORK/rw/link"; expect_eq "$OUT" ok
    attack write "$WORK/rw/link"; expect_eq "$OUT" EROFS
    attack symlink /etc/passwd "$WORK/rw/pw"; expect_eq "$OUT" ok
    attack write "$WORK/rw/pw"; expect_eq "$OUT" EROFS
    expect_eq "$(cat outside/target)" orig
}

test_symlinked_allow_write_path_is_resolved_once() {
    # allowWrite through a symlink grants the target, and only the target.
    mkdir -p real other; ln -s "$WORK/real" link
    MOAT_OPTS=(--allow-write "$WORK/link")
    attack write "$WORK/real/x"; expect_eq "$OUT" ok
    attack write "$WORK/other/x"; expect_eq "$OUT" EROFS
}

test_hard_link_to_etc_passwd_fails() {
    mkdir -p rw
    MOAT_OPTS=(--allow-write "$WORK/rw")
    attack link /etc/passwd "$WORK/rw/pw"
    case "$OUT" in EXDEV|EPERM) ;; *) fail "link to /etc/passwd: $OUT" ;; esac
    [ ! -e rw/pw ] || fail "hard link created"
}

test_mknod_fails() {
    mkdir -p rw
    MOAT_OPTS=(--allow-write "$WORK/rw")
    attack mknod "$WORK/rw/mem"; expect_eq "$OUT" EPERM
}

test_private_tmp_leaves_host_tmp_alone() {
    local name="moat-private-tmp-$$-$RANDOM"
    moat_run -c "echo x > /tmp/$name && ls /tmp"
    expect_eq "$RC" 0; expect_eq "$OUT" "$name"
    [ ! -e "/tmp/$name" ] || fail "private /tmp file reached the host"
}

test_dev_is_minimal_and_usable() {
    moat_run -c 'ls /dev | sort | tr "\n" " "; echo hi > /dev/null && head -c 4 /dev/urandom | wc -c'
    expect_eq "$RC" 0
    expect_contains "$OUT" "null"; expect_contains "$OUT" "pts"; expect_contains "$OUT" "shm"
    expect_not_contains "$OUT" "sda"; expect_not_contains "$OUT" "vda"; expect_not_contains "$OUT" "mem "
    expect_contains "$OUT" "4"
}

test_read_model_listed_hides_unlisted_paths() {
    mkdir -p visible hidden; echo v > visible/f; echo h > hidden/f
    # The attacker must be listed too: nothing unlisted is visible.
    MOAT_OPTS=(--read-model listed --allow-read "$WORK/visible" --allow-read "$(dirname "$ATTACK")" --cwd /)
    attack read "$WORK/visible/f"; expect_eq "$OUT" ok
    attack read "$WORK/hidden/f"; expect_eq "$OUT" ENOENT
    moat_run --read-model listed --cwd / -- /bin/sh -c 'test -d /usr/bin && echo sys-ok'
    expect_eq "$OUT" sys-ok
}

test_deny_missing_path_under_read_only_parent_creates_nothing() {
    moat_run --deny-read "$WORK/not-there/secret" -- true
    expect_eq "$RC" 0
    [ ! -e not-there ] || fail "moat created a ghost on the host"
}

# A denyWrite path that does not exist yet inside a writable tree: moat
# creates nothing on the host, and the write guard refuses to create the
# name, by any call and through any parent spelling.
test_deny_missing_path_under_writable_parent_cannot_be_created() {
    mkdir -p proj/sub
    MOAT_OPTS=(--allow-write "$WORK/proj" --deny-write "$WORK/proj/later")
    attack write "$WORK/proj/later"; expect_eq "$OUT" EROFS
    expect_contains "$ERR" "refused create $WORK/proj/later"
    attack mkdir "$WORK/proj/later"; expect_eq "$OUT" EROFS
    attack write "$WORK/proj/sub/../later"; expect_eq "$OUT" EROFS
    attack symlink /etc "$WORK/proj/later"; expect_eq "$OUT" EROFS
    attack write "$WORK/proj/other"; expect_eq "$OUT" ok
    [ ! -e proj/later ] || fail "the denied name was created on the host"
}

test_fresh_proc_shows_only_sandbox_pids() {
    attack count-pids
    [ "$OUT" -le 3 ] || fail "$OUT pids visible"
}

test_remount_root_read_write_fails() {
    MOAT_OPTS=()
    attack remount-root-rw; expect_eq "$OUT" EPERM
}

test_cwd_defaults_to_the_callers_and_can_be_set() {
    mkdir -p sub
    moat_run -- pwd; expect_eq "$OUT" "$WORK"
    moat_run --cwd "$WORK/sub" -- pwd; expect_eq "$OUT" "$WORK/sub"
}
