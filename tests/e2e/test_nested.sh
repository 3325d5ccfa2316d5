# Nested namespaces (docs/security.md "Nested namespaces"): with
# allowNestedNamespaces, unshare -Ur and bwrap work inside, and what the
# sandbox protects stays protected through every mount a nested namespace can
# make: another mount point for a protected tree, a root of its own, an
# overlay, a second view of /proc, unmounting and remounting.

# The tools these tests drive, from the host.
BWRAP=$(command -v bwrap || true)

nested_opts() { # the options of a sandbox sharing $WORK/proj and $HOME
    MOAT_OPTS=(--allow-nested-namespaces --allow-write "$WORK/proj" --allow-write "$HOME"
               --cwd "$WORK/proj")
}

# bwrap with the host's tree read-only and a scratch tmpfs at /mnt.
bwrap_in() { # [BWRAP OPTIONS...] -- COMMAND...
    moat_run "${MOAT_OPTS[@]}" -- "$BWRAP" --ro-bind / / --dev /dev --tmpfs /mnt "$@"
}

test_nested_namespaces_and_mounts_refused_without_the_setting() {
    [ -n "$BWRAP" ] || { echo "SKIP: bwrap not installed"; return 0; }
    moat_run -- unshare -Ur true
    [ "$RC" != 0 ] || fail "unshare -Ur succeeded without allowNestedNamespaces"
    moat_run -- "$BWRAP" --ro-bind / / true
    [ "$RC" != 0 ] || fail "bwrap succeeded without allowNestedNamespaces"
    # What a nested namespace would give: a mount.
    moat_run --allow-nested-namespaces -- unshare -Urm sh -c 'mount -t tmpfs t /mnt && echo mounted'
    if need_root; then
        # Mapping the host's uid 0 needs CAP_SETFCAP (Linux 5.12), which the
        # workload never has: documented, and checked here so it stays true.
        expect_not_contains "$OUT" mounted "as root"
        expect_contains "$ERR" "uid_map" "as root"
    else
        expect_eq "$OUT" mounted "with allowNestedNamespaces"
    fi
    attack remount-root-rw; expect_eq "$OUT" EPERM
}

test_nested_unshare_maps_the_user() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    moat_run --allow-nested-namespaces -- unshare -Ur id -u
    expect_eq "$RC" 0
    expect_eq "$OUT" 0
    # With a writable tree the guard runs and opens the id maps for the caller.
    mkdir proj
    nested_opts
    moat_run "${MOAT_OPTS[@]}" -- unshare -Ur sh -c 'id -u; unshare -Ur id -u'
    expect_eq "$OUT" "$(printf '0\n0')" "one and two levels deep"
}

test_nested_bwrap_runs_and_writes_the_project() {
    [ -n "$BWRAP" ] || { echo "SKIP: bwrap not installed"; return 0; }
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir proj
    nested_opts
    # As srt runs it: a pid namespace and a procfs of its own.
    bwrap_in --bind "$WORK/proj" "$WORK/proj" --unshare-pid --proc /proc --chdir "$WORK/proj" \
        sh -c 'echo built > out.txt && mkdir -p sub && echo x > sub/y && echo tmp > /mnt/t &&
               cat /mnt/t && ls /proc | grep -c "^[0-9]"'
    expect_eq "$RC" 0
    expect_eq "$(echo "$OUT" | sed -n 1p)" tmp
    [ "$(echo "$OUT" | sed -n 2p)" -lt 5 ] || fail "the nested procfs shows the sandbox's pids: $OUT"
    expect_eq "$(cat proj/out.txt)" built
    expect_eq "$(cat proj/sub/y)" x
    # The same project mounted elsewhere: written under its sandbox name.
    bwrap_in --bind "$WORK/proj" /mnt/p sh -c 'echo again > /mnt/p/out2.txt'
    expect_eq "$RC" 0
    expect_eq "$(cat proj/out2.txt)" again
}

