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
    /* Landlock isolation, where no mount namespace helps: */
    const char *const *deny_read;   /* carved out of what is readable (landlock_carve.c); */
    size_t n_deny_read;             /* write paths then carry no read rights of their own */
    bool restrict_connect;          /* ABI >= 4: TCP connect(2) only to connect_ports */
    const uint16_t *connect_ports;
    size_t n_connect_ports;
};

/* The kernel's Landlock ABI version, 0 when Landlock is unavailable. */
int landlock_abi(void);

/* Restrict the calling thread (no_new_privs must be set).  Returns the ABI
 * used (> 0), 0 when the kernel has no Landlock (nothing applied), or
 * -errno with err filled. */
int landlock_apply(const struct landlock_spec *s, struct moat_error *err);

/* A layer of scopes only (ABI >= 6: signals, abstract Unix sockets) on top
 * of the calling thread's domain.  In landlock isolation the workload adds
 * it to the domain it shares with the init, so it cannot signal the init
 * (and escape the end-of-run kill by killing it), while the init can still
 * signal it.  0 (nothing to do below ABI 6), or -errno with err filled. */
int landlock_scope_self(struct moat_error *err);

#endif
