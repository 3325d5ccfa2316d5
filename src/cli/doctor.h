/* `moat doctor`: what this kernel/host supports for moat, one line per
 * feature: OK, or what is missing and what to do about it. */
#ifndef MOAT_CLI_DOCTOR_H
#define MOAT_CLI_DOCTOR_H

#include <stdio.h>

/* Print the report; returns 0 when everything moat needs for its default
 * mode works, 125 otherwise. */
int doctor_run(FILE *out);

#endif
