/* The mount tree; see mount_tree.h.  Sequence (as bubblewrap does it, but
 * through fds): make / a slave, put a private tmpfs "stage" on /tmp and pivot
 * into it so the host tree sits at /oldroot, assemble /newroot, pivot into
 * /newroot and detach the rest.  Every policy path is resolved once, in the
 * host view, with symlinks confined to the host root; rules are ordered by
 * where they land; protections inside writable trees get their ancestors
 * pinned, so that no rename can carry them away (docs/security.md). */
#include "sandbox/mount/mount_tree.h"

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

#include "policy/protected.h"
#include "policy/warnings.h"
#include "sandbox/mount/mount_ops.h"
#include "sandbox/mount/mount_plan.h"
#include "sandbox/mount/mount_resolve.h"
#include "sandbox/mount/mount_system.h"
#include "util/cleanup.h"
#include "util/debug_pause.h"
#include "util/error.h"
#include "util/strv.h"

#define STAGE "/tmp"
#define ABSENT (-2) /* an op's src: a candidate found absent, dropped */
#define RO_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

/* The system baseline visible in the "listed" read model. */
static const char *const listed_baseline[] = {
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", NULL,
};

struct tree {
    const struct moat_policy *p;
    struct host_view h;
    int newroot; /* the root being assembled */
    int empty;   /* an empty read-only file in the stage */
    struct moat_strv own_tmpfs; /* paths (in newroot) of tmpfs mounts moat made */
    struct moat_strv make_ro;   /* of those, the ones to turn read-only at the end */
    struct fs_rules *rules;
    struct moat_error *err;
    const char *shown_cwd; /* the caller's cwd below /tmp, shown read-only, or NULL */
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

static bool in_writable(const struct tree *t, const char *path)
{
    for (size_t i = 0; i < t->rules->writable.n; i++)
        if (path_is_within(path, t->rules->writable.v[i]))
            return true;
    return false;
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

/* A deny rule for a path that does not exist.  Inside moat's own tmpfs
 * mounts (the private /tmp) the mask gets a mount point there: nothing
 * reaches the host.  Elsewhere nothing is mounted: below a read-only
 * ancestor the name cannot be created from inside, and below a writable one
 * the write guard refuses to create it (fs_rules.read_only); moat never
 * creates files on the host to protect a path. */
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
        if (!on_own_tmpfs(t, anc) || op->kind == OP_PROTECT)
            return 0;
        struct statvfs sv;
        if (fstatvfs(fd, &sv) < 0)
            return error_set_errno(t->err, -errno, "statvfs %s", anc);
        if (sv.f_flag & ST_RDONLY)
            return 0;
        _cleanup_close_ int dst = open_target(t, op->path, true, true);
        if (dst < 0)
            return error_set_errno(t->err, dst, "cannot create mount point %s", op->path);
        int r = mnt_tmpfs(dst, "0555", MNT_SMALL, RO_ATTRS | MOUNT_ATTR_NOEXEC);
        return r < 0 ? error_set_errno(t->err, r, "cannot mask %s", op->path) : 0;
    }
}

/* A pin: the directory (or symlink) bound onto itself, with its own
 * attributes and everything mounted below it.  Where it does not exist, or
 * lies on moat's own tmpfs, there is nothing to pin. */
static int apply_pin(struct tree *t, const struct mount_op *op)
{
    if (on_own_tmpfs(t, op->path) || t->p->debug_no_mount_protection)
        return 0;
    _cleanup_close_ int dst = mnt_open_path(t->newroot, op->path, false);
    if (dst == -ENOENT || dst == -ENOTDIR || dst == -ELOOP)
        return 0;
    if (dst < 0)
        return error_set_errno(t->err, dst, "cannot open %s in the sandbox", op->path);
    int r = mnt_bind(dst, dst, 0, 0);
    return r < 0 ? error_set_errno(t->err, r, "cannot pin %s", op->path) : 0;
}

