/* The mount plan: the policy's filesystem rules turned into an ordered list
 * of operations.  Pure logic (no syscalls except getenv), so the ordering
 * rules are unit-tested.  The plan is built from the paths as written; the
 * mount builder resolves each one in the host tree, replaces it with the
 * path it resolves to, adds the pins, and only then sorts: rules are ordered
 * by where they land, never by how they were spelled (a `denyRead` on a
 * link into a writable tree must not lose to that tree).  Shallower paths
 * first, so the most specific rule wins; at the same path the most
 * restrictive rule is applied last (on top); built-in protections and the
 * policy file itself come after everything. */
#ifndef MOAT_SANDBOX_MOUNT_PLAN_H
#define MOAT_SANDBOX_MOUNT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

enum mount_op_kind {
    OP_PIN,         /* bind a directory (or symlink) onto itself: the name can no longer be
                     * renamed, removed or replaced (EBUSY), whatever lies beneath it */
    OP_ALLOW_READ,  /* read-only bind of the host path (re-allow inside a denied tree) */
    OP_ALLOW_WRITE, /* writable bind of the host path */
    OP_DENY_WRITE,  /* read-only overlay of whatever is there */
    OP_DENY_READ,   /* empty read-only tmpfs (dir) or empty read-only file */
    OP_PROTECT,     /* built-in protection: like OP_DENY_WRITE, skipped when absent */
};

struct mount_op {
    char *path;       /* absolute, normalised; after resolution, where it lands */
    char *as_written; /* the policy's spelling (messages), or NULL when the same */
    enum mount_op_kind kind;
    int src;          /* the mount builder's O_PATH fd of the host path, or -1 */
    const char *why;  /* for messages: the protection's name, "denyWrite", ... (static) */
};

struct mount_plan {
    struct mount_op *ops;
    size_t n;
};

/* Build the plan from the policy, paths as written; `home` may be NULL.
 * -ENOMEM or 0. */
int mount_plan_build(const struct moat_policy *p, const char *home, struct mount_plan *plan);

/* Add one operation (duplicates of kind+path are dropped).  -ENOMEM or 0.
 * `why` (static, may be NULL) names the rule in messages. */
int mount_plan_add(struct mount_plan *plan, const char *path, enum mount_op_kind kind);
int mount_plan_add_why(struct mount_plan *plan, const char *path, enum mount_op_kind kind,
                       const char *why);

/* Add an OP_PIN for every directory strictly between a writable root (any
 * of `roots`, resolved) and each deny, protect and pin target below it:
 * renaming one of them would carry the protection away and leave the old
 * name free.  Pure: whether each directory exists is decided when the plan
 * is applied.  -ENOMEM or 0. */
int mount_plan_add_pins(struct mount_plan *plan, const char *const *roots, size_t n_roots);

/* Order the plan (see the top of this file). */
void mount_plan_sort(struct mount_plan *plan);

/* Frees the paths and closes the sources the builder attached. */
void mount_plan_free(struct mount_plan *plan);
const char *mount_op_kind_name(enum mount_op_kind k);
/* Is `path` equal to or below `dir`? (both normalised, absolute) */
bool path_is_within(const char *path, const char *dir);

#endif
