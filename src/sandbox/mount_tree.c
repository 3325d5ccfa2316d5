/* The mount tree; see mount_tree.h.  Sequence (as bubblewrap does it, but
 * through fds): make / a slave, put a private tmpfs "stage" on /tmp and pivot
 * into it so the host tree sits at /oldroot, assemble /newroot, pivot into
 * /newroot and detach the rest.  Every policy path is resolved once, in the
 * host view, with symlinks confined to the host root. */
#include "sandbox/mount_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/devfs.h"
#include "sandbox/mount_ops.h"
#include "sandbox/mount_plan.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/strv.h"

#define STAGE "/tmp"
#define RO_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

/* The system baseline visible in the "listed" read model. */
static const char *const listed_baseline[] = {
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", NULL,
};

struct tree {
    const struct moat_policy *p;
    int oldroot; /* the host tree, /oldroot in the stage */
    int newroot; /* the root being assembled */
    int proc;    /* procfs, for fd -> path */
    int empty;   /* an empty read-only file in the stage */
    struct moat_strv own_tmpfs; /* paths (in newroot) of tmpfs mounts moat made */
    struct moat_strv make_ro;   /* of those, the ones to turn read-only at the end */
    struct moat_error *err;
};

static int reopen_dir(const char *path, int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return *fd < 0 ? -errno : 0;
}

/* Is `path` (in the new root) inside a tmpfs that moat created?  Only there
 * may mount points be created: they can never reach the host. */
static bool on_own_tmpfs(const struct tree *t, const char *path)
{
    for (size_t i = 0; i < t->own_tmpfs.n; i++)
        if (path_is_within(path, t->own_tmpfs.v[i]))
            return true;
    return false;
}

/* Resolve a host path once.  *src gets an O_PATH fd, canon the symlink-free
 * path it resolved to.  -ENOENT when it does not exist. */
static int resolve_host(struct tree *t, const char *path, int *src, char *canon, size_t size)
{
    int fd = mnt_open_path(t->oldroot, path, true);
    if (fd < 0)
        return fd;
    char buf[4096];
    int r = mnt_fd_path(t->proc, fd, buf, sizeof buf);
    if (r < 0 || strncmp(buf, "/oldroot", 8) != 0 || (buf[8] != '/' && buf[8] != '\0')) {
        close(fd);
        return error_set(t->err, r < 0 ? r : -EXDEV, "cannot resolve %s in the host tree", path);
    }
    snprintf(canon, size, "%s", buf[8] ? buf + 8 : "/");
    *src = fd;
    return 0;
}

/* Open (creating it on a moat tmpfs if needed) the mount point for canon in
 * the new root.  Returns the fd, -ENOENT if it is hidden and cannot be made. */
static int open_target(struct tree *t, const char *canon, bool is_dir, bool create)
{
    int fd = mnt_open_path(t->newroot, canon, false);
    if (fd != -ENOENT || !create || !on_own_tmpfs(t, canon))
        return fd;
    /* A moat tmpfs that is read-only by now would refuse the mount point;
     * they are all still writable here and made read-only at the end. */
    int r = mnt_make_mountpoint(t->newroot, canon, !is_dir);
    if (r < 0)
        return r;
    return mnt_open_path(t->newroot, canon, false);
}

static int add_own_tmpfs(struct tree *t, const char *path, bool make_ro)
{
    int r = strv_push(&t->own_tmpfs, path);
    if (r == 0 && make_ro)
        r = strv_push(&t->make_ro, path);
    return r;
}

/* A deny rule for a path that does not exist.  Safe when its nearest
 * existing ancestor is read-only in the sandbox (it cannot be created from
 * inside).  When that ancestor is writable, the only way to block the name
 * would be a mount point created on the host, which moat never does. */
