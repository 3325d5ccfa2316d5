/* New filesystems mounted in a nested namespace (allowNestedNamespaces):
 * mount(2) without MS_BIND, MS_REMOUNT, MS_MOVE or a propagation flag.  An
 * overlay whose upper layer is in a writable tree would create names there
 * from inside the kernel (a copy-up), where the guard never sees them: a
 * .git/hooks file in a nested repository, ~/.config/git/config.  So only
 * filesystems that keep their files in memory, or show the kernel's, may be
 * mounted (memory_types below); everything else is refused with EPERM and
 * reported.  The type is a string in the caller's memory, which another of
 * its threads could change between a check and the kernel's own reading of
 * it: so the guard does not let the call continue, it makes the mount itself,
 * from the copies it judged, in a child that joins the caller's user, mount
 * (and, for procfs, pid) namespaces and its root and working directory.  The
 * kernel's checks (capabilities, locked mounts, a fully visible procfs) then
 * apply to that child as they would have to the caller.  Never decides a
 * path (guard_rules.c) and never mounts for a caller that could not. */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/guard/guard_call.h"
#include "util/cleanup.h"

/* Filesystems whose files live in memory or are the kernel's own views:
 * nothing written to them reaches a filesystem the host shares. */
static const char *const memory_types[] = {
    "tmpfs", "ramfs", "proc", "sysfs", "devpts", "mqueue", "cgroup2", NULL,
};

static bool memory_type(const char *type)
{
    for (const char *const *t = memory_types; *t; t++)
        if (strcmp(type, *t) == 0)
            return true;
    return false;
}

/* Does the thread hold CAP_SYS_ADMIN in its own user namespace (CapEff)?
 * Without it the kernel would refuse the mount: so does the guard. */
static bool caller_may_mount(pid_t tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    _cleanup_close_ int fd = guard_task_proc_open(path, O_RDONLY);
    if (fd < 0)
        return false;
    char text[4096];
    ssize_t n = read(fd, text, sizeof text - 1);
    if (n <= 0)
        return false;
    text[n] = '\0';
    const char *eff = strstr(text, "\nCapEff:");
    if (!eff)
        return false;
    unsigned long long caps = strtoull(eff + strlen("\nCapEff:"), NULL, 16);
    return caps & (1ULL << 21); /* CAP_SYS_ADMIN */
}

struct mount_args {
    char source[PATH_MAX], target[PATH_MAX], type[64], data[4096];
    bool has_source, has_data;
    unsigned long flags;
};

/* The caller's descriptors the child needs, opened here with the guard's
 * reach into /proc/TID. */
struct caller_place {
    int userns, mntns, pidns, root, cwd;
    /* Of the caller's, those not the guard's (sysfs shows its network
     * namespace, mqueue its IPC one, cgroup2 its cgroup one), or -1. */
    int others[3];
};

