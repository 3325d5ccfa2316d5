/* Ordering of the filesystem rules; see mount_plan.h.  Never touches the
 * filesystem: whether a path exists, and where it lands, is decided when
 * the plan is executed (mount_tree.c). */
#include "sandbox/mount/mount_plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/protected.h"
#include "util/strv.h"

bool path_is_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static size_t path_depth(const char *p)
{
    size_t d = 0;
    for (; *p; p++)
        if (*p == '/' && p[1])
            d++;
    return d;
}

const char *mount_op_kind_name(enum mount_op_kind k)
{
    switch (k) {
    case OP_PIN: return "pin";
    case OP_ALLOW_READ: return "allowRead";
    case OP_ALLOW_WRITE: return "allowWrite";
    case OP_DENY_WRITE: return "denyWrite";
    case OP_DENY_READ: return "denyRead";
    case OP_PROTECT: return "protect";
    }
    return "?";
}

int mount_plan_add(struct mount_plan *plan, const char *path, enum mount_op_kind kind)
{
    return mount_plan_add_why(plan, path, kind, NULL);
}

int mount_plan_add_why(struct mount_plan *plan, const char *path, enum mount_op_kind kind,
                       const char *why)
{
    for (size_t i = 0; i < plan->n; i++)
        if (plan->ops[i].kind == kind && strcmp(plan->ops[i].path, path) == 0)
            return 0;
    struct mount_op *ops = realloc(plan->ops, (plan->n + 1) * sizeof *ops);
    if (!ops)
        return -ENOMEM;
    plan->ops = ops;
    char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    plan->ops[plan->n++] = (struct mount_op){ .path = copy, .kind = kind, .src = -1,
                                              .why = why ? why : mount_op_kind_name(kind) };
    return 0;
}

