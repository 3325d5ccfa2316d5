/* Path resolution for a workload thread; see guard_walk.h.  A fast path
 * lets the kernel walk (openat2 without magic links) when the thread's
 * root is ours and the result does not land in procfs; everything else,
 * and every failure, is walked component by component, which is the
 * authority: "/proc/self" is the one name whose meaning depends on who
 * walks it, and the guard is not the thread. */
#include "sandbox/guard/guard_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/guard/guard_call.h"
#include "sandbox/guard/guard_place.h"
#include "util/cleanup.h"

bool guard_on_procfs(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

static int identity(int fd, unsigned long long *mnt, unsigned long long *ino)
{
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &sx) < 0)
        return -errno;
    *mnt = sx.stx_mnt_id;
    *ino = ((unsigned long long)sx.stx_dev_major << 48) ^ ((unsigned long long)sx.stx_dev_minor << 32) ^
           sx.stx_ino;
    return 0;
}

int guard_task_open(struct guard_task *t, pid_t tid, int root, bool nested)
{
    /* The root's identity, for ".." at the top: the guard's root never
     * changes, so it is looked up once. */
    static unsigned long long root_mnt, root_ino;
    static int root_known = -1;
    if (root_known != root) {
        identity(root, &root_mnt, &root_ino);
        root_known = root;
    }
    *t = (struct guard_task){ .tid = tid, .umask = -1, .root = root, .cwd = -1,
                              .nested = nested, .guard_root = root, .root_mnt = root_mnt,
                              .root_ino = root_ino };
    if (!nested)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/root", (int)tid);
    int fd = guard_task_proc_open(path, O_PATH | O_DIRECTORY);
    unsigned long long mnt, ino;
    if (fd < 0 || identity(fd, &mnt, &ino) < 0) {
        if (fd >= 0)
            close(fd);
        return fd < 0 ? fd : -ESRCH;
    }
    if (mnt == root_mnt && ino == root_ino) {
        close(fd);
        return 0;
    }
    t->root = fd;
    t->own_root = true;
    t->root_mnt = mnt;
    t->root_ino = ino;
    return 0;
}

int guard_task_status(struct guard_task *t)
{
    if (t->tgid)
        return 0;
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/status", (int)t->tid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return -ESRCH;
    buf[n] = '\0';
    const char *tg = strstr(buf, "\nTgid:"), *um = strstr(buf, "\nUmask:");
    t->tgid = tg ? (pid_t)strtol(tg + 6, NULL, 10) : t->tid;
    t->umask = um ? (int)(strtol(um + 7, NULL, 8) & 0777) : 022;
    return 0;
}

int guard_task_proc_open(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd >= 0 || (errno != EACCES && errno != EPERM))
        return fd < 0 ? (errno == ENOENT ? -ESRCH : -errno) : fd;
    guard_ptrace_cap(true);
    fd = open(path, flags | O_CLOEXEC);
    int e = errno;
    guard_ptrace_cap(false);
    return fd < 0 ? -e : fd;
}

void guard_task_close(struct guard_task *t)
{
    if (t->cwd >= 0)
        close(t->cwd);
    t->cwd = -1;
    if (t->own_root)
        close(t->root);
    t->root = t->guard_root;
    t->own_root = false;
}

int guard_task_dirfd(struct guard_task *t, int dirfd)
{
    char path[64];
    if (dirfd == AT_FDCWD) {
        if (t->cwd < 0) {
            snprintf(path, sizeof path, "/proc/%d/cwd", (int)t->tid);
            t->cwd = guard_task_proc_open(path, O_PATH | O_DIRECTORY);
            if (t->cwd < 0)
                return t->cwd;
        }
        int fd = fcntl(t->cwd, F_DUPFD_CLOEXEC, 3);
        return fd < 0 ? -errno : fd;
    }
    if (dirfd < 0)
        return -EBADF;
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)t->tid, dirfd);
    int fd = guard_task_proc_open(path, O_PATH);
    return fd == -ESRCH ? -EBADF : fd;
}

