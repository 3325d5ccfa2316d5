/* The filesystem calls the write guard carries out for the workload: open
 * for writing or creating, mkdir, mknod, symlink, link, rename, truncate.
 * Each is resolved to (directory fd, last name) or to an O_PATH fd of the
 * object, judged, and then made on those fds: a new name with the *at()
 * call in its directory, an existing file reopened through
 * /proc/self/fd/N, so the object judged is the object acted on.  The
 * caller's umask is applied.  Errors are the kernel's own, as the workload
 * would have seen them. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "policy/protected.h"
#include "sandbox/guard/guard_call.h"
#include "util/cleanup.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

/* The caller's umask (/proc/TID/status "Umask:"), applied to the guard's
 * own before it creates anything; 022 when it cannot be read. */
static void take_umask(struct guard_call *c)
{
    umask(guard_task_status(&c->task) == 0 ? (mode_t)c->task.umask : 022);
}

static int read_path(struct guard_call *c, uint64_t addr, char *buf, size_t size)
{
    if (!addr)
        return -EFAULT;
    return guard_read_string(c, addr, buf, size);
}

/* Where a path argument starts: the caller's root for an absolute path,
 * else dirfd (AT_FDCWD: its working directory).  A new fd. */
int guard_task_start(struct guard_call *c, int dirfd, const char *path)
{
    if (path[0] == '/') {
        int fd = fcntl(c->task.root, F_DUPFD_CLOEXEC, 3);
        return fd < 0 ? -errno : fd;
    }
    int fd = guard_task_dirfd(&c->task, dirfd);
    if (fd < 0)
        return fd;
    struct stat st;
    if (*path && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))) {
        close(fd);
        return -ENOTDIR;
    }
    return fd;
}

static int reopen(int target, int flags, mode_t mode)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", target);
    /* O_NOCTTY: the guard never takes a terminal as its own. */
    int fd = open(link, (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_NOCTTY | O_CLOEXEC, mode);
    return fd < 0 ? -errno : fd;
}

/* Open target in a child that answers the call itself.  Opening a FIFO for
 * reading or writing alone waits for the other end: the guard keeps serving
 * meanwhile.  With userns >= 0 the child first joins that user namespace (the
 * caller's, a nested one): the kernel lets only a process of a namespace or
 * of its parent write its id maps, so an id map opened by the guard, further
 * up, could not be written. */
static int open_in_child(struct guard_call *c, int target, int flags, int userns)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0) {
        c->answered = true;
        return 0;
    }
    int fd = userns >= 0 && setns(userns, CLONE_NEWUSER) < 0 ? -errno : reopen(target, flags, 0);
    if (fd >= 0)
        fd = (int)guard_install_fd(c->g, c->req->id, fd, flags & O_CLOEXEC);
    struct seccomp_notif_resp resp = { .id = c->req->id };
    if (fd < 0)
        resp.error = fd;
    else
        resp.val = fd;
    ioctl(c->g->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    _exit(0);
}

/* Making the name last in parent, which the caller reached through a
 * read-only mount: the kernel's answer is EEXIST for a name that is there,
 * else EROFS (see guard_mount_writable).  Asked before the judgement (which
 * trades parent for its view) and answered after it, so that a protected
 * name is reported as refused whatever mount it was reached through. */
