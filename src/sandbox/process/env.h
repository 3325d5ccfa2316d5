/* The workload's environment: clean by default (a few names kept), plus the
 * policy's passEnv names and explicit sets.  Values are copies: the caller's
 * environ is blanked in the sandbox init afterwards. */
#ifndef MOAT_SANDBOX_ENV_H
#define MOAT_SANDBOX_ENV_H

#include "policy/model.h"

/* Build "NAME=VALUE" strings into *out: the kept part of `environ_in`, then
 * `extra` (moat's own, e.g. the proxy variables; may be NULL), then the
 * policy's explicit sets, so the user has the last word. */
int env_build(const struct moat_policy *p, char *const *environ_in,
              const struct moat_strv *extra, struct moat_strv *out);
/* Set NAME=VALUE in env, replacing an existing NAME. */
int env_put(struct moat_strv *env, const char *entry);
/* The value of NAME in a built environment, or NULL. */
const char *env_lookup(const struct moat_strv *env, const char *name);

#endif
