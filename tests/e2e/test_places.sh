# Places without user namespaces (docs/security.md, "Isolation modes"):
# landlock isolation attacked the way a workload would, and the places
# themselves recreated rather than assumed: a user namespace whose
# user.max_user_namespaces is 0, a seccomp filter equal to Docker's
# default profile (tests/places/docker_seccomp.c), no CAP_SYS_ADMIN.  In
# each, the right isolation is chosen, the policy holds (the attacks of
# test_writable_trees.sh that apply), and nothing runs unsandboxed.

DOCKER_SECCOMP=${DOCKER_SECCOMP:-$(dirname "$ATTACK")/docker-seccomp}

# The writable-tree attacks that apply without namespaces (no pins, no
# private /tmp or /sys, no expose): each becomes test_landlock_NAME.
LANDLOCK_ATTACKS="attack_rename_git_dir_and_rebuild_it attack_rename_parent_of_nested_repo
attack_rename_config_dir_to_rebuild_fish_config attack_policy_file_in_a_subfolder_of_a_writable_tree
attack_denyread_data_moved_between_runs attack_symlinked_bashrc_replaced_by_a_file
attack_denyread_link_loses_to_nothing attack_policy_symlink_in_a_writable_tree
attack_grant_through_a_planted_symlink_is_refused attack_missing_hooks_dir_is_created
attack_shell_startup_files_created_in_home attack_new_and_bare_repositories
attack_git_indirections attack_core_hookspath_directory attack_protected_file_by_other_doors
attack_toctou_race_on_the_path attack_guard_own_proc_entry attack_special_paths_cannot_be_shared
attack_file_lease_does_not_stall_the_guard
attack_setuid_copy_left_in_writable_tree
guarded_tree_keeps_everyday_work_working"
for a in $LANDLOCK_ATTACKS; do
    eval "test_landlock_$a() { E2E_ISOLATION=landlock; test_$a; }"
done

# A few of them again inside each recreated place, with --isolation auto.
PLACE_ATTACKS="attack_rename_git_dir_and_rebuild_it attack_shell_startup_files_created_in_home
attack_denyread_data_moved_between_runs attack_protected_file_by_other_doors"

# place_moat KIND: write $WORK/place-moat, which runs the real moat inside
# the place, and point MOAT at it.
place_moat() {
    local real=$MOAT
    case $1 in
    userns0) # a user namespace whose limit of nested ones is 0, no capabilities left
        cat > "$WORK/place-moat" <<EOS
#!/bin/sh
exec unshare -U --map-root-user sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --bounding-set=-all "\$0" "\$@"' "$real" "\$@"
EOS
        ;;
    docker) # Docker's default seccomp profile and capabilities
        printf '#!/bin/sh\nexec "%s" --docker-caps -- "%s" "$@"\n' "$DOCKER_SECCOMP" "$real" \
            > "$WORK/place-moat" ;;
    docker-sys-admin) # the same with --cap-add SYS_ADMIN
        printf '#!/bin/sh\nexec "%s" --docker-caps --cap-sys-admin -- "%s" "$@"\n' \
            "$DOCKER_SECCOMP" "$real" > "$WORK/place-moat" ;;
    no-sys-admin) # Docker's capabilities, no seccomp filter: no CAP_SYS_ADMIN
        printf '#!/bin/sh\nexec "%s" --docker-caps --no-filter -- "%s" "$@"\n' \
            "$DOCKER_SECCOMP" "$real" > "$WORK/place-moat" ;;
    esac
    chmod 0755 "$WORK/place-moat"
    REAL_MOAT=$real
    MOAT=$WORK/place-moat
}

# In a place without namespaces: auto takes landlock and says why in one
# line; namespaces, asked for, refuse to run (and say how to lift it);
# neither ever runs the command unsandboxed.
expect_landlock_place() { # CAUSE-TEXT
    moat_run --isolation auto --allow-write "$WORK/rw" -- "$ATTACK" write "$WORK/ro-file"
    expect_eq "$OUT" EACCES "a write outside allowWrite under auto"
    expect_contains "$ERR" 'isolation "landlock": namespaces are unavailable here'
    expect_contains "$ERR" "$1"
    expect_contains "$ERR" "to lift it:"
    moat_run --isolation auto --allow-write "$WORK/rw" -- "$ATTACK" write "$WORK/rw/f"
    expect_eq "$OUT" ok "a write inside allowWrite under auto"
    moat_run --isolation namespaces -c "touch $WORK/rw/ran-unsandboxed"
    expect_eq "$RC" 125
    expect_contains "$ERR" "$1"
    [ ! -e "$WORK/rw/ran-unsandboxed" ] || fail "the command ran though the sandbox could not be made"
}

for a in $PLACE_ATTACKS; do
    eval "test_place_userns0_$a() { place_moat userns0; E2E_ISOLATION=auto; test_$a; }"
    eval "test_place_docker_seccomp_$a() { place_moat docker; E2E_ISOLATION=auto; test_$a; }"
done

test_place_userns0_chooses_landlock_and_says_why() {
    mkdir -p rw; : > ro-file
    place_moat userns0
    expect_landlock_place "user.max_user_namespaces is 0"
}

test_place_docker_seccomp_chooses_landlock_and_says_why() {
    mkdir -p rw; : > ro-file
    place_moat docker
    expect_landlock_place "a seccomp filter refuses clone(CLONE_NEWUSER)"
    # The guard cannot take sockets from the command there (pidfd_getfd needs
    # CAP_SYS_PTRACE under Docker's profile): proxy mode is refused, not weakened.
    moat_run --isolation landlock --network proxy -c "touch $WORK/rw/ran"
    expect_eq "$RC" 125
    expect_contains "$ERR" "SYS_PTRACE"
    [ ! -e "$WORK/rw/ran" ] || fail "the command ran"
    # network none has no sockets to take: it runs.
    moat_run --isolation auto -- "$ATTACK" inet-socket
    expect_eq "$OUT" EAFNOSUPPORT "an IPv4 socket with network none"
}

test_place_docker_with_sys_admin_still_refuses_pivot_root() {
    [ "$ROOT_RUN" = 1 ] || return 0 # adding a capability needs one to add
    mkdir -p rw; : > ro-file
    place_moat docker-sys-admin
    # Docker's profile lets CAP_SYS_ADMIN mount, never pivot_root.
    expect_landlock_place "a seccomp filter refuses"
    moat_run --isolation auto -- true
    expect_contains "$ERR" "pivot_root into a new root: Operation not permitted"
}

test_place_without_cap_sys_admin_keeps_namespaces() {
    [ "$ROOT_RUN" = 1 ] || return 0 # uid 65534 has no capability to drop
    place_moat no-sys-admin
    moat_run --isolation auto -- "$ATTACK" caps
    expect_not_contains "$ERR" 'isolation "landlock"' "stderr"
    expect_contains "$OUT" "CapEff:	0000000000000000" "the command's capabilities"
    # Namespaces' own guarantees: a fresh /proc and a private /tmp.
    moat_run --isolation auto -- "$ATTACK" count-pids
    [ "$OUT" -le 3 ] || fail "the sandbox sees $OUT processes: not its own /proc"
    moat_run --isolation auto -c "touch /tmp/moat-place-mark && echo made"
    expect_eq "$OUT" made
    [ ! -e /tmp/moat-place-mark ] || { rm -f /tmp/moat-place-mark; fail "/tmp is the host's"; }
}
