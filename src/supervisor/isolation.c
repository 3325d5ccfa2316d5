/* Choosing the isolation; see isolation.h.  The probe does in a throwaway
 * child what the sandbox init does first (the same clone flags, the maps, a
 * mount, a /proc), because the places that restrict user namespaces differ
 * in which step they refuse: a seccomp profile refuses the clone, Ubuntu's
 * AppArmor restriction the maps or the mount, a container's masked /proc
 * the fresh /proc.  Never prints; never changes the host. */
#include "supervisor/isolation.h"
#include "supervisor/run_options.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/confine/landlock.h"
#include "supervisor/in_place.h"
#include "util/error.h"

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    return n < 0 ? -e : 0;
}

static void probe_report(int fd, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void probe_report(int fd, int err, const char *fmt, ...)
{
    struct isolation_probe r = { .ok = err == 0, .err = err };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.step, sizeof r.step, fmt, ap);
    va_end(ap);
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(2);
}

/* In the new namespaces, as pid 1: what the init does first. */
static _Noreturn void probe_inside(int fd, uid_t uid, gid_t gid)
{
    char map[64];
    int r = write_text("/proc/self/setgroups", "deny");
    if (r < 0) {
        probe_report(fd, -r, "writing /proc/self/setgroups");
        _exit(1);
    }
    snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
    if ((r = write_text("/proc/self/uid_map", map)) < 0) {
        probe_report(fd, -r, "writing /proc/self/uid_map");
        _exit(1);
    }
    snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
    if ((r = write_text("/proc/self/gid_map", map)) < 0) {
        probe_report(fd, -r, "writing /proc/self/gid_map");
        _exit(1);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
        probe_report(fd, errno, "making / a slave mount in a new mount namespace");
        _exit(1);
    }
    if (mount("moat-probe", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=4k") < 0) {
        probe_report(fd, errno, "mounting a tmpfs in a new mount namespace");
        _exit(1);
    }
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        probe_report(fd, errno, "mounting a fresh /proc in a new pid namespace");
        _exit(1);
    }
    /* Docker's default seccomp profile lets a container with CAP_SYS_ADMIN
     * mount, but never pivot_root. */
    if (chdir("/tmp") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0) {
        probe_report(fd, errno, "pivot_root into a new root");
        _exit(1);
    }
    probe_report(fd, 0, "namespaces");
    _exit(0);
}

void isolation_probe_namespaces(bool net_host, struct isolation_probe *out)
{
    *out = (struct isolation_probe){ .err = EIO };
    snprintf(out->step, sizeof out->step, "the probe did not report");
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        out->err = errno;
        snprintf(out->step, sizeof out->step, "pipe");
        return;
    }
    uid_t uid = getuid();
    gid_t gid = getgid();
    unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
                          CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
    if (!net_host)
        flags |= CLONE_NEWNET;
    fflush(NULL);
    pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
    if (pid == 0) {
        close(fds[0]);
        alarm(10);
        probe_inside(fds[1], uid, gid);
    }
    int clone_errno = errno;
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        out->err = clone_errno;
        snprintf(out->step, sizeof out->step, "clone(CLONE_NEWUSER | CLONE_NEWNS | "
                 "CLONE_NEWPID ...)");
        return;
    }
    struct isolation_probe r;
    ssize_t n;
    while ((n = read(fds[0], &r, sizeof r)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof r) {
        r.step[sizeof r.step - 1] = '\0';
        *out = r;
    }
}

