/* What only landlock isolation sends to the guard.  Modes, owners and
 * extended attributes: Landlock restricts none of them, and without a mount
 * namespace no read-only mount stands in the way, so a workload could make
 * the user's files world-writable (`chmod 666 ~/.bashrc`) or hand another
 * user access with a POSIX ACL.  Such a call may change only what lies in a
 * writable tree (or moat's own scratch directory) and is not kept
 * read-only there, judged like a write; everything else is refused with
 * EROFS, as a read-only mount would.  Removing a name (unlink, rmdir): no
 * pin keeps a protected name in place here, so it is judged like the
 * source of a rename.  Each call is made here, on what the guard
 * resolved, with the workload's credentials. */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sandbox/guard/guard_call.h"
#include "util/cleanup.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

enum attr_op { ATTR_CHMOD, ATTR_CHOWN, ATTR_SETXATTR, ATTR_REMOVEXATTR };

static const char *const op_names[] = { "chmod", "chown", "setxattr", "removexattr" };

static bool within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1)
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* May the object `target` (an O_PATH fd) have its attributes changed?
 * 0, or -EROFS (reported) / -EACCES / -errno. */
static int judge_object(struct guard_call *c, enum attr_op op, int target)
{
    struct stat st;
    if (fstat(target, &st) < 0)
        return -errno;
    char path[4096];
    int r = guard_place(&c->task, target, path, sizeof path, NULL); /* never nested here */
    if (r < 0)
        return r;
    /* Pipes, sockets, anonymous inodes and memfds are on no filesystem the
     * host shares: only this process tree holds them. */
    if (path[0] != '/' || strncmp(path, "/memfd:", 7) == 0)
        return 0;
    size_t len = strlen(path);
    const char *deleted = " (deleted)";
    if (len > strlen(deleted) && strcmp(path + len - strlen(deleted), deleted) == 0)
        path[len - strlen(deleted)] = '\0';
    if (guard_on_procfs(target) && guard_is_own_proc(path))
        return -EACCES;
    const struct fs_rules *fs = c->g->fs;
    for (size_t i = 0; i < fs->scratch.n; i++)
        if (within(path, fs->scratch.v[i]))
            return 0;
    for (size_t i = 0; i < fs->writable.n; i++)
        if (within(path, fs->writable.v[i]))
            return guard_judge(c, op_names[op], path, GUARD_WRITE, S_ISDIR(st.st_mode));
    guard_report(c, op_names[op], path, "not in a writable tree (landlock isolation keeps "
                                        "the modes, owners and attributes of the rest)");
    return -EROFS;
}

/* The object a call names: a path (from dirfd, following a final symlink
 * unless nofollow), or, with no path, the fd itself. */
static int resolve(struct guard_call *c, int dirfd, uint64_t path_addr, bool has_path,
                   bool nofollow, bool empty_ok, int *out)
{
    *out = -1;
    if (!has_path) {
        int fd = guard_task_dirfd(&c->task, dirfd);
        if (fd < 0)
            return fd;
        *out = fd;
        return 0;
    }
    char path[PATH_MAX];
    if (!path_addr)
        return -EFAULT;
    int r = guard_read_string(c, path_addr, path, sizeof path);
    if (r < 0)
        return r;
    if (!*path) {
        if (!empty_ok)
            return -ENOENT;
        int fd = guard_task_dirfd(&c->task, dirfd);
        if (fd < 0)
            return fd;
        *out = fd;
        return 0;
    }
    _cleanup_close_ int start = guard_task_start(c, dirfd, path);
    if (start < 0)
        return start;
    return guard_walk_full(&c->task, start, path, !nofollow, out);
}

static long do_chmod(int target, uint64_t mode)
{
    struct stat st;
    if (fstat(target, &st) < 0)
        return -errno;
    if (S_ISLNK(st.st_mode))
        return -EOPNOTSUPP; /* what fchmodat2(AT_SYMLINK_NOFOLLOW) answers */
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", target);
    return chmod(link, (mode_t)mode) < 0 ? -errno : 0;
}

