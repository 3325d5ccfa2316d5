/* Landlock isolation, the supervisor's part: what the policy may ask of a
 * sandbox without namespaces, the run's scratch directory, and where the
 * workload's TCP may go.  Internal to src/supervisor/. */
#ifndef MOAT_SUPERVISOR_IN_PLACE_H
#define MOAT_SUPERVISOR_IN_PLACE_H

#include "moat.h"
#include "sandbox/context.h"

struct net_services;

/* Refuse, naming the key, what landlock isolation cannot give: a firewall
 * (it needs a network namespace), local servers and exposed ports (they
 * would listen on the host's addresses), a tmpSize (no private /tmp to
 * bound).  Also refuses a kernel without Landlock.  0 or -EINVAL/-EOPNOTSUPP
 * with err filled. */
int in_place_check(const struct moat_policy *p, struct moat_error *err);

/* The run's TMPDIR: a fresh 0700 directory in the caller's $TMPDIR, /tmp
 * or /var/tmp (c->scratch), set as TMPDIR unless the policy sets one.  0 or
 * -errno. */
int in_place_scratch(struct sandbox_ctx *c, struct moat_error *err);

/* Remove the scratch directory and everything in it, never following a
 * symlink (the workload made what is in it).  Called once the tree is gone. */
void in_place_scratch_remove(const char *dir);

/* The proxies on the host's loopback (proxy mode) and the ports the
 * workload may connect to (them, and the hostPorts). */
int in_place_network(struct sandbox_ctx *c, struct net_services *ns, struct moat_error *err);

#endif
