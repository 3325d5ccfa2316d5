/* The sandbox's own /proc, /sys, /dev and /tmp; see mount_system.h. */
#include "sandbox/mount/mount_system.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "sandbox/mount/devfs.h"
#include "sandbox/mount/mount_ops.h"
#include "util/cleanup.h"
#include "util/error.h"

#define RO_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

/* Kernel knobs under /proc that a workload run by root could otherwise
 * write: as uid 0 mapped to the host's root, /proc/sys's permission check
 * passes for global sysctls, and /proc/sysrq-trigger checks no capability
 * at all.  Read-only as in Docker's default set. */
static const char *const proc_read_only[] = {
    "sys", "sysrq-trigger", "irq", "bus", "fs", NULL,
};
/* Hidden: kernel memory, other users' keys, timer internals. */
static const char *const proc_masked[] = { "kcore", "keys", "timer_list", NULL };

void mount_system_tmp_size(const struct moat_policy *p, char *buf, size_t size)
{
    if (p->fs.tmp_size)
        snprintf(buf, size, "%llu", (unsigned long long)p->fs.tmp_size);
    else
        snprintf(buf, size, "25%%");
}

static int mount_proc(const struct mount_system *s, struct moat_error *err)
{
    _cleanup_close_ int procdir = mnt_open_path(s->newroot, "/proc", false);
    if (procdir < 0)
        return error_set_errno(err, procdir, "no /proc directory in the sandbox root");
    /* A fresh procfs for the new pid namespace: only sandbox pids exist. */
    _cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
    if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return error_set_errno(err, -errno, "cannot create procfs");
    _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
                                      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0 || move_mount(mnt, "", procdir, "", MOVE_MOUNT_F_EMPTY_PATH |
                                                        MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return error_set_errno(err, -errno, "cannot mount /proc");
    _cleanup_close_ int proc = mnt_open_path(s->newroot, "/proc", false);
    if (proc < 0)
        return error_set_errno(err, proc, "cannot open /proc");
    for (const char *const *n = proc_read_only; *n; n++) {
        _cleanup_close_ int fd = openat(proc, *n, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue; /* not every kernel has every entry */
        int r = mnt_bind(fd, fd, RO_ATTRS | MOUNT_ATTR_NOEXEC, 0);
        if (r < 0)
            return error_set_errno(err, r, "cannot make /proc/%s read-only", *n);
    }
    _cleanup_close_ int empty = openat(s->newroot, "../empty", O_PATH | O_CLOEXEC);
    for (const char *const *n = proc_masked; *n && empty >= 0; n++) {
        _cleanup_close_ int fd = openat(proc, *n, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        int r = mnt_bind(empty, fd, RO_ATTRS | MOUNT_ATTR_NOEXEC, 0);
        if (r < 0)
            return error_set_errno(err, r, "cannot hide /proc/%s", *n);
    }
    return 0;
}

/* A sysfs of the sandbox's own network namespace: /sys/class/net lists its
 * interfaces, not the host's (whose MAC addresses identify the machine).
 * Without a network namespace of our own the kernel refuses a new sysfs,
 * and the host's stays, read-only, with the rest of the host tree. */
static int mount_sys(const struct mount_system *s, struct moat_error *err)
{
    if (!s->own_netns)
        return 0;
    _cleanup_close_ int sysdir = mnt_open_path(s->newroot, "/sys", false);
    if (sysdir == -ENOENT)
        return 0; /* the listed model shows no /sys */
    if (sysdir < 0)
        return error_set_errno(err, sysdir, "cannot open /sys in the sandbox root");
    _cleanup_close_ int fs = fsopen("sysfs", FSOPEN_CLOEXEC);
    if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return error_set_errno(err, -errno, "cannot create a sysfs for the sandbox");
    _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, RO_ATTRS | MOUNT_ATTR_NOEXEC);
    if (mnt < 0 || move_mount(mnt, "", sysdir, "", MOVE_MOUNT_F_EMPTY_PATH |
                                                       MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return error_set_errno(err, -errno, "cannot mount /sys");
    return 0;
}

int mount_system_build(const struct mount_system *s, struct moat_error *err)
{
    int r;
    if ((r = mount_proc(s, err)) < 0 || (r = mount_sys(s, err)) < 0)
        return r;
    _cleanup_close_ int oldroot = open("/oldroot", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (oldroot < 0)
        return error_set_errno(err, -errno, "cannot open the host tree");
    if ((r = devfs_build(oldroot, s->newroot, s->tmp_size, err)) < 0)
        return r;
    if ((r = strv_push(s->own_tmpfs, "/dev")) < 0 || (r = strv_push(s->make_ro, "/dev")) < 0 ||
        (r = strv_push(s->own_tmpfs, "/dev/shm")) < 0)
        return error_set(err, r, "out of memory");
    if (s->private_tmp) {
        _cleanup_close_ int tmp = mnt_open_path(s->newroot, "/tmp", false);
        if (tmp < 0 || (r = mnt_tmpfs(tmp, "1777", s->tmp_size, MOUNT_ATTR_NOSUID |
                                                                    MOUNT_ATTR_NODEV)) < 0)
            return error_set_errno(err, tmp < 0 ? tmp : r, "cannot mount a private /tmp");
        if ((r = strv_push(s->own_tmpfs, "/tmp")) < 0)
            return error_set(err, r, "out of memory");
    }
    return 0;
}
