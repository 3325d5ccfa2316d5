/* The workload's syscall filter: compiled with libseccomp by the supervisor
 * while the sandbox is being built, loaded in the workload just before exec.
 * Owns the list of refused syscalls; never touches the filesystem. */
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
    struct sock_filter *insns;
    unsigned short len; /* instructions */
};
#define SECCOMP_PROGRAM_MAX (4096 * 8) /* BPF_MAXINSNS instructions of 8 bytes */

/* Build the filter for o.  0 or -errno with err filled; free with
 * seccomp_program_free. */
int seccomp_compile(const struct seccomp_options *o, struct seccomp_program *out,
                    struct moat_error *err);
void seccomp_program_free(struct seccomp_program *prog);

/* Hand a compiled filter over a SOCK_SEQPACKET socket, as one message.
 * send: 0 or -errno.  receive: 0, or -errno with err filled (-EPROTO when
 * the peer closed without sending one). */
int seccomp_program_send(int fd, const struct seccomp_program *prog);
int seccomp_program_receive(int fd, struct seccomp_program *out, struct moat_error *err);

/* Load a compiled filter into the calling thread.  The caller must have set
 * no_new_privs.  0 or -errno with err filled. */
int seccomp_load_program(const struct seccomp_program *prog, struct moat_error *err);

/* seccomp_compile, then seccomp_load_program (moat doctor's probe). */
int seccomp_install(const struct seccomp_options *o, struct moat_error *err);

#endif
