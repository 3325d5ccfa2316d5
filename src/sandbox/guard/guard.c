/* The write guard's loop and shared helpers; see guard.h.  Each call is
 * read once (its arguments, the strings they point to), checked to be still
 * pending, judged, carried out on fds the guard resolved, and answered; a
 * call that cannot be read or resolved is answered with the error the
 * kernel would give, never let through. */
#include "sandbox/guard/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "policy/protected.h"
#include "sandbox/guard/guard_call.h"
#include "util/error.h"

static bool any_unprotected_git(const struct moat_policy *p)
{
    return !protected_name_active(p, PROTECTED_GIT_ENTRY);
}

struct guard_options guard_options_for(const struct moat_policy *p, const struct fs_rules *rules,
                                       bool inet_restricted)
{
    struct guard_options o = { 0 };
    /* Names matter only where the host shares a tree with the sandbox. */
    o.fs = rules->writable.n > 0 && !p->debug_no_guard;
    /* Without Landlock (nested namespaces) the guard also stands between the
     * command and a descriptor it inherited from the host: reopened for
     * writing through /proc/self/fd, it would meet the host's mount, not
     * the sandbox's read-only one (guard_place.h, `view`). */
    o.fs |= p->proc.allow_nested_namespaces && !p->debug_no_guard;
    o.connect = p->net.unix_sockets.n > 0 || inet_restricted;
    /* Without a mount namespace nothing else keeps modes and attributes. */
    o.in_place = rules->in_place && !p->debug_no_guard;
    /* A new filesystem mounted in a nested namespace (guard_mount.c). */
    o.mounts = p->proc.allow_nested_namespaces && !p->debug_no_guard;
    /* allowLocalBinding false with exposed ports: listening only on those
     * ports (a socket that listens without bind(2) gets an ephemeral port
     * that no Landlock rule covers). */
    o.listen = !p->net.allow_local_binding && p->net.n_expose > 0;
    return o;
}

static bool gitdir_is_new(void *ctx, const char *gitdir)
{
    struct guard *g = ctx;
    struct stat st;
    if (stat(gitdir, &st) < 0)
        return false;
    for (size_t i = 0; i < g->n_new_gitdirs; i++)
        if (g->new_gitdirs[i].dev == st.st_dev && g->new_gitdirs[i].ino == st.st_ino)
            return true;
    return false;
}

int guard_new(const struct moat_policy *p, const struct fs_rules *rules, int events_fd,
              struct guard **out, struct moat_error *err)
{
    struct guard *g = calloc(1, sizeof *g);
    if (!g)
        return error_set(err, -ENOMEM, "out of memory");
    *g = (struct guard){ .listener = -1, .events_fd = events_fd, .p = p, .fs = rules,
                         .opts = guard_options_for(p, rules, false),
                         .root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) };
    if (g->root < 0) {
        free(g);
        return error_set_errno(err, -errno, "write guard: cannot open the root");
    }
    g->rules = (struct guard_rules){ .fs = rules, .p = p };
    if (any_unprotected_git(p)) {
        g->rules.gitdir_is_new = gitdir_is_new;
        g->rules.ctx = g;
    }
    int r = guard_net_init(g, err);
    if (r < 0) {
        guard_free(g);
        return r;
    }
    *out = g;
    return 0;
}

void guard_free(struct guard *g)
{
    if (!g)
        return;
    if (g->listener >= 0)
        close(g->listener);
    if (g->root >= 0)
        close(g->root);
    free(g->new_gitdirs);
    free(g->sockets);
    free(g);
}

void guard_restrict_inet(struct guard *g, const uint16_t *ports, size_t n)
{
    g->inet_restricted = true;
    g->opts.connect = true;
    g->n_lo_ports = 0;
    for (size_t i = 0; i < n && g->n_lo_ports < sizeof g->lo_ports / sizeof *g->lo_ports; i++)
        g->lo_ports[g->n_lo_ports++] = ports[i];
}

void guard_set_listener(struct guard *g, int listener)
{
    g->listener = listener;
}

int guard_listener(const struct guard *g)
{
    return g->listener;
}

/* ---- helpers ------------------------------------------------------------ */

int guard_ptrace_cap(bool raise)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2] = { { 0 } };
    if (syscall(SYS_capget, &hdr, data) < 0)
        return -errno;
    uint32_t bit = 1u << CAP_SYS_PTRACE; /* < 32: in data[0] */
    if (raise)
        data[0].effective |= bit & data[0].permitted;
    else
        data[0].effective &= ~bit;
    data[1].effective = 0;
    return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

int guard_read_mem(struct guard_call *c, uint64_t addr, void *buf, size_t len)
{
    struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
    ssize_t n = process_vm_readv(c->task.tid, &local, 1, &remote, 1, 0);
    int e = errno;
    if (n < 0 && e == EPERM) { /* a non-dumpable caller */
        guard_ptrace_cap(true);
        n = process_vm_readv(c->task.tid, &local, 1, &remote, 1, 0);
        e = errno;
        guard_ptrace_cap(false);
    }
    if (n < 0)
        return e == ESRCH ? -ESRCH : -EFAULT;
    return (size_t)n == len ? 0 : -EFAULT;
}

int guard_read_string(struct guard_call *c, uint64_t addr, char *buf, size_t size)
{
    /* Page by page: a string may end just before an unmapped page. */
    size_t got = 0;
    const size_t page = 4096;
    while (got + 1 < size) {
        size_t chunk = page - ((addr + got) % page);
        if (chunk > size - 1 - got)
            chunk = size - 1 - got;
        int r = guard_read_mem(c, addr + got, buf + got, chunk);
        if (r < 0)
            return r;
        void *nul = memchr(buf + got, '\0', chunk);
        got += chunk;
        if (nul)
            return 0;
    }
    return -ENAMETOOLONG;
}