/* Is dir (on procfs) inside /proc/PID of the caller's thread group? */
static bool in_own_proc(struct guard_task *t, int dir)
{
    char path[256];
    if (guard_task_status(t) < 0 || guard_place(t, dir, path, sizeof path, NULL) < 0)
        return false;
    if (strncmp(path, "/proc/", 6) != 0)
        return false;
    char *end;
    long pid = strtol(path + 6, &end, 10);
    if (end == path + 6 || (*end != '/' && *end != '\0'))
        return false;
    if (pid == t->tgid || pid == t->tid)
        return true;
    /* /proc/TGID/task/TID */
    return false;
}

bool guard_is_own_proc(const char *path)
{
    char mine[32];
    int n = snprintf(mine, sizeof mine, "/proc/%d", (int)getpid());
    return strncmp(path, mine, (size_t)n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int guard_walk_magic(struct guard_task *t, int dir, const char *name)
{
    /* The guard may always look into its own /proc entry, the caller never
     * (the guard is non-dumpable): never follow a link from there. */
    char path[256];
    int r = guard_place(t, dir, path, sizeof path, NULL);
    if ((r < 0 && r != -EXDEV) || (r == 0 && guard_is_own_proc(path)))
        return -EACCES; /* -EXDEV: a procfs of a nested pid namespace, which the guard is not in */
    int fd = openat(dir, name, O_PATH | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if ((errno != EACCES && errno != EPERM) || !in_own_proc(t, dir))
        return -errno;
    guard_ptrace_cap(true);
    fd = openat(dir, name, O_PATH | O_CLOEXEC);
    int e = errno;
    guard_ptrace_cap(false);
    return fd < 0 ? -e : fd;
}

/* Is fd on the sandbox's own procfs (the guard's /proc), rather than one a
 * nested pid namespace mounted? */
static bool on_sandbox_procfs(int fd)
{
    static dev_t proc_dev;
    struct stat st;
    if (!proc_dev && stat("/proc", &st) == 0)
        proc_dev = st.st_dev;
    return fstat(fd, &st) == 0 && proc_dev && st.st_dev == proc_dev;
}

static bool is_task_root(const struct guard_task *t, int fd)
{
    unsigned long long mnt, ino;
    return identity(fd, &mnt, &ino) == 0 && mnt == t->root_mnt && ino == t->root_ino;
}

static bool is_proc_root(int fd)
{
    struct stat st;
    return guard_on_procfs(fd) && fstat(fd, &st) == 0 && st.st_ino == 1;
}

static int replace(int *cur, int next)
{
    if (next < 0)
        return -errno;
    close(*cur);
    *cur = next;
    return 0;
}

/* The authoritative walk.  With parent_only the last component is not
 * looked at: *cur is left at its directory and `last` gets its name. */
static int walk_slow(struct guard_task *t, int start, const char *path, bool parent_only,
                     bool follow, int *out, char *last, size_t lsize, bool *trailing)
{
    char rest[8192];
    if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
        return -ENAMETOOLONG;
    size_t plen = strlen(path);
    bool trail = plen > 0 && path[plen - 1] == '/';
    if (trailing)
        *trailing = trail;
    int cur = fcntl(path[0] == '/' ? t->root : start, F_DUPFD_CLOEXEC, 3);
    if (cur < 0)
        return -errno;
    int links = 0, r = 0;
    char *p = rest;
    bool need_dir = false;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        char comp[256];
        if (n >= sizeof comp) {
            r = -ENAMETOOLONG;
            goto out;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        p += n;
        bool is_last = strspn(p, "/") == strlen(p);
        if (is_last && parent_only) {
            if (snprintf(last, lsize, "%s", comp) >= (int)lsize) {
                r = -ENAMETOOLONG;
                goto out;
            }
            *out = cur;
            return 0;
        }
        need_dir = !is_last || trail;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            if (!is_task_root(t, cur) &&
                (r = replace(&cur, openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC))) < 0)
                goto out;
            continue;
        }
        if (is_proc_root(cur) && atoi(comp) == (int)getpid() && strspn(comp, "0123456789") == n) {
            r = -EACCES; /* the guard's own entry (see guard_walk_magic) */
            goto out;
        }
        if (is_proc_root(cur) && (strcmp(comp, "self") == 0 || strcmp(comp, "thread-self") == 0)) {
            /* The guard knows the thread's pid in the sandbox's pid
             * namespace only; in a procfs of a nested one "self" is
             * another number, and guessing it could name another process. */
            if (!on_sandbox_procfs(cur)) {
                r = -EACCES;
                goto out;
            }
            if ((r = guard_task_status(t)) < 0)
                goto out;
            char who[64];
            if (comp[0] == 's')
                snprintf(who, sizeof who, "%d", (int)t->tgid);
            else
                snprintf(who, sizeof who, "%d/task/%d", (int)t->tgid, (int)t->tid);
            if ((r = replace(&cur, openat(cur, who, O_PATH | O_DIRECTORY | O_CLOEXEC))) < 0)
                goto out;
            continue;
        }
        struct stat st;
        if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            r = -errno;
            goto out;
        }
        if (S_ISLNK(st.st_mode) && (!is_last || follow)) {
            if (++links > GUARD_MAX_LINKS) {
                r = -ELOOP;
                goto out;
            }
            if (guard_on_procfs(cur)) { /* fd/N, cwd, root, exe: the kernel's */
                int next = guard_walk_magic(t, cur, comp);
                if (next < 0) {
                    r = next;
                    goto out;
                }
                close(cur);
                cur = next;
                continue;
            }
            char target[4096], next[8192];
            ssize_t tl = readlinkat(cur, comp, target, sizeof target - 1);
            if (tl < 0) {
                r = -errno;
                goto out;
            }
            target[tl] = '\0';
            if (snprintf(next, sizeof next, "%s%s", target, p) >= (int)sizeof next) {
                r = -ENAMETOOLONG;
                goto out;
            }
            snprintf(rest, sizeof rest, "%s", next);
            p = rest;
            if (target[0] == '/' &&
                (r = replace(&cur, fcntl(t->root, F_DUPFD_CLOEXEC, 3))) < 0)
                goto out;
            continue;
        }
        if (!S_ISDIR(st.st_mode) && need_dir) {
            r = -ENOTDIR;
            goto out;
        }
        int flags = O_PATH | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
        if ((r = replace(&cur, openat(cur, comp, flags))) < 0)
            goto out;
    }
    if (parent_only) { /* "/", or only "." and ".." */
        snprintf(last, lsize, ".");
    }
    *out = cur;
    return 0;
out:
    close(cur);
    return r;
}