static long do_chown(int target, uint64_t uid, uint64_t gid)
{
    return fchownat(target, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0 ? -errno : 0;
}

static long do_xattr(struct guard_call *c, int target, enum attr_op op, uint64_t name_addr,
                     uint64_t value_addr, uint64_t size, uint64_t flags)
{
    char name[XATTR_NAME_MAX + 1];
    int r = name_addr ? guard_read_string(c, name_addr, name, sizeof name) : -EFAULT;
    if (r < 0)
        return r == -ENAMETOOLONG ? -ERANGE : r;
    struct stat st;
    if (fstat(target, &st) < 0)
        return -errno;
    if (S_ISLNK(st.st_mode))
        return -EPERM; /* user.* attributes are refused on symlinks; the others need
                        * capabilities the workload does not have */
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", target);
    if (op == ATTR_REMOVEXATTR)
        return removexattr(link, name) < 0 ? -errno : 0;
    if (size > XATTR_SIZE_MAX)
        return -E2BIG;
    void *value = size ? malloc((size_t)size) : NULL;
    if (size && !value)
        return -ENOMEM;
    r = size ? guard_read_mem(c, value_addr, value, (size_t)size) : 0;
    long result = r < 0 ? r
                        : setxattr(link, name, value, (size_t)size, (int)flags) < 0 ? -errno : 0;
    free(value);
    return result;
}

static long attr_call(struct guard_call *c, enum attr_op op, int dirfd, uint64_t path_addr,
                      bool has_path, bool nofollow, bool empty_ok, const __u64 *rest)
{
    _cleanup_close_ int target = -1;
    int r = resolve(c, dirfd, path_addr, has_path, nofollow, empty_ok, &target);
    if (r < 0)
        return r;
    if (!guard_call_valid(c))
        return -ESRCH;
    if ((r = judge_object(c, op, target)) < 0)
        return r;
    switch (op) {
    case ATTR_CHMOD:
        return do_chmod(target, rest[0]);
    case ATTR_CHOWN:
        return do_chown(target, rest[0], rest[1]);
    case ATTR_SETXATTR:
    case ATTR_REMOVEXATTR:
        return do_xattr(c, target, op, rest[0], rest[1], rest[2], rest[3]);
    }
    return -ENOSYS;
}

static long op_unlink(struct guard_call *c, int dirfd, uint64_t path_addr, uint64_t flags)
{
    if (flags & ~(uint64_t)AT_REMOVEDIR)
        return -EINVAL;
    char path[PATH_MAX], last[256];
    int r = path_addr ? guard_read_string(c, path_addr, path, sizeof path) : -EFAULT;
    if (r < 0)
        return r;
    if (!*path)
        return -ENOENT;
    _cleanup_close_ int start = guard_task_start(c, dirfd, path);
    if (start < 0)
        return start;
    _cleanup_close_ int parent = -1;
    bool trailing = false;
    if ((r = guard_walk_parent(&c->task, start, path, &parent, last, sizeof last, &trailing)) < 0)
        return r;
    if (!guard_call_valid(c))
        return -ESRCH;
    struct stat st;
    bool is_dir = fstatat(parent, last, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    if ((r = guard_judge_at(c, "remove", &parent, last, GUARD_REMOVE, is_dir)) < 0)
        return r;
    return unlinkat(parent, last, (int)flags) < 0 ? -errno : 0;
}

long guard_attr_call(struct guard_call *c)
{
    const __u64 *a = c->req->data.args;
    switch (c->req->data.nr) {
#ifdef SYS_unlink
    case SYS_unlink:
        return op_unlink(c, AT_FDCWD, a[0], 0);
#endif
#ifdef SYS_rmdir
    case SYS_rmdir:
        return op_unlink(c, AT_FDCWD, a[0], AT_REMOVEDIR);
#endif
    case SYS_unlinkat:
        return op_unlink(c, (int)a[0], a[1], a[2]);
#ifdef SYS_chmod
    case SYS_chmod:
        return attr_call(c, ATTR_CHMOD, AT_FDCWD, a[0], true, false, false, a + 1);
#endif
    case SYS_fchmod:
        return attr_call(c, ATTR_CHMOD, (int)a[0], 0, false, false, false, a + 1);
    case SYS_fchmodat:
        return attr_call(c, ATTR_CHMOD, (int)a[0], a[1], true, false, false, a + 2);
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
    case 452: /* fchmodat2(dirfd, path, mode, flags) */
        if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
            return -EINVAL;
        return attr_call(c, ATTR_CHMOD, (int)a[0], a[1], true, a[3] & AT_SYMLINK_NOFOLLOW,
                         a[3] & AT_EMPTY_PATH, a + 2);
#endif
#ifdef SYS_chown
    case SYS_chown:
        return attr_call(c, ATTR_CHOWN, AT_FDCWD, a[0], true, false, false, a + 1);
#endif
#ifdef SYS_lchown
    case SYS_lchown:
        return attr_call(c, ATTR_CHOWN, AT_FDCWD, a[0], true, true, false, a + 1);
#endif
    case SYS_fchown:
        return attr_call(c, ATTR_CHOWN, (int)a[0], 0, false, false, false, a + 1);
    case SYS_fchownat:
        if (a[4] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
            return -EINVAL;
        return attr_call(c, ATTR_CHOWN, (int)a[0], a[1], true, a[4] & AT_SYMLINK_NOFOLLOW,
                         a[4] & AT_EMPTY_PATH, a + 2);
    case SYS_setxattr:
        return attr_call(c, ATTR_SETXATTR, AT_FDCWD, a[0], true, false, false, a + 1);
    case SYS_lsetxattr:
        return attr_call(c, ATTR_SETXATTR, AT_FDCWD, a[0], true, true, false, a + 1);
    case SYS_fsetxattr:
        return attr_call(c, ATTR_SETXATTR, (int)a[0], 0, false, false, false, a + 1);
    case SYS_removexattr:
        return attr_call(c, ATTR_REMOVEXATTR, AT_FDCWD, a[0], true, false, false, a + 1);
    case SYS_lremovexattr:
        return attr_call(c, ATTR_REMOVEXATTR, AT_FDCWD, a[0], true, true, false, a + 1);
    case SYS_fremovexattr:
        return attr_call(c, ATTR_REMOVEXATTR, (int)a[0], 0, false, false, false, a + 1);
    default:
        return -ENOSYS;
    }
}