test_nested_protected_names_hold_through_any_mount() {
    [ -n "$BWRAP" ] || { echo "SKIP: bwrap not installed"; return 0; }
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir proj
    git init -q proj
    local cfg; cfg=$(sha256sum proj/.git/config)
    nested_opts
    # The project, its .git and its hooks, each mounted somewhere else; bwrap
    # also gives every command a root of its own (pivot_root).
    bwrap_in --bind "$WORK/proj" /mnt/x sh -c \
        'echo evil > /mnt/x/.git/hooks/pre-commit; echo "[core]" >> /mnt/x/.git/config;
         mv /mnt/x/.git /mnt/x/.g; echo ok > /mnt/x/plain'
    expect_contains "$ERR" "refused create $WORK/proj/.git/hooks/pre-commit"
    expect_contains "$ERR" "refused write $WORK/proj/.git/config"
    bwrap_in --bind "$WORK/proj/.git" /mnt/g sh -c \
        'echo evil > /mnt/g/hooks/post-checkout; mv /mnt/g/hooks /mnt/g/h; ln -s /bin/sh /mnt/g/hooks/pre-push'
    expect_contains "$ERR" "refused create $WORK/proj/.git/hooks/post-checkout"
    bwrap_in --bind "$WORK/proj/.git/hooks" /mnt/h sh -c 'echo evil > /mnt/h/pre-commit'
    expect_contains "$ERR" "refused create $WORK/proj/.git/hooks/pre-commit"
    # A home-scoped name: below $HOME only, so its place is what counts.
    bwrap_in --bind "$HOME" /mnt/home sh -c \
        'mkdir -p /mnt/home/.config/fish; echo evil > /mnt/home/.config/fish/config.fish;
         echo evil > /mnt/home/.bashrc'
    expect_contains "$ERR" "refused create $HOME/.config/fish"
    expect_eq "$(ls proj/.git/hooks | grep -vc sample || true)" 0 "hooks planted"
    expect_eq "$(sha256sum proj/.git/config)" "$cfg" ".git/config"
    [ -d proj/.git/hooks ] || fail ".git/hooks was moved"
    [ ! -e "$HOME/.config/fish/config.fish" ] || fail "fish config planted"
    [ ! -e "$HOME/.bashrc" ] || fail ".bashrc planted"
    expect_eq "$(cat proj/plain)" ok "an ordinary file"
}

test_nested_overlay_writes_are_refused() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir -p proj/sub "$HOME/upper" "$HOME/work" lower/hooks
    git init -q proj/sub/repo
    printf '#!/bin/sh\necho HOOK-RAN\n' > lower/hooks/pre-commit
    chmod 755 lower/hooks/pre-commit
    chmod -R a+rX lower
    nested_opts
    # An overlay's upper directory in a writable tree: the kernel would create
    # names there itself (a copy-up when a lower file's mode changes), past
    # the guard.  The mount is refused, by mount(2) and by the new mount API.
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urm sh -c \
        "mount -t overlay o -o lowerdir=/usr/share/doc,upperdir=$HOME/upper,workdir=$HOME/work /mnt &&
         echo mounted; echo evil > /mnt/.bashrc; mkdir /mnt/.config; echo x > /mnt/plain
         mkdir -p $WORK/proj/wk && mount -t overlay o -o lowerdir=$WORK/lower,upperdir=$WORK/proj/sub/repo/.git,workdir=$WORK/proj/wk /mnt &&
         echo mounted; chmod 755 /mnt/hooks/pre-commit
         python3 -c 'import ctypes, os; libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(430, b\"overlay\", 0)
print(\"fsopen\", r, os.strerror(ctypes.get_errno()))'"
    expect_not_contains "$OUT" mounted
    expect_contains "$OUT" "fsopen -1 Function not implemented"
    expect_contains "$ERR" "type overlay"
    expect_eq "$(ls -A "$HOME/upper")" "" "the overlay's upper directory"
    expect_eq "$(ls proj/sub/repo/.git/hooks | grep -c '^pre-commit$')" 0 "a hook copied up"
}