int guard_task_namespace(struct guard_task *t, const char *name)
{
    if (!t->nested)
        return -1;
    char theirs_path[64], ours_path[64];
    snprintf(theirs_path, sizeof theirs_path, "/proc/%d/ns/%s", (int)t->tid, name);
    snprintf(ours_path, sizeof ours_path, "/proc/self/ns/%s", name);
    int fd = guard_task_proc_open(theirs_path, O_RDONLY);
    struct stat theirs, ours;
    if (fd < 0 || fstat(fd, &theirs) < 0 || stat(ours_path, &ours) < 0 ||
        (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int guard_task_userns(struct guard_task *t)
{
    return guard_task_namespace(t, "user");
}

/* One fd, or an errno when fd < 0, over a socket. */
static void send_result(int sock, int fd, int e)
{
    char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { &e, sizeof e };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    }
    (void)sendmsg(sock, &msg, MSG_NOSIGNAL);
}

static int receive_result(int sock)
{
    int e = EIO;
    char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { &e, sizeof e };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                          .msg_controllen = sizeof cbuf };
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
        int fd;
        memcpy(&fd, CMSG_DATA(cm), sizeof fd);
        return fd;
    }
    return n == (ssize_t)sizeof e && e > 0 ? -e : -EIO;
}

/* The walk in a child that takes the thread's root.  chroot(2) needs
 * CAP_SYS_CHROOT, which the guard has in the thread's user namespace only
 * (a root of its own needs one: the thread made it there): the child joins
 * it, takes the root, drops every capability (the walk is made with the
 * thread's rights, no more) and walks. */
