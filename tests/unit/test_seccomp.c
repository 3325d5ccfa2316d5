/* Unit tests for src/sandbox/confine/seccomp.c (the built-in programs, foreign
 * architectures and landlock isolation's network lock: test_seccomp_programs.c).  Every test performs the attack in a
 * forked child with the filter loaded and checks the exact errno (or SIGSYS);
 * a control run without the filter shows the kernel would otherwise have
 * allowed the call, so the filter is proven to be the reason. */
#include "sandbox/confine/seccomp.h"
#include "sandbox/confine/seccomp_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp_run.h"
#include "unit.h"

extern char **environ;

/* Parameters for the attack, set in the parent before fork. */
static unsigned long attack_arg;
static int tty_fd = -1;

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = n < 0 ? errno : 0;
    close(fd);
    return e;
}

/* Become root of a new user namespace (and mount namespace), so the
 * capability-gated calls below are possible without the filter whoever runs
 * the tests.  In a mount namespace owned by a new user namespace every mount
 * is a slave of the host's, so nothing done there leaks out. */
static int enter_userns_flags(int extra)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | extra) < 0)
        return errno;
    char map[64];
    int e = write_file("/proc/self/setgroups", "deny");
    if (e)
        return e;
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    if ((e = write_file("/proc/self/uid_map", map)))
        return e;
    snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    return write_file("/proc/self/gid_map", map);
}

static int enter_userns(void)
{
    return enter_userns_flags(0);
}

static int enter_userns_mntns(void)
{
    return enter_userns_flags(CLONE_NEWNS);
}

static int attack_nothing(void)
{
    return 0;
}

static bool userns_available(void)
{
    static int cached = -1;
    if (cached < 0)
        cached = run(NULL, enter_userns_mntns, attack_nothing) == 0;
    return cached;
}

/* The control run must show the call works without the filter.  When the
 * host itself forbids it (a sysctl, a capability this user lacks), say so:
 * the filtered run's exact errno is still checked, but it proves less. */
static void check_control_errno(const char *what, int got, int want)
{
    if (got != want && (got == EPERM || got == EACCES || got == EIO)) {
        printf("  note: %s: control run refused by the host too (%s); "
               "only the filtered errno is checked\n",
               what, strerror(got));
        return;
    }
    CHECK_INT(got, want);
}

static void check_control(const char *what, int got)
{
    check_control_errno(what, got, 0);
}

/* ---- Unix sockets ---- */

static int attack_socket_unix(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? errno : (close(fd), 0);
}

static int attack_socket_inet(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? errno : (close(fd), 0);
}

/* A TCP listener on an ephemeral loopback port: what a local server does. */
static int attack_listen_inet(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0 ? errno : 0;
    close(fd);
    return r;
}

/* The family is an int in the kernel: high bits are dropped. */
static int attack_socket_unix_high_bits(void)
{
    long fd = syscall(SYS_socket, (1ul << 32) | AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? errno : (close((int)fd), 0);
}

static int attack_socketpair_unix(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return errno;
    close(sv[0]);
    close(sv[1]);
    return 0;
}

TEST(unix_socket_refused_inet_allowed)
{
    CHECK_INT(run(&defaults, NULL, attack_socket_unix), EPERM);
    CHECK_INT(run(NULL, NULL, attack_socket_unix), 0);
    CHECK_INT(run(&defaults, NULL, attack_socket_inet), 0);
}

TEST(unix_socket_with_high_bits_in_family_refused)
{
    CHECK_INT(run(NULL, NULL, attack_socket_unix_high_bits), 0); /* the kernel truncates */
    CHECK_INT(run(&defaults, NULL, attack_socket_unix_high_bits), EPERM);
}

/* A socketpair reaches nothing but its other end: allowed (the JVM and
 * glibc's resolver threads need it) while socket(AF_UNIX) is refused. */
TEST(unix_socketpair_allowed_socket_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_socketpair_unix), 0);
    CHECK_INT(run(&defaults, NULL, attack_socket_unix), EPERM);
}

static int socket_of(int family, int type, int protocol)
{
    int fd = socket(family, type | SOCK_CLOEXEC, protocol);
    return fd < 0 ? errno : (close(fd), 0);
}

