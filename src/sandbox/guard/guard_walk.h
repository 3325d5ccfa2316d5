/* Path resolution on a workload thread's behalf, the way the kernel would
 * resolve the path for that thread: from its root (/proc/TID/root) or its
 * working directory or a directory fd of its own, through the mounts of its
 * mount namespace, with "/proc/self" and "/proc/thread-self" meaning the
 * thread, and procfs's magic links (fd/N, cwd, root) followed by the kernel.
 * The result is an fd, so nothing that changes after the walk (a path
 * string, a symlink) can redirect the call made with it.  Never decides
 * whether an access is allowed (guard_rules.c does). */
#ifndef MOAT_SANDBOX_GUARD_WALK_H
#define MOAT_SANDBOX_GUARD_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct open_how;

/* The thread a call came from.  Without nested namespaces its root is the
 * guard's: the workload can neither mount, chroot nor pivot_root (seccomp),
 * so every mount namespace it can make is an unchanged copy of the guard's,
 * and "/" names the same tree for both.  With them (allowNestedNamespaces)
 * a thread may have a root and mounts of its own (bwrap), and its paths are
 * walked from its own root.  What differs is read from /proc/TID on demand. */
struct guard_task {
    pid_t tid;
    pid_t tgid;       /* 0 until read from /proc/TID/status */
    int umask;        /* -1 until read */
    int root;         /* O_PATH: the thread's root (the guard's unless own_root) */
    bool own_root;    /* root is the thread's own, opened here (and closed) */
    bool nested;      /* nested namespaces are allowed: see guard_place.h */
    int guard_root;   /* O_PATH: the guard's root, the sandbox's tree (not owned) */
    int cwd;          /* O_PATH: its working directory, opened on demand, or -1 */
    unsigned long long root_mnt, root_ino;
};

/* Start on a call from tid; root is the guard's root fd.  With nested
 * namespaces, the thread's own root is opened when it differs.  0, or
 * -errno (-ESRCH: the thread is gone). */
int guard_task_open(struct guard_task *t, pid_t tid, int root, bool nested);
void guard_task_close(struct guard_task *t);

/* The thread group and umask (one read of /proc/TID/status); 0 or -errno. */
int guard_task_status(struct guard_task *t);

/* Open a /proc/TID/... path of the caller: without capabilities first, as
 * the caller itself could; with CAP_SYS_PTRACE only when that is refused
 * (a caller that made itself non-dumpable still reaches its own).  fd or
 * -errno. */
int guard_task_proc_open(const char *path, int flags);

/* The directory a dirfd argument names (AT_FDCWD: the working directory),
 * as a new O_PATH fd, or -errno. */
int guard_task_dirfd(struct guard_task *t, int dirfd);

/* The thread's namespace `name` ("user", "net", ... as /proc/TID/ns names
 * them), when it is not the guard's (only with nested namespaces): a
 * descriptor of /proc/TID/ns/NAME, or -1.  guard_task_userns: "user". */
int guard_task_namespace(struct guard_task *t, const char *name);
int guard_task_userns(struct guard_task *t);

/* openat2(2)'s own walk of path from start, with how's resolve
 * restrictions (RESOLVE_NO_SYMLINKS, RESOLVE_CACHED, ...), which only the
 * kernel can apply, to an O_PATH fd (how->flags is used as is).  An
 * absolute path, an absolute symlink and ".." at the top meet the thread's
 * root, as they would for the thread: one with a root of its own has the
 * walk made by a child of the guard that takes that root.  ("/proc/self"
 * there is the walker, not the thread.)  fd or -errno. */
int guard_walk_restricted(struct guard_task *t, int start, const char *path,
                          const struct open_how *how);

/* Resolve all but the last component of path from `start` (used for a
 * relative path; an absolute one starts at the thread's root).  *parent
 * gets an O_PATH fd of the directory, last its final component ("." or
 * ".." are returned as such), *trailing whether the path ended in '/'.
 * 0 or -errno as the kernel would report it. */
int guard_walk_parent(struct guard_task *t, int start, const char *path, int *parent,
                      char *last, size_t lsize, bool *trailing);

/* Resolve the whole path to an O_PATH fd, following a final symlink when
 * `follow`.  0 or -errno. */
int guard_walk_full(struct guard_task *t, int start, const char *path, bool follow, int *out);

/* Is fd on procfs (where symlinks are the kernel's to follow)? */
bool guard_on_procfs(int fd);

/* Follow the procfs (magic) link `name` in the procfs directory `dir` to an
 * O_PATH fd.  The kernel checks that the guard may look into the process
 * the link belongs to; the caller may always look into its own, so for the
 * caller's own /proc entries the guard lends it CAP_SYS_PTRACE for the
 * call (a non-dumpable caller still reaches its own fds).  fd or -errno. */
int guard_walk_magic(struct guard_task *t, int dir, const char *name);

/* Is path (a sandbox path, guard_place) inside the guard's own /proc/PID?
 * The guard reaches its own memory, fds and settings there; the caller must
 * not, through the guard. */
bool guard_is_own_proc(const char *path);

#define GUARD_MAX_LINKS 40

#endif
