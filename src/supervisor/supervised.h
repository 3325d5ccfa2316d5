/* moat_spawn by way of a single-threaded helper process, for callers that
 * run other threads; see supervised.c.  Internal to src/supervisor/. */
#ifndef MOAT_SUPERVISOR_SUPERVISED_H
#define MOAT_SUPERVISOR_SUPERVISED_H

#include <stdbool.h>

#include "supervisor/sandbox.h"

/* Does this process run more than one thread? */
bool supervised_needed(void);

int supervised_start(struct moat_sandbox *s, const struct moat_policy *p, char *const argv[],
                     const struct moat_run_options *o, struct moat_error *err);
int supervised_poll(struct moat_sandbox *s, int timeout_ms, struct moat_error *err);
/* The signal that ends a supervised sandbox's whole tree through its
 * init's pidfd: SIGKILL, or in landlock isolation the init's own. */
int supervised_kill_signal(const struct moat_sandbox *s);
void supervised_release(struct moat_sandbox *s);

/* The in-process moat_spawn (the helper's, and a single-threaded caller's). */
int moat_spawn_in_process(const struct moat_policy *p, char *const argv[],
                          const struct moat_run_options *o, struct moat_sandbox **out,
                          struct moat_error *err);

#endif
