/* Landlock: the second, independent layer for the filesystem rules, applied
 * in the workload after pivot_root (paths are as seen inside the sandbox).
 * Degrades by the kernel's ABI; never fails because a listed path is missing. */
#ifndef MOAT_SANDBOX_LANDLOCK_H
#define MOAT_SANDBOX_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

struct landlock_spec {
    const char *const *write_paths; /* full write rights beneath each */
    size_t n_write;
    const char *const *read_paths;  /* read+execute beneath each (restrict_read only) */
    size_t n_read;
    bool restrict_read;             /* MOAT_READ_LISTED: reads limited to read_paths+write_paths */
    bool scope_signals;             /* ABI >= 6: no signals to processes outside the domain */
    bool deny_tcp_bind;             /* ABI >= 4: no bind(2) of TCP sockets, any family or port, */
    const uint16_t *bind_ports;     /* except port 0 (ephemeral, for clients) and these */
    size_t n_bind_ports;
};

/* The kernel's Landlock ABI version, 0 when Landlock is unavailable. */
int landlock_abi(void);

/* Restrict the calling thread (no_new_privs must be set).  Returns the ABI
 * used (> 0), 0 when the kernel has no Landlock (nothing applied), or
 * -errno with err filled. */
int landlock_apply(const struct landlock_spec *s, struct moat_error *err);

#endif