static int mount_allows_create(int parent, const char *last)
{
    int r = guard_mount_writable(parent);
    struct stat st;
    if (r == -EROFS && fstatat(parent, last, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return -EEXIST;
    return r;
}

/* Judge writing to what fd refers to, by where it lies in the sandbox's
 * tree (path gets that place); never the guard's own /proc entries.  A
 * nested namespace's own filesystem is not judged. */
static int judge_placed(struct guard_call *c, const char *op, int *fd, char *path, size_t size)
{
    int r = guard_locate(c, op, fd, path, size);
    if (r == -EXDEV)
        return 0;
    if (r < 0)
        return r;
    if (guard_on_procfs(*fd) && guard_is_own_proc(path))
        return -EACCES;
    return guard_judge(c, op, path, GUARD_WRITE, false);
}

/* An existing object, opened for writing or truncating: judged by where it
 * is, then reopened (through the sandbox's own mounts: *target may be
 * replaced, see guard_locate). */
static int open_existing(struct guard_call *c, int *targetp, int flags, bool trailing, int *out)
{
    struct stat st;
    if (fstat(*targetp, &st) < 0)
        return -errno;
    if (trailing && !S_ISDIR(st.st_mode))
        return -ENOTDIR;
    int acc = flags & O_ACCMODE;
    bool writing = acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC);
    char path[4096];
    /* The caller's mount, answered after the judgement (see op_rename); a
     * directory opened for writing gets EISDIR from the reopen. */
    int mount = writing && !S_ISDIR(st.st_mode) ? guard_mount_writable(*targetp) : 0;
    int r = guard_locate(c, "write", targetp, path, sizeof path);
    int target = *targetp;
    if (r < 0 && r != -EXDEV) /* -EXDEV: a nested namespace's own filesystem */
        return r;
    if (r == 0 && guard_on_procfs(target) && guard_is_own_proc(path))
        return -EACCES;
    if (r == 0 && writing &&
        (r = guard_judge(c, "write", path, GUARD_WRITE, S_ISDIR(st.st_mode))) < 0)
        return r;
    if (mount < 0)
        return mount;
    if (S_ISFIFO(st.st_mode) && !(flags & O_NONBLOCK) && acc != O_RDWR) {
        *out = -1;
        return open_in_child(c, target, flags, -1);
    }
    _cleanup_close_ int userns = guard_on_procfs(target) ? guard_task_userns(&c->task) : -1;
    if (userns >= 0) {
        *out = -1;
        return open_in_child(c, target, flags, userns);
    }
    /* A lease (fcntl F_SETLEASE) another process holds on a regular file
     * makes an open for writing wait for it to be let go, up to
     * /proc/sys/fs/lease-break-time, while every other guarded call of
     * every process waited for the guard: opened without waiting first
     * (EWOULDBLOCK at once, the lease being broken meanwhile), and by a
     * child when it would wait.  O_NONBLOCK means nothing else for a
     * regular file. */
    bool regular = S_ISREG(st.st_mode), nonblock = flags & O_NONBLOCK;
    int fd = reopen(target, flags | (regular ? O_NONBLOCK : 0), 0);
    if (fd == -EWOULDBLOCK && regular && !nonblock) {
        *out = -1;
        return open_in_child(c, target, flags, -1);
    }
    if (fd >= 0 && regular && !nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    if (fd < 0)
        return fd;
    *out = fd;
    return 0;
}

/* truncate(2) by a child that answers the call itself: it waits for a
 * lease to be let go (see open_existing) while the guard keeps serving. */
static int truncate_in_child(struct guard_call *c, const char *link, off_t length)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0) {
        c->answered = true;
        return 0;
    }
    struct seccomp_notif_resp resp = { .id = c->req->id };
    if (truncate(link, length) < 0)
        resp.error = -errno;
    ioctl(c->g->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    _exit(0);
}

static bool is_dot(const char *last)
{
    return strcmp(last, ".") == 0 || strcmp(last, "..") == 0;
}

/* open(2) as the kernel does it for the caller, the name judged first. */
static int open_emulated(struct guard_call *c, int start, const char *path, int flags, mode_t mode,
                         int *out)
{
    *out = -1;
    if (!*path)
        return -ENOENT;
    if (flags & O_PATH) { /* no access at all: no judgement needed */
        int fd, r = guard_walk_full(&c->task, start, path, !(flags & O_NOFOLLOW), &fd);
        if (r < 0)
            return r;
        struct stat st;
        if ((flags & O_DIRECTORY) && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))) {
            close(fd);
            return -ENOTDIR;
        }
        *out = fd;
        return 0;
    }
    if ((flags & __O_TMPFILE) == __O_TMPFILE) { /* an unnamed file in a directory */
        _cleanup_close_ int dir = -1;
        int r = guard_walk_full(&c->task, start, path, true, &dir);
        if (r < 0)
            return r;
        take_umask(c);
        int fd = reopen(dir, flags, mode);
        if (fd < 0)
            return fd;
        *out = fd;
        return 0;
    }
    int parent = -1, r;
    char last[256];
    bool trailing;
    if ((r = guard_walk_parent(&c->task, start, path, &parent, last, sizeof last, &trailing)) < 0)
        return r;
    for (int links = 0;; links++) {
        if (links > GUARD_MAX_LINKS) {
            r = -ELOOP;
            break;
        }
        struct stat st;
        if (is_dot(last)) {
            if ((flags & O_CREAT) && !(flags & O_DIRECTORY)) {
                r = -EISDIR;
                break;
            }
            _cleanup_close_ int target = openat(parent, last, O_PATH | O_DIRECTORY | O_CLOEXEC);
            r = target < 0 ? -errno : open_existing(c, &target, flags, trailing, out);
            break;
        }
        if (fstatat(parent, last, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT || !(flags & O_CREAT)) {
                r = -errno;
                break;
            }
            if (trailing) {
                r = -EISDIR;
                break;
            }
            int mount = mount_allows_create(parent, last);
            if ((r = guard_judge_at(c, "create", &parent, last, GUARD_CREATE, false)) < 0 ||
                (r = mount) < 0)
                break;
            take_umask(c);
            /* O_NOFOLLOW: a symlink raced in since the check is walked
             * again, never followed blindly; O_EXCL: so is a file (one
             * another process holds a lease on, a FIFO), which
             * open_existing opens. */
            int fd = openat(parent, last, flags | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
            if (fd >= 0) {
                *out = fd;
                r = 0;
                break;
            }
            if (errno == ELOOP || (errno == EEXIST && !(flags & O_EXCL)))
                continue;
            r = -errno;
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
                r = -EEXIST;
                break;
            }
            if (flags & O_NOFOLLOW) {
                r = -ELOOP;
                break;
            }
            if (guard_on_procfs(parent)) { /* /dev/stdout -> /proc/self/fd/1 */
                int target = guard_walk_magic(&c->task, parent, last);
                r = target < 0 ? target : open_existing(c, &target, flags, trailing, out);
                if (target >= 0)
                    close(target);
                break;
            }
            char link[4096];
            ssize_t n = readlinkat(parent, last, link, sizeof link - 1);
            if (n < 0) {
                r = -errno;
                break;
            }
            link[n] = '\0';
            int next;
            bool t2;
            r = guard_walk_parent(&c->task, parent, link, &next, last, sizeof last, &t2);
            if (r < 0)
                break;
            close(parent);
            parent = next;
            trailing |= t2;
            continue;
        }
        if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
            r = -EEXIST;
            break;
        }
        int target = openat(parent, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0) {
            if (errno == ENOENT)
                continue; /* removed since the stat: look again */
            r = -errno;
            break;
        }
        r = open_existing(c, &target, flags, trailing, out);
        close(target);
        break;
    }
    close(parent);
    return r;
}

