/* `moat doctor`: attempts each kernel feature moat relies on in a throwaway
 * child and prints one line per feature, saying what to do when it is
 * missing.  Owns the diagnosis wording; never changes host state (every
 * attempt runs in a forked child inside its own namespaces), never exits,
 * and prints only to `out`. */
#include "cli/doctor/doctor.h"

#include <netinet/in.h> /* before the linux/ headers, for libc-compat */

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/confine/landlock.h"
#include "sandbox/confine/landlock_abi.h"
#include "sandbox/confine/seccomp.h"
#include "supervisor/cgroup.h"
#include "supervisor/isolation.h"
#include "util/cleanup.h"

enum doctor_level { DOCTOR_OK, DOCTOR_LIMITED, DOCTOR_MISSING, DOCTOR_INFO };

static void doctor_line(FILE *out, enum doctor_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void doctor_line(FILE *out, enum doctor_level level, const char *fmt, ...)
{
    static const char *const names[] = {"OK", "LIMITED", "MISSING", "INFO"};
    fprintf(out, "  %-8s ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}

/* ---- Small readers ---- */

static int doctor_read_file(const char *path, char *buf, size_t len)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, len - 1);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* The sysctl's value, or -1 when it does not exist on this kernel. */
static long doctor_sysctl(const char *path)
{
    char buf[32];
    if (doctor_read_file(path, buf, sizeof buf) < 0)
        return -1;
    return strtol(buf, NULL, 10);
}

static int doctor_write_file(const char *path, const char *text)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (write(fd, text, strlen(text)) < 0)
        return -errno;
    return 0;
}

/* Whether this process already runs under a seccomp filter (a container
 * runtime's, typically), which may refuse what we try. */
static bool doctor_self_is_filtered(void)
{
    return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
}

/* ---- Probes: one attempt in a forked child, reported through a pipe ---- */

struct probe {
    int err;          /* 0, or the errno of the step that failed */
    char step[256];   /* the step that failed */
    char advice[256]; /* on failure, when the probe knows what to do */
    char detail[160]; /* on success: what was verified */
};

static int probe_fail(struct probe *p, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int probe_fail(struct probe *p, int err, const char *fmt, ...)
{
    p->err = err > 0 ? err : EIO;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->step, sizeof p->step, fmt, ap);
    va_end(ap);
    return -1;
}

/* Run `fn` in a child (SIGALRM after 10 s, so a wedged kernel call cannot
 * hang the doctor) and collect what it reported. */
static void probe_run(int (*fn)(struct probe *), struct probe *p)
{
    memset(p, 0, sizeof *p);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        probe_fail(p, errno, "pipe");
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        probe_fail(p, errno, "fork");
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        alarm(10);
        struct probe r = {0};
        fn(&r);
        _exit(write(fds[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < sizeof *p) {
        ssize_t n = read(fds[0], (char *)p + got, sizeof *p - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got != sizeof *p) {
        memset(p, 0, sizeof *p);
        if (WIFSIGNALED(status))
            probe_fail(p, EINTR, "the probe was killed by %s", strsignal(WTERMSIG(status)));
        else
            probe_fail(p, EIO, "the probe exited without reporting");
    }
}

/* Become root of a new user namespace, as moat does: unshare, then map our
 * own uid/gid (setgroups must be denied first, user_namespaces(7)). */
static int probe_enter_userns(struct probe *p)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER) < 0)
        return probe_fail(p, errno, "unshare(CLONE_NEWUSER)");
    char map[64];
    int r = doctor_write_file("/proc/self/setgroups", "deny");
    if (r < 0)
        return probe_fail(p, -r, "writing /proc/self/setgroups");
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    if ((r = doctor_write_file("/proc/self/uid_map", map)) < 0)
        return probe_fail(p, -r, "writing /proc/self/uid_map");
    snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    if ((r = doctor_write_file("/proc/self/gid_map", map)) < 0)
        return probe_fail(p, -r, "writing /proc/self/gid_map");
    return 0;
}

static int probe_userns(struct probe *p)
{
    uid_t uid = getuid();
    if (probe_enter_userns(p) < 0)
        return -1;
    snprintf(p->detail, sizeof p->detail, "uid %u mapped to root of a new user namespace",
             (unsigned)uid);
    return 0;
}

static int probe_mountns(struct probe *p)
{
    if (probe_enter_userns(p) < 0)
        return -1;
    if (unshare(CLONE_NEWNS) < 0)
        return probe_fail(p, errno, "unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return probe_fail(p, errno, "making / private");
    if (mount("moat-doctor", "/tmp", "tmpfs", 0, "size=64k") < 0)
        return probe_fail(p, errno, "mounting a tmpfs on /tmp");
    snprintf(p->detail, sizeof p->detail, "a tmpfs mounted in a private mount namespace");
    return 0;
}

/* pid 1 of a new pid namespace must be able to mount its own /proc, which
 * the kernel refuses when the current /proc is partly masked (as container
 * runtimes do): mount_too_revealing() in fs/namespace.c.  pid 1 is a
 * grandchild of the doctor, so it reports through shared memory. */
static int probe_pidns(struct probe *p)
{
    if (probe_enter_userns(p) < 0)
        return -1;
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
        return probe_fail(p, errno, "unshare(CLONE_NEWPID|CLONE_NEWNS)");
    struct probe *init = mmap(NULL, sizeof *init, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (init == MAP_FAILED)
        return probe_fail(p, errno, "mmap");
    probe_fail(init, ECHILD, "pid 1 of the new pid namespace died");
    pid_t pid = fork();
    if (pid < 0)
        return probe_fail(p, errno, "fork into the pid namespace");
    if (pid == 0) {
        if (getpid() != 1)
            probe_fail(init, ESRCH, "the first process in the new pid namespace is not pid 1");
        else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            probe_fail(init, errno, "making / private in the new pid namespace");
        else if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
            probe_fail(init, errno, "mounting /proc as pid 1 of the new pid namespace");
            snprintf(init->advice, sizeof init->advice,
                     "the kernel allows this only where a fully visible /proc exists, and "
                     "here parts of /proc are covered (a container?); run moat outside it "
                     "or give it an unmasked /proc");
        } else
            init->err = 0;
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *p = *init;
    munmap(init, sizeof *init);
    if (p->err == 0)
        snprintf(p->detail, sizeof p->detail, "pid 1 of a new pid namespace mounted /proc");
    return p->err ? -1 : 0;
}

/* Create a network namespace and bring its loopback up. */
static int probe_enter_netns(struct probe *p)
{
    if (probe_enter_userns(p) < 0)
        return -1;
    if (unshare(CLONE_NEWNET) < 0)
        return probe_fail(p, errno, "unshare(CLONE_NEWNET)");
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return probe_fail(p, errno, "socket(AF_INET)");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return probe_fail(p, errno, "SIOCGIFFLAGS on lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        return probe_fail(p, errno, "bringing lo up");
    return 0;
}

static int probe_netns(struct probe *p)
{
    if (probe_enter_netns(p) < 0)
        return -1;
    snprintf(p->detail, sizeof p->detail, "loopback brought up in a new network namespace");
    return 0;
}

static int probe_ipv6(struct probe *p)
{
    if (probe_enter_netns(p) < 0)
        return -1;
    _cleanup_close_ int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return probe_fail(p, errno, "socket(AF_INET6)");
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return probe_fail(p, errno, "binding [::1]:0");
    snprintf(p->detail, sizeof p->detail, "[::1] bound in a new network namespace");
    return 0;
}

/* Ask nf_tables for its table list over netfilter netlink, as nft(8) does.
 * A fresh namespace has none: the dump must end with NLMSG_DONE. */
static int probe_nftables(struct probe *p)
{
    if (probe_enter_netns(p) < 0)
        return -1;
    _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0)
        return probe_fail(p, errno, "socket(AF_NETLINK, NETLINK_NETFILTER)");
    struct sockaddr_nl local = {.nl_family = AF_NETLINK}, kernel = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0)
        return probe_fail(p, errno, "binding the netfilter netlink socket");
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    struct {
        struct nlmsghdr nh;
        struct nfgenmsg nfg;
    } req = {
        .nh = {.nlmsg_len = sizeof req,
               .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
               .nlmsg_seq = 1},
        .nfg = {.nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0},
    };
    if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
        return probe_fail(p, errno, "sending NFT_MSG_GETTABLE");

    static char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
    unsigned tables = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            return probe_fail(p, errno, "reading the NFT_MSG_GETTABLE answer");
        size_t left = (size_t)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
             h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                snprintf(p->detail, sizeof p->detail,
                         "NETLINK_NETFILTER socket bound, NFT_MSG_GETTABLE dump answered "
                         "with %u tables",
                         tables);
                return 0;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                return probe_fail(p, -e->error, "NFT_MSG_GETTABLE");
            }
            tables++;
        }
    }
}

