/* Read rights for a tree minus some paths below it (landlock isolation,
 * where no mount hides a denyRead path): see landlock_carve.c. */
#ifndef MOAT_SANDBOX_LANDLOCK_CARVE_H
#define MOAT_SANDBOX_LANDLOCK_CARVE_H

#include <stddef.h>
#include <stdint.h>

#include "moat.h"

/* Add rules to ruleset_fd granting dir_rights beneath each root (file_rights
 * on a root or entry that is a file), except beneath the denied paths
 * (absolute, symlink-free) and the denied paths themselves.  A root that
 * does not exist is skipped.  The number of rules added, or -errno with err
 * filled. */
int landlock_carve_reads(int ruleset_fd, const char *const *roots, size_t n_roots,
                         const char *const *denied, size_t n_denied, uint64_t dir_rights,
                         uint64_t file_rights, struct moat_error *err);

#endif
