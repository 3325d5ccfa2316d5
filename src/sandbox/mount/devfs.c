/* The minimal /dev; see devfs.h.  Device nodes cannot be created in a user
 * namespace, and nodes on a tmpfs mounted there would not open anyway
 * (SB_I_NODEV): the host's nodes are bind-mounted, which keeps their mount's
 * flags. */
#include "sandbox/mount/devfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/mount/mount_ops.h"
#include "util/cleanup.h"
#include "util/error.h"

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

static const struct { const char *name, *target; } dev_links[] = {
    { "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
    { "ptmx", "pts/ptmx" },
};

static int mount_devpts(int dev, struct moat_error *err)
{
    if (mkdirat(dev, "pts", 0755) < 0)
        return error_set_errno(err, -errno, "cannot create /dev/pts");
    _cleanup_close_ int pts = openat(dev, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int fs = fsopen("devpts", FSOPEN_CLOEXEC);
    /* newinstance: ptys opened here are invisible to the host and vice
     * versa; ptmxmode so /dev/ptmx -> pts/ptmx is usable. */
    if (pts < 0 || fs < 0 || fsconfig(fs, FSCONFIG_SET_FLAG, "newinstance", NULL, 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0620", 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return error_set_errno(err, -errno, "cannot create a devpts instance");
    _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (mnt < 0 ||
        move_mount(mnt, "", pts, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return error_set_errno(err, -errno, "cannot mount /dev/pts");
    return 0;
}

int devfs_build(int oldroot, int newroot, const char *shm_size, struct moat_error *err)
{
    _cleanup_close_ int target = mnt_open_path(newroot, "/dev", false);
    int r = target < 0 ? target : mnt_tmpfs(target, "0755", MNT_SMALL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (r < 0)
        return error_set_errno(err, r, "cannot mount a tmpfs on /dev");
    _cleanup_close_ int dev = mnt_open_path(newroot, "/dev", false);
    _cleanup_close_ int hostdev = mnt_open_path(oldroot, "/dev", false);
    if (dev < 0 || hostdev < 0)
        return error_set_errno(err, dev < 0 ? dev : hostdev, "cannot open /dev");

    for (const char *const *n = dev_nodes; *n; n++) {
        _cleanup_close_ int src = openat(hostdev, *n, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
            continue; /* e.g. no /dev/tty on a headless host */
        int fd = openat(dev, *n, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0)
            return error_set_errno(err, -errno, "cannot create /dev/%s", *n);
        close(fd);
        _cleanup_close_ int dst = openat(dev, *n, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0 || (r = mnt_bind(src, dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0)) < 0)
            return error_set_errno(err, dst < 0 ? -errno : r, "cannot bind /dev/%s", *n);
    }
    for (size_t i = 0; i < sizeof dev_links / sizeof *dev_links; i++)
        if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0)
            return error_set_errno(err, -errno, "cannot create /dev/%s", dev_links[i].name);
    if ((r = mount_devpts(dev, err)) < 0)
        return r;

    if (mkdirat(dev, "shm", 01777) < 0)
        return error_set_errno(err, -errno, "cannot create /dev/shm");
    _cleanup_close_ int shm = openat(dev, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    r = shm < 0 ? -errno : mnt_tmpfs(shm, "1777", shm_size, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (r < 0)
        return error_set_errno(err, r, "cannot mount /dev/shm");
    return 0;
}
