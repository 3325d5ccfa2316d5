/* Testing aid: stop moat's set-up at a named phase and wait there to be
 * killed (`moat run --debug-pause-at PHASE`), so that a test can SIGKILL
 * moat at exactly that point and check that nothing is left behind.  The
 * paused process renames itself `paused:PHASE` (its /proc/PID/comm) for the
 * test to see; it prints nothing and never resumes.  Unset, each phase costs
 * one comparison.  Never set by a policy file. */
#ifndef MOAT_UTIL_DEBUG_PAUSE_H
#define MOAT_UTIL_DEBUG_PAUSE_H

#include "moat.h"

/* The phase names, as --debug-pause-at takes them; NULL-terminated, in
 * MOAT_DEBUG_PAUSE_* order from 1. */
extern const char *const debug_pause_names[];

/* Pause at `phase` from now on in this process and the processes it clones
 * (the sandbox init inherits it); MOAT_DEBUG_PAUSE_NONE turns it off. */
void debug_pause_arm(enum moat_debug_pause phase);

/* If armed for `phase`: rename this process `paused:NAME` and wait for
 * SIGKILL (a parent's death signal included). */
void debug_pause_here(enum moat_debug_pause phase);

#endif
