/* `moat doctor`: what this kernel/host supports for moat, one line per
 * feature: OK, or what is missing and what to do about it. */
#ifndef MOAT_CLI_DOCTOR_H
#define MOAT_CLI_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>

/* Print the report; returns 0 when everything moat needs for its default
 * mode works, 125 otherwise. */
int doctor_run(FILE *out);

/* Which isolation moat uses here and the table of guarantees (with, for
 * each one that does not hold, the command that would lift it); part of
 * doctor_run's report (doctor_table.c). */
void doctor_guarantees(FILE *out);

/* The same probes, as facts for other reports (`lxc-exec
 * --available-backends`), without printing. */
struct doctor_summary {
    bool userns, mountns, pidns, netns, seccomp, nftables, ipv6;
    int landlock_abi;   /* 0: no Landlock */
    char problem[1600]; /* when moat's default mode cannot run: the first reason, with advice */
};
void doctor_summarize(struct doctor_summary *s);

#endif
