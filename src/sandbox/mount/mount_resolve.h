/* Where each policy path lands in the host tree, resolved once through fds
 * (symlinks confined to the host root), and which symlinks it passes on the
 * way.  The mount builder orders rules by where they land, refuses grants
 * that reach through a symlink a previous run could have planted, and pins
 * the symlinks a protection passes so they cannot be swapped.  Runs in the
 * sandbox init; reads the host tree, never changes it. */
#ifndef MOAT_SANDBOX_MOUNT_RESOLVE_H
#define MOAT_SANDBOX_MOUNT_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

struct host_view {
    int oldroot; /* the host tree */
    int proc;    /* a procfs directory, for fd -> path */
    /* Where the host tree lies in our view: "/oldroot" while the sandbox's
     * tree is built, "" when there is no mount namespace (landlock mode). */
    const char *prefix;
};

/* Resolve `path` (absolute) in the host tree.  When it exists: *fd gets an
 * O_PATH fd (caller closes) and canon the symlink-free path it names.  When
 * it does not: *fd = -1 and canon is the resolved nearest existing ancestor
 * joined with the rest of the path as written.  0 or -errno. */
int resolve_host_path(const struct host_view *h, const char *path, int *fd, char *canon,
                      size_t size);

/* For each symlink met while resolving `path` (in any component, including
 * those of link targets), call cb with the symlink's own location (the
 * resolved directory holding it, joined with its name).  Stops at the first
 * non-zero return of cb and returns it; -ELOOP after 40 links. */
typedef int (*symlink_fn)(void *ctx, const char *location);
int resolve_host_symlinks(const struct host_view *h, const char *path, symlink_fn cb, void *ctx);

/* The git directory a `.git` file ("gitdir: PATH") at `dotgit` points to,
 * and the common directory that one names in its `commondir` file, as
 * normalised absolute paths (not resolved; empty when absent).  0, or
 * -ENOENT / -EINVAL when `dotgit` is not such a file. */
int resolve_gitdir_file(const struct host_view *h, const char *dotgit, char *gitdir,
                        size_t gsize, char *commondir, size_t csize);

/* core.hooksPath in the git config file `config` (a plain reading: the
 * [core] section of that file, includes not followed), as an absolute
 * path: "~/" is taken from home, a relative path from `base`.  0 with out
 * filled, -ENOENT when unset or the file is absent. */
int resolve_git_hooks_path(const struct host_view *h, const char *config, const char *base,
                           const char *home, char *out, size_t size);

#endif