test_nested_overlay_with_the_old_mount_magic_is_refused_too() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir -p proj/sub proj/work lower/.git/hooks
    printf '#!/bin/sh\necho HOOK-RAN\n' > lower/.git/hooks/pre-commit
    chmod -R a+rX lower
    nested_opts
    # MS_MGC_VAL in the high half of the flags: the kernel drops it, and its
    # bits look like MS_PRIVATE|MS_SLAVE to a filter that does not.
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urm sh -c \
        "$ATTACK mount-magic none /mnt overlay lowerdir=$WORK/lower,upperdir=$WORK/proj/sub,workdir=$WORK/proj/work,userxattr
         chmod 755 /mnt/.git/hooks/pre-commit 2>/dev/null
         $ATTACK mount-magic t /mnt tmpfs size=1m && stat -f -c %T /mnt"
    expect_eq "$OUT" "EPERM
ok
tmpfs" "the overlay refused, a tmpfs made"
    expect_contains "$ERR" "type overlay"
    [ ! -e proj/sub/.git ] || fail "copied up to the host: $(find proj/sub)"
}

test_nested_chroot_into_a_bind_of_the_root_is_placed() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir -p proj/sub
    echo orig > proj/sub/file.txt
    nested_opts
    # After a chroot (not a pivot_root) the thread's paths and the kernel's
    # names for its files differ by the new root's own name: a write is
    # placed in the sandbox's tree all the same, and a protected name is
    # refused as itself.
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urm sh -c \
        "mkdir /tmp/r && mount --rbind / /tmp/r && exec /usr/sbin/chroot /tmp/r sh -c '
            echo more >> $WORK/proj/sub/file.txt && echo appended
            mkdir $WORK/proj/sub/.git 2>/dev/null || echo refused'"
    expect_eq "$OUT" "appended
refused"
    expect_eq "$(cat proj/sub/file.txt)" "orig
more"
    expect_contains "$ERR" "refused create $WORK/proj/sub/.git: a new or moved git repository"
}

test_nested_a_stopped_walker_does_not_stop_the_guard() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir proj
    nested_opts
    # In a root of its own, a restricted openat2 is walked by a child of the
    # guard with the workload's uid; stopping it must not stop every call.
    moat_run "${MOAT_OPTS[@]}" --timeout 60 -- unshare -Urm sh -c \
        "mkdir /tmp/r && mount --rbind / /tmp/r && exec /usr/sbin/chroot /tmp/r $ATTACK stop-walker /tmp/made"
    # It comes back, whatever the answer (a chroot into an rbind of / is not
    # placed: EROFS, docs/security.md); 124 would be the guard hanging.
    [ "$RC" != 124 ] || fail "the guard hung behind the stopped walker"
    case $OUT in ok | EROFS) ;; *) fail "the guarded mkdir: $OUT" ;; esac
}

test_nested_kernel_filesystems_of_new_namespaces_mount() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir proj
    nested_opts
    # mqueue shows the IPC namespace of whoever mounts it (sysfs the network one,
    # cgroup2 the cgroup one): the guard's mount joins the caller's, as the kernel
    # would allow the caller.  A message queue made in it is the caller's own.
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urmi sh -c \
        'mount -t mqueue m /mnt && stat -f -c %T /mnt &&
         python3 -c "import ctypes, os