static int attack_vsock(void) { return socket_of(40 /* AF_VSOCK */, SOCK_STREAM, 0); }
static int attack_packet(void) { return socket_of(17 /* AF_PACKET */, SOCK_DGRAM, 0); }
static int attack_alg(void) { return socket_of(38 /* AF_ALG */, SOCK_SEQPACKET, 0); }
static int attack_family_high_bits(void)
{
    long fd = syscall(SYS_socket, (1ul << 32) | AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? errno : (close((int)fd), 0);
}
static int attack_mptcp(void) { return socket_of(AF_INET, SOCK_STREAM, 262 /* IPPROTO_MPTCP */); }
static int attack_mptcp6(void) { return socket_of(AF_INET6, SOCK_STREAM, 262); }
static int attack_sctp(void) { return socket_of(AF_INET, SOCK_STREAM, 132 /* IPPROTO_SCTP */); }
static int attack_sctp_seqpacket(void) { return socket_of(AF_INET6, SOCK_SEQPACKET, 132); }
static int plain_tcp(void) { return socket_of(AF_INET6, SOCK_STREAM, IPPROTO_TCP); }
static int plain_udp(void) { return socket_of(AF_INET, SOCK_DGRAM, 0); }
static int plain_netlink(void) { return socket_of(AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */); }
static int inet_socketpair(void)
{
    int sv[2];
    return socketpair(AF_INET, SOCK_STREAM, 0, sv) < 0 ? errno : 0;
}

/* Families other than Unix, IPv4, IPv6 and netlink: EAFNOSUPPORT.  The
 * control runs show the kernel has them (or answers something else). */
TEST(unlisted_socket_families_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_vsock), EAFNOSUPPORT);
    CHECK_INT(run(&defaults, NULL, attack_packet), EAFNOSUPPORT);
    CHECK(run(NULL, NULL, attack_packet) != EAFNOSUPPORT);
    CHECK_INT(run(&defaults, NULL, attack_alg), EAFNOSUPPORT);
    CHECK_INT(run(&defaults, NULL, attack_family_high_bits), EAFNOSUPPORT);
    CHECK_INT(run(NULL, NULL, attack_family_high_bits), 0); /* the kernel truncates */
    CHECK_INT(run(&defaults, NULL, plain_tcp), 0);
    CHECK_INT(run(&defaults, NULL, plain_udp), 0);
    CHECK_INT(run(&defaults, NULL, plain_netlink), 0);
    CHECK_INT(run(&defaults, NULL, inet_socketpair), EAFNOSUPPORT);
}

/* MPTCP and SCTP escape Landlock's TCP bind rule: EPROTONOSUPPORT. */
TEST(ip_protocols_other_than_tcp_refused_for_streams)
{
    CHECK_INT(run(&defaults, NULL, attack_mptcp), EPROTONOSUPPORT);
    CHECK_INT(run(&defaults, NULL, attack_mptcp6), EPROTONOSUPPORT);
    CHECK_INT(run(NULL, NULL, attack_mptcp), 0);
    CHECK_INT(run(&defaults, NULL, attack_sctp), EPROTONOSUPPORT);
    CHECK_INT(run(&defaults, NULL, attack_sctp_seqpacket), EPROTONOSUPPORT);
}

static char setid_dir[] = "/tmp/moat-seccomp-setid.XXXXXX";

static int attack_chmod_setuid(void)
{
    char f[128];
    snprintf(f, sizeof f, "%s/f", setid_dir);
    return chmod(f, 04755) < 0 ? errno : 0;
}
static int attack_chmod_setgid(void)
{
    char f[128];
    snprintf(f, sizeof f, "%s/f", setid_dir);
    return syscall(SYS_fchmodat, AT_FDCWD, f, 02755) < 0 ? errno : 0;
}
static int attack_fchmodat2_setuid(void)
{
    char f[128];
    snprintf(f, sizeof f, "%s/f", setid_dir);
    return syscall(452 /* fchmodat2 */, AT_FDCWD, f, 04755, 0) < 0 ? errno : 0;
}
static int attack_create_setuid(void)
{
    char f[128];
    snprintf(f, sizeof f, "%s/g", setid_dir);
    int fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 04755);
    return fd < 0 ? errno : (close(fd), unlink(f), 0);
}
static int attack_mknod_setuid(void)
{
    char f[128];
    snprintf(f, sizeof f, "%s/h", setid_dir);
    return mknod(f, S_IFREG | 04755, 0) < 0 ? errno : (unlink(f), 0);
}
static int plain_chmod(void)
{
    char f[128];
    snprintf(f, sizeof f, "%s/f", setid_dir);
    return chmod(f, 0755) < 0 ? errno : 0;
}