static void place_close(struct caller_place *pl)
{
    int *fds[] = { &pl->userns, &pl->mntns,     &pl->pidns,     &pl->root,
                   &pl->cwd,    &pl->others[0], &pl->others[1], &pl->others[2] };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

static const char *const other_ns[3] = { "net", "ipc", "cgroup" };
static const int other_flags[3] = { CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWCGROUP };

static int place_open(struct guard_task *t, bool want_pidns, struct caller_place *pl)
{
    pid_t tid = t->tid;
    for (size_t i = 0; i < 3; i++)
        pl->others[i] = guard_task_namespace(t, other_ns[i]);
    static const char *const names[] = { "ns/mnt", "ns/pid", "root", "cwd" };
    int *fds[] = { &pl->mntns, &pl->pidns, &pl->root, &pl->cwd };
    for (size_t i = 0; i < 4; i++) {
        if (i == 1 && !want_pidns)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/%s", (int)tid, names[i]);
        *fds[i] = guard_task_proc_open(path, i < 2 ? O_RDONLY : O_PATH | O_DIRECTORY);
        if (*fds[i] < 0)
            return *fds[i];
    }
    return 0;
}

static int mount_there(const struct caller_place *pl, const struct mount_args *a)
{
    if (fchdir(pl->root) < 0 || chroot(".") < 0 || fchdir(pl->cwd) < 0)
        return -errno;
    return mount(a->has_source ? a->source : NULL, a->target, a->type, a->flags,
                 a->has_data ? a->data : NULL) < 0
               ? -errno
               : 0;
}

static _Noreturn void child_answer(struct guard_call *c, int result)
{
    struct seccomp_notif_resp resp = { .id = c->req->id, .error = result };
    ioctl(c->g->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    _exit(0);
}

/* In the child: join the caller's namespaces and mount.  A procfs shows the
 * pid namespace of whoever mounts it: that is a grandchild, forked once the
 * caller's pid namespace is joined, so the child waits for it. */
static _Noreturn void mount_child(struct guard_call *c, const struct caller_place *pl,
                                  const struct mount_args *a)
{
    if (setns(pl->userns, CLONE_NEWUSER) < 0 || setns(pl->mntns, CLONE_NEWNS) < 0)
        child_answer(c, -errno);
    for (size_t i = 0; i < 3; i++)
        if (pl->others[i] >= 0 && setns(pl->others[i], other_flags[i]) < 0)
            child_answer(c, -errno);
    if (pl->pidns < 0)
        child_answer(c, mount_there(pl, a));
    if (setns(pl->pidns, CLONE_NEWPID) < 0)
        child_answer(c, -errno);
    pid_t pid = fork();
    if (pid < 0)
        child_answer(c, -errno);
    if (pid == 0)
        child_answer(c, mount_there(pl, a));
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    _exit(0);
}

/* Not a new filesystem: a bind, a remount, a move or a change of
 * propagation, which the kernel judges alone (the locks on the sandbox's
 * mounts).  Only calls carrying the old magic come here that way. */
static bool changes_a_mount(unsigned long flags)
{
    return flags & (MS_BIND | MS_REMOUNT | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE |
                    MS_UNBINDABLE);
}

/* The strings of the call (its flags are the caller's to set: read once, as
 * the kernel reads them, in guard_mount_call). */
static int read_args(struct guard_call *c, struct mount_args *a)
{
    const __u64 *arg = c->req->data.args;
    if (!arg[2])
        return -EINVAL; /* a new filesystem needs a type, as the kernel says */
    int r = guard_read_string(c, arg[2], a->type, sizeof a->type);
    if (r < 0)
        return r == -ENAMETOOLONG ? -ENODEV : r;
    if (!arg[1])
        return -EFAULT;
    if ((r = guard_read_string(c, arg[1], a->target, sizeof a->target)) < 0)
        return r;
    a->has_source = arg[0] != 0;
    if (a->has_source && (r = guard_read_string(c, arg[0], a->source, sizeof a->source)) < 0)
        return r;
    a->has_data = arg[4] != 0;
    if (a->has_data && (r = guard_read_string(c, arg[4], a->data, sizeof a->data)) < 0)
        return r == -ENAMETOOLONG ? -EINVAL : r;
    return 0;
}

long guard_mount_call(struct guard_call *c)
{
    if (c->req->data.nr != SYS_mount)
        return -ENOSYS;
    /* As the kernel reads the flags: the old magic in the high half dropped. */
    unsigned long flags = (unsigned long)c->req->data.args[3];
    if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
        flags &= ~(unsigned long)MS_MGC_MSK;
    if (changes_a_mount(flags)) {
        /* The flags are a register, not memory: nothing can change them now. */
        struct seccomp_notif_resp resp = { .id = c->req->id,
                                           .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
        ioctl(c->g->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
        c->answered = true;
        return 0;
    }
    struct mount_args *a = calloc(1, sizeof *a);
    if (!a)
        return -ENOMEM;
    int r = read_args(c, a);
    a->flags = flags;
    if (r == 0 && !memory_type(a->type)) {
        char what[PATH_MAX + 80];
        snprintf(what, sizeof what, "%s (type %s)", a->target, a->type);
        guard_report(c, "mount", what,
                     "with nested namespaces only filesystems kept in memory (tmpfs, proc, "
                     "sysfs, devpts, mqueue, ...) may be mounted: another (an overlay on a "
                     "writable tree) would write to the host past the guard");
        r = -EPERM;
    }
    struct caller_place pl = { -1, -1, -1, -1, -1, { -1, -1, -1 } };
    if (r == 0) {
        /* In the sandbox's own user namespace the caller holds no capability. */
        pl.userns = guard_task_userns(&c->task);
        if (pl.userns < 0 || !caller_may_mount(c->task.tid))
            r = -EPERM;
    }
    if (r == 0)
        r = place_open(&c->task, strcmp(a->type, "proc") == 0, &pl);
    if (r == 0 && !guard_call_valid(c))
        r = -ESRCH;
    if (r == 0) {
        pid_t pid = fork();
        if (pid == 0)
            mount_child(c, &pl, a);
        if (pid < 0)
            r = -errno;
        else
            c->answered = true;
    }
    place_close(&pl);
    free(a);
    return r;
}