bool guard_call_valid(struct guard_call *c)
{
    __u64 id = c->req->id;
    return ioctl(c->g->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void guard_report(struct guard_call *c, const char *op, const char *path, const char *why)
{
    if (c->g->events_fd < 0)
        return;
    struct guard_event ev = { 0 };
    snprintf(ev.op, sizeof ev.op, "%s", op);
    snprintf(ev.path, sizeof ev.path, "%s", path);
    snprintf(ev.why, sizeof ev.why, "%s", why);
    /* Non-blocking: a supervisor that does not read must not stall the
     * guard; what cannot be written is counted, not queued. */
    if (write(c->g->events_fd, &ev, sizeof ev) != (ssize_t)sizeof ev)
        c->g->events_dropped++;
}

int guard_judge(struct guard_call *c, const char *op, const char *path, enum guard_access a,
                bool is_dir)
{
    struct guard_verdict v;
    if (!guard_rules_check(&c->g->rules, path, a, is_dir, &v))
        return 0;
    guard_report(c, op, path, v.why);
    return -EROFS;
}

int guard_mount_writable(int fd)
{
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0)
        return -errno;
    return (sv.f_flag & ST_RDONLY) ? -EROFS : 0;
}

int guard_same_mount(int a, int b)
{
    struct statx sa, sb;
    if (statx(a, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sa) < 0 ||
        statx(b, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sb) < 0)
        return -errno;
    return sa.stx_mnt_id == sb.stx_mnt_id ? 0 : -EXDEV;
}

bool guard_is_mount_point(int dir, const char *name)
{
    struct statx sx;
    return statx(dir, name, AT_SYMLINK_NOFOLLOW, 0, &sx) == 0 &&
           (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
           (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int guard_locate(struct guard_call *c, const char *op, int *fd, char *buf, size_t size)
{
    int view = -1;
    int r = guard_place(&c->task, *fd, buf, size, &view);
    if (view >= 0) { /* act through the sandbox's own mounts from now on */
        close(*fd);
        *fd = view;
    }
    if (r != -EACCES)
        return r;
    char link[64], name[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", *fd);
    ssize_t n = readlink(link, name, sizeof name - 1);
    name[n > 0 ? n : 0] = '\0';
    guard_report(c, op, name, "it is not in the sandbox's tree (a file of the host's the command "
                 "holds a descriptor of, a filesystem a nested namespace mounted such as "
                 "overlayfs, or a name that changed meanwhile)");
    return -EROFS;
}

int guard_judge_at(struct guard_call *c, const char *op, int *parent, const char *last,
                   enum guard_access a, bool is_dir)
{
    if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
        return 0; /* never a new name: the kernel refuses every such call */
    char dir[4096], path[4352];
    int r = guard_locate(c, op, parent, dir, sizeof dir);
    if (r == -EXDEV)
        return 0; /* a nested namespace's own filesystem: nothing shared */
    if (r < 0)
        return r;
    snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", last);
    return guard_judge(c, op, path, a, is_dir);
}

/* ---- the loop ----------------------------------------------------------- */

long guard_install_fd(struct guard *g, __u64 id, int fd, bool cloexec)
{
    /* Installed first and answered after (not SECCOMP_ADDFD_FLAG_SEND): our
     * copy must be closed before the caller runs on, or a file it wrote and
     * closed would still be open for writing here a moment later, and its
     * exec fail with ETXTBSY (`cc -o m m.c && ./m`).  On failure (the caller
     * gone, or out of descriptors: EMFILE) the error is the answer. */
    struct seccomp_notif_addfd add = { .id = id, .srcfd = (__u32)fd,
                                       .newfd_flags = cloexec ? O_CLOEXEC : 0 };
    long r = ioctl(g->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
    if (r < 0)
        r = -errno;
    close(fd);
    return r;
}

static void answer(struct guard *g, const struct seccomp_notif *req, long result, int inject,
                   bool cloexec)
{
    if (inject >= 0)
        result = guard_install_fd(g, req->id, inject, cloexec);
    struct seccomp_notif_resp resp = { .id = req->id };
    if (result < 0)
        resp.error = (int)result;
    else
        resp.val = result;
    ioctl(g->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static void handle(struct guard *g, const struct seccomp_notif *req)
{
    struct guard_call c = { .g = g, .req = req };
    long result;
    int inject = -1;
    bool cloexec = false;
    result = guard_task_open(&c.task, (pid_t)req->pid, g->root,
                             g->p->proc.allow_nested_namespaces);
    if (result == 0) {
        result = guard_fs_call(&c, &inject, &cloexec);
        if (result == -ENOSYS)
            result = guard_net_call(&c);
        if (result == -ENOSYS && g->opts.in_place)
            result = guard_attr_call(&c);
        if (result == -ENOSYS && g->opts.mounts)
            result = guard_mount_call(&c);
    }
    guard_task_close(&c.task);
    if (!c.answered)
        answer(g, req, result, inject, cloexec);
    else if (inject >= 0)
        close(inject);
}

int guard_serve(struct guard *g)
{
    for (;;) {
        struct seccomp_notif req;
        memset(&req, 0, sizeof req);
        if (ioctl(g->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
            if (errno == EINTR)
                continue;
            /* ENOENT: the caller went away between poll and receive. */
            return errno == ENOENT || errno == EAGAIN ? 0 : -EPIPE;
        }
        handle(g, &req);
        /* More pending?  Receiving blocks when none is: ask poll. */
        struct pollfd pfd = { .fd = g->listener, .events = POLLIN };
        if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
            return 0;
    }
}