static int plan_add_list(struct mount_plan *plan, const struct moat_strv *sv,
                         enum mount_op_kind kind)
{
    for (size_t i = 0; i < sv->n; i++) {
        int r = mount_plan_add(plan, sv->v[i], kind);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Is path inside one of the writable roots (as written)?  Candidates
 * elsewhere are read-only already; the mount builder checks again where
 * they land. */
static bool in_roots(const struct moat_policy *p, const char *path)
{
    for (size_t i = 0; i < p->fs.allow_write.n; i++)
        if (path_is_within(path, p->fs.allow_write.v[i]))
            return true;
    return false;
}

static int plan_add_joined(const struct moat_policy *p, struct mount_plan *plan, const char *dir,
                           const char *name, enum mount_op_kind kind, const char *why)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s/%s", strcmp(dir, "/") ? dir : "", name);
    if (n < 0 || (size_t)n >= sizeof buf || !in_roots(p, buf))
        return 0; /* longer than any path the kernel resolves, or not writable */
    return mount_plan_add_why(plan, buf, kind, why);
}

/* The caller's $PATH directories (absolute entries only; a relative one
 * names a different place in every directory, which no mount can cover). */
static int plan_add_path_dirs(const struct moat_policy *p, struct mount_plan *plan)
{
    const char *path = getenv("PATH");
    for (const char *s = path; s && *s;) {
        size_t n = strcspn(s, ":");
        if (n > 1 && s[0] == '/' && n < 4096) {
            char dir[4096];
            memcpy(dir, s, n);
            dir[n] = '\0';
            while (n > 1 && dir[n - 1] == '/')
                dir[--n] = '\0';
            int r = in_roots(p, dir) ? mount_plan_add_why(plan, dir, OP_PROTECT, "PATH") : 0;
            if (r < 0)
                return r;
        }
        s += n;
        if (*s == ':')
            s++;
    }
    return 0;
}

/* Candidates for the mount layer: each protected name at the top of every
 * writable root, the home-directory names below $HOME, and the PATH
 * directories.  Names deeper in a tree, and names created during the run,
 * are the write guard's (guard_rules.c); the mount builder drops the
 * candidates that do not exist or do not land in a writable tree. */
static int plan_add_protections(const struct moat_policy *p, const char *home,
                                struct mount_plan *plan)
{
    /* The tops: each writable root, and $HOME when it lies in one. */
    const struct moat_strv *roots = &p->fs.allow_write;
    const char *tops[roots->n + 1];
    size_t n_tops = 0;
    for (size_t i = 0; i < roots->n; i++)
        tops[n_tops++] = roots->v[i];
    if (home && in_roots(p, home))
        tops[n_tops++] = home;
    int r = 0;
    for (const struct protected_name *e = protected_names; e->name && r == 0; e++) {
        if (!protected_name_active(p, e->name))
            continue;
        if (strcmp(e->name, PROTECTED_PATH_ENTRY) == 0) {
            r = plan_add_path_dirs(p, plan);
            continue;
        }
        if (e->scope == PROTECT_HOME) {
            if (home)
                r = plan_add_joined(p, plan, home, e->match, OP_PROTECT, e->name);
            continue;
        }
        /* The entry ".git" itself is pinned, not made read-only: it cannot
         * be moved aside and replaced, and what is in it stays writable. */
        bool git = strcmp(e->name, PROTECTED_GIT_ENTRY) == 0;
        for (size_t i = 0; i < n_tops && r == 0; i++)
            r = plan_add_joined(p, plan, tops[i], e->scope == PROTECT_GITDIR ? e->name : e->match,
                                git ? OP_PIN : OP_PROTECT, e->name);
    }
    for (size_t k = 0; k < p->fs.protect.n && r == 0; k++)
        for (size_t i = 0; i < n_tops && r == 0; i++)
            r = plan_add_joined(p, plan, tops[i], p->fs.protect.v[k], OP_PROTECT, "protect");
    return r;
}

static bool is_restriction(enum mount_op_kind k)
{
    return k == OP_DENY_WRITE || k == OP_DENY_READ || k == OP_PROTECT || k == OP_PIN;
}

int mount_plan_add_pins(struct mount_plan *plan, const char *const *roots, size_t n_roots)
{
    size_t n = plan->n; /* the pins added here need no pins of their own */
    for (size_t i = 0; i < n; i++) {
        if (!is_restriction(plan->ops[i].kind))
            continue;
        for (size_t k = 0; k < n_roots; k++) {
            const char *root = roots[k];
            if (!path_is_within(plan->ops[i].path, root))
                continue;
            char buf[4096];
            snprintf(buf, sizeof buf, "%s", plan->ops[i].path);
            size_t rootlen = strcmp(root, "/") ? strlen(root) : 0;
            /* Every ancestor strictly below the root. */
            for (char *slash = strrchr(buf, '/'); slash && (size_t)(slash - buf) > rootlen;
                 slash = strrchr(buf, '/')) {
                *slash = '\0';
                int r = mount_plan_add(plan, buf, OP_PIN);
                if (r < 0)
                    return r;
            }
        }
    }
    return 0;
}

static int op_compare(const void *a, const void *b)
{
    const struct mount_op *x = a, *y = b;
    bool xp = x->kind == OP_PROTECT, yp = y->kind == OP_PROTECT;
    if (xp != yp)
        return xp ? 1 : -1;
    size_t dx = path_depth(x->path), dy = path_depth(y->path);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(x->path, y->path);
}

void mount_plan_sort(struct mount_plan *plan)
{
    if (plan->n) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(plan->ops, plan->n, sizeof *plan->ops, op_compare);
}

int mount_plan_build(const struct moat_policy *p, const char *home, struct mount_plan *plan)
{
    *plan = (struct mount_plan){ 0 };
    int r;
    if ((r = plan_add_list(plan, &p->fs.allow_read, OP_ALLOW_READ)) < 0 ||
        (r = plan_add_list(plan, &p->fs.allow_write, OP_ALLOW_WRITE)) < 0 ||
        (r = plan_add_list(plan, &p->fs.deny_write, OP_DENY_WRITE)) < 0 ||
        (r = plan_add_list(plan, &p->fs.deny_read, OP_DENY_READ)) < 0)
        goto fail;
    if ((r = plan_add_protections(p, home, plan)) < 0)
        goto fail;
    /* The policy files must not be rewritable by the workload they govern. */
    for (size_t i = 0; i < p->sources.n; i++)
        if ((r = mount_plan_add_why(plan, p->sources.v[i], OP_PROTECT, "the policy file")) < 0)
            goto fail;
    mount_plan_sort(plan);
    return 0;
fail:
    mount_plan_free(plan);
    return r;
}

void mount_plan_free(struct mount_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        free(plan->ops[i].path);
        free(plan->ops[i].as_written);
        if (plan->ops[i].src >= 0)
            close(plan->ops[i].src);
    }
    free(plan->ops);
    *plan = (struct mount_plan){ 0 };
}
