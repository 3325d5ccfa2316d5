/* The set-up pause for tests; see debug_pause.h. */
#include "util/debug_pause.h"

#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

const char *const debug_pause_names[] = { "clone", "network", "nftables", "mounts", "exec", NULL };

/* One process, one set-up: a plain static is copied into the init by the
 * clone, which is what arms it there too. */
static enum moat_debug_pause armed;

void debug_pause_arm(enum moat_debug_pause phase)
{
    armed = phase;
}

void debug_pause_here(enum moat_debug_pause phase)
{
    if (armed == MOAT_DEBUG_PAUSE_NONE || armed != phase)
        return;
    char comm[16];
    snprintf(comm, sizeof comm, "paused:%s", debug_pause_names[phase - 1]);
    prctl(PR_SET_NAME, comm);
    for (;;)
        pause(); /* pid 1 of a namespace ignores signals it has no handler for, but not
                    SIGKILL from outside it, nor its parent-death SIGKILL */
}
