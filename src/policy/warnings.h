/* What a policy asks for that would do nothing as written, said rather than
 * ignored: struct moat_policy's warnings list (shared by every loader, the
 * mxc one included), the checks moat_policy_finalize adds to it, and the
 * one rule for which working directory the sandbox shows.  Never refuses
 * anything and never changes what is enforced. */
#ifndef MOAT_POLICY_WARNINGS_H
#define MOAT_POLICY_WARNINGS_H

#include <stdbool.h>

#include "policy/model.h"

/* Append one warning (printf-style) unless the same text is already there.
 * 0 or -ENOMEM. */
__attribute__((format(printf, 2, 3))) int policy_warn(struct moat_policy *p, const char *fmt,
                                                      ...);

/* Finalize's checks, on a policy whose paths are already clean: allow rules
 * in mode "none" or "host", allowWrite paths that do not exist (outside
 * every other writable tree, so the command could not create them either),
 * and, when process.cwd is unset, a current directory the sandbox will not
 * show.  0 or -ENOMEM. */
int policy_warn_no_effect(struct moat_policy *p);

/* Does the sandbox built from p show the directory `path` (clean,
 * absolute)?  Lexical, as the policy is: the private /tmp hides what lies
 * below /tmp, the "listed" model everything outside its baseline, unless
 * allowRead or allowWrite shows it.  When not, *why says which rule hides
 * it.  The supervisor starts a command whose cwd is unset in "/" when this
 * says no (docs/policy.md, process.cwd). */
bool policy_dir_visible(const struct moat_policy *p, const char *path, const char **why);

/* The caller's own working directory below /tmp, which the private /tmp
 * would hide: in the "all" read model the sandbox shows it read-only (a
 * checkout under /tmp is where a person runs moat from; the rest of /tmp
 * stays private), unless a denyRead covers it.  Not /tmp itself. */
bool policy_tmp_shows_cwd(const struct moat_policy *p, const char *cwd);

/* policy_dir_visible for the caller's working directory: that rule or the
 * one above. */
bool policy_cwd_visible(const struct moat_policy *p, const char *cwd, const char **why);

#endif
