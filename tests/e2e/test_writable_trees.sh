# Attacks on writable trees (docs/security.md "Writable trees"): each test
# does what a hostile workload with allowWrite on a project or on $HOME
# would do, then checks the host the way the host would be hurt (the host's
# git runs a planted command; a host file's content changes; a second run
# sees what denyRead hid).

# A repository whose config runs a command the moment git reads it, if
# anything ever manages to add core.fsmonitor to it.
make_git_repo() { # DIR
    git init -q "$1"
    git -C "$1" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
}

# The host's git in DIR must not run a planted command: the marker file
# is what every planted payload below creates.
expect_host_git_safe() { # DIR
    (cd "$1" && git status >/dev/null 2>&1; git -c user.name=t -c user.email=t@t commit -q \
        --allow-empty -m x >/dev/null 2>&1) || true
    [ ! -e "$WORK/PWNED" ] || fail "the host's git ran the workload's command in $1"
}

payload_config() { # print a config fragment that runs the payload
    printf '[core]\n\tfsmonitor = "touch %s/PWNED; false"\n' "$WORK"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- renaming an ancestor -------------------------------------------------

test_attack_rename_git_dir_and_rebuild_it() {
    make_git_repo repo
    MOAT_OPTS=(--allow-write "$WORK/repo")
    moat_run "${MOAT_OPTS[@]}" -c "cd $WORK/repo && mv .git .g; cp -a .g .git 2>/dev/null; \
        printf '%s' '$(payload_config)' >> .git/config; \
        printf '%s' '$(payload_config)' >> .g/config; true"
    [ -d repo/.git ] || fail ".git is gone"
    expect_host_git_safe repo
    attack rename "$WORK/repo/.git" "$WORK/repo/.g"; expect_eq "$OUT" EROFS
    attack exchange "$WORK/repo/.git" "$WORK/repo/src" 2>/dev/null || true
    expect_not_contains "$OUT" ok "exchange .git"
}

test_attack_rename_parent_of_nested_repo() {
    mkdir -p proj/vendor
    make_git_repo proj/vendor/lib
    local cfg; cfg=$(sha proj/vendor/lib/.git/config)
    MOAT_OPTS=(--allow-write "$WORK/proj")
    # The repository is deep in the tree: no mount covers it, the guard does.
    moat_run "${MOAT_OPTS[@]}" -c "cd $WORK/proj && mv vendor v2 && \
        printf '%s' '$(payload_config)' >> v2/lib/.git/config; mv v2 vendor; true"
    expect_eq "$(sha proj/vendor/lib/.git/config)" "$cfg" "nested repo config"
    expect_host_git_safe proj/vendor/lib
    attack write "$WORK/proj/vendor/lib/.git/config"; expect_eq "$OUT" EROFS
    attack append "$WORK/proj/vendor/lib/.git/config"; expect_eq "$OUT" EROFS
    attack truncate "$WORK/proj/vendor/lib/.git/config"; expect_eq "$OUT" EROFS
}

test_attack_rename_denywrite_parent_or_itself() {
    mkdir -p proj/conf
    echo original > proj/conf/settings
    MOAT_OPTS=(--allow-write "$WORK/proj" --deny-write "$WORK/proj/conf/settings")
    attack rename "$WORK/proj/conf" "$WORK/proj/c.old"; expect_eq "$OUT" EROFS "rename parent"
    attack rename "$WORK/proj/conf/settings" "$WORK/proj/conf/s.old"; expect_eq "$OUT" EROFS
    attack write "$WORK/proj/conf/settings"; expect_eq "$OUT" EROFS
    # With the guard off, the pins alone still stop the renames (EBUSY).
    MOAT_OPTS=(--allow-write "$WORK/proj" --deny-write "$WORK/proj/conf/settings"
               --debug-disable-layer guard)
    attack rename "$WORK/proj/conf" "$WORK/proj/c.old"; expect_eq "$OUT" EBUSY "pinned parent"
    attack rename "$WORK/proj/conf/settings" "$WORK/proj/conf/s.old"; expect_eq "$OUT" EBUSY
    expect_eq "$(cat proj/conf/settings)" original
    [ -d proj/conf ] && [ ! -e proj/c.old ] || fail "the parent moved on the host"
}

test_attack_rename_config_dir_to_rebuild_fish_config() {
    mkdir -p "$HOME/.config/fish"
    echo 'echo hi' > "$HOME/.config/fish/config.fish"
    MOAT_OPTS=(--allow-write "$HOME")
    moat_run "${MOAT_OPTS[@]}" -c "cd $HOME && mv .config .c; mkdir -p .config/fish; \
        echo 'touch $WORK/PWNED' > .config/fish/config.fish; \
        mkdir -p x/fish && echo 'touch $WORK/PWNED' > x/fish/config.fish && mv x/fish .config/fish2 && \
        mv .config/fish2 .config/fish; true"
    expect_eq "$(cat "$HOME/.config/fish/config.fish")" 'echo hi'
    attack mkdir "$HOME/.config/fish/conf.d"; expect_eq "$OUT" EROFS
    attack symlink "$WORK" "$HOME/.config/fish/functions"; expect_eq "$OUT" EROFS
}

test_attack_policy_file_in_a_subfolder_of_a_writable_tree() {
    mkdir -p pj/.moat
    printf '{ "filesystem": { "allowWrite": [ ".." ] } }\n' > pj/.moat/policy.json
    local before; before=$(sha pj/.moat/policy.json)
    moat_run -p "$WORK/pj/.moat/policy.json" -c "cd $WORK/pj && mv .moat .moat-old; mkdir .moat; \
        echo '{\"network\":{\"mode\":\"host\"}}' > .moat/policy.json; \
        ln -sf /dev/null .moat/policy.json; echo x > .moat-old/policy.json; true"
    expect_eq "$(sha pj/.moat/policy.json)" "$before" "policy file"
    [ ! -e pj/.moat-old ] || fail "the policy's folder was moved"
}

test_attack_denyread_data_moved_between_runs() {
    mkdir -p proj/a/secrets
    echo TOPSECRET > proj/a/secrets/key
    MOAT_OPTS=(--allow-write "$WORK/proj" --deny-read "$WORK/proj/a/secrets")
    # Run 1: carry the hidden data away under another name, leave a decoy.
    moat_run "${MOAT_OPTS[@]}" -c "cd $WORK/proj && mv a b; mv a/secrets s2; \
        mkdir -p c && mv a c/a; true"
    # Run 2: look everywhere the data could have gone.
    moat_run "${MOAT_OPTS[@]}" -c "grep -r TOPSECRET $WORK/proj 2>/dev/null; true"
    expect_not_contains "$OUT" TOPSECRET "run 2"
    expect_eq "$(cat proj/a/secrets/key)" TOPSECRET "host data intact"
}

# ---- symlinked names ------------------------------------------------------

test_attack_symlinked_bashrc_replaced_by_a_file() {
    mkdir -p "$HOME/dotfiles"
    echo 'echo hi' > "$HOME/dotfiles/bashrc"
    ln -s dotfiles/bashrc "$HOME/.bashrc"
    MOAT_OPTS=(--allow-write "$HOME")
    moat_run "${MOAT_OPTS[@]}" -c "cd $HOME && rm -f .bashrc; echo 'touch $WORK/PWNED' > .bashrc; \
        mv dotfiles d2; echo 'touch $WORK/PWNED' >> dotfiles/bashrc; true"
    [ -L "$HOME/.bashrc" ] || fail ".bashrc is no longer the user's symlink"
    expect_eq "$(cat "$HOME/.bashrc")" 'echo hi'
    attack write "$HOME/dotfiles/bashrc"; expect_eq "$OUT" EROFS "the link's target"
}

test_attack_denyread_link_loses_to_nothing() {
    mkdir -p "$HOME/dotfiles/private"
    echo 'machine x password hunter2' > "$HOME/dotfiles/private/netrc"
    ln -s dotfiles/private/netrc "$HOME/.netrc"
    # Ordered by where the rule lands: the deny on the link's target is
    # deeper than the grant on its directory, and wins.
    MOAT_OPTS=(--allow-write "$HOME/dotfiles/private" --deny-read "$HOME/.netrc")
    attack read "$HOME/.netrc"; expect_not_contains "$ERR" hunter2 "through the link"
    attack read "$HOME/dotfiles/private/netrc"; expect_not_contains "$ERR" hunter2 "the target"
}

test_attack_policy_symlink_in_a_writable_tree() {
    mkdir -p pj real
    printf '{ "filesystem": { "allowWrite": [ "%s/pj" ] } }\n' "$WORK" > real/policy.json
    ln -s ../real/policy.json pj/policy.json
    moat_run -p "$WORK/pj/policy.json" -c "cd $WORK/pj && rm -f policy.json; \
        echo '{}' > policy.json; true"
    [ -L pj/policy.json ] || fail "the policy symlink was replaced"
}

test_attack_grant_through_a_planted_symlink_is_refused() {
    mkdir -p proj
    printf '{ "filesystem": { "allowWrite": [ "%s/proj", "%s/proj/build" ] } }\n' "$WORK" "$WORK" \
        > policy.json
    # Run 1 (the same policy; build does not exist yet) cannot make build a
    # link to $HOME: the name holds protected names of the next run's tree.
    moat_run -p "$WORK/policy.json" -c "cd $WORK/proj && ln -s $HOME build"
    [ ! -L proj/build ] || fail "run 1 planted the link"
    # Had it got there some other way, run 2 would not follow it ...
    ln -s "$HOME" proj/build
    # ... so run 2 would make $HOME writable: refused, and said why.
    moat_run -p "$WORK/policy.json" -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "goes through the symlink $WORK/proj/build"
}

# ---- names that do not exist yet, and the rest of what git reads ---------

test_attack_missing_hooks_dir_is_created() {
    make_git_repo repo
    rm -rf repo/.git/hooks
    MOAT_OPTS=(--allow-write "$WORK/repo")
    moat_run "${MOAT_OPTS[@]}" -c "cd $WORK/repo && mkdir -p .git/hooks; \
        printf '#!/bin/sh\ntouch $WORK/PWNED\n' > .git/hooks/pre-commit; \
        chmod +x .git/hooks/pre-commit; mkdir h && ln -s ../h .git/hooks; true"
    [ ! -e repo/.git/hooks ] || fail ".git/hooks was created"
    expect_host_git_safe repo
}

test_attack_shell_startup_files_created_in_home() {
    MOAT_OPTS=(--allow-write "$HOME")
    for f in .zshrc .profile .bash_aliases .bash_login; do
        attack write "$HOME/$f"; expect_eq "$OUT" EROFS "$f"
        [ ! -e "$HOME/$f" ] || fail "$f created on the host"
    done
    mkdir -p "$HOME/.config" "$HOME/.local"
    for d in .config/fish .local/bin bin .config/systemd; do
        attack mkdir "$HOME/$d"; expect_eq "$OUT" EROFS "$d"
        [ ! -e "$HOME/$d" ] || fail "$d created on the host"
    done
    attack tmpfile-link "$HOME" .zshrc; expect_eq "$OUT" EROFS "O_TMPFILE then link"
    attack write "$HOME/notes.txt"; expect_eq "$OUT" ok
}

test_attack_new_and_bare_repositories() {
    mkdir -p proj
    MOAT_OPTS=(--allow-write "$WORK/proj")
    attack mkdir "$WORK/proj/.git"; expect_eq "$OUT" EROFS "a new repository"
    attack mkdir "$WORK/proj/sub"; expect_eq "$OUT" ok
    moat_run "${MOAT_OPTS[@]}" -c "cd $WORK/proj/sub && git init -q . 2>&1; \
        mkdir -p x/objects x/refs && echo 'ref: refs/heads/main' > x/HEAD; \
        printf '%s' '$(payload_config)' > x/config; true"
    [ ! -e proj/sub/.git ] || fail "a repository was created"
    [ ! -e proj/sub/x/HEAD ] || fail "a bare repository was planted"
    expect_host_git_safe proj/sub/x
    # Lifting ".git" lets the command make repositories of its own.
    MOAT_OPTS=(--allow-write "$WORK/proj" --unprotect .git)
    moat_run "${MOAT_OPTS[@]}" -c "cd $WORK/proj && git init -q new && \
        git -C new -c user.name=t -c user.email=t@t commit -q --allow-empty -m x && echo made"
    expect_contains "$OUT" made
}

test_attack_git_indirections() {
    make_git_repo repo
    mkdir -p evil/hooks
    printf '%s' "$(payload_config)" > evil/config
    MOAT_OPTS=(--allow-write "$WORK")
    attack write "$WORK/repo/.git/commondir"; expect_eq "$OUT" EROFS "commondir"
    attack write "$WORK/repo/.git/config.worktree"; expect_eq "$OUT" EROFS "config.worktree"
    mkdir -p repo/.git/modules/m
    attack mkdir "$WORK/repo/.git/modules/m/hooks"; expect_eq "$OUT" EROFS "a submodule's hooks"
    attack write "$WORK/repo/.git/modules/m/config"; expect_eq "$OUT" EROFS "a submodule's config"
    attack rename "$WORK/evil" "$WORK/repo/.git/modules"; expect_eq "$OUT" EROFS "modules dir"
    # A linked worktree's .git file, and the gitdir it names.
    git -C repo worktree add -q ../wt 2>/dev/null
    attack write "$WORK/wt/.git"; expect_eq "$OUT" EROFS "the .git file"
    expect_host_git_safe repo
    expect_host_git_safe wt
}

test_attack_core_hookspath_directory() {
    make_git_repo repo
    mkdir -p repo/.husky
    git -C repo config core.hooksPath .husky
    MOAT_OPTS=(--allow-write "$WORK/repo")
    attack write "$WORK/repo/.husky/pre-commit"; expect_eq "$OUT" EROFS
    [ ! -e repo/.husky/pre-commit ] || fail "a hook was planted in core.hooksPath"
}

test_attack_protected_file_by_other_doors() {
    make_git_repo repo
    local cfg; cfg=$(sha repo/.git/config)
    MOAT_OPTS=(--allow-write "$WORK/repo")
    attack reopen-write "$WORK/repo/.git/config"; expect_eq "$OUT" EROFS "O_PATH then reopen"
    attack link "$WORK/repo/.git/config" "$WORK/repo/cfg"; expect_contains "$OUT" E "hard link"
    attack symlink "$WORK/repo/.git/config" "$WORK/repo/cfg"; expect_eq "$OUT" ok
    attack write "$WORK/repo/cfg"; expect_eq "$OUT" EROFS "through a symlink"
    # The same without the mount layer: the guard alone refuses.
    MOAT_OPTS=(--allow-write "$WORK/repo" --debug-disable-layer mounts)
    attack write "$WORK/repo/.git/config"; expect_eq "$OUT" EROFS "guard alone"
    attack link "$WORK/repo/.git/config" "$WORK/repo/cfg2"; expect_eq "$OUT" EROFS "guard alone"
    expect_eq "$(sha repo/.git/config)" "$cfg"
}

# A thread flips the path between a harmless name and a protected one while
# another creates it: the guard reads the path once and acts on what it read.
test_attack_toctou_race_on_the_path() {
    mkdir -p "$HOME"
    MOAT_OPTS=(--allow-write "$HOME")
    attack race-create "$HOME" aaaaaaa .zshrc 3000
    [ ! -e "$HOME/.zshrc" ] || fail "the race created .zshrc"
    [ -e "$HOME/aaaaaaa" ] || fail "the harmless name was never created (the race did not run)"
}

test_attack_file_lease_does_not_stall_the_guard() {
    # A read lease on a file makes an open for writing (or a truncate) wait
    # for the holder to let go, up to lease-break-time (45 s): made by the
    # guard, that wait would hold up every guarded call of every process.
    # The other process's mkdir must be done while the lease still stands.
    mkdir proj
    echo data > proj/leased
    MOAT_OPTS=(--allow-write "$WORK/proj")
    attack lease-stall "$WORK/proj/leased" "$WORK/proj/made"
    expect_eq "$OUT" ok "open for writing"
    [ -d proj/made ] || fail "the other process's mkdir did not happen"
    attack lease-stall "$WORK/proj/leased" "$WORK/proj/made2" truncate
    expect_eq "$OUT" ok "truncate"
    expect_eq "$(stat -c %s proj/leased)" 0 "the truncate, once the lease is let go"
}

test_attack_guard_own_proc_entry() {
    mkdir -p proj
    MOAT_OPTS=(--allow-write "$WORK/proj")
    attack write /proc/1/mem; expect_eq "$OUT" EACCES "the guard's memory"
    attack reopen-write /proc/1/mem; expect_eq "$OUT" EACCES "through an O_PATH fd"
    attack write /proc/1/comm; expect_eq "$OUT" EACCES
}

# ---- special paths --------------------------------------------------------

test_attack_special_paths_cannot_be_shared() {
    mkdir -p proj
    ln -s /proc proj/p
    ln -s / proj/root
    moat_run --allow-read /proc -- true; expect_eq "$RC" 125
    expect_contains "$ERR" "/proc inside the sandbox is its own"
    moat_run --allow-write "$WORK/proj/p" -- true; expect_eq "$RC" 125
    moat_run --allow-write "$WORK/proj/root" -- true; expect_eq "$RC" 125
    expect_contains "$ERR" 'resolves to "/"'
    moat_run --allow-write /sys/fs -- true; expect_eq "$RC" 125
}

test_attack_proc_sys_and_sysrq_are_read_only() {
    attack write /proc/sys/kernel/core_pattern
    case "$OUT" in EROFS|EACCES) ;; *) fail "core_pattern: $OUT" ;; esac
    need_root || return 0
    expect_eq "$OUT" EROFS "as root"
    if [ -e /proc/sysrq-trigger ]; then
        attack append /proc/sysrq-trigger; expect_eq "$OUT" EROFS "sysrq-trigger"
    fi
}

