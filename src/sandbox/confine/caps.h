/* Capabilities: the workload keeps none, in any set, and cannot regain them
 * by exec (empty bounding set, no ambient, securebits locked). */
#ifndef MOAT_SANDBOX_CAPS_H
#define MOAT_SANDBOX_CAPS_H

#include <stdbool.h>

#include "policy/model.h"

/* Clear the bounding and ambient sets and lock securebits (needs
 * CAP_SETPCAP, so before caps_drop_all). */
int caps_clear_bounding(struct moat_error *err);
/* Empty the effective, permitted and inheritable sets. */
int caps_drop_all(struct moat_error *err);
/* Keep only `cap` (a CAP_* number below 32), permitted and not effective:
 * the sandbox init's write guard raises it only to reach into the caller. */
int caps_keep_only(int cap, struct moat_error *err);
/* Is `cap` (below 32) in the calling thread's effective / permitted set? */
bool caps_have(int cap);
bool caps_have_permitted(int cap);

#endif