static int probe_seccomp(struct probe *p)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return probe_fail(p, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    struct moat_error err = {0};
    const struct seccomp_options o = {0};
    if (seccomp_install(&o, &err) < 0)
        return probe_fail(p, -err.code, "%s", err.msg);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 || errno != EPERM)
        return probe_fail(p, fd >= 0 ? EIO : errno,
                          "filter loaded, but socket(AF_UNIX) was not refused with EPERM");
    snprintf(p->detail, sizeof p->detail, "moat's filter loaded; socket(AF_UNIX) refused");
    return 0;
}

/* An empty spec grants no write anywhere: opening /dev/null for writing
 * must then fail with EACCES. */
static int probe_landlock(struct probe *p)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return probe_fail(p, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    struct moat_error err = {0};
    const struct landlock_spec spec = {0};
    int abi = landlock_apply(&spec, &err);
    if (abi < 0)
        return probe_fail(p, -abi, "%s", err.msg);
    if (abi == 0)
        return probe_fail(p, EOPNOTSUPP, "landlock_apply found no Landlock");
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0 || errno != EACCES)
        return probe_fail(p, fd >= 0 ? EIO : errno,
                          "ruleset enforced, but writing /dev/null was not refused");
    snprintf(p->detail, sizeof p->detail, "ruleset enforced; a write outside it refused");
    return 0;
}