static long op_open(struct guard_call *c, int dirfd, uint64_t path_addr, uint64_t flags,
                    uint64_t mode, int *inject, bool *cloexec)
{
    char path[4096];
    int r = read_path(c, path_addr, path, sizeof path);
    if (r < 0)
        return r;
    _cleanup_close_ int start = guard_task_start(c, dirfd, path);
    if (start < 0)
        return start;
    if (!guard_call_valid(c))
        return -ESRCH;
    *cloexec = flags & O_CLOEXEC;
    int fd;
    r = open_emulated(c, start, path, (int)flags, (mode_t)(mode & 07777), &fd);
    if (r < 0)
        return r;
    *inject = fd;
    return 0;
}

/* openat2(2) with resolve restrictions (RESOLVE_BENEATH, RESOLVE_IN_ROOT,
 * RESOLVE_NO_SYMLINKS, ...): those change the walk itself, so the kernel
 * walks, with the same restrictions, from the caller's directory and within
 * the caller's root (guard_walk_restricted).  (Its "/proc/self" would be
 * the walker's; a caller restricting its own walk has no business there.) */
static int open_restricted(struct guard_call *c, int start, const char *path, int flags,
                           mode_t mode, uint64_t resolve, int *out)
{
    *out = -1;
    if (!*path)
        return -ENOENT;
    for (int tries = 0; tries < GUARD_MAX_LINKS; tries++) {
        struct open_how how = { .flags = O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY)),
                                .resolve = resolve };
        int target = guard_walk_restricted(&c->task, start, path, &how);
        if (target >= 0) {
            if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
                close(target);
                return -EEXIST;
            }
            int r = open_existing(c, &target, flags, false, out);
            close(target);
            return r;
        }
        if (target != -ENOENT || !(flags & O_CREAT))
            return target;
        char dir[4096];
        const char *slash = strrchr(path, '/');
        const char *last = slash ? slash + 1 : path;
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == path ? 1 : slash - path) : 1,
                 slash ? path : ".");
        how = (struct open_how){ .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = resolve };
        _cleanup_close_ int parent = guard_walk_restricted(&c->task, start, dir, &how);
        if (parent < 0)
            return parent;
        if (!*last || is_dot(last))
            return -EISDIR;
        int mount = mount_allows_create(parent, last);
        int r = guard_judge_at(c, "create", &parent, last, GUARD_CREATE, false);
        if (r < 0 || (r = mount) < 0)
            return r;
        take_umask(c);
        /* O_EXCL: a file made meanwhile is walked to again (open_emulated) */
        int fd = openat(parent, last, flags | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
        if (fd >= 0) {
            *out = fd;
            return 0;
        }
        if (errno != ELOOP && !(errno == EEXIST && !(flags & O_EXCL)))
            return -errno;
    }
    return -ELOOP;
}

