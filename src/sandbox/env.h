/* The workload's environment: clean by default (a few names kept), plus the
 * policy's passEnv names and explicit sets.  Values are copies: the caller's
 * environ is blanked in the sandbox init afterwards. */
#ifndef MOAT_SANDBOX_ENV_H
#define MOAT_SANDBOX_ENV_H

#include "moat.h"

/* Build "NAME=VALUE" strings from `environ_in` and the policy into *out. */
int env_build(const struct moat_policy *p, char *const *environ_in, struct moat_strv *out);
/* The value of NAME in a built environment, or NULL. */
const char *env_lookup(const struct moat_strv *env, const char *name);

#endif