static int walk_in_child(struct guard_task *t, int start, const char *path,
                         const struct open_how *how)
{
    _cleanup_close_ int userns = guard_task_userns(t);
    if (userns < 0)
        return -EACCES;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return -e;
    }
    if (pid == 0) {
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct none[2] = { { 0 } };
        int fd = -1;
        if (setns(userns, CLONE_NEWUSER) == 0 && fchdir(t->root) == 0 && chroot(".") == 0 &&
            syscall(SYS_capset, &hdr, none) == 0)
            fd = (int)syscall(SYS_openat2, start, path, how, sizeof *how);
        send_result(sv[1], fd, fd < 0 ? errno : 0);
        _exit(0);
    }
    close(sv[1]);
    /* The child has the workload's uid, so the workload can stop it
     * (SIGSTOP): every guarded call would then wait behind this one.  A walk
     * that has not answered in 2 s is ended, and the call with it (EINTR);
     * the guard serves on. */
    struct pollfd pfd = { .fd = sv[0], .events = POLLIN };
    int ready;
    while ((ready = poll(&pfd, 1, 2000)) < 0 && errno == EINTR)
        ;
    int fd = ready > 0 ? receive_result(sv[0]) : -EINTR;
    close(sv[0]);
    if (ready <= 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return fd;
}

int guard_walk_restricted(struct guard_task *t, int start, const char *path,
                          const struct open_how *how)
{
    /* Beneath or in the start directory, the thread's root plays no part. */
    if (t->own_root && !(how->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)))
        return walk_in_child(t, start, path, how);
    int fd = (int)syscall(SYS_openat2, start, path, how, sizeof *how);
    return fd < 0 ? -errno : fd;
}

/* The kernel's walk, trusted when it succeeds outside procfs.  (An
 * absolute path starts at the guard's root, which must be the caller's:
 * a thread with a root of its own is walked by walk_slow, which stops ".."
 * at that root as the kernel would for the thread.) */
static int walk_fast(struct guard_task *t, int start, const char *path, bool follow)
{
    if (t->own_root)
        return -EAGAIN;
    struct open_how how = { .flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
                            .resolve = RESOLVE_NO_MAGICLINKS };
    int fd = (int)syscall(SYS_openat2, start, path, &how, sizeof how);
    if (fd < 0)
        return -EAGAIN;
    if (guard_on_procfs(fd)) {
        close(fd);
        return -EAGAIN;
    }
    return fd;
}

int guard_walk_full(struct guard_task *t, int start, const char *path, bool follow, int *out)
{
    if (!*path)
        return -ENOENT;
    int fd = walk_fast(t, start, path, follow);
    if (fd >= 0) {
        *out = fd;
        return 0;
    }
    return walk_slow(t, start, path, false, follow, out, NULL, 0, NULL);
}

int guard_walk_parent(struct guard_task *t, int start, const char *path, int *parent,
                      char *last, size_t lsize, bool *trailing)
{
    if (!*path)
        return -ENOENT;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    *trailing = n < strlen(path);
    const char *slash = memrchr(path, '/', n);
    const char *name = slash ? slash + 1 : path;
    size_t name_len = n - (size_t)(name - path);
    if (name_len == 0 || name_len >= lsize) /* "/" itself, or too long */
        return walk_slow(t, start, path, true, false, parent, last, lsize, trailing);
    bool special = (name_len == 1 && name[0] == '.') ||
                   (name_len == 2 && name[0] == '.' && name[1] == '.');
    if (!slash && !special) {
        int fd = fcntl(start, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
            return -errno;
        memcpy(last, name, name_len);
        last[name_len] = '\0';
        *parent = fd;
        return 0;
    }
    if (slash && !special) {
        char dir[8192];
        size_t dlen = slash == path ? 1 : (size_t)(slash - path);
        if (dlen >= sizeof dir)
            return -ENAMETOOLONG;
        memcpy(dir, path, dlen);
        dir[dlen] = '\0';
        int fd = walk_fast(t, start, dir, true);
        if (fd >= 0) {
            memcpy(last, name, name_len);
            last[name_len] = '\0';
            *parent = fd;
            return 0;
        }
    }
    return walk_slow(t, start, path, true, false, parent, last, lsize, trailing);
}