rt = ctypes.CDLL(\"librt.so.1\", use_errno=True)
q = rt.mq_open(b\"/moat-q\", os.O_CREAT | os.O_RDWR, 0o600, None)
print(\"queue\" if q >= 0 else os.strerror(ctypes.get_errno()))" && ls /mnt'
    expect_eq "$OUT" "mqueue
queue
moat-q"
}

test_nested_memory_filesystems_mount_only_for_a_caller_that_may() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir proj
    nested_opts
    # tmpfs and a procfs of a nested pid namespace are mounted for the caller
    # (the procfs shows that namespace); a caller without CAP_SYS_ADMIN in its
    # namespace gets EPERM, as from the kernel.
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urmpf --mount-proc sh -c '
        mount -t tmpfs -o size=1m,mode=0700 t /mnt && stat -f -c %T /mnt && stat -c %a /mnt
        echo pids $(ls /proc | grep -c "^[0-9]")
        umount /mnt
        setpriv --bounding-set -sys_admin mount -t tmpfs t /mnt 2>/dev/null || echo refused
        stat -f -c %T /mnt'
    expect_contains "$OUT" "tmpfs"
    expect_contains "$OUT" "700"
    expect_contains "$OUT" "refused"
    local pids
    pids=$(printf '%s\n' "$OUT" | sed -n 's/^pids //p')
    [ -n "$pids" ] && [ "$pids" -lt 5 ] || fail "a procfs of the nested pid namespace shows $pids processes"
    expect_eq "$(printf '%s\n' "$OUT" | tail -1)" "$(stat -f -c %T /mnt)" "after a refused mount"
}

test_nested_mounts_cannot_uncover_what_is_hidden() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir -p proj secret
    echo s3cret > secret/key
    nested_opts
    # /dev/.moat-proc covers a procfs kept for the kernel's check on nested
    # procfs mounts (mount_system.c): it must stay covered.
    moat_run "${MOAT_OPTS[@]}" --deny-read "$WORK/secret" -- unshare -Urm sh -c "
        ls /dev/.moat-proc/proc/1 2>/dev/null && echo moat-proc
        umount /dev/.moat-proc 2>/dev/null && echo moat-proc-unmounted
        mount --rbind /dev /mnt 2>/dev/null && ls /mnt/.moat-proc/proc/1 2>/dev/null && echo moat-proc
        umount $WORK/secret 2>/dev/null && echo unmounted
        umount -l $WORK/secret 2>/dev/null && echo lazily-unmounted
        mount -o remount,bind,rw / 2>/dev/null && echo root-rw
        mount --bind $WORK /mnt 2>/dev/null && echo bound-parent
        mount --rbind $WORK /mnt 2>/dev/null && cat /mnt/secret/key 2>/dev/null
        cat $WORK/secret/key 2>/dev/null; echo done"
    expect_eq "$OUT" done
}

test_nested_guard_proc_unreachable_through_another_mount() {
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir proj
    nested_opts
    # /proc bound elsewhere is the same procfs: the guard's own entries are
    # still its own, whatever they are called.
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urm sh -c "mount --rbind /proc /mnt &&
        $ATTACK reopen-write /mnt/1/mem; $ATTACK write /mnt/1/comm; $ATTACK write /mnt/self/comm"
    expect_eq "$OUT" "$(printf 'EACCES\nEACCES\nok')"
    # A procfs of a nested pid namespace: "self" is not the guard's to name.
    [ -n "$BWRAP" ] || return 0
    bwrap_in --unshare-pid --proc /proc "$ATTACK" write /proc/self/comm
    expect_eq "$OUT" EACCES "self in a nested procfs"
}

test_nested_inherited_descriptors_are_not_a_way_out() {
    # Landlock is what refuses reopening a descriptor of the host's for
    # writing; without it the guard reopens through the sandbox's own,
    # read-only, mounts.
    echo original > victim
    MOAT_OPTS=(--allow-nested-namespaces)
    moat_run "${MOAT_OPTS[@]}" -- sh -c 'echo pwned > /dev/stdin; echo pwned >> /proc/self/fd/0' \
        < victim
    moat_run "${MOAT_OPTS[@]}" -- "$ATTACK" reopen-write /proc/self/fd/0 < victim
    expect_eq "$OUT" EROFS
    expect_eq "$(cat victim)" original
    # Stdout a host file outside the write paths (moat_run's capture file):
    # reopening it is refused, as it is without nesting.
    moat_run -- sh -c 'echo through > /dev/stdout'
    local plain_rc=$RC
    moat_run "${MOAT_OPTS[@]}" -- sh -c 'echo through > /dev/stdout'
    expect_eq "$RC" "$plain_rc" "as without nested namespaces"
    expect_eq "$OUT" ""
    # A pipe is not a file of the host's: reopened as ever (when its owner
    # is the command's user).
    expect_eq "$("$MOAT" run "${MOAT_OPTS[@]}" -- sh -c 'echo piped > /dev/stdout' | cat)" piped
    # A directory of the host's handed in could be changed through it.
    moat_run "${MOAT_OPTS[@]}" -- true < "$WORK"
    expect_eq "$RC" 125
    expect_contains "$ERR" "descriptor 0 is a directory"
}