static int apply_op(struct tree *t, const struct mount_op *op)
{
    int src = op->src;
    const char *what = mount_op_kind_name(op->kind);
    const char *shown = op->as_written ? op->as_written : op->path;
    bool deny = op->kind == OP_DENY_READ || op->kind == OP_DENY_WRITE || op->kind == OP_PROTECT;
    if (op->kind == OP_PIN)
        return apply_pin(t, op);
    if (t->p->debug_no_mount_protection && (op->kind == OP_DENY_WRITE || op->kind == OP_PROTECT))
        return 0;
    if (src < 0)
        return deny ? deny_missing(t, op) : 0; /* nothing to grant */

    struct stat st;
    if (fstat(src, &st) < 0)
        return error_set_errno(t->err, -errno, "stat %s", op->path);
    bool is_dir = S_ISDIR(st.st_mode);

    _cleanup_close_ int dst = open_target(t, op->path, is_dir, true);
    if (dst == -ENOENT && deny)
        return 0; /* already hidden under a moat tmpfs */
    if (dst < 0)
        return error_set_errno(t->err, dst, "%s %s: cannot open %s in the sandbox", what, shown,
                               op->path);
    int r = 0;
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
            r = mnt_tmpfs(dst, "0555", MNT_SMALL,
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
            if (r == 0)
                r = add_own_tmpfs(t, op->path, true);
        } else {
            r = mnt_bind(t->empty, dst, RO_ATTRS | MOUNT_ATTR_NOEXEC, 0);
        }
        break;
    case OP_PIN:
        break;
    }
    if (r < 0)
        return error_set_errno(t->err, r, "%s %s: cannot mount over %s", what, shown, op->path);
    return 0;
}

/* ---- resolution ------------------------------------------------------- */

struct symlink_check {
    struct tree *t;
    const struct mount_op *op;
    struct mount_plan *pins; /* restrictions: the symlinks to pin */
};

/* A grant (allowWrite/allowRead) must not reach through a symlink lying in
 * a writable tree: the previous run of the same policy could have planted
 * it (`build` replaced by a link to $HOME widens the next run's grant).  A
 * restriction that passes such a symlink gets it pinned instead, so the
 * link cannot be swapped while the sandbox runs. */
static int check_symlink(void *ctx, const char *location)
{
    struct symlink_check *c = ctx;
    if (!in_writable(c->t, location))
        return 0;
    if (c->pins)
        return mount_plan_add(c->pins, location, OP_PIN) < 0 ? -ENOMEM : 0;
    return error_set(c->t->err, -EPERM,
                     "%s %s: the path goes through the symlink %s, which lies in a tree the "
                     "sandbox may write; a command run under this policy could have planted it, "
                     "so moat will not follow it (name the target directly)",
                     mount_op_kind_name(c->op->kind), c->op->path, location);
}

