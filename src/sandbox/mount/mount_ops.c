/* fd-based mount primitives; see mount_ops.h.  No policy knowledge here. */
#include "sandbox/mount/mount_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

static const char *relative(const char *path)
{
    while (*path == '/')
        path++;
    return *path ? path : ".";
}

int mnt_open_path(int root_fd, const char *path, bool follow)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_NO_MAGICLINKS |
                   (follow ? RESOLVE_IN_ROOT : RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH),
    };
    if (!follow)
        how.flags |= O_NOFOLLOW;
    int fd = (int)syscall(SYS_openat2, root_fd, relative(path), &how, sizeof how);
    return fd < 0 ? -errno : fd;
}

int mnt_fd_path(int proc_fd, int fd, char *buf, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "self/fd/%d", fd);
    ssize_t n = readlinkat(proc_fd, link, buf, size - 1);
    if (n < 0)
        return -errno;
    if ((size_t)n >= size - 1)
        return -ENAMETOOLONG;
    buf[n] = '\0';
    return 0;
}

int mnt_setattr(int fd, uint64_t attr_set, uint64_t attr_clr, bool recursive)
{
    struct mount_attr attr = { .attr_set = attr_set, .attr_clr = attr_clr };
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    return mount_setattr(fd, "", flags, &attr, sizeof attr) < 0 ? -errno : 0;
}

int mnt_bind(int src_fd, int dst_fd, uint64_t attr_set, uint64_t attr_clr)
{
    /* AT_RECURSIVE: inside a user namespace a non-recursive clone of a
     * mount with locked submounts is refused (it would reveal what they
     * cover), and we want the submounts anyway. */
    _cleanup_close_ int tree = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                         AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0)
        return -errno;
    if (attr_set || attr_clr) {
        int r = mnt_setattr(tree, attr_set, attr_clr, true);
        if (r < 0)
            return r;
    }
    if (move_mount(tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return -errno;
    return 0;
}

int mnt_tmpfs(int dst_fd, const char *mode, const char *size, uint64_t attr_set)
{
    _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -errno;
    if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return -errno;
    _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attr_set);
    if (mnt < 0)
        return -errno;
    if (move_mount(mnt, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return -errno;
    return 0;
}

int mnt_make_mountpoint(int root_fd, const char *path, bool last_is_file)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", relative(path)) >= (int)sizeof buf)
        return -ENAMETOOLONG;
    _cleanup_close_ int dir = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
    if (dir < 0)
        return -errno;
    char *save = NULL;
    for (char *comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
        bool last = *save == '\0';
        if (last && last_is_file) {
            int fd = openat(dir, comp, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (fd < 0)
                return -errno;
            close(fd);
            return 0;
        }
        if (mkdirat(dir, comp, 0755) < 0 && errno != EEXIST)
            return -errno;
        int next = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            return -errno;
        close(dir);
        dir = next;
    }
    return 0;
}
