/* Resource limits; see rlimits.h. */
#include "sandbox/process/rlimits.h"

#include <errno.h>
#include <sys/resource.h>

#include "util/error.h"

static const char *rlimit_name(int resource)
{
    static const struct { int r; const char *name; } names[] = {
        { RLIMIT_AS, "as" },         { RLIMIT_CORE, "core" },       { RLIMIT_CPU, "cpu" },
        { RLIMIT_DATA, "data" },     { RLIMIT_FSIZE, "fsize" },     { RLIMIT_LOCKS, "locks" },
        { RLIMIT_MEMLOCK, "memlock" }, { RLIMIT_MSGQUEUE, "msgqueue" }, { RLIMIT_NICE, "nice" },
        { RLIMIT_NOFILE, "nofile" }, { RLIMIT_NPROC, "nproc" },     { RLIMIT_RSS, "rss" },
        { RLIMIT_RTPRIO, "rtprio" }, { RLIMIT_RTTIME, "rttime" },   { RLIMIT_SIGPENDING, "sigpending" },
        { RLIMIT_STACK, "stack" },
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].r == resource)
            return names[i].name;
    return "?";
}

int limits_check(const struct moat_policy *p, struct moat_error *err)
{
    /* memoryMax and pidsMax are the supervisor's (a cgroup of the sandbox's
     * own, supervisor/cgroup.c), which refuses them where none can be made. */
    (void)p;
    (void)err;
    return 0;
}

int limits_apply(const struct moat_policy *p, struct moat_error *err)
{
    for (size_t i = 0; i < p->proc.n_rlimits; i++) {
        const struct moat_rlimit *l = &p->proc.rlimits[i];
        struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };
        if (setrlimit(l->resource, &rl) < 0) {
            struct rlimit cur = { 0 };
            getrlimit(l->resource, &cur);
            return error_set_errno(err, -errno,
                                   "cannot set rlimit %s to soft %llu hard %llu (current hard "
                                   "limit %llu; raising it needs privileges outside the sandbox)",
                                   rlimit_name(l->resource), (unsigned long long)l->soft,
                                   (unsigned long long)l->hard, (unsigned long long)cur.rlim_max);
        }
    }
    return 0;
}