/* The canonical form of each op's path; the sources of grants stay open. */
static int resolve_ops(struct tree *t, struct mount_plan *plan, bool grants)
{
    for (size_t i = 0; i < plan->n; i++) {
        struct mount_op *op = &plan->ops[i];
        bool grant = op->kind == OP_ALLOW_READ || op->kind == OP_ALLOW_WRITE;
        if (grant != grants || op->src != -1 || op->as_written)
            continue;
        /* A protected name the table (or the policy's protect list) puts at
         * the top of a tree: most are absent, and an absent name is the
         * write guard's alone (it refuses creating it).  One stat decides. */
        struct stat st;
        if ((op->kind == OP_PROTECT || op->kind == OP_PIN) &&
            (protected_name_find(op->why) || strcmp(op->why, "protect") == 0) &&
            fstatat(t->h.oldroot, op->path + 1, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            op->src = ABSENT;
            continue;
        }
        char canon[4096];
        int r = resolve_host_path(&t->h, op->path, &op->src, canon, sizeof canon);
        if (r < 0)
            return error_set_errno(t->err, r, "%s %s: cannot resolve it in the host tree",
                                   mount_op_kind_name(op->kind), op->path);
        if (strcmp(canon, op->path) != 0) {
            char *c = strdup(canon);
            if (!c)
                return error_set(t->err, -ENOMEM, "out of memory");
            op->as_written = op->path;
            op->path = c;
        }
        bool user = op->kind != OP_PROTECT && op->kind != OP_PIN;
        static const char *const special[] = { "/proc", "/sys", "/dev", NULL };
        for (const char *const *s = special; *s && user; s++)
            if (path_is_within(op->path, *s))
                return error_set(t->err, -EINVAL, "%s %s: resolves to %s, inside the sandbox's "
                                 "own %s, which a rule cannot share or change",
                                 mount_op_kind_name(op->kind), op->as_written, op->path, *s);
        if (op->kind == OP_ALLOW_WRITE && strcmp(op->path, "/") == 0)
            return error_set(t->err, -EINVAL, "allowWrite %s: resolves to \"/\", which would "
                             "make the host writable; list the directories instead",
                             op->as_written ? op->as_written : op->path);
        if (op->kind == OP_ALLOW_WRITE && op->src >= 0 &&
            (r = strv_push(&t->rules->writable, op->path)) < 0)
            return error_set(t->err, r, "out of memory");
    }
    return 0;
}

/* A core.hooksPath (in a root's repository config, or the user's global
 * git config) that lies in a writable tree holds hooks like .git/hooks. */
static int add_hooks_path(struct tree *t, struct mount_plan *plan, const char *config,
                          const char *base)
{
    char hooks[4096];
    if (resolve_git_hooks_path(&t->h, config, base, t->rules->home, hooks, sizeof hooks) < 0)
        return 0;
    int r = mount_plan_add_why(plan, hooks, OP_PROTECT, ".git/hooks");
    return r < 0 ? error_set(t->err, r, "out of memory") : 0;
}

/* Protections for the git directory a `.git` file at the top of a
 * writable root points to (a linked worktree's or a submodule's), for the
 * common directory that one names, and for the hooks directories git is
 * configured to use instead of .git/hooks. */
static int add_gitdir_files(struct tree *t, struct mount_plan *plan)
{
    if (!protected_name_active(t->p, PROTECTED_GIT_ENTRY) && !protected_name_active(t->p, ".git/config"))
        return 0;
    int r = 0;
    if (protected_name_active(t->p, ".git/hooks") && t->rules->home) {
        char global[4096];
        snprintf(global, sizeof global, "%s/.gitconfig", t->rules->home);
        for (size_t i = 0; i < t->rules->writable.n && r == 0; i++)
            r = add_hooks_path(t, plan, global, t->rules->writable.v[i]);
        snprintf(global, sizeof global, "%s/.config/git/config", t->rules->home);
        for (size_t i = 0; i < t->rules->writable.n && r == 0; i++)
            r = add_hooks_path(t, plan, global, t->rules->writable.v[i]);
    }
    for (size_t i = 0; i < t->rules->writable.n && r == 0; i++) {
        char config[4096];
        snprintf(config, sizeof config, "%s/.git/config",
                 strcmp(t->rules->writable.v[i], "/") ? t->rules->writable.v[i] : "");
        if (protected_name_active(t->p, ".git/hooks"))
            r = add_hooks_path(t, plan, config, t->rules->writable.v[i]);
    }
    if (r < 0)
        return r;
    for (size_t i = 0; i < t->rules->writable.n; i++) {
        char dotgit[4096], gitdir[4096], common[4096];
        snprintf(dotgit, sizeof dotgit, "%s/.git",
                 strcmp(t->rules->writable.v[i], "/") ? t->rules->writable.v[i] : "");
        if (resolve_gitdir_file(&t->h, dotgit, gitdir, sizeof gitdir, common, sizeof common) < 0)
            continue;
        const char *dirs[] = { gitdir, common };
        for (size_t d = 0; d < 2; d++) {
            if (!dirs[d][0])
                continue;
            r = mount_plan_add_why(plan, dirs[d], OP_PIN, ".git");
            for (const struct protected_name *e = protected_names; e->name && r == 0; e++) {
                if (e->scope != PROTECT_GITDIR || !protected_name_active(t->p, e->name))
                    continue;
                char buf[4096];
                if (snprintf(buf, sizeof buf, "%s/%s", dirs[d], e->match) < (int)sizeof buf)
                    r = mount_plan_add_why(plan, buf, OP_PROTECT, e->name);
            }
            if (r < 0)
                return error_set(t->err, r, "out of memory");
        }
    }
    return 0;
}

/* What the write guard needs: the restrictions that land in writable
 * trees, whether they exist or not, and the hidden paths. */
static int record_rules(struct tree *t, const struct mount_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        const struct mount_op *op = &plan->ops[i];
        bool grant = op->kind == OP_ALLOW_WRITE || op->kind == OP_ALLOW_READ;
        struct moat_strv *list = op->kind == OP_DENY_READ ? &t->rules->hidden
                                 : op->kind == OP_DENY_WRITE || op->kind == OP_PROTECT
                                     ? &t->rules->read_only
                                 : grant && op->src < 0 ? &t->rules->grants
                                                        : NULL;
        if (!list)
            continue;
        bool ro = list == &t->rules->read_only;
        int r = 0;
        /* Where it lands, and (below) the name as written: a symlink in a
         * writable tree to a path outside it is a name to keep too. */
        if (in_writable(t, op->path)) {
            r = strv_push(list, op->path);
            if (r == 0 && ro)
                r = strv_push(&t->rules->read_only_why, op->why);
        }
        if (r == 0 && op->as_written && in_writable(t, op->as_written)) {
            r = strv_push(list, op->as_written);
            if (r == 0 && ro)
                r = strv_push(&t->rules->read_only_why, op->why);
        }
        if (r < 0)
            return error_set(t->err, r, "out of memory");
    }
    return 0;
}

