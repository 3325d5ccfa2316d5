/* Loading the workload's syscall filter; see seccomp.h.  The programs are
 * built in: nothing here compiles, allocates or touches the filesystem. */
#include "sandbox/confine/seccomp.h"

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

int seccomp_install_guard(const struct guard_options *o, int *listener, struct moat_error *err)
{
    *listener = -1;
    unsigned i = guard_options_index(o);
    if (i == 0)
        return 0;
    const struct seccomp_program *prog = &guard_programs[i];
    struct sock_fprog fprog = { .len = prog->len, .filter = (struct sock_filter *)prog->insns };
    /* WAIT_KILLABLE_RECV (Linux 5.19): once the guard has received a call,
     * only a fatal signal interrupts the wait for its answer.  Otherwise a
     * signal would restart a call the guard had already carried out (an
     * O_EXCL create would then fail with EEXIST). */
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                      SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
                      &fprog);
    if (fd < 0)
        return error_set_errno(err, -errno, "seccomp: cannot load the write guard's filter "
                               "(needs Linux 5.19 or later)");
    *listener = (int)fd;
    return 0;
}

int seccomp_install_netlock(enum seccomp_netlock mode, struct moat_error *err)
{
    if (mode == NETLOCK_NONE)
        return 0;
    const struct seccomp_program *prog = &netlock_programs[mode];
    struct sock_fprog fprog = { .len = prog->len, .filter = (struct sock_filter *)prog->insns };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
        return error_set_errno(err, -errno, "seccomp: cannot load the network lock");
    return 0;
}
