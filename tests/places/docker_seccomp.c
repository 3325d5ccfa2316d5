/* A stand-in for a container runtime, for the place tests: runs a command
 * under a seccomp filter equal to Docker's default profile (moby's
 * profiles/seccomp/default.json, as of 2024: default action EPERM, an
 * allow-list, and rules that depend on the container's capabilities) and,
 * with --docker-caps, with only the capabilities Docker gives a container
 * (no CAP_SYS_ADMIN, no CAP_SYS_PTRACE).  Test tooling: never part of moat.
 * --no-filter keeps only the capability part (a place without CAP_SYS_ADMIN).
 *   docker-seccomp [--docker-caps] [--cap-sys-admin] [--no-filter] -- COMMAND [ARG...] */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The profile's unconditional allow-list (x86_64 and generic names). */
static const char *const allowed[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
    "chdir", "chmod", "chown", "clock_adjtime", "clock_getres", "clock_gettime",
    "clock_nanosleep", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
    "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
    "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
    "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
    "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchownat", "fcntl",
    "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
    "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_waitv", "futimesat", "getcpu",
    "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups",
    "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
    "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage",
    "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
    "getuid", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
    "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
    "ioprio_get", "ioprio_set", "io_setup", "io_submit", "io_uring_enter", "io_uring_register",
    "io_uring_setup", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lgetxattr", "link", "linkat", "listen", "listxattr",
    "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise", "membarrier",
    "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
    "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
    "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
    "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal",
    "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pwrite64",
    "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom",
    "recvmmsg", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
    "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
    "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo",
    "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
    "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "sendfile",
    "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsuid", "setgid", "setgroups",
    "setitimer", "setpgid", "setpriority", "setregid", "setresgid", "setresuid", "setreuid",
    "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
    "set_tid_address", "setuid", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
    "sigaltstack", "signalfd", "signalfd4", "socketpair", "splice", "stat", "statfs", "statx",
    "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
    "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
    "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime", "times", "tkill",
    "truncate", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimes", "vfork",
    "vmsplice", "wait4", "waitid", "write", "writev",
    /* minKernel 4.8 */
    "process_vm_readv", "process_vm_writev", "ptrace",
    /* amd64 */
    "arch_prctl", "modify_ldt",
};

/* Allowed only when the container has CAP_SYS_ADMIN (else EPERM, the default). */
static const char *const sys_admin[] = {
    "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
    "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
    "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount2",
    "unshare",
};
/* Allowed only with CAP_SYS_PTRACE. */
static const char *const sys_ptrace[] = {
    "kcmp", "pidfd_getfd", "process_madvise",
};

/* Docker's default capabilities. */
static const int docker_caps[] = {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
    CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,
    CAP_AUDIT_WRITE,
};

static int die(const char *what, int r)
{
    fprintf(stderr, "docker-seccomp: %s: %s\n", what, strerror(r < 0 ? -r : r));
    exit(125);
}

static bool have_cap(int cap)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2] = { { 0 } };
    if (syscall(SYS_capget, &hdr, data) < 0)
        return false;
    return (data[cap / 32].effective >> (cap % 32)) & 1;
}

static bool have_cap(int cap);

/* Keep only Docker's capability set (plus CAP_SYS_ADMIN when asked) in the
 * bounding, permitted, effective and inheritable sets. */
static void docker_capabilities(bool add_sys_admin)
{
    unsigned long long keep = 0;
    for (size_t i = 0; i < sizeof docker_caps / sizeof *docker_caps; i++)
        keep |= 1ull << docker_caps[i];
    if (add_sys_admin)
        keep |= 1ull << CAP_SYS_ADMIN;
    for (int c = 0; c < 64 && have_cap(CAP_SETPCAP); c++)
        if (!(keep >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            die("PR_CAPBSET_DROP", errno);
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2] = { { 0 } };
    if (syscall(SYS_capget, &hdr, data) < 0)
        die("capget", errno);
    for (int i = 0; i < 2; i++) {
        unsigned mask = (unsigned)(keep >> (32 * i));
        data[i].effective &= mask;
        data[i].permitted &= mask;
        data[i].inheritable &= mask;
    }
    if (syscall(SYS_capset, &hdr, data) < 0)
        die("capset", errno);
}

static void add(scmp_filter_ctx ctx, const char *name, unsigned n, const struct scmp_arg_cmp *a)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr < 0)
        return;
    int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, a);
    if (r < 0)
        die(name, r);
}

int main(int argc, char **argv)
{
    bool caps = false, add_sys_admin = false, filter = true;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--docker-caps") == 0)
            caps = true;
        else if (strcmp(argv[i], "--cap-sys-admin") == 0)
            add_sys_admin = true;
        else if (strcmp(argv[i], "--no-filter") == 0)
            filter = false;
        else
            die(argv[i], EINVAL);
    }
    if (i + 1 >= argc)
        die("usage: docker-seccomp [--docker-caps] [--cap-sys-admin] -- COMMAND", EINVAL);
    if (caps)
        docker_capabilities(add_sys_admin);
    if (!filter) {
        execvp(argv[i + 1], argv + i + 1);
        die(argv[i + 1], errno);
    }
    bool admin = have_cap(CAP_SYS_ADMIN), ptrace = have_cap(CAP_SYS_PTRACE);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx)
        die("seccomp_init", ENOMEM);
    for (size_t k = 0; k < sizeof allowed / sizeof *allowed; k++)
        add(ctx, allowed[k], 0, NULL);
    /* socket: every family but AF_VSOCK (40) */
    const struct scmp_arg_cmp not_vsock = SCMP_A0(SCMP_CMP_NE, 40);
    add(ctx, "socket", 1, &not_vsock);
    /* personality: the five values */
    const unsigned long long pers[] = { 0, 8, 131072, 131080, 4294967295ull };
    for (size_t k = 0; k < 5; k++) {
        const struct scmp_arg_cmp eq = SCMP_A0(SCMP_CMP_EQ, pers[k]);
        add(ctx, "personality", 1, &eq);
    }
    if (admin) {
        for (size_t k = 0; k < sizeof sys_admin / sizeof *sys_admin; k++)
            add(ctx, sys_admin[k], 0, NULL);
    } else {
        /* clone without any namespace flag (mask 0x7E020000); clone3 ENOSYS */
        const struct scmp_arg_cmp no_ns = SCMP_A0(SCMP_CMP_MASKED_EQ, 2114060288ull, 0);
        add(ctx, "clone", 1, &no_ns);
        int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        if (r < 0)
            die("clone3", r);
    }
    if (ptrace)
        for (size_t k = 0; k < sizeof sys_ptrace / sizeof *sys_ptrace; k++)
            add(ctx, sys_ptrace[k], 0, NULL);
    /* Like runc: without CAP_SYS_ADMIN the filter needs no_new_privs. */
    if (!admin && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0)
        die("SCMP_FLTATR_CTL_NNP", EINVAL);
    if (admin)
        seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    int r = seccomp_load(ctx);
    if (r < 0)
        die("seccomp_load", r);
    seccomp_release(ctx);
    execvp(argv[i + 1], argv + i + 1);
    die(argv[i + 1], errno);
}
