/* The violation log: one JSON object per line for every denial (DNS name,
 * connection, ...), to a file (--log) and/or a library callback.  The one
 * place that knows the format. */
#ifndef MOAT_NET_VLOG_H
#define MOAT_NET_VLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy/model.h"

#define VLOG_RECENT 16         /* denials remembered to drop repeats ... */
#define VLOG_REPEAT_MS 1000    /* ... within this long (a name's A and AAAA queries) */
/* A workload can make denials as fast as it likes, each distinct (x1.denied.test,
 * x2.denied.test, ...), and the log lies outside the sandbox, on the host's disk: at most
 * VLOG_RATE lines a second, after a burst of VLOG_BURST, reach the file and the callback.
 * How many were dropped is said in a line of its own, at most once a second, before the
 * next line written (and at the end). */
#define VLOG_RATE 50
#define VLOG_BURST 500

struct vlog {
    FILE *file;
    moat_violation_fn fn;
    void *ctx;
    pid_t pid;          /* the sandbox init's pid, in the host's pid namespace */
    char command[256];  /* the workload's command line, shortened */
    struct {
        uint32_t hash;
        uint64_t at_ms;
    } recent[VLOG_RECENT];
    unsigned next_recent;
    uint64_t tokens_at_ms;   /* the rate limit's bucket: when it was last filled */
    double tokens;
    unsigned long dropped;   /* lines not written since the last count of them */
    uint64_t notice_at_ms;   /* when that count was written */
    bool write_failed;       /* the file's last write failed (told once until one succeeds) */
    bool partial;            /* ... and left part of a line: the next one starts on a new line */
};

/* Open the violation log file at path for appending, before the sandbox exists: never
 * through a symbolic link, in any component (openat2 RESOLVE_NO_SYMLINKS; a sandbox that
 * could write there may have planted one for the next run, e.g. to ~/.bashrc), never inside
 * a tree the policy lets the sandbox write (it could replace or rewrite the log), created
 * 0600, a regular file.  0 with *out, or -errno with err naming the path and the reason. */
int vlog_open(const char *path, const struct moat_policy *p, FILE **out, struct moat_error *err);

/* kind: "dns", "connect", "bind"; dest as the workload wrote it; canonical
 * may be NULL (a name that was never resolved); port 0 when none.  The same denial (kind,
 * destination, port, reason) again within VLOG_REPEAT_MS is not logged again. */
void vlog_denial(struct vlog *v, const char *kind, const char *dest, const char *canonical,
                 uint16_t port, const char *reason);
/* Log how many lines the rate limit dropped since the last one written, if any (the
 * sandbox is over). */
void vlog_flush(struct vlog *v);
/* The same, with "attribution": the command a proxy credential's user label names (srt's
 * per-command attribution; the workload's word, see net/proxy/attribution.h), or NULL. */
void vlog_denial_by(struct vlog *v, const char *kind, const char *dest,
                    const char *canonical, uint16_t port, const char *reason,
                    const char *attribution);

#endif