/* "/proc/self/..." and "/proc/thread-self/..." of a caller whose root and
 * /proc are the guard's, with "self" put as the caller's own pid (in
 * `out`): walked by the kernel for the guard, they would name the guard
 * (refused: guard_is_own_proc) or its child.  Not under RESOLVE_NO_SYMLINKS
 * ("self" is a symlink: ELOOP) nor where "/" is not the root.  false when
 * path is not such a path. */
static bool proc_self_path(struct guard_call *c, const char *path, uint64_t resolve, char *out,
                           size_t size)
{
    if (c->task.own_root || (resolve & (RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT)))
        return false;
    const char *rest = NULL;
    bool thread = false;
    if (strncmp(path, "/proc/self", 10) == 0)
        rest = path + 10;
    else if (strncmp(path, "/proc/thread-self", 17) == 0)
        rest = path + 17, thread = true;
    if (!rest || (*rest && *rest != '/') || guard_task_status(&c->task) < 0)
        return false;
    int n = thread ? snprintf(out, size, "/proc/%d/task/%d%s", (int)c->task.tgid,
                              (int)c->task.tid, rest)
                   : snprintf(out, size, "/proc/%d%s", (int)c->task.tgid, rest);
    return n > 0 && (size_t)n < size;
}

static long op_openat2(struct guard_call *c, int dirfd, uint64_t path_addr, uint64_t how_addr,
                       uint64_t size, int *inject, bool *cloexec)
{
    struct open_how how = { 0 };
    if (size < sizeof how)
        return -EINVAL;
    int r = guard_read_mem(c, how_addr, &how, sizeof how);
    if (r < 0)
        return r;
    if (how.flags > 0xffffffffu || how.mode > 07777)
        return -EINVAL;
    if (!how.resolve)
        return op_open(c, dirfd, path_addr, how.flags, how.mode, inject, cloexec);
    char given[4096], mine[4200];
    if ((r = read_path(c, path_addr, given, sizeof given)) < 0)
        return r;
    const char *path = proc_self_path(c, given, how.resolve, mine, sizeof mine) ? mine : given;
    _cleanup_close_ int start = guard_task_start(c, dirfd, path[0] == '/' ? "." : path);
    if (start < 0)
        return start;
    if (!guard_call_valid(c))
        return -ESRCH;
    *cloexec = how.flags & O_CLOEXEC;
    int fd;
    if ((r = open_restricted(c, start, path, (int)how.flags, (mode_t)how.mode, how.resolve, &fd)) < 0)
        return r;
    *inject = fd;
    return 0;
}

/* The parent and last component of a path argument; *start kept open for
 * the caller to close. */
