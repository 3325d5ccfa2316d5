/* Where a file the workload reached lies in the sandbox's tree: the path the
 * write guard judges.  In the sandbox's own mount namespace that is the
 * kernel's name for it.  With nested namespaces allowed, a thread may work
 * in a mount namespace of its own where the sandbox's files are mounted
 * anywhere (`bwrap --bind ~ /x`): there the name is found through the
 * mount the file is on and proven by opening it in the sandbox's tree and
 * finding the same file.  Never decides anything (guard_rules.c does). */
#ifndef MOAT_SANDBOX_GUARD_PLACE_H
#define MOAT_SANDBOX_GUARD_PLACE_H

#include <stddef.h>

#include "sandbox/guard/guard_walk.h"

/* The sandbox path of what fd (any fd the guard holds) refers to.  0; or
 * -EXDEV: not shared, nothing to judge: a filesystem the calling thread's
 * nested namespace mounted for itself (tmpfs, procfs of its own pid
 * namespace, ...: its mount is in that thread's table), a pipe, socket,
 * anonymous inode, terminal or memfd; or -EACCES: it cannot be placed (a
 * filesystem that writes elsewhere, such as overlayfs; a file of the host's
 * on a mount the sandbox does not have, handed in as a descriptor; a name
 * that changed while it was being placed): refuse.
 *
 * *view (when view is not NULL) is -1, or, when fd was reached through a
 * mount that is not the sandbox's, a new O_PATH fd of the same file through
 * the sandbox's own mounts at that path: acting through it, the guard meets
 * the sandbox's mount flags (read-only outside the write paths), not those
 * of a mount the file was reached by (a descriptor inherited from the host,
 * whose mount is writable). */
int guard_place(const struct guard_task *t, int fd, char *buf, size_t size, int *view);

#endif
