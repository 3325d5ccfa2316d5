/* The write guard: the sandbox init's answer to the workload's calls that
 * create, rename, link or open for writing inside writable trees (and, on
 * request, connect(2) and listen(2)), delivered by seccomp user
 * notification.  A rule that is a mount on one path moves with a renamed
 * parent and is absent for a name created during the run; the guard judges
 * every such call by name, at any depth, at the moment it is made
 * (guard_rules.c), and carries it out itself, on fds it resolved, so the
 * workload cannot change the path between the check and the call.  It runs
 * with the workload's credentials and Landlock domain (no capabilities in
 * effect while it acts), so it can do nothing the workload could not.
 * docs/security.md "Writable trees" is the model. */
#ifndef MOAT_SANDBOX_GUARD_H
#define MOAT_SANDBOX_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/model.h"
#include "sandbox/mount/fs_rules.h"
#include "sandbox/confine/seccomp.h"

struct guard;

/* Which calls need the guard under p and the resolved rules (none: no
 * guard at all). */
struct guard_options guard_options_for(const struct moat_policy *p, const struct fs_rules *rules,
                                       bool inet_restricted);

/* A guard judging by p and rules (both must outlive it); refusals are
 * reported on events_fd (a pipe to the supervisor, non-blocking; -1 for
 * none) as struct guard_event records.  0 or -errno with err filled. */
int guard_new(const struct moat_policy *p, const struct fs_rules *rules, int events_fd,
              struct guard **out, struct moat_error *err);
void guard_free(struct guard *g);

/* Landlock isolation: TCP connects (IPv4, IPv6) only to loopback on these
 * ports (moat's proxies, the hostPorts); every other one is refused. */
void guard_restrict_inet(struct guard *g, const uint16_t *ports, size_t n);

/* The seccomp listener the workload installed (the guard owns it). */
void guard_set_listener(struct guard *g, int listener);
int guard_listener(const struct guard *g);

/* Answer every pending call (the listener is readable).  Returns -EPIPE
 * when the listener is gone (no workload is left to ask). */
int guard_serve(struct guard *g);

/* A refusal, as the supervisor receives it: one write(2), so records never
 * interleave. */
struct guard_event {
    char op[16];     /* "create", "write", "rename", "link", "connect", "listen" */
    char path[2048]; /* what the workload named, resolved; cut if longer */
    char why[256];
};

#endif
