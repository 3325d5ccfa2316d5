/* The mount plan: the policy's filesystem rules turned into an ordered list
 * of operations.  Pure logic (no syscalls except getenv), so the ordering
 * rules are unit-tested: shallower paths first, so the most specific rule
 * wins; at the same path the most restrictive rule is applied last (on top);
 * built-in protections and the policy file itself come after everything. */
#ifndef MOAT_SANDBOX_MOUNT_PLAN_H
#define MOAT_SANDBOX_MOUNT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "moat.h"

enum mount_op_kind {
    OP_ALLOW_READ,  /* read-only bind of the host path (re-allow inside a denied tree) */
    OP_ALLOW_WRITE, /* writable bind of the host path */
    OP_DENY_WRITE,  /* read-only overlay of whatever is there */
    OP_DENY_READ,   /* empty read-only tmpfs (dir) or empty read-only file */
    OP_PROTECT,     /* built-in protection: like OP_DENY_WRITE, skipped when absent */
};

struct mount_op {
    char *path; /* absolute, normalised host path */
    enum mount_op_kind kind;
};

struct mount_plan {
    struct mount_op *ops;
    size_t n;
};

/* Build the ordered plan; `home` may be NULL.  -ENOMEM or 0. */
int mount_plan_build(const struct moat_policy *p, const char *home, struct mount_plan *plan);
void mount_plan_free(struct mount_plan *plan);
const char *mount_op_kind_name(enum mount_op_kind k);
/* Is `path` equal to or below `dir`? (both normalised, absolute) */
bool path_is_within(const char *path, const char *dir);

#endif
