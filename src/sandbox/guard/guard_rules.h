/* The write guard's verdict: may this name, inside a writable tree shared
 * with the host, be written, created, replaced or moved away?  Pure string
 * logic over resolved paths (the caller resolves them through fds), so it
 * is unit-tested case by case.  Never touches the filesystem itself: the
 * one fact it cannot know from a path (was this git directory created in
 * this run?) comes from the caller. */
#ifndef MOAT_SANDBOX_GUARD_RULES_H
#define MOAT_SANDBOX_GUARD_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"
#include "sandbox/mount/fs_rules.h"

enum guard_access {
    GUARD_WRITE,   /* an existing file opened for writing, or truncated */
    GUARD_CREATE,  /* a new name: mkdir, mknod, open with O_CREAT, a hard link */
    GUARD_REPLACE, /* a name that may arrive with content or point elsewhere:
                    * the target of a rename, a new symlink */
    GUARD_REMOVE,  /* a name moved away: the source of a rename */
};

struct guard_rules {
    const struct fs_rules *fs;
    const struct moat_policy *p;
    /* With ".git" unprotected: is the git directory at `gitdir` (a path
     * ending in a ".git" component) one this run created?  May be NULL. */
    bool (*gitdir_is_new)(void *ctx, const char *gitdir);
    void *ctx;
};

struct guard_verdict {
    bool refused;
    char why[256]; /* e.g. "the protected name .git/hooks (--unprotect .git/hooks lifts it)" */
};

/* Judge `path` (absolute, resolved up to its last component) for access a.
 * is_dir: the object is (or, for a new symlink, may lead to) a directory.
 * Returns v->refused. */
bool guard_rules_check(const struct guard_rules *g, const char *path, enum guard_access a,
                       bool is_dir, struct guard_verdict *v);

#endif