/* ---- Reports ---- */

/* Why user namespaces fail, and what lifts it (supervisor/isolation.c, the
 * same words `moat run --isolation auto` uses); false when nothing known
 * explains it. */
static bool userns_known_cause(char *buf, size_t len)
{
    struct isolation_probe pr;
    isolation_probe_namespaces(false, &pr);
    if (pr.ok)
        return false;
    char why[400], fix[400];
    if (!isolation_cause(&pr, why, sizeof why, fix, sizeof fix))
        return false;
    snprintf(buf, len, "%s; to lift it: %s", why, fix);
    return true;
}

static void report_probe_failure(FILE *out, enum doctor_level level, const char *feature,
                                 const struct probe *p, const char *advice)
{
    doctor_line(out, level, "%s: %s: %s; %s", feature, p->step, strerror(p->err), advice);
}

static bool report_userns(FILE *out)
{
    struct probe p;
    probe_run(probe_userns, &p);
    if (p.err == 0) {
        doctor_line(out, DOCTOR_OK, "user namespaces (%s)", p.detail);
        return true;
    }
    char hint[1024];
    if (!userns_known_cause(hint, sizeof hint))
        snprintf(hint, sizeof hint,
                 "check that the kernel has CONFIG_USER_NS and that no LSM policy forbids it");
    report_probe_failure(out, DOCTOR_MISSING, "user namespaces", &p, hint);
    return false;
}

/* Mount, pid and network namespaces, each inside a new user namespace. */
static bool report_namespace(FILE *out, const char *feature, int (*probe)(struct probe *),
                             bool userns_ok, enum doctor_level if_missing)
{
    if (!userns_ok) {
        doctor_line(out, if_missing, "%s: not tried, user namespaces are unavailable",
                    feature);
        return false;
    }
    struct probe p;
    probe_run(probe, &p);
    if (p.err == 0) {
        doctor_line(out, DOCTOR_OK, "%s (%s)", feature, p.detail);
        return true;
    }
    char hint[1024];
    if (p.advice[0])
        snprintf(hint, sizeof hint, "%s", p.advice);
    else if (p.err != EPERM || !userns_known_cause(hint, sizeof hint))
        snprintf(hint, sizeof hint, "moat needs this inside its user namespace");
    report_probe_failure(out, if_missing, feature, &p, hint);
    return false;
}

