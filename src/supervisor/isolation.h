/* Which isolation a run gets: namespaces, landlock, or — with "auto" — the
 * first that works here, and why the namespaces do not when they do not.
 * Shared with `moat doctor`, which prints the same causes and fixes. */
#ifndef MOAT_SUPERVISOR_ISOLATION_H
#define MOAT_SUPERVISOR_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>

#include "moat.h"

struct isolation_probe {
    bool ok;
    int err;         /* the errno of the step that failed */
    char step[160];  /* "unshare(CLONE_NEWUSER)", "writing /proc/self/uid_map", ... */
};

/* Try what a namespaces sandbox needs, in a throwaway child: the clone with
 * moat's namespace flags (a network namespace unless net_host), the uid
 * and gid maps, a private mount and a fresh /proc.  Changes nothing on the
 * host. */
void isolation_probe_namespaces(bool net_host, struct isolation_probe *out);

/* The known cause of a failed probe (why) and the one command or setting
 * that lifts it (fix); false when none of the knobs explains it. */
bool isolation_cause(const struct isolation_probe *pr, char *why, size_t wlen, char *fix,
                     size_t flen);

/* The installed moat's AppArmor profile (Ubuntu's restriction on user
 * namespaces), for doctor's advice. */
#define MOAT_APPARMOR_PROFILE "/etc/apparmor.d/moat"

/* The isolation p asks for, decided for this run: *landlock true for
 * landlock isolation.  "auto" probes the namespaces and, when they fail,
 * takes landlock if the policy can run there, telling o->on_notice what is
 * weaker; otherwise fails naming both reasons.  Never chooses no sandbox. */
int isolation_choose(const struct moat_policy *p, const struct moat_run_options *o,
                     bool *landlock, struct moat_error *err);

#endif
