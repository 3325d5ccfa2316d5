/* One call the write guard answers, and the helpers its handlers share:
 * reading the caller's memory, naming an fd's path, reporting a refusal.
 * Internal to src/sandbox/guard/. */
#ifndef MOAT_SANDBOX_GUARD_CALL_H
#define MOAT_SANDBOX_GUARD_CALL_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/guard/guard.h"
#include "sandbox/guard/guard_place.h"
#include "sandbox/guard/guard_rules.h"
#include "sandbox/guard/guard_walk.h"

struct file_id {
    dev_t dev;
    ino_t ino;
};

struct guard {
    int listener, events_fd;
    int root; /* O_PATH of "/" */
    const struct moat_policy *p;
    const struct fs_rules *fs;
    struct guard_rules rules;
    struct guard_options opts;
    struct file_id *new_gitdirs; /* created in this run, with ".git" unprotected */
    size_t n_new_gitdirs;
    struct file_id *sockets;     /* allowUnixSockets as a list: the sockets it names */
    size_t n_sockets;
    /* Landlock isolation: TCP connect(2) only to these ports, on loopback */
    bool inet_restricted;
    uint16_t lo_ports[32];
    size_t n_lo_ports;
    unsigned long long events_dropped;
};

struct guard_call {
    struct guard *g;
    const struct seccomp_notif *req;
    struct guard_task task;
    bool answered; /* by someone else (a child carrying out a blocking open) */
};

/* CAP_SYS_PTRACE in the effective set: raised only to reach into the
 * caller (its memory, its fds, its root), lowered while acting, so that
 * what the guard opens or creates carries no capability. */
int guard_ptrace_cap(bool raise);

/* The caller's memory; 0 or -errno (-EFAULT as the kernel would). */
int guard_read_mem(struct guard_call *c, uint64_t addr, void *buf, size_t len);
/* A NUL-terminated string of at most size-1 bytes (-ENAMETOOLONG beyond). */
int guard_read_string(struct guard_call *c, uint64_t addr, char *buf, size_t size);

/* Is the call still pending (the caller alive, the id not reused)?  Checked
 * after everything read from the caller and before acting. */
bool guard_call_valid(struct guard_call *c);

/* The mounts a call reached its files through, checked as the kernel would
 * before guard_locate trades the fds for views through the sandbox's own
 * mounts, which do not carry those flags (a nested namespace's read-only
 * bind, `bwrap --ro-bind`; two binds of one tree).  -EROFS when fd's mount
 * is read-only; -EXDEV when a and b are on different mounts (rename, link);
 * whether name in dir is a mount point (rename: EBUSY). */
int guard_mount_writable(int fd);
int guard_same_mount(int a, int b);
bool guard_is_mount_point(int dir, const char *name);

/* guard_place for judging and acting: *fd is replaced by the fd of the same
 * file through the sandbox's own mounts when it was reached through another
 * (guard_place.h, `view`), so that what follows acts there.  A file that
 * cannot be placed is reported and refused (-EROFS); -EXDEV (not shared)
 * and other errors pass through. */
int guard_locate(struct guard_call *c, const char *op, int *fd, char *buf, size_t size);

/* Judge path for access a; on refusal report it and return -EROFS. */
int guard_judge(struct guard_call *c, const char *op, const char *path, enum guard_access a,
                bool is_dir);

/* Judge the name `last` in the directory *parent (which guard_locate may
 * replace: the caller acts on *parent afterwards). */
int guard_judge_at(struct guard_call *c, const char *op, int *parent, const char *last,
                   enum guard_access a, bool is_dir);

void guard_report(struct guard_call *c, const char *op, const char *path, const char *why);

/* Put fd into the caller's table (and close ours): the caller's new fd
 * number, or -errno; the caller is answered after, with it. */
long guard_install_fd(struct guard *g, __u64 id, int fd, bool cloexec);

/* mount(2) of a new filesystem in a nested namespace (guard_mount.c): made
 * here for the caller when its type keeps its files in memory, else EPERM;
 * -ENOSYS for any other call. */
long guard_mount_call(struct guard_call *c);

/* The filesystem calls (guard_ops.c): the result, or -errno; an open puts
 * the fd to hand over in *inject (and its O_CLOEXEC wish in *cloexec). */
long guard_fs_call(struct guard_call *c, int *inject, bool *cloexec);

/* Where a path argument starts: the caller's root for an absolute path,
 * else dirfd (AT_FDCWD: its working directory).  A new fd, or -errno. */
int guard_task_start(struct guard_call *c, int dirfd, const char *path);

/* connect(2) and listen(2) (guard_net.c). */
long guard_net_call(struct guard_call *c);
int guard_net_init(struct guard *g, struct moat_error *err);

/* chmod, chown and the xattr calls (guard_attr.c), landlock isolation;
 * -ENOSYS for any other call. */
long guard_attr_call(struct guard_call *c);

#endif
