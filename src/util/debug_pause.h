/* Testing aid: stop moat's set-up at a named phase and wait there to be
 * killed (`moat run --debug-pause-at PHASE`), so that a test can SIGKILL
 * moat at exactly that point and check that nothing is left behind.  The
 * paused process renames itself `paused:PHASE` (its /proc/PID/comm) for the
 * test to see; it prints nothing and never resumes.  Unset, each phase costs
 * one comparison.  Never set by a policy file. */
#ifndef MOAT_UTIL_DEBUG_PAUSE_H
#define MOAT_UTIL_DEBUG_PAUSE_H

/* Set-up phases where a test can make moat stop: before the clone (the
 * supervisor); in the sandbox init once the network is up and its sockets are
 * handed over, once the nftables batch is sent but not yet acknowledged, in
 * the middle of the mount tree (the host tree at /oldroot), and just before
 * the workload is spawned. */
enum moat_debug_pause {
    MOAT_DEBUG_PAUSE_NONE = 0,
    MOAT_DEBUG_PAUSE_CLONE,
    MOAT_DEBUG_PAUSE_NETWORK,
    MOAT_DEBUG_PAUSE_NFTABLES,
    MOAT_DEBUG_PAUSE_MOUNTS,
    MOAT_DEBUG_PAUSE_EXEC,
};

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