/* No set-user-ID or set-group-ID bits, by any call that takes a mode. */
TEST(set_id_modes_refused)
{
    if (!mkdtemp(setid_dir)) {
        CHECK(false);
        return;
    }
    char f[128];
    snprintf(f, sizeof f, "%s/f", setid_dir);
    int fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    close(fd);
    CHECK_INT(run(&defaults, NULL, attack_chmod_setuid), EPERM);
    CHECK_INT(run(&defaults, NULL, attack_chmod_setgid), EPERM);
    CHECK_INT(run(&defaults, NULL, attack_fchmodat2_setuid), EPERM);
    CHECK_INT(run(&defaults, NULL, attack_create_setuid), EPERM);
    CHECK_INT(run(&defaults, NULL, attack_mknod_setuid), EPERM);
    CHECK_INT(run(&defaults, NULL, plain_chmod), 0);
    CHECK_INT(run(NULL, NULL, attack_chmod_setuid), 0); /* the owner may, without the filter */
    CHECK_INT(run(NULL, NULL, attack_create_setuid), 0);
    unlink(f);
    rmdir(setid_dir);
}

TEST(deny_listen_refuses_listen_only_when_asked)
{
    const struct seccomp_options o = {.deny_listen = true};
    CHECK_INT(run(&o, NULL, attack_listen_inet), EPERM);
    CHECK_INT(run(&defaults, NULL, attack_listen_inet), 0);
    CHECK_INT(run(&o, NULL, attack_socket_inet), 0);
}

TEST(allow_unix_sockets_lets_them_through)
{
    const struct seccomp_options o = {.allow_unix_sockets = true};
    CHECK_INT(run(&o, NULL, attack_socket_unix), 0);
    CHECK_INT(run(&o, NULL, attack_socketpair_unix), 0);
}

/* ---- Kernel attack surface ---- */

struct io_uring_params_min {
    uint32_t words[30]; /* struct io_uring_params is 120 bytes, all zero = defaults */
};

static int attack_io_uring_setup(void)
{
    struct io_uring_params_min p = {0};
    long fd = syscall(SYS_io_uring_setup, 1, &p);
    return fd < 0 ? errno : (close((int)fd), 0);
}

TEST(io_uring_setup_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_io_uring_setup), EPERM);
    check_control("io_uring_setup", run(NULL, NULL, attack_io_uring_setup));
}

/* An unknown bpf command: the kernel answers EINVAL to anyone, even where
 * unprivileged BPF is disabled, so EPERM can only come from the filter. */
static int attack_bpf(void)
{
    return result(syscall(SYS_bpf, 0x7fff, NULL, 0));
}

TEST(bpf_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_bpf), EPERM);
    check_control_errno("bpf", run(NULL, NULL, attack_bpf), EINVAL);
}

/* A software clock counting this process in user mode only: allowed up to
 * perf_event_paranoid=2 without privilege. */
static int attack_perf_event_open(void)
{
    struct perf_event_attr a = {
        .type = PERF_TYPE_SOFTWARE,
        .size = sizeof a,
        .config = PERF_COUNT_SW_TASK_CLOCK,
        .exclude_kernel = 1,
        .exclude_hv = 1,
    };
    long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    return fd < 0 ? errno : (close((int)fd), 0);
}

TEST(perf_event_open_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_perf_event_open), EPERM);
    check_control("perf_event_open", run(NULL, NULL, attack_perf_event_open));
}

/* UFFD_USER_MODE_ONLY (1) is permitted to unprivileged users even when
 * vm.unprivileged_userfaultfd is 0. */
static int attack_userfaultfd(void)
{
    long fd = syscall(SYS_userfaultfd, O_CLOEXEC | 1);
    return fd < 0 ? errno : (close((int)fd), 0);
}

TEST(userfaultfd_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_userfaultfd), EPERM);
    check_control("userfaultfd", run(NULL, NULL, attack_userfaultfd));
}

/* KEYCTL_GET_KEYRING_ID (0) of the user keyring (-4): every user has one. */
static int attack_keyctl(void)
{
    return result(syscall(SYS_keyctl, 0, -4, 0));
}

TEST(keyctl_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_keyctl), EPERM);
    check_control("keyctl", run(NULL, NULL, attack_keyctl));
}

/* ---- Namespaces ---- */

static int attack_unshare_user(void)
{
    return result(unshare(CLONE_NEWUSER));
}

