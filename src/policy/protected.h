/* The built-in protections: names that stay read-only even inside writable
 * trees, because host tools execute or trust them later (git hooks and
 * config, shell start-up files, ssh keys).  One list, used by the policy
 * validator (`unprotect` must name one of these) and the mount builder. */
#ifndef MOAT_POLICY_PROTECTED_H
#define MOAT_POLICY_PROTECTED_H

#include <stdbool.h>

/* NULL-terminated; relative to each writable root and to $HOME. */
extern const char *const protected_names[];

bool protected_name_known(const char *name);

#endif
