/* `moat doctor`'s table of guarantees: what each isolation gives, what
 * holds here, and the one command that lifts what does not.  The rows and
 * their two mode columns are the table of docs/security.md ("Isolation
 * modes"), word for word; tests/e2e/test_doctor_table.sh compares them.
 * Prints only; changes nothing. */
#include "cli/doctor/doctor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/confine/landlock.h"
#include "supervisor/cgroup.h"
#include "supervisor/isolation.h"

/* What a row needs beyond its isolation. */
enum need {
    NEED_NOTHING,
    NEED_SIGNAL_SCOPE,  /* landlock: Landlock ABI 6 */
    NEED_SOCKET_FETCH,  /* landlock: pidfd_getfd (the guard connects the command's sockets) */
    NEED_CGROUP,        /* a cgroup of the sandbox's own */
};

struct guarantee {
    const char *name;
    const char *namespaces, *landlock; /* "yes", "no" */
    enum need need;
};

static const struct guarantee rows[] = {
    { "writes only beneath allowWrite", "yes", "yes", NEED_NOTHING },
    { "protected names kept in writable trees", "yes", "yes", NEED_NOTHING },
    { "protections pinned against renames", "yes", "no", NEED_NOTHING },
    { "denyRead paths unreadable", "yes", "yes", NEED_NOTHING },
    { "denyRead paths absent from listings", "yes", "no", NEED_NOTHING },
    { "private /tmp, bounded by tmpSize", "yes", "no", NEED_NOTHING },
    { "other processes invisible", "yes", "no", NEED_NOTHING },
    { "no capabilities, no_new_privs, syscall filter", "yes", "yes", NEED_NOTHING },
    { "no signals or ptrace to host processes", "yes", "yes", NEED_SIGNAL_SCOPE },
    { "network none: no network", "yes", "yes", NEED_NOTHING },
    { "network proxy: only allowed destinations", "yes", "yes", NEED_SOCKET_FETCH },
    { "network firewall: transparent enforcement", "yes", "no", NEED_NOTHING },
    { "local servers (allowLocalBinding, expose)", "yes", "no", NEED_NOTHING },
    { "whole process tree killed at the end", "yes", "yes", NEED_NOTHING },
    { "memoryMax and pidsMax", "yes", "yes", NEED_CGROUP },
};

static bool can_fetch_sockets(void)
{
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    int fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, 0, 0);
    if (fd >= 0)
        close(fd);
    if (pidfd >= 0)
        close(pidfd);
    return fd >= 0;
}

void doctor_guarantees(FILE *out)
{
    struct isolation_probe pr;
    isolation_probe_namespaces(false, &pr);
    int abi = landlock_abi();
    struct cgroup_place cg;
    cgroup_find(&cg);
    bool fetch = can_fetch_sockets();
    char why[400] = "", ns_fix[400] = "";
    if (!pr.ok && !isolation_cause(&pr, why, sizeof why, ns_fix, sizeof ns_fix)) {
        snprintf(why, sizeof why, "%s: %s", pr.step, strerror(pr.err));
        snprintf(ns_fix, sizeof ns_fix, "see the lines above");
    }

    if (pr.ok)
        fprintf(out, "Isolation here: namespaces (the default; --isolation auto picks it).\n");
    else if (abi)
        fprintf(out, "Isolation here: landlock (namespaces are unavailable: %s; --isolation "
                     "auto picks landlock, --isolation namespaces fails).\n", why);
    else
        fprintf(out, "Isolation here: none. Namespaces are unavailable (%s) and this kernel "
                     "has no Landlock: moat refuses to run rather than run a command "
                     "unsandboxed.\n", why);
    fprintf(out, "\nGuarantees (docs/security.md, \"Isolation modes\"):\n");
    fprintf(out, "  %-46s  %-10s  %-8s  %s\n", "guarantee", "namespaces", "landlock", "here");
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const struct guarantee *g = &rows[i];
        const char *here = pr.ok ? g->namespaces : abi ? g->landlock : "no";
        char lift[512] = "";
        bool landlock = !pr.ok && abi;
        if (strcmp(here, "yes") == 0) {
            if (landlock && g->need == NEED_SIGNAL_SCOPE && abi < 6) {
                here = "no";
                snprintf(lift, sizeof lift, "a kernel with Landlock ABI 6 (Linux 6.12; this "
                         "one has ABI %d)", abi);
            } else if (landlock && g->need == NEED_SOCKET_FETCH && !fetch) {
                here = "no";
                snprintf(lift, sizeof lift, "docker run --cap-add SYS_PTRACE (pidfd_getfd is "
                         "refused); Kubernetes: capabilities.add: [SYS_PTRACE]");
            } else if (g->need == NEED_CGROUP && cg.kind == CGROUP_NONE) {
                here = "no";
                snprintf(lift, sizeof lift, "%s", cg.fix);
            }
        } else if (strcmp(g->namespaces, "yes") == 0 && !pr.ok) {
            snprintf(lift, sizeof lift, "%s", ns_fix);
        } else if (!abi) {
            snprintf(lift, sizeof lift, "a kernel with Landlock (Linux 5.13, landlock in "
                     "lsm=)");
        }
        fprintf(out, "  %-46s  %-10s  %-8s  %s\n", g->name, g->namespaces, g->landlock, here);
        if (lift[0])
            fprintf(out, "      to lift: %s\n", lift);
    }

}