/* Raw clone(2) without a new stack behaves like fork: the child returns 0
 * here and leaves at once. */
static int attack_clone(void)
{
    long pid = syscall(SYS_clone, attack_arg | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    if (pid < 0)
        return errno;
    int status;
    waitpid((pid_t)pid, &status, 0);
    return 0;
}

TEST(unshare_newuser_refused)
{
    CHECK_INT(run(&defaults, NULL, attack_unshare_user), EPERM);
    if (userns_available())
        CHECK_INT(run(NULL, NULL, attack_unshare_user), 0);
    else
        SKIP("control: this user cannot create user namespaces on this host");
}

TEST(clone_newuser_refused)
{
    attack_arg = CLONE_NEWUSER;
    CHECK_INT(run(&defaults, NULL, attack_clone), EPERM);
    if (userns_available())
        CHECK_INT(run(NULL, NULL, attack_clone), 0);
    else
        SKIP("control: this user cannot create user namespaces on this host");
    attack_arg = 0; /* a plain fork still works under the filter */
    CHECK_INT(run(&defaults, NULL, attack_clone), 0);
}

/* Each namespace flag on its own, from inside a user namespace where the
 * control run can create all of them.  CLONE_NEWTIME cannot be passed to
 * clone(2) (its bit is the exit-signal byte); unshare covers it. */
TEST(clone_each_namespace_flag_refused)
{
    if (!userns_available()) {
        SKIP("this user cannot create user namespaces on this host");
        return;
    }
    static const unsigned long flags[] = {CLONE_NEWNS,  CLONE_NEWPID, CLONE_NEWNET,
                                          CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        attack_arg = flags[i];
        int filtered = run(&defaults, enter_userns, attack_clone);
        int control = run(NULL, enter_userns, attack_clone);
        if (filtered != EPERM || control != 0)
            fprintf(stderr, "  flag %#lx: filtered %d, control %d\n", flags[i], filtered,
                    control);
        CHECK_INT(filtered, EPERM);
        CHECK_INT(control, 0);
    }
    attack_arg = 0;
}

static int attack_setns(void)
{
    int fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SETUP_FAILED;
    int e = result(setns(fd, CLONE_NEWUSER));
    close(fd);
    return e;
}

TEST(setns_refused)
{
    /* Joining one's own user namespace is EINVAL from the kernel. */
    CHECK_INT(run(&defaults, NULL, attack_setns), EPERM);
    check_control_errno("setns", run(NULL, NULL, attack_setns), EINVAL);
}

TEST(allow_nested_namespaces_lets_unshare_and_clone_through)
{
    if (!userns_available()) {
        SKIP("this user cannot create user namespaces on this host");
        return;
    }
    const struct seccomp_options o = {.allow_nested_namespaces = true};
    CHECK_INT(run(&o, NULL, attack_unshare_user), 0);
    attack_arg = CLONE_NEWUSER;
    CHECK_INT(run(&o, NULL, attack_clone), 0);
    attack_arg = 0;
}

/* clone3 with no flags: would be a plain fork. */
static int attack_clone3(void)
{
    uint64_t args[8] = {0}; /* struct clone_args, CLONE_ARGS_SIZE_VER0 */
    args[4] = SIGCHLD;      /* .exit_signal */
    long pid = syscall(SYS_clone3, args, sizeof args);
    if (pid == 0)
        _exit(0);
    if (pid < 0)
        return errno;
    int status;
    waitpid((pid_t)pid, &status, 0);
    return 0;
}

TEST(clone3_is_enosys)
{
    CHECK_INT(run(&defaults, NULL, attack_clone3), ENOSYS);
    CHECK_INT(run(NULL, NULL, attack_clone3), 0);
    const struct seccomp_options o = {.allow_nested_namespaces = true};
    CHECK_INT(run(&o, NULL, attack_clone3), ENOSYS);
}

/* glibc tries clone3 first for threads and posix_spawn; ENOSYS must make it
 * fall back to clone(2), not fail. */
static void *thread_main(void *arg)
{
    return arg;
}

static int attack_thread_and_spawn(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL) != 0)
        return 1;
    pthread_join(t, NULL);
    pid_t pid;
    char *argv[] = {"true", NULL};
    int e = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
    if (e)
        return e;
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 2;
    return 0;
}

TEST(threads_and_posix_spawn_fall_back_to_clone)
{
    CHECK_INT(run(&defaults, NULL, attack_thread_and_spawn), 0);
}

/* ---- personality ---- */