/* The Landlock features of ABI versions from..to, as a list. */
static void landlock_features(int from, int to, char *buf, size_t len)
{
    static const char *const features[] = {
        NULL,
        "filesystem",
        "cross-directory rename/link (refer)",
        "truncate",
        "TCP bind/connect",
        "device ioctl",
        "signal and abstract-socket scopes",
        "audit logging flags",
    };
    const int last = (int)(sizeof features / sizeof *features) - 1;
    size_t used = 0;
    buf[0] = '\0';
    for (int v = from; v <= to && v <= last; v++) {
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", features[v]);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

static void report_landlock(FILE *out)
{
    int abi = landlock_abi();
    if (abi == 0) {
        long r = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        char lsm[256] = "";
        if (r < 0 && errno == EOPNOTSUPP) {
            doctor_read_file("/sys/kernel/security/lsm", lsm, sizeof lsm);
            doctor_line(out, DOCTOR_MISSING,
                        "landlock: built into the kernel but not enabled at boot; add it to the "
                        "lsm= kernel parameter (e.g. lsm=landlock,%s) and reboot; until then "
                        "only the mount tree enforces filesystem rules",
                        lsm[0] ? lsm : "<current list>");
        } else {
            doctor_line(out, DOCTOR_MISSING,
                        "landlock: this kernel has none (Linux >= 5.13 with "
                        "CONFIG_SECURITY_LANDLOCK); only the mount tree enforces filesystem "
                        "rules");
        }
        return;
    }
    struct probe p;
    probe_run(probe_landlock, &p);
    if (p.err != 0) {
        report_probe_failure(out, DOCTOR_MISSING, "landlock", &p,
                             "only the mount tree enforces filesystem rules");
        return;
    }
    char have[512], lack[512];
    landlock_features(1, abi, have, sizeof have);
    landlock_features(abi + 1, 7, lack, sizeof lack);
    if (abi >= 6)
        doctor_line(out, DOCTOR_OK, "landlock ABI %d: %s", abi, have);
    else
        doctor_line(out, DOCTOR_LIMITED,
                    "landlock ABI %d: %s; a newer kernel adds %s (signal scoping needs ABI 6)",
                    abi, have, lack);
}

static bool report_seccomp(FILE *out)
{
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
        doctor_line(out, DOCTOR_MISSING,
                    "seccomp: this kernel has no seccomp (CONFIG_SECCOMP_FILTER); moat cannot "
                    "refuse dangerous syscalls");
        return false;
    }
    char actions[256] = "";
    doctor_read_file("/proc/sys/kernel/seccomp/actions_avail", actions, sizeof actions);
    bool kill_process = strstr(actions, "kill_process") != NULL;
    bool user_notif = strstr(actions, "user_notif") != NULL;

    struct probe p;
    probe_run(probe_seccomp, &p);
    if (p.err != 0) {
        report_probe_failure(out, DOCTOR_MISSING, "seccomp", &p,
                             kill_process ? "moat's default mode needs it"
                                          : "the kernel lacks kill_process (Linux >= 4.14)");
        return false;
    }
    const char *nested = doctor_self_is_filtered()
                             ? "; moat already runs under another seccomp filter, which stacks"
                             : "";
    if (!user_notif)
        doctor_line(out, DOCTOR_LIMITED,
                    "seccomp: %s; user_notif unavailable (Linux >= 5.0), not needed yet%s",
                    p.detail, nested);
    else
        doctor_line(out, DOCTOR_OK, "seccomp (%s; kill_process and user_notif available%s)",
                    p.detail, nested);
    return true;
}

static void report_nftables(FILE *out, bool userns_ok)
{
    const char *feature = "nftables in a user+network namespace";
    if (!userns_ok) {
        doctor_line(out, DOCTOR_MISSING, "%s: not tried, user namespaces are unavailable; "
                                         "needed by the firewall network mode", feature);
        return;
    }
    struct probe p;
    probe_run(probe_nftables, &p);
    if (p.err == 0)
        doctor_line(out, DOCTOR_OK, "%s (%s)", feature, p.detail);
    else
        report_probe_failure(out, DOCTOR_MISSING, feature, &p,
                             "needed by the firewall network mode (CONFIG_NF_TABLES)");
}

static void report_ipv6(FILE *out, bool userns_ok)
{
    if (access("/proc/net/if_inet6", F_OK) < 0) {
        doctor_line(out, DOCTOR_LIMITED,
                    "IPv6: disabled on this host (no /proc/net/if_inet6; ipv6.disable=1?); "
                    "the sandbox's loopback is IPv4 only");
        return;
    }
    if (!userns_ok) {
        doctor_line(out, DOCTOR_LIMITED, "IPv6: not tried, user namespaces are unavailable");
        return;
    }
    struct probe p;
    probe_run(probe_ipv6, &p);
    if (p.err == 0)
        doctor_line(out, DOCTOR_OK, "IPv6 (%s)", p.detail);
    else
        report_probe_failure(out, DOCTOR_LIMITED, "IPv6", &p,
                             "new network namespaces get no ::1 "
                             "(net.ipv6.conf.default.disable_ipv6=1?); loopback is IPv4 only");
}

static void report_cgroup(FILE *out)
{
    struct cgroup_place pl;
    cgroup_find(&pl);
    if (pl.kind == CGROUP_V2)
        doctor_line(out, DOCTOR_OK, "cgroup v2 delegated at %s: memoryMax and pidsMax%s",
                    pl.parent[0], pl.alone ? " (moat moves itself to a leaf of it first)" : "");
    else if (pl.kind == CGROUP_V1)
        doctor_line(out, DOCTOR_OK, "cgroup v1 as root (%s, %s): memoryMax and pidsMax",
                    pl.parent[0], pl.parent[1]);
    else
        doctor_line(out, DOCTOR_LIMITED, "cgroups: memoryMax and pidsMax are refused here: %s; "
                    "to lift it: %s (process.rlimits still apply)", pl.why, pl.fix);
}

static void report_tiocsti(FILE *out)
{
    long v = doctor_sysctl("/proc/sys/dev/tty/legacy_tiocsti");
    if (v == 0)
        doctor_line(out, DOCTOR_OK, "legacy TIOCSTI disabled (dev.tty.legacy_tiocsti=0)");
    else if (v > 0)
        doctor_line(out, DOCTOR_INFO,
                    "legacy TIOCSTI enabled (dev.tty.legacy_tiocsti=1): any process may type "
                    "into its own terminal; moat refuses TIOCSTI with seccomp anyway");
    else
        doctor_line(out, DOCTOR_INFO,
                    "legacy TIOCSTI: kernel older than 6.2 always allows it on one's own "
                    "terminal; moat refuses TIOCSTI with seccomp anyway");
}

int doctor_run(FILE *out)
{
    bool userns = report_userns(out);
    bool mountns = report_namespace(out, "mount namespaces", probe_mountns, userns,
                                    DOCTOR_MISSING);
    bool pidns = report_namespace(out, "pid namespaces", probe_pidns, userns, DOCTOR_MISSING);
    report_namespace(out, "network namespaces", probe_netns, userns, DOCTOR_MISSING);
    bool seccomp = report_seccomp(out);
    report_landlock(out);
    report_nftables(out, userns);
    report_ipv6(out, userns);
    report_cgroup(out);
    report_tiocsti(out);
    fputc('\n', out);
    doctor_guarantees(out);
    fflush(out);
    /* moat's default mode: user + mount + pid namespaces and seccomp. */
    return userns && mountns && pidns && seccomp ? 0 : MOAT_EXIT_FAILURE;
}

/* The facts behind the report, for callers that format their own. */
void doctor_summarize(struct doctor_summary *s)
{
    *s = (struct doctor_summary){0};
    struct probe p;
    char hint[512];
    probe_run(probe_userns, &p);
    s->userns = p.err == 0;
    if (!s->userns) {
        if (!userns_known_cause(hint, sizeof hint))
            snprintf(hint, sizeof hint, "check that the kernel has CONFIG_USER_NS");
        snprintf(s->problem, sizeof s->problem, "user namespaces: %s: %s; %s", p.step,
                 strerror(p.err), hint);
        return;
    }
    static const struct {
        int (*fn)(struct probe *);
        const char *name;
        size_t off;
    } probes[] = {
        {probe_mountns, "mount namespaces", offsetof(struct doctor_summary, mountns)},
        {probe_pidns, "pid namespaces", offsetof(struct doctor_summary, pidns)},
        {probe_netns, "network namespaces", offsetof(struct doctor_summary, netns)},
        {probe_seccomp, "seccomp", offsetof(struct doctor_summary, seccomp)},
        {probe_nftables, "nftables", offsetof(struct doctor_summary, nftables)},
        {probe_ipv6, "IPv6", offsetof(struct doctor_summary, ipv6)},
    };
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        probe_run(probes[i].fn, &p);
        *(bool *)((char *)s + probes[i].off) = p.err == 0;
        /* The default mode needs mount and pid namespaces and seccomp. */
        if (p.err != 0 && !s->problem[0] && i != 2 && i < 4)
            snprintf(s->problem, sizeof s->problem, "%s: %s: %s; %s", probes[i].name, p.step,
                     strerror(p.err), p.advice[0] ? p.advice : "run `moat doctor`");
    }
    s->landlock_abi = landlock_abi();
}
