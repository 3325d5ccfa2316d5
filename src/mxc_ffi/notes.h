/* A sandbox's warnings as mxc reports them (a JSON array of strings): what
 * the config loader accepted but does not do as mxc would, what moat
 * refused the workload while it ran (the short lines `moat run` prints),
 * and what the library itself had to drop.  Bounded. */
#ifndef MOAT_MXC_FFI_NOTES_H
#define MOAT_MXC_FFI_NOTES_H

#include <stddef.h>
#include <stdio.h>

#include "cli/tell.h"
#include "moat.h"

#define NOTES_MAX 128 /* notes kept; past them only a count */

struct notes {
    char **v;
    size_t n;
    unsigned long dropped;
    struct tell tell; /* the refusals' wording and de-duplication */
    FILE *said;       /* what tell printed, read back line by line */
    char *said_buf;
    size_t said_len, said_used;
};

void notes_init(struct notes *n);
void notes_free(struct notes *n);
void notes_add(struct notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Every warning of the policy. */
void notes_add_policy(struct notes *n, const struct moat_policy *p);
/* A moat_violation_fn; ctx is the struct notes. */
void notes_violation(void *ctx, const char *json_line);
/* ["...", ...] (malloc'd), or NULL when there is no note; *oom set when
 * there are notes but no memory to write them. */
char *notes_json(const struct notes *n, bool *oom);
/* The notes as `moat run` shows warnings, "moat: warning: ...", each line
 * ended by eol, at most max bytes in all (malloc'd; "" when none); NULL
 * when out of memory. */
char *notes_text(const struct notes *n, size_t max, const char *eol);

#endif
