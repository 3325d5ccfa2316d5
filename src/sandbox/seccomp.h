/* The workload's syscall filter, loaded just before exec.  The programs are
 * compiled from sandbox/seccomp_rules.c at build time (tools/seccomp_gen.c),
 * one per combination of options, so a start runs no filter compiler.
 * Never touches the filesystem. */
#ifndef MOAT_SANDBOX_SECCOMP_H
#define MOAT_SANDBOX_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>

#include "moat.h"

struct seccomp_options {
    bool allow_unix_sockets;      /* socket/socketpair(AF_UNIX) permitted */
    bool allow_nested_namespaces; /* unshare/setns/clone with CLONE_NEW* permitted */
    bool deny_listen;             /* listen(2) refused (EPERM) for every socket */
};

/* A compiled filter: classic BPF, ready for seccomp(2). */
struct seccomp_program {
    const struct sock_filter *insns;
    unsigned short len; /* instructions */
};

/* The built-in programs, one bit of the index per option; generated at
 * build time into build/gen/seccomp_programs.c. */
#define SECCOMP_PROGRAMS 8
extern const struct seccomp_program seccomp_programs[SECCOMP_PROGRAMS];

static inline unsigned seccomp_options_index(const struct seccomp_options *o)
{
    return (o->allow_unix_sockets ? 1u : 0u) | (o->allow_nested_namespaces ? 2u : 0u) |
           (o->deny_listen ? 4u : 0u);
}

/* The options of program i: the inverse of seccomp_options_index. */
static inline struct seccomp_options seccomp_options_of_index(unsigned i)
{
    return (struct seccomp_options){ .allow_unix_sockets = i & 1,
                                     .allow_nested_namespaces = i & 2,
                                     .deny_listen = i & 4 };
}

/* The built-in program for o. */
const struct seccomp_program *seccomp_program_for(const struct seccomp_options *o);

/* Load the program for o into the calling thread.  The caller must have set
 * no_new_privs.  0 or -errno with err filled. */
int seccomp_install(const struct seccomp_options *o, struct moat_error *err);

#endif