test_nested_host_files_on_private_filesystems_stay_the_hosts() {
    # A file on a tmpfs of the host's, in a mount namespace the sandbox does
    # not have, and a procfs file of a host process, handed in read-only:
    # their filesystem types are those a nested namespace could mount for
    # itself, but no namespace of the command's mounted them.
    unshare -Urm sh -c "mount -t tmpfs t /mnt && echo original > /mnt/victim &&
        chmod 644 /mnt/victim && touch $WORK/ready && exec sleep 60" &
    local holder=$!
    # shellcheck disable=SC2064 # the holder's pid, now
    trap "kill $holder 2>/dev/null || true" EXIT
    local _; for _ in $(seq 1 100); do [ -e ready ] && break; sleep 0.05; done
    [ -e ready ] || fail "the holder of the host tmpfs did not start"
    local victim=/proc/$holder/root/mnt/victim
    MOAT_OPTS=(--allow-nested-namespaces)
    moat_run "${MOAT_OPTS[@]}" -- sh -c \
        "$ATTACK append /proc/self/fd/0; $ATTACK reopen-write /proc/self/fd/0" < "$victim"
    expect_eq "$OUT" "$(printf 'EROFS\nEROFS')" "a host tmpfs file"
    expect_contains "$ERR" "not in the sandbox's tree"
    expect_eq "$(cat "$victim")" original
    moat_run "${MOAT_OPTS[@]}" -- "$ATTACK" append /proc/self/fd/0 < "/proc/$holder/comm"
    expect_eq "$OUT" EROFS "a host process's /proc/PID/comm"
    expect_eq "$(cat "/proc/$holder/comm")" sleep
    # Pipes and the command's own memfds are not the host's files.
    expect_eq "$(echo x | "$MOAT" run "${MOAT_OPTS[@]}" -- "$ATTACK" reopen-write /proc/self/fd/0)" ok
    moat_run "${MOAT_OPTS[@]}" -- python3 -c "
import os; fd = os.memfd_create('m'); os.close(os.open('/proc/self/fd/%d' % fd, os.O_RDWR)); print('ok')"
    expect_eq "$OUT" ok "reopening a memfd"
}

test_nested_read_only_mounts_made_inside_hold() {
    [ -n "$BWRAP" ] || { echo "SKIP: bwrap not installed"; return 0; }
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir -p proj/sub proj/other
    echo original > proj/sub/file.txt
    nested_opts
    # A read-only bind made inside: the guard acts through the sandbox's own
    # (writable) mount of the project, yet what the caller reached is
    # read-only, and every way of writing meets that.
    local a=$ATTACK
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urm sh -c "
        mount --bind $WORK/proj/sub /mnt && mount -o remount,bind,ro /mnt &&
        $a append /mnt/file.txt; $a reopen-write /mnt/file.txt; $a truncate /mnt/file.txt
        $a write /mnt/created; $a mkdir /mnt/d; $a symlink x /mnt/l; $a link /mnt/file.txt /mnt/h
        $a rename /mnt/file.txt /mnt/renamed; $a mkdir /mnt/file.txt"
    expect_eq "$(echo $OUT)" "EROFS EROFS EROFS EROFS EROFS EROFS EROFS EROFS EEXIST" "a read-only bind"
    # bwrap's read-only root, the project not bound writable again.
    bwrap_in sh -c "$a append $WORK/proj/sub/file.txt; $a write $WORK/proj/sub/bwrap-created"
    expect_eq "$(echo $OUT)" "EROFS EROFS" "bwrap --ro-bind / /"
    expect_eq "$(cat proj/sub/file.txt)" original
    expect_eq "$(ls proj/sub)" file.txt
    # Two mounts of one tree: a rename or link from one to the other is
    # EXDEV, as the kernel has it; a name something is mounted on is EBUSY.
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urm sh -c "
        mount --bind $WORK/proj/sub /mnt &&
        $a rename /mnt/file.txt $WORK/proj/moved; $a link /mnt/file.txt $WORK/proj/hard
        mount --bind $WORK/proj/other $WORK/proj/sub &&
        $a rename $WORK/proj/sub $WORK/proj/sub2; $a rename $WORK/proj/other $WORK/proj/sub
        $a rename /mnt/file.txt /mnt/renamed"
    expect_eq "$(echo $OUT)" "EXDEV EXDEV EBUSY EBUSY ok" "across mounts"
    expect_eq "$(ls proj)" "$(printf 'other\nsub')"
    expect_eq "$(ls proj/sub)" renamed
}

