/* The syscall filter installed in the workload just before exec (libseccomp).
 * Owns the list of refused syscalls; never touches the filesystem. */
#ifndef MOAT_SANDBOX_SECCOMP_H
#define MOAT_SANDBOX_SECCOMP_H

#include <stdbool.h>

#include "moat.h"

struct seccomp_options {
    bool allow_unix_sockets;      /* socket/socketpair(AF_UNIX) permitted */
    bool allow_nested_namespaces; /* unshare/setns/clone with CLONE_NEW* permitted */
    bool deny_listen;             /* listen(2) refused (EPERM) for every socket */
};

/* Build the filter and load it into the calling thread.  The caller must
 * have set no_new_privs.  0 or -errno with err filled. */
int seccomp_install(const struct seccomp_options *o, struct moat_error *err);

#endif
