/* Resource limits for the workload: rlimits now; cgroup v2 memory/pids
 * limits are refused with a clear message until they are supported. */
#ifndef MOAT_SANDBOX_RLIMITS_H
#define MOAT_SANDBOX_RLIMITS_H

#include "policy/model.h"

/* Refuse what cannot be enforced, before anything starts. */
int limits_check(const struct moat_policy *p, struct moat_error *err);
/* Apply the policy's rlimits to the calling process. */
int limits_apply(const struct moat_policy *p, struct moat_error *err);

#endif
