/* Refusals told to the person at the terminal: one short line on moat's stderr per distinct
 * denial ("moat: blocked connect to denied.test:443 (not in allow list)"), as the library
 * reports them (moat_run_options.on_violation), unless --quiet.  The text in them is the
 * workload's (names, hosts): every byte that is not printable ASCII is escaped, so no
 * workload can write terminal escape sequences through it. */
#ifndef MOAT_CLI_TELL_H
#define MOAT_CLI_TELL_H

#include <stddef.h>
#include <stdio.h>

#define TELL_REMEMBERED 256 /* distinct lines remembered, to say each once */
#define TELL_PER_SECOND 20  /* lines at most, once the memory is full */

struct tell {
    FILE *out;
    unsigned long seen[TELL_REMEMBERED]; /* hashes of lines said */
    size_t n_seen;
    long long second;
    unsigned in_second;
    FILE *json_out; /* --log -: the JSON lines themselves go here instead */
};

/* A moat_violation_fn: ctx is a struct tell. */
void tell_violation(void *ctx, const char *json_line);

/* s with every byte outside printable ASCII (and the backslash) written as \xHH, into
 * out[size]; cut with "..." when it does not fit. */
void tell_escape(const char *s, char *out, size_t size);

#endif
