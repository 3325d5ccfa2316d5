/* The workload's syscall filter, loaded just before exec.  The programs are
 * compiled from sandbox/seccomp_rules.c at build time (tools/seccomp_gen.c),
 * one per combination of options, so a start runs no filter compiler.
 * Never touches the filesystem. */
#ifndef MOAT_SANDBOX_SECCOMP_H
#define MOAT_SANDBOX_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>

#include "policy/model.h"

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

/* The write guard's filter (sandbox/guard/): calls the sandbox init
 * performs on the workload's behalf, by seccomp user notification. */
struct guard_options {
    bool fs;      /* creating, renaming, linking, and opening for writing */
    bool connect; /* connect(2): allowUnixSockets as a list of paths; in landlock
                   * isolation, TCP only to moat's proxies and hostPorts */
    bool listen;  /* listen(2): only on exposed ports */
    bool in_place; /* landlock isolation: chmod, chown and the xattr calls, which
                    * Landlock does not restrict, and unlink/rmdir (no read-only
                    * mount and no pins stand in their way there) */
    bool mounts;  /* nested namespaces: mount(2) of a new filesystem (guard_mount.c) */
};

#define GUARD_PROGRAMS 32
extern const struct seccomp_program guard_programs[GUARD_PROGRAMS];

static inline unsigned guard_options_index(const struct guard_options *o)
{
    return (o->fs ? 1u : 0u) | (o->connect ? 2u : 0u) | (o->listen ? 4u : 0u) |
           (o->in_place ? 8u : 0u) | (o->mounts ? 16u : 0u);
}

static inline struct guard_options guard_options_of_index(unsigned i)
{
    return (struct guard_options){ .fs = i & 1, .connect = i & 2, .listen = i & 4,
                                   .in_place = i & 8, .mounts = i & 16 };
}

/* Landlock isolation shares the host's network namespace: a third filter,
 * stacked on the main one, keeps the workload off the network but for what
 * the policy lets it reach (docs/security.md, "Isolation modes"). */
enum seccomp_netlock {
    NETLOCK_NONE = 0, /* no third filter (namespaces, or network "host") */
    NETLOCK_TCP,      /* TCP over IPv4/IPv6 only: no UDP, raw or netlink sockets, no
                       * TCP Fast Open (a connect that skips connect(2)) */
    NETLOCK_NO_IP,    /* no IPv4/IPv6 or netlink sockets at all (network "none") */
};
#define NETLOCK_PROGRAMS 3
extern const struct seccomp_program netlock_programs[NETLOCK_PROGRAMS];

/* Load netlock_programs[mode] (nothing for NETLOCK_NONE); after the main
 * filter, no_new_privs set.  0 or -errno with err filled. */
int seccomp_install_netlock(enum seccomp_netlock mode, struct moat_error *err);

/* Load the guard's program for o (none when every option is off) with a
 * listener; *listener gets its fd (or -1).  After the main filter. */
int seccomp_install_guard(const struct guard_options *o, int *listener, struct moat_error *err);

/* The built-in program for o. */
const struct seccomp_program *seccomp_program_for(const struct seccomp_options *o);

/* Load the program for o into the calling thread.  The caller must have set
 * no_new_privs.  0 or -errno with err filled. */
int seccomp_install(const struct seccomp_options *o, struct moat_error *err);

#endif