static int attack_personality(void)
{
    return result(syscall(SYS_personality, attack_arg));
}

TEST(personality_flags_refused_query_allowed)
{
    attack_arg = ADDR_NO_RANDOMIZE;
    CHECK_INT(run(&defaults, NULL, attack_personality), EPERM);
    CHECK_INT(run(NULL, NULL, attack_personality), 0);
    /* Refused too: other flags, values with bit 31, high garbage. */
    static const unsigned long refused[] = {READ_IMPLIES_EXEC, MMAP_PAGE_ZERO, 0x80000000ul,
                                            0xfffffffeul, 1ul << 32, PER_BSD,
                                            (1ul << 32) | ADDR_NO_RANDOMIZE};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        attack_arg = refused[i];
        int got = run(&defaults, NULL, attack_personality);
        if (got != EPERM)
            fprintf(stderr, "  personality(%#lx) gave %d\n", refused[i], got);
        CHECK_INT(got, EPERM);
    }
    static const unsigned long allowed[] = {0xffffffff, PER_LINUX, PER_LINUX32, UNAME26,
                                            UNAME26 | PER_LINUX32};
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
        attack_arg = allowed[i];
        int got = run(&defaults, NULL, attack_personality);
        if (got != 0)
            fprintf(stderr, "  personality(%#lx) gave %d\n", allowed[i], got);
        CHECK_INT(got, 0);
    }
    attack_arg = 0;
}

/* ---- Terminal injection ---- */

/* Become a session leader whose controlling terminal is a fresh pty, as a
 * sandboxed process sharing the user's terminal would be. */
static int acquire_pty(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
        return errno;
    const char *name = ptsname(master);
    if (!name || setsid() < 0)
        return errno;
    tty_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_fd < 0 || ioctl(tty_fd, TIOCSCTTY, 0) < 0)
        return errno;
    return 0;
}

static int attack_tiocsti(void)
{
    char c = 'x';
    return result(syscall(SYS_ioctl, tty_fd, (unsigned long)TIOCSTI, &c));
}

/* CVE-2019-10063: the kernel truncates the request to 32 bits. */
static int attack_tiocsti_high_bits(void)
{
    char c = 'x';
    return result(syscall(SYS_ioctl, tty_fd, 0xffffffff00000000ul | TIOCSTI, &c));
}

static int attack_tioclinux(void)
{
    char subcode = 6; /* TIOCL_GETSHIFTSTATE */
    return result(syscall(SYS_ioctl, tty_fd, (unsigned long)TIOCLINUX, &subcode));
}

static int attack_tiocgwinsz(void)
{
    struct winsize ws;
    return result(ioctl(tty_fd, TIOCGWINSZ, &ws));
}

TEST(tiocsti_on_controlling_tty_refused)
{
    /* Without the filter the kernel lets a process type into its own
     * controlling terminal (dev.tty.legacy_tiocsti=1): that is the attack. */
    check_control("TIOCSTI", run(NULL, acquire_pty, attack_tiocsti));
    CHECK_INT(run(&defaults, acquire_pty, attack_tiocsti), EPERM);
    /* Other terminal ioctls still work. */
    CHECK_INT(run(&defaults, acquire_pty, attack_tiocgwinsz), 0);
}

TEST(tiocsti_with_high_bits_refused)
{
    check_control("TIOCSTI|high bits", run(NULL, acquire_pty, attack_tiocsti_high_bits));
    CHECK_INT(run(&defaults, acquire_pty, attack_tiocsti_high_bits), EPERM);
}

TEST(tioclinux_refused)
{
    /* TIOCLINUX only means something on a virtual console; on a pty the
     * kernel answers something other than EPERM, so EPERM is the filter's. */
    int control = run(NULL, acquire_pty, attack_tioclinux);
    CHECK(control != EPERM && control != SETUP_FAILED && control >= 0);
    CHECK_INT(run(&defaults, acquire_pty, attack_tioclinux), EPERM);
}

/* ---- Mount family ---- */

static int attack_mount(void)
{
    return result(mount("moat-test", "/tmp", "tmpfs", 0, NULL));
}

static int attack_fsopen(void)
{
    long fd = syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);
    return fd < 0 ? errno : (close((int)fd), 0);
}

