/* Ordering of the filesystem rules; see mount_plan.h.  Never touches the
 * filesystem: whether a path exists is decided when the plan is executed. */
#include "sandbox/mount_plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    case OP_ALLOW_READ: return "allowRead";
    case OP_ALLOW_WRITE: return "allowWrite";
    case OP_DENY_WRITE: return "denyWrite";
    case OP_DENY_READ: return "denyRead";
    case OP_PROTECT: return "protect";
    }
    return "?";
}

static int plan_add(struct mount_plan *plan, const char *path, enum mount_op_kind kind)
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
    plan->ops[plan->n++] = (struct mount_op){ .path = copy, .kind = kind };
    return 0;
}

static int plan_add_list(struct mount_plan *plan, const struct moat_strv *sv,
                         enum mount_op_kind kind)
{
    for (size_t i = 0; i < sv->n; i++) {
        int r = plan_add(plan, sv->v[i], kind);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Protections go below every writable root, and below $HOME when $HOME is
 * itself inside a writable root (an `allowWrite: ["~"]` policy). */
static int plan_add_protections(const struct moat_policy *p, const char *home,
                                struct mount_plan *plan)
{
    const struct moat_strv *roots = &p->fs.allow_write;
    bool home_writable = false;
    for (size_t i = 0; home && i < roots->n; i++)
        home_writable |= path_is_within(home, roots->v[i]);

    for (const char *const *name = protected_names; *name; name++) {
        if (strv_contains(&p->fs.unprotect, *name))
            continue;
        char buf[4096];
        for (size_t i = 0; i <= roots->n; i++) {
            const char *root = i < roots->n ? roots->v[i] : (home_writable ? home : NULL);
            if (!root)
                continue;
            snprintf(buf, sizeof buf, "%s/%s", strcmp(root, "/") ? root : "", *name);
            int r = plan_add(plan, buf, OP_PROTECT);
            if (r < 0)
                return r;
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

int mount_plan_build(const struct moat_policy *p, const char *home, struct mount_plan *plan)
{
    *plan = (struct mount_plan){ 0 };
    int r;
    if ((r = plan_add_list(plan, &p->fs.allow_read, OP_ALLOW_READ)) < 0 ||
        (r = plan_add_list(plan, &p->fs.allow_write, OP_ALLOW_WRITE)) < 0 ||
        (r = plan_add_list(plan, &p->fs.deny_write, OP_DENY_WRITE)) < 0 ||
        (r = plan_add_list(plan, &p->fs.deny_read, OP_DENY_READ)) < 0)
        goto fail;
    if (p->fs.protect_defaults && (r = plan_add_protections(p, home, plan)) < 0)
        goto fail;
    /* The policy file must not be rewritable by the workload it governs. */
    if (p->source && (r = plan_add(plan, p->source, OP_PROTECT)) < 0)
        goto fail;
    if (plan->n) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(plan->ops, plan->n, sizeof *plan->ops, op_compare);
    return 0;
fail:
    mount_plan_free(plan);
    return r;
}

void mount_plan_free(struct mount_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++)
        free(plan->ops[i].path);
    free(plan->ops);
    *plan = (struct mount_plan){ 0 };
}