static int deny_missing(struct tree *t, const struct mount_op *op)
{
    char anc[4096];
    snprintf(anc, sizeof anc, "%s", op->path);
    for (;;) {
        char *slash = strrchr(anc, '/');
        if (!slash)
            return 0;
        if (slash == anc)
            slash[1] = '\0';
        else
            *slash = '\0';
        _cleanup_close_ int fd = mnt_open_path(t->newroot, anc, true);
        if (fd == -ENOENT || fd == -ENOTDIR)
            continue;
        if (fd < 0)
            return error_set_errno(t->err, fd, "%s %s: cannot open %s", mount_op_kind_name(op->kind),
                                   op->path, anc);
        struct statvfs sv;
        if (fstatvfs(fd, &sv) < 0)
            return error_set_errno(t->err, -errno, "statvfs %s", anc);
        if ((sv.f_flag & ST_RDONLY) || op->kind == OP_PROTECT)
            return 0;
        if (on_own_tmpfs(t, anc)) {
            _cleanup_close_ int dst = open_target(t, op->path, true, true);
            if (dst < 0)
                return error_set_errno(t->err, dst, "cannot create mount point %s", op->path);
            int r = mnt_tmpfs(dst, "0555", RO_ATTRS | MOUNT_ATTR_NOEXEC);
            return r < 0 ? error_set_errno(t->err, r, "cannot mask %s", op->path) : 0;
        }
        return error_set(t->err, -EINVAL,
                         "%s %s: the path does not exist and %s is writable in the sandbox; "
                         "moat never creates files on the host to protect a path, so create "
                         "it first or narrow allowWrite",
                         mount_op_kind_name(op->kind), op->path, anc);
    }
}

