/* The user namespace: map the caller's uid/gid to themselves inside, so files
 * keep their owners and the workload is the same user (root stays uid 0 but
 * holds no capability over the host). */
#ifndef MOAT_SANDBOX_USERNS_H
#define MOAT_SANDBOX_USERNS_H

#include <sys/types.h>

#include "policy/model.h"

/* Called by the sandbox init right after clone(CLONE_NEWUSER); outer_uid and
 * outer_gid are the caller's ids, read before the clone. */
int userns_map_self(uid_t outer_uid, gid_t outer_gid, struct moat_error *err);

#endif
