/* The rules of the workload's syscall filter, compiled with libseccomp: used
 * at build time by tools/seccomp_gen.c and by the unit tests, never by a
 * start.  See seccomp.h for the programs moat loads. */
#ifndef MOAT_SANDBOX_SECCOMP_RULES_H
#define MOAT_SANDBOX_SECCOMP_RULES_H

#include "sandbox/confine/seccomp.h"

#define SECCOMP_PROGRAM_MAX (4096 * 8) /* BPF_MAXINSNS instructions of 8 bytes */

/* Compile the filter for o.  0 or -errno with err filled; free with
 * seccomp_rules_free. */
int seccomp_rules_compile(const struct seccomp_options *o, struct seccomp_program *out,
                          struct moat_error *err);
void seccomp_rules_free(struct seccomp_program *prog);

/* The same for the network lock of landlock isolation (mode > 0). */
int seccomp_netlock_rules_compile(enum seccomp_netlock mode, struct seccomp_program *out,
                                  struct moat_error *err);

/* The same for the write guard's filter. */
int seccomp_guard_rules_compile(const struct guard_options *o, struct seccomp_program *out,
                                struct moat_error *err);

#endif