test_sys_shows_the_sandbox_network_only() {
    moat_run -- ls /sys/class/net
    expect_eq "$OUT" lo
}

# ---- privileges left behind ----------------------------------------------

test_attack_setuid_copy_left_in_writable_tree() {
    mkdir -p proj
    MOAT_OPTS=(--allow-write "$WORK/proj")
    moat_run "${MOAT_OPTS[@]}" -c "cp /bin/sh $WORK/proj/sh && chmod u+s $WORK/proj/sh; \
        chmod g+s $WORK/proj/sh; install -m 4755 /bin/sh $WORK/proj/sh2; true"
    for f in proj/sh proj/sh2; do
        [ -e "$f" ] || continue
        [ ! -u "$f" ] && [ ! -g "$f" ] || fail "$f is set-id on the host"
    done
    attack create-setuid "$WORK/proj/x"; expect_eq "$OUT" EPERM
    attack chmod-setuid "$WORK/proj/sh"; expect_eq "$OUT" EPERM
}

# ---- inherited descriptors ------------------------------------------------

test_attack_inherited_directory_descriptor() {
    mkdir -p proj/secrets
    echo TOPSECRET > proj/secrets/key
    moat_run --deny-read "$WORK/proj/secrets" -- "$ATTACK" fd-read 7 key 7<"$WORK/proj/secrets"
    expect_eq "$OUT" EBADF "an inherited directory fd"
    expect_not_contains "$ERR" TOPSECRET
    moat_run --deny-read "$WORK/proj/secrets" --pass-fd 7 -- "$ATTACK" fd-read 7 key \
        7<"$WORK/proj/secrets"
    expect_eq "$OUT" ok "an explicitly passed fd"
    moat_run --pass-fd 9 -- true
    expect_eq "$RC" 125
    expect_contains "$ERR" "descriptor 9"
}