/* The plan, resolved and ordered: grants first (they define the writable
 * trees), then everything else, the symlinks restrictions pass, and the
 * pins; protections that land outside every writable tree are read-only
 * already and are dropped. */
static int prepare_plan(struct tree *t, const char *home, struct mount_plan *plan)
{
    int r = mount_plan_build(t->p, home, plan);
    if (r == 0 && t->shown_cwd && (r = mount_plan_add(plan, t->shown_cwd, OP_ALLOW_READ)) == 0)
        mount_plan_sort(plan);
    if (r < 0)
        return error_set(t->err, r, "out of memory");
    if ((r = resolve_ops(t, plan, true)) < 0 || (r = add_gitdir_files(t, plan)) < 0 ||
        (r = resolve_ops(t, plan, false)) < 0)
        return r;
    struct mount_plan links = { 0 };
    for (size_t i = 0; i < plan->n && r == 0; i++) {
        struct mount_op *op = &plan->ops[i];
        /* Equal spellings: no symlink on the way, nothing to check. */
        if (op->src == ABSENT || !op->as_written)
            continue;
        bool grant = op->kind == OP_ALLOW_READ || op->kind == OP_ALLOW_WRITE;
        struct symlink_check c = { t, op, grant ? NULL : &links };
        const char *spelled = op->as_written ? op->as_written : op->path;
        r = resolve_host_symlinks(&t->h, spelled, check_symlink, &c);
        if (r < 0 && !t->err->msg[0])
            r = error_set_errno(t->err, r, "%s %s: cannot resolve it in the host tree",
                                mount_op_kind_name(op->kind), spelled);
    }
    /* Drop protections outside the writable trees (moving the kept ones
     * down, with their sources). */
    size_t o = 0;
    for (size_t i = 0; i < plan->n; i++) {
        struct mount_op *op = &plan->ops[i];
        if (op->src == ABSENT ||
            ((op->kind == OP_PROTECT || op->kind == OP_PIN) && !in_writable(t, op->path))) {
            /* A protection reached through a symlink in a writable tree (the
             * policy file as a link): the link is pinned below, and its
             * name is the guard's to keep (the only keeper without mounts). */
            if (op->kind == OP_PROTECT && op->src != ABSENT && op->as_written &&
                in_writable(t, op->as_written) && r == 0 &&
                ((r = strv_push(&t->rules->read_only, op->as_written)) < 0 ||
                 (r = strv_push(&t->rules->read_only_why, op->why)) < 0))
                error_set(t->err, r, "out of memory");
            free(op->path);
            free(op->as_written);
            if (op->src >= 0)
                close(op->src);
            continue;
        }
        plan->ops[o++] = *op;
    }
    plan->n = o;
    for (size_t i = 0; i < links.n && r == 0; i++)
        r = mount_plan_add(plan, links.ops[i].path, OP_PIN);
    mount_plan_free(&links);
    if (r < 0)
        return t->err->msg[0] ? r : error_set(t->err, r, "out of memory");
    if ((r = record_rules(t, plan)) < 0)
        return r;
    r = mount_plan_add_pins(plan, (const char *const *)t->rules->writable.v,
                            t->rules->writable.n);
    if (r < 0)
        return error_set(t->err, r, "out of memory");
    mount_plan_sort(plan);
    return 0;
}