static long read_sysctl(const char *path)
{
    char buf[32] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* The value of a "Name:\tvalue" line of /proc/self/status, or -1. */
static long status_field(const char *name)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(name);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Is a mount stacked on a path below /proc (a container runtime's masks)? */
static bool proc_is_masked(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return false;
    char line[1024];
    bool masked = false;
    while (!masked && fgets(line, sizeof line, f)) {
        char mnt[512];
        if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 && strncmp(mnt, "/proc/", 6) == 0)
            masked = true;
    }
    fclose(f);
    return masked;
}

/* The calling process's AppArmor confinement ("unconfined" when none). */
static void apparmor_label(char *buf, size_t len)
{
    buf[0] = '\0';
    int fd = open("/proc/self/attr/current", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

bool isolation_cause(const struct isolation_probe *pr, char *why, size_t wlen, char *fix,
                     size_t flen)
{
    bool root = geteuid() == 0;
    bool at_clone = strncmp(pr->step, "clone", 5) == 0;
    char label[256];
    apparmor_label(label, sizeof label);
    if (at_clone && pr->err == ENOSPC && read_sysctl("/proc/sys/user/max_user_namespaces") == 0) {
        snprintf(why, wlen, "user.max_user_namespaces is 0");
        snprintf(fix, flen, "sysctl -w user.max_user_namespaces=15000 (where it was set: the "
                            "host, or the container's parent namespace)");
    } else if (at_clone && !root &&
               read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0) {
        snprintf(why, wlen, "kernel.unprivileged_userns_clone is 0");
        snprintf(fix, flen, "sysctl -w kernel.unprivileged_userns_clone=1");
    } else if (!root && read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1) {
        snprintf(why, wlen, "AppArmor restricts unprivileged user namespaces "
                            "(kernel.apparmor_restrict_unprivileged_userns=1)");
        snprintf(fix, flen, "sudo make install-apparmor (installs %s for this moat and loads "
                            "it with apparmor_parser -r)", MOAT_APPARMOR_PROFILE);
    } else if (strstr(pr->step, "/proc") && pr->err == EPERM && proc_is_masked()) {
        snprintf(why, wlen, "the container's /proc has masked paths, so the kernel refuses "
                            "a fresh /proc");
        snprintf(fix, flen, "docker run --security-opt systempaths=unconfined; Kubernetes: "
                            "securityContext.procMount: Unmasked");
    } else if (pr->err == EPERM && status_field("Seccomp") == 2) {
        snprintf(why, wlen, "a seccomp filter refuses %s (%ld filters on this process: a "
                            "container runtime's default profile does this)",
                 at_clone ? "clone(CLONE_NEWUSER)" : "a call this step needs",
                 status_field("Seccomp_filters"));
        snprintf(fix, flen, "docker run --security-opt seccomp=unconfined (or a profile that "
                            "allows unshare and clone with namespace flags); Kubernetes: "
                            "securityContext.seccompProfile.type: Unconfined");
    } else if ((pr->err == EPERM || pr->err == EACCES) && label[0] &&
               strncmp(label, "unconfined", 10) != 0) {
        snprintf(why, wlen, "the AppArmor profile %s refuses it", label);
        snprintf(fix, flen, "docker run --security-opt apparmor=unconfined (or a profile "
                            "allowing userns and mount)");
    } else if (at_clone && pr->err == EUSERS) {
        snprintf(why, wlen, "user namespaces are nested 32 deep already");
        snprintf(fix, flen, "run moat from a shallower namespace");
    } else if (at_clone && pr->err == EINVAL) {
        snprintf(why, wlen, "the kernel has no user namespaces (CONFIG_USER_NS)");
        snprintf(fix, flen, "a kernel built with CONFIG_USER_NS=y");
    } else {
        return false;
    }
    return true;
}

int isolation_choose(const struct moat_policy *p, const struct moat_run_options *o,
                     bool *landlock, struct moat_error *err)
{
    *landlock = p->proc.isolation == MOAT_ISOLATION_LANDLOCK;
    if (p->proc.isolation != MOAT_ISOLATION_AUTO)
        return 0;
    struct isolation_probe pr;
    isolation_probe_namespaces(p->net.mode == MOAT_NET_HOST, &pr);
    if (pr.ok)
        return 0;
    char why[400], fix[400], reason[1000];
    if (isolation_cause(&pr, why, sizeof why, fix, sizeof fix))
        snprintf(reason, sizeof reason, "%s (%s: %s); to lift it: %s", why, pr.step,
                 strerror(pr.err), fix);
    else
        snprintf(reason, sizeof reason, "%s: %s", pr.step, strerror(pr.err));
    struct moat_error why_not = { 0 };
    if (in_place_check(p, &why_not) < 0)
        return error_set(err, -EPERM, "isolation \"auto\": namespaces are unavailable here "
                         "(%s), and landlock isolation cannot run this policy: %s", reason,
                         why_not.msg);
    *landlock = true;
    if (o && o->on_notice) {
        char line[1400];
        snprintf(line, sizeof line,
                 "isolation \"landlock\": namespaces are unavailable here (%s); weaker: other "
                 "processes stay visible, /tmp is the host's (TMPDIR is private), denyRead "
                 "paths are unreadable but still listed, no firewall mode (`moat doctor`)",
                 reason);
        o->on_notice(o->notice_ctx, line);
    }
    return 0;
}