static int apply_op(struct tree *t, const struct mount_op *op)
{
    const char *what = mount_op_kind_name(op->kind);
    bool deny = op->kind == OP_DENY_READ || op->kind == OP_DENY_WRITE || op->kind == OP_PROTECT;
    if (t->p->debug_no_mount_protection && (op->kind == OP_DENY_WRITE || op->kind == OP_PROTECT))
        return 0;

    _cleanup_close_ int src = -1;
    char canon[4096];
    int r = resolve_host(t, op->path, &src, canon, sizeof canon);
    if (r == -ENOENT || r == -ENOTDIR)
        return deny ? deny_missing(t, op) : 0; /* nothing to grant */
    if (r < 0)
        return t->err->msg[0] ? r : error_set_errno(t->err, r, "%s %s", what, op->path);

    struct stat st;
    if (fstat(src, &st) < 0)
        return error_set_errno(t->err, -errno, "stat %s", canon);
    bool is_dir = S_ISDIR(st.st_mode);

    _cleanup_close_ int dst = open_target(t, canon, is_dir, !deny);
    if (dst == -ENOENT && deny)
        return 0; /* already hidden under a moat tmpfs */
    if (dst < 0)
        return error_set_errno(t->err, dst, "%s %s: cannot open %s in the sandbox", what,
                               op->path, canon);

    switch (op->kind) {
    case OP_ALLOW_READ:
        r = mnt_bind(src, dst, RO_ATTRS, 0);
        break;
    case OP_ALLOW_WRITE:
        r = mnt_bind(src, dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0);
        break;
    case OP_DENY_WRITE:
    case OP_PROTECT:
        r = mnt_bind(dst, dst, RO_ATTRS, 0);
        break;
    case OP_DENY_READ:
        if (is_dir) {
            r = mnt_tmpfs(dst, "0555", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
            if (r == 0)
                r = add_own_tmpfs(t, canon, true);
        } else {
            r = mnt_bind(t->empty, dst, RO_ATTRS | MOUNT_ATTR_NOEXEC, 0);
        }
        break;
    }
    if (r < 0)
        return error_set_errno(t->err, r, "%s %s: cannot mount over %s", what, op->path, canon);
    return 0;
}

/* The "listed" model: the new root is a moat tmpfs holding the baseline. */
static int build_listed_root(struct tree *t)
{
    int r = mnt_tmpfs(t->newroot, "0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (r < 0 || (r = reopen_dir("/newroot", &t->newroot)) < 0)
        return error_set_errno(t->err, r, "cannot create the sandbox root");
    if ((r = add_own_tmpfs(t, "/", true)) < 0)
        return r;
    for (const char *const *b = listed_baseline; *b; b++) {
        struct stat st;
        if (fstatat(t->oldroot, *b + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) { /* merged /usr: /bin -> usr/bin */
            char target[4096];
            ssize_t n = readlinkat(t->oldroot, *b + 1, target, sizeof target - 1);
            if (n < 0)
                continue;
            target[n] = '\0';
            if (symlinkat(target, t->newroot, *b + 1) < 0)
                return error_set_errno(t->err, -errno, "cannot create %s", *b);
            continue;
        }
        struct mount_op op = { .path = (char *)*b, .kind = OP_ALLOW_READ };
        if ((r = apply_op(t, &op)) < 0)
            return r;
    }
    /* /etc/resolv.conf is often a link into /run: make its target visible. */
    char canon[4096];
    _cleanup_close_ int src = -1;
    if (resolve_host(t, "/etc/resolv.conf", &src, canon, sizeof canon) == 0 &&
        strncmp(canon, "/etc/", 5) != 0) {
        struct mount_op op = { .path = canon, .kind = OP_ALLOW_READ };
        if ((r = apply_op(t, &op)) < 0)
            return r;
    }
    t->err->msg[0] = '\0';
    static const char *const dirs[] = { "/proc", "/dev", "/tmp", NULL };
    for (const char *const *d = dirs; *d; d++)
        if ((r = mnt_make_mountpoint(t->newroot, *d, false)) < 0)
            return error_set_errno(t->err, r, "cannot create %s", *d);
    return 0;
}

static int mount_system(struct tree *t)
{
    int r;
    _cleanup_close_ int procdir = mnt_open_path(t->newroot, "/proc", false);
    if (procdir < 0)
        return error_set_errno(t->err, procdir, "no /proc directory in the sandbox root");
    /* A fresh procfs for the new pid namespace: only sandbox pids exist. */
    _cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
    if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return error_set_errno(t->err, -errno, "cannot create procfs");
    _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
                                      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0 || move_mount(mnt, "", procdir, "", MOVE_MOUNT_F_EMPTY_PATH |
                                                        MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return error_set_errno(t->err, -errno, "cannot mount /proc");
    if ((r = reopen_dir("/newroot/proc", &t->proc)) < 0)
        return error_set_errno(t->err, r, "cannot open /proc");

    if ((r = devfs_build(t->oldroot, t->newroot, t->err)) < 0)
        return r;
    if ((r = add_own_tmpfs(t, "/dev", true)) < 0 || (r = add_own_tmpfs(t, "/dev/shm", false)) < 0)
        return r;

    if (t->p->fs.private_tmp) {
        _cleanup_close_ int tmp = mnt_open_path(t->newroot, "/tmp", false);
        if (tmp < 0 || (r = mnt_tmpfs(tmp, "1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) < 0)
            return error_set_errno(t->err, tmp < 0 ? tmp : r, "cannot mount a private /tmp");
        if ((r = add_own_tmpfs(t, "/tmp", false)) < 0)
            return r;
    }
    return 0;
}

static int finish_read_only(struct tree *t)
{
    for (size_t i = 0; i < t->make_ro.n; i++) {
        _cleanup_close_ int fd = mnt_open_path(t->newroot, t->make_ro.v[i], false);
        int r = fd < 0 ? fd : mnt_setattr(fd, MOUNT_ATTR_RDONLY, 0, false);
        if (r < 0)
            return error_set_errno(t->err, r, "cannot make %s read-only", t->make_ro.v[i]);
    }
    return 0;
}

static int make_stage(struct moat_error *err)
{
    /* Nothing we mount may propagate back to the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return error_set_errno(err, -errno, "cannot make / a slave mount");
    _cleanup_close_ int stage_dir = open(STAGE, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int r = stage_dir < 0 ? -errno : mnt_tmpfs(stage_dir, "0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (r < 0)
        return error_set_errno(err, r, "cannot mount the staging tmpfs on %s", STAGE);
    if (chdir(STAGE) < 0 || mkdir("newroot", 0755) < 0 || mkdir("oldroot", 0755) < 0)
        return error_set_errno(err, -errno, "cannot prepare the staging tmpfs");
    int fd = open("empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
    if (fd < 0)
        return error_set_errno(err, -errno, "cannot create the empty mask file");
    close(fd);
    if (syscall(SYS_pivot_root, ".", "oldroot") < 0 || chdir("/") < 0)
        return error_set_errno(err, -errno, "cannot pivot into the staging tmpfs");
    return 0;
}

static int pivot_into_newroot(struct tree *t)
{
    /* pivot_root(".", ".") stacks the old root on the new one; detaching
     * "." then drops the stage and the whole host tree (pivot_root(2)). */
    if (fchdir(t->newroot) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        return error_set_errno(t->err, -errno, "cannot pivot into the sandbox root");
    return 0;
}

/* The sandbox's own /etc/resolv.conf (pointing at the DNS filter): a file
 * in the stage, bound over the host's file (or the target of its symlink).
 * The bind keeps the stage's tmpfs alive after the stage is detached. */
static int mount_resolv_conf(struct tree *t, const char *text)
{
    int fd = open("/resolv.conf", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
    if (fd < 0)
        return error_set_errno(t->err, -errno, "cannot create the sandbox's resolv.conf");
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    if (!ok)
        return error_set_errno(t->err, -EIO, "cannot write the sandbox's resolv.conf");
    _cleanup_close_ int src = open("/resolv.conf", O_PATH | O_CLOEXEC);
    _cleanup_close_ int host = -1;
    char canon[4096];
    int r = resolve_host(t, "/etc/resolv.conf", &host, canon, sizeof canon);
    if (r == -ENOENT) /* a dangling link (resolver not running): nothing to cover */
        return 0;
    if (r < 0)
        return error_set_errno(t->err, r, "cannot resolve /etc/resolv.conf");
    _cleanup_close_ int dst = open_target(t, canon, false, false);
    if (src < 0 || dst < 0 || (r = mnt_bind(src, dst, RO_ATTRS | MOUNT_ATTR_NOEXEC, 0)) < 0)
        return error_set_errno(t->err, src < 0 || dst < 0 ? -ENOENT : r,
                               "cannot mount the sandbox's resolv.conf over %s", canon);
    return 0;
}

int mount_tree_build(const struct moat_policy *p, const char *home, const char *resolv_conf,
                     struct moat_error *err)
{
    struct tree t = { .p = p, .oldroot = -1, .newroot = -1, .proc = -1, .empty = -1, .err = err };
    struct mount_plan plan = { 0 };
    int r = make_stage(err);
    if (r < 0)
        goto out;
    if ((r = reopen_dir("/oldroot", &t.oldroot)) < 0 || (r = reopen_dir("/newroot", &t.newroot)) < 0 ||
        (t.empty = open("/empty", O_PATH | O_CLOEXEC)) < 0) {
        r = error_set_errno(err, r < 0 ? r : -errno, "cannot open the staging tree");
        goto out;
    }
    if (p->fs.read_model == MOAT_READ_LISTED) {
        /* procfs is needed for path resolution before /proc is mounted. */
        if ((r = reopen_dir("/oldroot/proc", &t.proc)) < 0) {
            r = error_set_errno(err, r, "cannot open the host's /proc");
            goto out;
        }
        if ((r = build_listed_root(&t)) < 0)
            goto out;
    } else {
        uint64_t ro = p->debug_no_mount_protection ? 0 : RO_ATTRS;
        if ((r = mnt_bind(t.oldroot, t.newroot, ro | MOUNT_ATTR_NOSUID, 0)) < 0 ||
            (r = reopen_dir("/newroot", &t.newroot)) < 0) {
            r = error_set_errno(err, r, "cannot bind the host root read-only");
            goto out;
        }
    }
    if ((r = mount_system(&t)) < 0)
        goto out;
    if ((r = mount_plan_build(p, home, &plan)) < 0) {
        r = error_set(err, r, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < plan.n && r >= 0; i++)
        r = apply_op(&t, &plan.ops[i]);
    if (r >= 0 && resolv_conf)
        r = mount_resolv_conf(&t, resolv_conf);
    if (r < 0 || (r = finish_read_only(&t)) < 0 || (r = pivot_into_newroot(&t)) < 0)
        goto out;
out:
    mount_plan_free(&plan);
    strv_free(&t.own_tmpfs);
    strv_free(&t.make_ro);
    int fds[] = { t.oldroot, t.newroot, t.proc, t.empty };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return r;
}