static int resolve_name(struct guard_call *c, int dirfd, const char *path, int *parent,
                        char *last, size_t lsize, bool *trailing)
{
    if (!*path)
        return -ENOENT;
    _cleanup_close_ int start = guard_task_start(c, dirfd, path);
    if (start < 0)
        return start;
    return guard_walk_parent(&c->task, start, path, parent, last, lsize, trailing);
}

/* A git directory made in this run, with ".git" unprotected: its config and
 * hooks are the run's own (guard_rules.h). */
static void note_new_gitdir(struct guard_call *c, int parent, const char *last)
{
    struct guard *g = c->g;
    size_t n = strlen(last);
    if (!g->rules.gitdir_is_new || n < 4 || strcasecmp(last + n - 4, ".git") != 0)
        return;
    struct stat st;
    if (fstatat(parent, last, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
        return;
    struct file_id *ids = realloc(g->new_gitdirs, (g->n_new_gitdirs + 1) * sizeof *ids);
    if (!ids)
        return;
    g->new_gitdirs = ids;
    ids[g->n_new_gitdirs++] = (struct file_id){ st.st_dev, st.st_ino };
}

static long op_mknod(struct guard_call *c, int dirfd, uint64_t path_addr, uint64_t mode,
                     uint64_t dev, bool dir)
{
    char path[4096], last[256];
    int r = read_path(c, path_addr, path, sizeof path);
    if (r < 0)
        return r;
    int parent;
    bool trailing;
    if ((r = resolve_name(c, dirfd, path, &parent, last, sizeof last, &trailing)) < 0)
        return r;
    if (!guard_call_valid(c))
        r = -ESRCH;
    else if (!dir && trailing)
        r = -ENOENT;
    else {
        int mount = mount_allows_create(parent, last); /* answered after the judgement */
        if ((r = guard_judge_at(c, "create", &parent, last, GUARD_CREATE, dir)) == 0)
            r = mount;
    }
    if (r == 0) {
        take_umask(c);
        if (dir)
            r = mkdirat(parent, last, (mode_t)(mode & 07777)) < 0 ? -errno : 0;
        else
            r = mknodat(parent, last, (mode_t)mode, (dev_t)(unsigned)dev) < 0 ? -errno : 0;
        if (r == 0 && dir)
            note_new_gitdir(c, parent, last);
    }
    close(parent);
    return r;
}

static long op_symlink(struct guard_call *c, uint64_t target_addr, int dirfd, uint64_t path_addr)
{
    char target[4096], path[4096], last[256];
    int r = read_path(c, target_addr, target, sizeof target);
    if (r < 0 || (r = read_path(c, path_addr, path, sizeof path)) < 0)
        return r;
    if (!*target)
        return -ENOENT;
    int parent;
    bool trailing;
    if ((r = resolve_name(c, dirfd, path, &parent, last, sizeof last, &trailing)) < 0)
        return r;
    if (!guard_call_valid(c))
        r = -ESRCH;
    else {
        int mount = mount_allows_create(parent, last); /* answered after the judgement */
        if ((r = guard_judge_at(c, "symlink", &parent, last, GUARD_REPLACE, true)) == 0 &&
            (r = mount) == 0)
            r = symlinkat(target, parent, last) < 0 ? -errno : 0;
    }
    close(parent);
    return r;
}

static long op_link(struct guard_call *c, int olddirfd, uint64_t old_addr, int newdirfd,
                    uint64_t new_addr, uint64_t flags)
{
    char oldp[4096], newp[4096], oldlast[256], newlast[256];
    int r = read_path(c, old_addr, oldp, sizeof oldp);
    if (r < 0 || (r = read_path(c, new_addr, newp, sizeof newp)) < 0)
        return r;
    if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    int oldparent = -1, newparent = -1, source = -1;
    bool trailing;
    if (!*oldp && (flags & AT_EMPTY_PATH)) {
        source = guard_task_dirfd(&c->task, olddirfd);
        r = source < 0 ? source : 0;
    } else if ((r = resolve_name(c, olddirfd, oldp, &oldparent, oldlast, sizeof oldlast,
                                 &trailing)) == 0 &&
               (flags & AT_SYMLINK_FOLLOW)) {
        r = guard_walk_full(&c->task, oldparent, oldlast, true, &source);
    } else if (r == 0) {
        source = openat(oldparent, oldlast, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        r = source < 0 ? -errno : 0;
    }
    if (r == 0)
        r = resolve_name(c, newdirfd, newp, &newparent, newlast, sizeof newlast, &trailing);
    if (r == 0 && !guard_call_valid(c))
        r = -ESRCH;
    /* What the caller's mounts say, in the kernel's order: the new name
     * (EEXIST, EROFS), then one mount (EXDEV); answered after the judgement
     * (see op_rename). */
    int mounts = 0;
    if (r == 0 && (mounts = mount_allows_create(newparent, newlast)) == 0)
        mounts = guard_same_mount(source, newparent);
    /* A second name for a protected file would be a writable one. */
    char srcpath[4096];
    int placed = source;
    if (r == 0 && (r = judge_placed(c, "link", &source, srcpath, sizeof srcpath)) == 0 &&
        (r = guard_judge_at(c, "link", &newparent, newlast, GUARD_CREATE, false)) == 0 &&
        (r = mounts) == 0) {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", source);
        /* A source seen through another mount (nested namespaces) is linked
         * through the sandbox's view of it, where newparent now is too. */
        if (oldparent >= 0 && !(flags & AT_SYMLINK_FOLLOW) && source == placed)
            r = linkat(oldparent, oldlast, newparent, newlast, 0) < 0 ? -errno : 0;
        else if (!*oldp)
            r = linkat(source, "", newparent, newlast, AT_EMPTY_PATH) < 0 ? -errno : 0;
        else
            r = linkat(AT_FDCWD, link, newparent, newlast, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
    }
    int fds[] = { oldparent, newparent, source };
    for (size_t i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return r;
}

static bool name_is_dir(int parent, const char *last)
{
    struct stat st;
    return fstatat(parent, last, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static long op_rename(struct guard_call *c, int olddirfd, uint64_t old_addr, int newdirfd,
                      uint64_t new_addr, uint64_t flags)
{
    char oldp[4096], newp[4096], oldlast[256], newlast[256];
    int r = read_path(c, old_addr, oldp, sizeof oldp);
    if (r < 0 || (r = read_path(c, new_addr, newp, sizeof newp)) < 0)
        return r;
    int oldparent = -1, newparent = -1;
    bool trailing;
    r = resolve_name(c, olddirfd, oldp, &oldparent, oldlast, sizeof oldlast, &trailing);
    if (r == 0)
        r = resolve_name(c, newdirfd, newp, &newparent, newlast, sizeof newlast, &trailing);
    if (r == 0 && !guard_call_valid(c))
        r = -ESRCH;
    /* What the caller's mounts say, in the kernel's order: one mount
     * (EXDEV), writable (EROFS); a name with something mounted on it in the
     * caller's namespace cannot move (EBUSY), though the guard's view may
     * have nothing mounted there.  Answered after the judgement: a refused
     * rename is reported, and is not an EXDEV that mv(1) answers by copying
     * and deleting. */
    int mounts = 0;
    if (r == 0 && (mounts = guard_same_mount(oldparent, newparent)) == 0 &&
        (mounts = guard_mount_writable(oldparent)) == 0 &&
        (guard_is_mount_point(oldparent, oldlast) || guard_is_mount_point(newparent, newlast)))
        mounts = -EBUSY;
    if (r == 0) {
        bool old_dir = name_is_dir(oldparent, oldlast), new_dir = name_is_dir(newparent, newlast);
        r = guard_judge_at(c, "rename", &oldparent, oldlast, GUARD_REMOVE, old_dir);
        if (r == 0)
            r = guard_judge_at(c, "rename", &newparent, newlast, GUARD_REPLACE, old_dir);
        if (r == 0 && (flags & RENAME_EXCHANGE)) {
            r = guard_judge_at(c, "rename", &newparent, newlast, GUARD_REMOVE, new_dir);
            if (r == 0)
                r = guard_judge_at(c, "rename", &oldparent, oldlast, GUARD_REPLACE, new_dir);
        }
        if (r == 0)
            r = mounts;
        if (r == 0)
            r = syscall(SYS_renameat2, oldparent, oldlast, newparent, newlast, (unsigned)flags) < 0
                    ? -errno
                    : 0;
        if (r == 0 && old_dir)
            note_new_gitdir(c, newparent, newlast);
    }
    if (oldparent >= 0)
        close(oldparent);
    if (newparent >= 0)
        close(newparent);
    return r;
}

static long op_truncate(struct guard_call *c, uint64_t path_addr, uint64_t length)
{
    char path[4096], where[4096];
    int r = read_path(c, path_addr, path, sizeof path);
    if (r < 0)
        return r;
    if (!*path)
        return -ENOENT;
    _cleanup_close_ int start = guard_task_start(c, AT_FDCWD, path);
    if (start < 0)
        return start;
    _cleanup_close_ int target = -1;
    if ((r = guard_walk_full(&c->task, start, path, true, &target)) < 0)
        return r;
    if (!guard_call_valid(c))
        return -ESRCH;
    struct stat st;
    if (fstat(target, &st) < 0)
        return -errno;
    /* The caller's mount, answered after the judgement. */
    int mount = S_ISDIR(st.st_mode) ? 0 : guard_mount_writable(target);
    if ((r = judge_placed(c, "write", &target, where, sizeof where)) < 0 || (r = mount) < 0)
        return r;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", target);
    if (!S_ISREG(st.st_mode))
        return truncate(link, (off_t)length) < 0 ? -errno : 0;
    /* A regular file: opened for writing without waiting for a lease (see
     * open_existing), so none can be taken while it is truncated; one that
     * would wait is truncated by a child. */
    _cleanup_close_ int fd = open(link, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == EWOULDBLOCK ? truncate_in_child(c, link, (off_t)length) : -errno;
    return ftruncate(fd, (off_t)length) < 0 ? -errno : 0;
}

long guard_fs_call(struct guard_call *c, int *inject, bool *cloexec)
{
    const __u64 *a = c->req->data.args;
    switch (c->req->data.nr) {
#ifdef SYS_open
    case SYS_open:
        return op_open(c, AT_FDCWD, a[0], a[1], a[2], inject, cloexec);
#endif
#ifdef SYS_creat
    case SYS_creat:
        return op_open(c, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1], inject, cloexec);
#endif
    case SYS_openat:
        return op_open(c, (int)a[0], a[1], a[2], a[3], inject, cloexec);
    case SYS_openat2:
        return op_openat2(c, (int)a[0], a[1], a[2], a[3], inject, cloexec);
#ifdef SYS_mkdir
    case SYS_mkdir:
        return op_mknod(c, AT_FDCWD, a[0], a[1], 0, true);
#endif
    case SYS_mkdirat:
        return op_mknod(c, (int)a[0], a[1], a[2], 0, true);
#ifdef SYS_mknod
    case SYS_mknod:
        return op_mknod(c, AT_FDCWD, a[0], a[1], a[2], false);
#endif
    case SYS_mknodat:
        return op_mknod(c, (int)a[0], a[1], a[2], a[3], false);
#ifdef SYS_symlink
    case SYS_symlink:
        return op_symlink(c, a[0], AT_FDCWD, a[1]);
#endif
    case SYS_symlinkat:
        return op_symlink(c, a[0], (int)a[1], a[2]);
#ifdef SYS_link
    case SYS_link:
        return op_link(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
#endif
    case SYS_linkat:
        return op_link(c, (int)a[0], a[1], (int)a[2], a[3], a[4]);
#ifdef SYS_rename
    case SYS_rename:
        return op_rename(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
#endif
#ifdef SYS_renameat
    case SYS_renameat:
        return op_rename(c, (int)a[0], a[1], (int)a[2], a[3], 0);
#endif
    case SYS_renameat2:
        return op_rename(c, (int)a[0], a[1], (int)a[2], a[3], a[4]);
    case SYS_truncate:
        return op_truncate(c, a[0], a[1]);
    default:
        return -ENOSYS;
    }
}
