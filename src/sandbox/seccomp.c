/* Loading the workload's syscall filter; see seccomp.h.  The programs are
 * built in: nothing here compiles, allocates or touches the filesystem. */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/error.h"

const struct seccomp_program *seccomp_program_for(const struct seccomp_options *o)
{
    return &seccomp_programs[seccomp_options_index(o)];
}

int seccomp_install(const struct seccomp_options *o, struct moat_error *err)
{
    /* The contract is that the caller has set no_new_privs, so that nothing
     * in the sandbox gains privileges through execve.  Without it an
     * unprivileged load fails with a bare EACCES and a privileged one
     * silently succeeds: report the caller's bug plainly instead. */
    int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (nnp < 0)
        return error_set_errno(err, -errno, "seccomp: prctl(PR_GET_NO_NEW_PRIVS)");
    if (nnp != 1)
        return error_set(err, -EPERM,
                         "seccomp: no_new_privs is not set; the caller must set it first");
    const struct seccomp_program *prog = seccomp_program_for(o);
    /* The kernel copies the program; it never writes through filter. */
    struct sock_fprog fprog = { .len = prog->len, .filter = (struct sock_filter *)prog->insns };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
        return error_set_errno(err, -errno, "seccomp: cannot load the filter");
    return 0;
}