/* ---- the sequence ------------------------------------------------------ */

/* The "listed" model: the new root is a moat tmpfs holding the baseline. */
static int build_listed_root(struct tree *t)
{
    int r = mnt_tmpfs(t->newroot, "0755", MNT_SMALL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (r < 0 || (r = reopen_dir("/newroot", &t->newroot)) < 0)
        return error_set_errno(t->err, r, "cannot create the sandbox root");
    if ((r = add_own_tmpfs(t, "/", true)) < 0)
        return r;
    for (const char *const *b = listed_baseline; *b; b++) {
        struct stat st;
        if (fstatat(t->h.oldroot, *b + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) { /* merged /usr: /bin -> usr/bin */
            char target[4096];
            ssize_t n = readlinkat(t->h.oldroot, *b + 1, target, sizeof target - 1);
            if (n < 0)
                continue;
            target[n] = '\0';
            if (symlinkat(target, t->newroot, *b + 1) < 0)
                return error_set_errno(t->err, -errno, "cannot create %s", *b);
            continue;
        }
        _cleanup_close_ int src = -1;
        char canon[4096];
        if (resolve_host_path(&t->h, *b, &src, canon, sizeof canon) < 0 || src < 0)
            continue;
        struct mount_op op = { .path = canon, .kind = OP_ALLOW_READ, .src = src };
        if ((r = apply_op(t, &op)) < 0)
            return r;
    }
    /* /etc/resolv.conf is often a link into /run: make its target visible. */
    char canon[4096];
    _cleanup_close_ int src = -1;
    if (resolve_host_path(&t->h, "/etc/resolv.conf", &src, canon, sizeof canon) == 0 &&
        src >= 0 && strncmp(canon, "/etc/", 5) != 0) {
        struct mount_op op = { .path = canon, .kind = OP_ALLOW_READ, .src = src };
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
    int r = stage_dir < 0 ? -errno
                          : mnt_tmpfs(stage_dir, "0755", MNT_SMALL, MOUNT_ATTR_NOSUID |
                                                                        MOUNT_ATTR_NODEV);
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
    int r = resolve_host_path(&t->h, "/etc/resolv.conf", &host, canon, sizeof canon);
    if (r == 0 && host < 0) /* a dangling link (resolver not running): nothing to cover */
        return 0;
    if (r < 0)
        return error_set_errno(t->err, r, "cannot resolve /etc/resolv.conf");
    _cleanup_close_ int dst = open_target(t, canon, false, false);
    if (src < 0 || dst < 0 || (r = mnt_bind(src, dst, RO_ATTRS | MOUNT_ATTR_NOEXEC, 0)) < 0)
        return error_set_errno(t->err, src < 0 || dst < 0 ? -ENOENT : r,
                               "cannot mount the sandbox's resolv.conf over %s", canon);
    return 0;
}

static int resolve_home(struct tree *t, const char *home)
{
    if (!home)
        return 0;
    char canon[4096];
    _cleanup_close_ int fd = -1;
    if (resolve_host_path(&t->h, home, &fd, canon, sizeof canon) < 0)
        return 0;
    t->rules->home = strdup(canon);
    return t->rules->home ? 0 : error_set(t->err, -ENOMEM, "out of memory");
}

int mount_tree_build(const struct moat_policy *p, const char *home, const char *resolv_conf,
                     const char *cwd, struct fs_rules *rules, struct moat_error *err)
{
    struct tree t = { .p = p, .h = { .oldroot = -1, .proc = -1, .prefix = "/oldroot" },
                      .newroot = -1, .empty = -1, .rules = rules, .err = err,
                      .shown_cwd = cwd && policy_tmp_shows_cwd(p, cwd) ? cwd : NULL };
    struct mount_plan plan = { 0 };
    int r = make_stage(err);
    if (r < 0)
        goto out;
    if ((r = reopen_dir("/oldroot", &t.h.oldroot)) < 0 ||
        (r = reopen_dir("/oldroot/proc", &t.h.proc)) < 0 ||
        (r = reopen_dir("/newroot", &t.newroot)) < 0 ||
        (t.empty = open("/empty", O_PATH | O_CLOEXEC)) < 0) {
        r = error_set_errno(err, r < 0 ? r : -errno, "cannot open the staging tree");
        goto out;
    }
    if (p->fs.read_model == MOAT_READ_LISTED) {
        if ((r = build_listed_root(&t)) < 0)
            goto out;
    } else {
        uint64_t ro = p->debug_no_mount_protection ? 0 : RO_ATTRS;
        if ((r = mnt_bind(t.h.oldroot, t.newroot, ro | MOUNT_ATTR_NOSUID, 0)) < 0 ||
            (r = reopen_dir("/newroot", &t.newroot)) < 0) {
            r = error_set_errno(err, r, "cannot bind the host root read-only");
            goto out;
        }
    }
    char tmp_size[32];
    mount_system_tmp_size(p, tmp_size, sizeof tmp_size);
    struct mount_system sys = { .newroot = t.newroot, .own_netns = p->net.mode != MOAT_NET_HOST,
                                .private_tmp = p->fs.private_tmp, .tmp_size = tmp_size,
                                /* Not for the host's root: see mount_visible_proc. */
                                .visible_proc = p->proc.allow_nested_namespaces && getuid() != 0,
                                .own_tmpfs = &t.own_tmpfs, .make_ro = &t.make_ro };
    if ((r = mount_system_build(&sys, err)) < 0 || (r = resolve_home(&t, home)) < 0 ||
        (r = prepare_plan(&t, home, &plan)) < 0)
        goto out;
    debug_pause_here(MOAT_DEBUG_PAUSE_MOUNTS); /* halfway: the host tree at /oldroot */
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
    int fds[] = { t.h.oldroot, t.h.proc, t.newroot, t.empty };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return r;
}

int mount_tree_rules(const struct moat_policy *p, const char *home, struct fs_rules *rules,
                     struct moat_error *err)
{
    struct tree t = { .p = p, .h = { .oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC),
                                     .proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC),
                                     .prefix = "" },
                      .newroot = -1, .empty = -1, .rules = rules, .err = err };
    struct mount_plan plan = { 0 };
    rules->in_place = true;
    int r = 0;
    if (t.h.oldroot < 0 || t.h.proc < 0)
        r = error_set_errno(err, -errno, "cannot open / and /proc");
    if (r == 0 && (r = resolve_home(&t, home)) == 0)
        r = prepare_plan(&t, home, &plan);
    for (size_t i = 0; i < plan.n && r == 0; i++) {
        const struct mount_op *op = &plan.ops[i];
        if (op->kind == OP_DENY_READ)
            r = strv_push(&rules->deny_read, op->path);
        else if (op->kind == OP_ALLOW_READ && op->src >= 0)
            r = strv_push(&rules->allow_read, op->path);
        if (r < 0)
            r = error_set(err, r, "out of memory");
    }
    mount_plan_free(&plan);
    if (t.h.oldroot >= 0)
        close(t.h.oldroot);
    if (t.h.proc >= 0)
        close(t.h.proc);
    return r;
}

void fs_rules_free(struct fs_rules *r)
{
    strv_free(&r->writable);
    strv_free(&r->read_only);
    strv_free(&r->read_only_why);
    strv_free(&r->hidden);
    strv_free(&r->grants);
    strv_free(&r->deny_read);
    strv_free(&r->allow_read);
    strv_free(&r->scratch);
    free(r->home);
    *r = (struct fs_rules){ 0 };
}
