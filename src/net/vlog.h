/* The violation log: one JSON object per line for every denial (DNS name,
 * connection, ...), to a file (--log) and/or a library callback.  The one
 * place that knows the format. */
#ifndef MOAT_NET_VLOG_H
#define MOAT_NET_VLOG_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "moat.h"

struct vlog {
    FILE *file;
    moat_violation_fn fn;
    void *ctx;
    pid_t pid;          /* the sandbox init's pid, in the host's pid namespace */
    char command[256];  /* the workload's command line, shortened */
};

/* kind: "dns", "connect", "bind"; dest as the workload wrote it; canonical
 * may be NULL (a name that was never resolved); port 0 when none. */
void vlog_denial(const struct vlog *v, const char *kind, const char *dest, const char *canonical,
                 uint16_t port, const char *reason);
/* The same, with "attribution": the command a proxy credential's user label names (srt's
 * per-command attribution; the workload's word, see net/proxy/attribution.h), or NULL. */
void vlog_denial_by(const struct vlog *v, const char *kind, const char *dest,
                    const char *canonical, uint16_t port, const char *reason,
                    const char *attribution);

#endif