# ---- socket families and binding ------------------------------------------

test_attack_socket_families_and_protocols() {
    attack socket 40 1 0; expect_eq "$OUT" EAFNOSUPPORT "AF_VSOCK"
    attack socket 2 1 262; expect_eq "$OUT" EPROTONOSUPPORT "MPTCP"
    attack socket 10 1 132; expect_eq "$OUT" EPROTONOSUPPORT "SCTP"
    attack socket 2 1 6; expect_eq "$OUT" ok "TCP"
}

test_attack_listen_beside_an_exposed_port() {
    MOAT_OPTS=(--expose 18087)
    attack listen-unbound; expect_eq "$OUT" EPERM "listen without bind"
    attack bind 127.0.0.1 0; expect_eq "$OUT" EPERM "bind port 0, then listen"
    attack bind 127.0.0.1 18087; expect_eq "$OUT" ok "the exposed port"
    attack bind ::1 18087; expect_eq "$OUT" ok "the exposed port, IPv6"
}

# ---- bounded tmpfs --------------------------------------------------------

test_private_tmp_is_bounded() {
    MOAT_OPTS=(--tmp-size 4M)
    attack fill /tmp/big 8388608; expect_eq "$OUT" ENOSPC "/tmp"
    attack fill /dev/shm/big 8388608; expect_eq "$OUT" ENOSPC "/dev/shm"
    attack fill /tmp/small 1048576; expect_eq "$OUT" ok
}

# ---- what keeps working -----------------------------------------------------

test_guarded_tree_keeps_everyday_work_working() {
    make_git_repo repo
    mkfifo "$WORK/repo/fifo"
    MOAT_OPTS=(--allow-write "$WORK/repo")
    moat_run "${MOAT_OPTS[@]}" -c "cd $WORK/repo && echo 'int main(void){return 0;}' > m.c && \
        cc -o m m.c && ./m && git add m.c && \
        git -c user.name=t -c user.email=t@t commit -q -m c && \
        mkdir -p a/b && mv a/b a/c && ln -s m.c l && ln m.c h && tar cf t.tar a m.c && \
        mkdir x && tar xf t.tar -C x && echo y > /dev/null && echo z > $WORK/repo/z && \
        (cat fifo > got &) && echo via-fifo > fifo && sleep 0.2 && cat got && \
        umask 077 && touch private && stat -c %a private"
    expect_eq "$RC" 0
    expect_contains "$OUT" via-fifo
    expect_contains "$OUT" 600
    expect_eq "$(git -C repo log --oneline | wc -l)" 2
}
