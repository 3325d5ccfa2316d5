#!/bin/bash
# moat inside a real container: podman with runc, the containers' default
# seccomp profile, masked /proc paths, and a user namespace of its own
# (--uidmap: the container's root is an unprivileged uid on the host, as in
# a rootless container).  No image is downloaded: the root filesystem is an
# empty directory with the host's /usr, /bin, /lib, /lib64 and /etc mounted
# read-only into it.  Checks that moat takes the isolation the container
# allows, says why, keeps the policy, and never runs the command
# unsandboxed.  Root only (podman's user namespace needs its uid range);
# skipped when podman or runc is missing.  Run by run_all.sh.
#   MOAT=build/moat tests/podman.sh
set -u
cd "$(dirname "$0")/.."
MOAT=$(realpath "${MOAT:-build/moat}")
passed=0 failed=0
check() { # WHAT STATUS [DETAIL]
    if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok - $1"
    else failed=$((failed + 1)); echo "not ok - $1${3:+: $3}"; fi
}
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "podman: skipped (needs root, podman and runc)"
    echo "podman: 0 passed, 0 failed"
    exit 0
fi
dir=$(mktemp -d /var/tmp/moat-e2e.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 0755 "$dir"
mkdir -p "$dir/rootfs"/{usr,bin,lib,lib64,etc,proc,sys,dev,tmp,work,other,run,root}
install -m 0755 "$MOAT" "$dir/moat"
: > "$dir/rootfs/moat"
# Owned by the container's root (host uid 100000), which makes its mount points there.
chown -R 100000:100000 "$dir/rootfs"
# Writable trees shared with the container (podman's --tmpfs ignores mode=
# with --rootfs here): world-writable, so its users may write them.
mkdir -p "$dir/work" "$dir/other"
chmod 1777 "$dir/work" "$dir/other"

# pod [PODMAN-RUN-OPTIONS...] -- MOAT-ARGS...: moat in the container; OUT, ERR, RC.
pod() {
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    RC=0
    # crun refuses this machine's hybrid cgroups; runc with cgroupfs takes them.
    # The limits are this session's own (podman would raise them, which needs
    # CAP_SYS_RESOURCE).
    OUT=$(timeout 120 podman --runtime runc --cgroup-manager=cgroupfs --log-level=error \
        run --rm --network none --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
        --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
        -v /usr:/usr:ro -v /bin:/bin:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v /etc:/etc:ro \
        -v "$dir/moat:/moat:ro" --tmpfs /tmp -v "$dir/work:/work" -v "$dir/other:/other" "${opts[@]}" \
        --rootfs "$dir/rootfs" /moat "$@" 2>"$dir/err") || RC=$?
    ERR=$(cat "$dir/err")
}
has() { case $1 in *"$2"*) return 0 ;; *) return 1 ;; esac; }

# 1. Defaults: seccomp profile, masked /proc. Namespaces fail at the fresh
#    /proc; auto takes landlock and says why.
pod -- run --isolation auto --allow-write /work -c 'echo x > /work/f && echo wrote; (echo y > /other/g) 2>&1; true'
[ "$RC" = 0 ] && has "$OUT" wrote
check "defaults: the command runs, writing in allowWrite" $? "$RC $OUT $ERR"
has "$OUT" "Permission denied"
check "defaults: a write outside allowWrite is refused (Landlock)" $? "$OUT"
has "$ERR" 'isolation "landlock"' && has "$ERR" "masked paths" && has "$ERR" "systempaths=unconfined"
check "defaults: auto says it took landlock, why, and what lifts it" $? "$ERR"
pod -- run --isolation namespaces -c 'echo ran-unsandboxed'
[ "$RC" = 125 ] && ! has "$OUT" ran-unsandboxed && has "$ERR" "masked paths"
check "defaults: namespaces, asked for, refuse and run nothing" $? "$RC $OUT $ERR"
pod -- run --isolation auto -- sh -c 'grep -c "^[0-9]" /dev/null; ls /proc | grep -c "^[0-9]"'
[ "$RC" = 0 ]
check "defaults: processes stay visible in landlock isolation (as documented)" $? "$RC $ERR"

# 2. /proc unmasked: the same profile lets moat make its namespaces.
pod --security-opt systempaths=unconfined -- run --isolation auto --allow-write /work \
    -c 'echo x > /work/f && echo wrote; ls /proc | grep -c "^[0-9]"'
[ "$RC" = 0 ] && has "$OUT" wrote && [ -z "$ERR" ] && [ "$(echo "$OUT" | tail -n 1)" -le 4 ]
check "systempaths=unconfined: namespaces, a fresh /proc of the sandbox's own" $? "$RC $OUT $ERR"

# 3. The container's own non-root user.
pod --user 1000:1000 -e TMPDIR=/work -- run --isolation auto --allow-write /work -c 'echo x > /work/by-1000 && id -u'
[ "$RC" = 0 ] && [ "$(echo "$OUT" | tail -n 1)" = 1000 ] && has "$ERR" 'isolation "landlock"'
check "as the container's uid 1000: landlock isolation" $? "$RC $OUT $ERR"
[ -z "$(ls -A "$dir/work" | grep moat-run)" ]
check "the run's TMPDIR is removed" $? "$(ls -A "$dir/work")"

echo "podman: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