static int attack_open_tree(void)
{
    long fd = syscall(SYS_open_tree, AT_FDCWD, "/tmp", 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
    return fd < 0 ? errno : (close((int)fd), 0);
}

static int attack_open_tree_attr(void)
{
    long fd = syscall(467 /* open_tree_attr */, AT_FDCWD, "/tmp", 1 | O_CLOEXEC, NULL, 0);
    return fd < 0 ? errno : (close((int)fd), 0);
}

static int attack_chroot(void)
{
    return result(chroot("/"));
}

/* Refused unless nested namespaces are allowed: then, in a user and mount
 * namespace of the workload's own, they are the kernel's to judge (a new
 * filesystem by mount(2) goes to the write guard, whose filter is not
 * loaded here), but for the new mount API's fsopen: ENOSYS, so that tools
 * fall back to mount(2). */
TEST(mount_family_refused_unless_nested_namespaces)
{
    const struct seccomp_options nested = {.allow_nested_namespaces = true};
    if (!userns_available()) {
        /* Still refused, but without a user namespace EPERM could also be
         * the kernel's own answer. */
        CHECK_INT(run(&defaults, NULL, attack_mount), EPERM);
        SKIP("control: this user cannot create user namespaces on this host");
        return;
    }
    static const struct {
        const char *name;
        int (*attack)(void);
    } calls[] = {{"mount", attack_mount},
                 {"fsopen", attack_fsopen},
                 {"open_tree", attack_open_tree},
                 {"chroot", attack_chroot}};
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        int filtered = run(&defaults, enter_userns_mntns, calls[i].attack);
        int control = run(NULL, enter_userns_mntns, calls[i].attack);
        if (filtered != EPERM || control != 0)
            fprintf(stderr, "  %s: filtered %d, control %d\n", calls[i].name, filtered,
                    control);
        CHECK_INT(filtered, EPERM);
        CHECK_INT(control, 0);
        CHECK_INT(run(&nested, enter_userns_mntns, calls[i].attack),
                  calls[i].attack == attack_fsopen ? ENOSYS : 0);
    }
}

TEST(open_tree_attr_refused)
{
#if defined(__x86_64__)
    int control = userns_available() ? run(NULL, enter_userns_mntns, attack_open_tree_attr)
                                     : ENOSYS;
    if (control == ENOSYS) {
        SKIP("open_tree_attr: kernel older than 6.15 or no user namespaces");
        return;
    }
    CHECK_INT(control, 0);
    CHECK_INT(run(&defaults, enter_userns_mntns, attack_open_tree_attr), EPERM);
    const struct seccomp_options nested = {.allow_nested_namespaces = true};
    CHECK_INT(run(&nested, enter_userns_mntns, attack_open_tree_attr), 0);
#else
    SKIP("open_tree_attr test is written for x86_64");
#endif
}

/* ---- Contract ---- */

static int attack_install_without_nnp(void)
{
    struct moat_error err = {0};
    int r = seccomp_install(&defaults, &err);
    if (r != -EPERM || !strstr(err.msg, "no_new_privs"))
        return 1;
    /* Nothing was loaded. */
    return attack_socket_unix();
}

TEST(install_without_no_new_privs_is_refused)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(attack_install_without_nnp());
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 0);
}

int main(void)
{
    RUN(unix_socket_refused_inet_allowed);
    RUN(unix_socket_with_high_bits_in_family_refused);
    RUN(unix_socketpair_allowed_socket_refused);
    RUN(unlisted_socket_families_refused);
    RUN(ip_protocols_other_than_tcp_refused_for_streams);
    RUN(set_id_modes_refused);
    RUN(allow_unix_sockets_lets_them_through);
    RUN(io_uring_setup_refused);
    RUN(bpf_refused);
    RUN(perf_event_open_refused);
    RUN(userfaultfd_refused);
    RUN(keyctl_refused);
    RUN(unshare_newuser_refused);
    RUN(clone_newuser_refused);
    RUN(clone_each_namespace_flag_refused);
    RUN(setns_refused);
    RUN(allow_nested_namespaces_lets_unshare_and_clone_through);
    RUN(clone3_is_enosys);
    RUN(threads_and_posix_spawn_fall_back_to_clone);
    RUN(personality_flags_refused_query_allowed);
    RUN(tiocsti_on_controlling_tty_refused);
    RUN(tiocsti_with_high_bits_refused);
    RUN(tioclinux_refused);
    RUN(mount_family_refused_unless_nested_namespaces);
    RUN(open_tree_attr_refused);
    RUN(install_without_no_new_privs_is_refused);
    RUN(deny_listen_refuses_listen_only_when_asked);
    return UNIT_DONE();
}