test_nested_openat2_walks_within_the_callers_root() {
    [ -n "$BWRAP" ] || { echo "SKIP: bwrap not installed"; return 0; }
    need_root && { echo "SKIP: as root no id can be mapped (docs/security.md)"; return 0; }
    mkdir -p proj/sub
    echo original > proj/sub/file.txt
    nested_opts
    local a=$ATTACK f=$WORK/proj/sub/file.txt
    # openat2(2) with resolve flags is walked by the kernel for the guard:
    # an absolute path must start at the caller's root, here an empty one
    # that does not have the project at all.
    local empty=(--tmpfs / --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64
                 --ro-bind "$a" /attack --dev /dev --)
    moat_run "${MOAT_OPTS[@]}" -- sh -c "for r in nosymlinks nomagiclinks cached noxdev; do
        $BWRAP ${empty[*]} /attack openat2 append $f \$r; done
        $BWRAP ${empty[*]} /attack openat2 create $WORK/proj/sub/new nosymlinks"
    case "$(echo $OUT)" in
    "ENOENT ENOENT "E*" ENOENT ENOENT") ;;
    *) fail "from an empty root: got '$(echo $OUT)', want ENOENT (EAGAIN for cached)" ;;
    esac
    # What an inner sandbox hid stays hidden.
    bwrap_in --tmpfs "$WORK/proj/sub" "$a" openat2 read "$f" nosymlinks
    expect_eq "$OUT" ENOENT "a file hidden under --tmpfs"
    expect_not_contains "$ERR" original
    # A chroot: ".." stops at its top and an absolute symlink starts there.
    local chroot; chroot=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot)
    moat_run "${MOAT_OPTS[@]}" -- unshare -Urm sh -c "
        mount -t tmpfs t /mnt && mkdir /mnt/usr && mount --rbind /usr /mnt/usr &&
        ln -s usr/lib /mnt/lib && ln -s usr/lib64 /mnt/lib64 && touch /mnt/attack &&
        mount --bind $a /mnt/attack && ln -s $f /mnt/link && echo jail > /mnt/own &&
        $chroot /mnt /attack openat2 append ../../../..$f nosymlinks
        $chroot /mnt /attack openat2 append link nomagiclinks
        $chroot /mnt /attack openat2 append /own nosymlinks; cat /mnt/own"
    expect_eq "$(echo $OUT)" "ENOENT ENOENT ok jail pwned" "in a chroot"
    expect_eq "$(cat proj/sub/file.txt)" original
    # The project bound in: written (and judged) as ever.
    bwrap_in --bind "$WORK/proj" "$WORK/proj" "$a" openat2 append "$f" nosymlinks
    expect_eq "$OUT" ok "the project bound in"
    expect_eq "$(cat proj/sub/file.txt)" "$(printf 'original\npwned')"
}

test_nested_openat2_proc_self_is_the_caller() {
    # openat2("/proc/self/...", RESOLVE_NO_MAGICLINKS), as path-safety
    # libraries do it: the caller's own entry, not the walker's (the guard's,
    # refused).  RESOLVE_NO_SYMLINKS refuses "self" itself (ELOOP).
    mkdir proj
    local opts
    for opts in "--allow-write $WORK/proj" "--allow-nested-namespaces"; do
        # shellcheck disable=SC2086
        moat_run $opts -- sh -c "$ATTACK openat2 read /proc/self/comm nomagiclinks;
            $ATTACK openat2 read /proc/thread-self/comm nomagiclinks;
            $ATTACK openat2 read /proc/self/comm nosymlinks"
        expect_eq "$(echo $OUT)" "ok ok ELOOP" "$opts"
        expect_eq "$(echo $ERR)" "attack attack" "$opts: the caller's own comm"
    done
}
