/* The workload's syscall filter as libseccomp rules: default ALLOW, with a
 * deny-list of kernel attack surface a sandboxed build/agent never needs.
 * Owns which syscalls are refused and how.  Compiled at build time
 * (tools/seccomp_gen.c writes the programs sandbox/seccomp.c loads), because
 * libseccomp at run time cost every start about 1.5 ms (BENCHMARKS.md); the
 * unit tests compile it again and compare.  docs/security.md explains each
 * entry (errno, CVE) for users. */
#include "sandbox/confine/seccomp_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

#if defined(__s390__) || defined(__s390x__)
#error "clone(2) takes its flags in argument 1 on s390: adjust refuse_namespaces()"
#endif

/* Refused with EPERM whatever the options.  Each is either a large, recently
 * exploited kernel surface (io_uring, bpf, perf, userfaultfd, keyrings) or
 * host administration needing a capability the workload should never hold
 * (refused so that a leaked capability is useless).  Names
 * libseccomp does not know, or that do not exist on this architecture, are
 * skipped (see rule_add). */
static const char *const refused_syscalls[] = {
    /* io_uring: a second syscall interface that seccomp cannot see into
     * (operations are submitted through shared memory, not syscalls). */
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    /* eBPF verifier and perf: frequent sources of local privilege escalation. */
    "bpf", "perf_event_open",
    /* userfaultfd turns kernel races into reliable exploits by pausing the
     * kernel mid-copy_from_user. */
    "userfaultfd",
    /* Keyrings are not namespaced: the user's session/user keyrings (and
     * their secrets) would be reachable from inside the sandbox. */
    "keyctl", "add_key", "request_key",
    /* Replacing the kernel or loading code into it. */
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    /* "Shocker" (2014): with CAP_DAC_READ_SEARCH, opens any inode on the
     * filesystem by handle, bypassing the mount tree. */
    "open_by_handle_at",
    /* Host administration. */
    "swapon", "swapoff", "reboot", "acct", "iopl", "ioperm", "lookup_dcookie", "quotactl",
    "quotactl_fd", "nfsservctl",
};

/* Syscalls newer than the libseccomp we build against (2.5.4 knows the
 * kernel 6.0 table).  Since Linux 5.1 new syscalls get one number on every
 * architecture except alpha and mips, so the number is safe to use where we
 * know the native table follows that rule. */
struct late_syscall {
    const char *name;
    int nr;
};
static const struct late_syscall mount_late_syscalls[] = {
    {"open_tree_attr", 467}, /* Linux 6.15: open_tree() with mount attributes */
};

/* The namespace syscalls refused unless allow_nested_namespaces: creating
 * namespaces (notably user namespaces) exposes code otherwise reachable only
 * by root, e.g. CVE-2022-0185 (fsconfig), CVE-2024-1086 (nf_tables). */
static const char *const namespace_syscalls[] = {"unshare", "setns"};

/* Changing a mount tree, old API and new, refused with the namespaces: the
 * workload holds no capability over the sandbox's own mount namespace, and
 * only a nested user namespace gives it one over a mount namespace of its
 * own.  There the kernel locks every mount copied from the sandbox's (they
 * cannot be unmounted, made writable or bound without what lies on them),
 * which is what tools like bwrap need; docs/security.md says what still
 * holds. */
static const char *const mount_syscalls[] = {
    "mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "chroot",
};

/* clone(2) flags that create a namespace.  CLONE_NEWTIME (0x80) shares its
 * bit with the CSIGNAL exit-signal byte of clone(2), so there it only
 * matches invalid exit signals (>= 128); a time namespace is reachable only
 * through unshare(2) or clone3(2), both refused. */
static const uint64_t clone_namespace_flags[] = {
    CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
    CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/* Add one rule.  A name libseccomp cannot resolve, or one that exists only
 * on other architectures (a negative "pseudo" number), is skipped: the
 * filter covers the native architecture alone, so there is nothing to
 * refuse.  Failure names the syscall. */
static int rule_add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n_args,
                    const struct scmp_arg_cmp *args, struct moat_error *err)
{
    int nr = seccomp_syscall_resolve_name(name); /* __NR_SCMP_ERROR is negative too */
    if (nr < 0)
        return 0;
    int r = seccomp_rule_add_array(ctx, action, nr, n_args, args);
    if (r < 0)
        return error_set_errno(err, r, "seccomp: cannot add the rule for %s", name);
    return 0;
}

static int rule_add_late(scmp_filter_ctx ctx, const struct late_syscall *s,
                         struct moat_error *err)
{
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
    if (seccomp_syscall_resolve_name(s->name) != __NR_SCMP_ERROR)
        return rule_add(ctx, SCMP_ACT_ERRNO(EPERM), s->name, 0, NULL, err);
    int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), s->nr, 0, NULL);
    if (r < 0)
        return error_set_errno(err, r, "seccomp: cannot add the rule for %s (%d)", s->name,
                               s->nr);
    return 0;
#else
    return rule_add(ctx, SCMP_ACT_ERRNO(EPERM), s->name, 0, NULL, err);
#endif
}

/* socket(AF_UNIX, ...): a Unix socket reaches host daemons (docker.sock,
 * the D-Bus session bus, ssh-agent) through any visible path or, in the
 * host network namespace, the abstract namespace.  socketpair(2) stays
 * allowed: its two ends reach nothing but each other, and runtimes (the
 * JVM, glibc's resolver threads) need it.  The kernel declares the family
 * `int`, so only the low 32 bits count: compare those alone, or
 * 0x100000001 would pass as "not AF_UNIX". */
static int refuse_unix_sockets(scmp_filter_ctx ctx, struct moat_error *err)
{
    const struct scmp_arg_cmp is_unix = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX);
    return rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 1, &is_unix, err);
}

/* Socket families: Unix (above), IPv4, IPv6 and netlink (the resolver and
 * `ip` use it; its route, audit and uevent sockets are namespaced or read
 * only).  Everything else gets EAFNOSUPPORT, as on a kernel built without
 * it, so programs fall back: AF_VSOCK is not namespaced and reaches the
 * hypervisor host, AF_PACKET/AF_XDP see raw traffic, AF_ALG, AF_KEY, AF_TIPC,
 * AF_RDS and friends are rarely used kernel surface with a history of
 * CVEs.  socketpair(2) only ever makes Unix pairs worth having.  A family
 * above 16 (the largest allowed) is refused as a 64-bit comparison, so
 * garbage in the high bits fails closed. */
static int refuse_socket_families(scmp_filter_ctx ctx, struct moat_error *err)
{
    const char *const calls[] = {"socket", "socketpair"};
    for (size_t c = 0; c < 2; c++) {
        const struct scmp_arg_cmp above = SCMP_A0(SCMP_CMP_GT, AF_NETLINK, 0);
        int r = rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), calls[c], 1, &above, err);
        for (uint64_t f = 0; r == 0 && f < AF_NETLINK; f++) {
            if (f == AF_UNIX || f == AF_INET || f == AF_INET6)
                continue;
            const struct scmp_arg_cmp is_f = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, f);
            r = rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), calls[c], 1, &is_f, err);
        }
        if (r < 0)
            return r;
    }
    /* socketpair: only AF_UNIX makes sense; refuse the allowed socket
     * families too (the kernel would say EOPNOTSUPP). */
    const uint64_t others[] = {AF_INET, AF_INET6, AF_NETLINK};
    for (size_t i = 0; i < 3; i++) {
        const struct scmp_arg_cmp is_f = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, others[i]);
        int r = rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socketpair", 1, &is_f, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* IPv4/IPv6 stream sockets must be plain TCP: MPTCP (262) and SCTP (132)
 * are not covered by Landlock's TCP bind rule, so a workload refused a
 * local server could bind one anyway.  SOCK_SEQPACKET over IP is SCTP only.
 * EPROTONOSUPPORT, as on a kernel without them, so programs fall back. */
static int refuse_ip_protocols(scmp_filter_ctx ctx, struct moat_error *err)
{
    const uint64_t families[] = {AF_INET, AF_INET6};
    for (size_t i = 0; i < 2; i++) {
        const struct scmp_arg_cmp fam = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, families[i]);
        const struct scmp_arg_cmp stream = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM);
        const struct scmp_arg_cmp seqpacket = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_SEQPACKET);
        const struct scmp_arg_cmp above_tcp = SCMP_A2(SCMP_CMP_GT, IPPROTO_TCP, 0);
        struct scmp_arg_cmp a[3] = {fam, stream, above_tcp};
        int r = rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT), "socket", 3, a, err);
        for (uint64_t proto = 1; r == 0 && proto < IPPROTO_TCP; proto++) {
            a[2] = (struct scmp_arg_cmp)SCMP_A2(SCMP_CMP_EQ, proto, 0);
            r = rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT), "socket", 3, a, err);
        }
        struct scmp_arg_cmp sp[2] = {fam, seqpacket};
        if (r == 0)
            r = rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT), "socket", 2, sp, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* No set-user-ID or set-group-ID bits: a workload run by root (uid 0 mapped
 * to the host's root) could otherwise leave a setuid-root copy of a shell
 * in its writable tree for any host user to run.  Refused wherever a mode
 * is given: chmod family, and the creating calls (open/openat/creat pass a
 * mode, mknod a regular file's).  Directories' set-group-ID bit goes with
 * it (the filter cannot tell a directory's fd from a file's). */
static int refuse_set_id_modes(scmp_filter_ctx ctx, struct moat_error *err)
{
    static const struct {
        const char *name;
        unsigned arg;
    } calls[] = {
        {"chmod", 1}, {"fchmod", 1}, {"fchmodat", 2}, {"mknod", 1}, {"mknodat", 2},
        {"creat", 1}, {"open", 2}, {"openat", 3},
    };
    const uint64_t bits[] = {S_ISUID, S_ISGID};
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
        for (size_t b = 0; b < 2; b++) {
            const struct scmp_arg_cmp set = {calls[i].arg, SCMP_CMP_MASKED_EQ, bits[b], bits[b]};
            int r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), calls[i].name, 1, &set, err);
            if (r < 0)
                return r;
        }
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
    /* fchmodat2 (Linux 6.6) is newer than libseccomp 2.5.4's table. */
    for (size_t b = 0; b < 2; b++) {
        const struct scmp_arg_cmp set = SCMP_A2(SCMP_CMP_MASKED_EQ, bits[b], bits[b]);
        int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), 452, 1, &set);
        if (r < 0)
            return error_set_errno(err, r, "seccomp: cannot add the rule for fchmodat2");
    }
#endif
    return 0;
}

/* unshare/setns entirely, and clone(2) when any namespace flag is set.
 * clone(2)'s flags are argument 0 on the architectures we build for (on
 * s390 they are argument 1; the filter only covers the native arch, and
 * this is the place to change if s390 is ever supported).  One rule per
 * flag, because comparisons in one rule are ANDed. */
/* With nested namespaces: the new mount API's way to a new filesystem
 * (fsopen, fsconfig, fsmount, and fspick to reconfigure one) is unknown,
 * ENOSYS, so that tools fall back to mount(2), whose new filesystems the
 * write guard judges (guard_mount.c): an fsconfig() string could not be. */
static int refuse_new_mount_api(scmp_filter_ctx ctx, struct moat_error *err)
{
    static const char *const calls[] = { "fsopen", "fsconfig", "fsmount", "fspick" };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        int r = rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), calls[i], 0, NULL, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int refuse_namespaces(scmp_filter_ctx ctx, struct moat_error *err)
{
    for (size_t i = 0; i < sizeof namespace_syscalls / sizeof *namespace_syscalls; i++) {
        int r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), namespace_syscalls[i], 0, NULL, err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < sizeof mount_syscalls / sizeof *mount_syscalls; i++) {
        int r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), mount_syscalls[i], 0, NULL, err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < sizeof mount_late_syscalls / sizeof *mount_late_syscalls; i++) {
        int r = rule_add_late(ctx, &mount_late_syscalls[i], err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < sizeof clone_namespace_flags / sizeof *clone_namespace_flags; i++) {
        uint64_t f = clone_namespace_flags[i];
        const struct scmp_arg_cmp has_flag = SCMP_A0(SCMP_CMP_MASKED_EQ, f, f);
        int r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &has_flag, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* personality(2): only PER_LINUX (0), PER_LINUX32 (8), UNAME26 (0x20000),
 * UNAME26|PER_LINUX32 and the query 0xffffffff are allowed, as in Docker's
 * profile.  Other flags weaken the process: ADDR_NO_RANDOMIZE turns off ASLR
 * for whatever it executes next, READ_IMPLIES_EXEC makes data executable,
 * MMAP_PAGE_ZERO maps page 0 (CVE-2009-1895 used personality flags to get
 * that past setuid binaries).
 *
 * libseccomp takes one comparison per argument in a rule and ORs rules, so
 * "not one of these five" is written as rules each matching a bit pattern
 * none of them has:
 *   a) arg0 > 0xffffffff (the kernel takes an unsigned int: refusing
 *      garbage high bits fails closed);
 *   b) bit 31 clear and some bit b set, for every b other than 3 and 17;
 *   c) bit 31 set and some bit c (0..30) clear, i.e. 0x80000000..0xfffffffe.
 * Every value outside the five matches one of them; the five match none. */
static int refuse_personality(scmp_filter_ctx ctx, struct moat_error *err)
{
    const uint64_t bit31 = 1ull << 31, allowed_bits = (1ull << 3) | (1ull << 17);
    const struct scmp_arg_cmp high = SCMP_A0(SCMP_CMP_GT, 0xffffffffull, 0);
    int r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &high, err);
    for (unsigned b = 0; r == 0 && b < 31; b++) {
        uint64_t bit = 1ull << b;
        if (bit & allowed_bits)
            continue;
        const struct scmp_arg_cmp set = SCMP_A0(SCMP_CMP_MASKED_EQ, bit31 | bit, bit);
        r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &set, err);
    }
    for (unsigned c = 0; r == 0 && c < 31; c++) {
        uint64_t bit = 1ull << c;
        const struct scmp_arg_cmp clear = SCMP_A0(SCMP_CMP_MASKED_EQ, bit31 | bit, bit31);
        r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &clear, err);
    }
    return r;
}

/* ioctl(TIOCSTI) pushes bytes into a terminal's input queue: a sandboxed
 * process sharing the caller's terminal could type commands into the shell
 * that started it (bubblewrap CVE-2017-5226).  TIOCLINUX on a virtual
 * console can do the same through the selection buffer (CVE-2023-28100).
 * The kernel truncates the request to 32 bits (ioctl's `cmd` is unsigned
 * int), and flatpak's filter was bypassed by setting high bits
 * (CVE-2019-10063): compare the low 32 bits only. */
static int refuse_terminal_injection(scmp_filter_ctx ctx, struct moat_error *err)
{
    static const unsigned long requests[] = {TIOCSTI, TIOCLINUX};
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        const struct scmp_arg_cmp is_req = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, requests[i]);
        int r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &is_req, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int filter_build(scmp_filter_ctx ctx, const struct seccomp_options *o,
                        struct moat_error *err)
{
    /* Syscalls from a foreign ABI (i386 through int $0x80, or x32 numbers
     * with bit 30 set on x86_64) use other numbers and argument layouts, so
     * a filter written for the native table does not describe them: an
     * i386 "socket" is socketcall(2), which hides its arguments behind a
     * pointer; CVE-2009-0835 bypassed seccomp exactly this way.  Rather
     * than keep a second, subtly different list, such calls kill the whole
     * process; a native build never makes them. */
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (r < 0)
        return error_set_errno(err, r, "seccomp: cannot set the foreign-architecture action");
    for (size_t i = 0; i < sizeof refused_syscalls / sizeof *refused_syscalls; i++) {
        r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), refused_syscalls[i], 0, NULL, err);
        if (r < 0)
            return r;
    }
    /* clone3(2) passes its flags in a struct behind a pointer, which a
     * seccomp filter cannot read (Documentation/userspace-api/seccomp_filter.rst).
     * ENOSYS makes glibc and other runtimes fall back to clone(2), whose
     * flags the filter can inspect.  Always, even with nested namespaces
     * allowed: one code path to reason about. */
    r = rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err);
    if (r < 0)
        return r;
    if (!o->allow_unix_sockets && (r = refuse_unix_sockets(ctx, err)) < 0)
        return r;
    if ((r = refuse_socket_families(ctx, err)) < 0 || (r = refuse_ip_protocols(ctx, err)) < 0 ||
        (r = refuse_set_id_modes(ctx, err)) < 0)
        return r;
    if (!o->allow_nested_namespaces && (r = refuse_namespaces(ctx, err)) < 0)
        return r;
    if (o->allow_nested_namespaces && (r = refuse_new_mount_api(ctx, err)) < 0)
        return r;
    /* Fallback for allowLocalBinding false where Landlock cannot refuse TCP
     * binds (ABI < 4): no socket may listen at all. */
    if (o->deny_listen && (r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "listen", 0, NULL, err)) < 0)
        return r;
    if ((r = refuse_personality(ctx, err)) < 0)
        return r;
    return refuse_terminal_injection(ctx, err);
}

static int export_program(scmp_filter_ctx ctx, int r, struct seccomp_program *out,
                          struct moat_error *err);

/* The write guard's filter (guard.h), stacked on the one above: the calls
 * the sandbox init performs on the workload's behalf, so that their path
 * arguments are read once and cannot change between the check and the
 * call.  Only calls that can write, create, rename or link are sent; an
 * open(2) only when its flags ask for writing, creating, truncating or an
 * unnamed file.  openat2(2) carries its flags behind a pointer: always. */
static int guard_build(scmp_filter_ctx ctx, const struct guard_options *o, struct moat_error *err)
{
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (r < 0)
        return error_set_errno(err, r, "seccomp: cannot set the foreign-architecture action");
    if (o->fs) {
        static const char *const always[] = {
            "creat", "openat2", "mkdir", "mkdirat", "mknod", "mknodat", "symlink", "symlinkat",
            "link", "linkat", "rename", "renameat", "renameat2", "truncate",
        };
        for (size_t i = 0; i < sizeof always / sizeof *always; i++)
            if ((r = rule_add(ctx, SCMP_ACT_NOTIFY, always[i], 0, NULL, err)) < 0)
                return r;
        const uint64_t writing[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, __O_TMPFILE};
        for (size_t i = 0; i < sizeof writing / sizeof *writing; i++) {
            const struct scmp_arg_cmp open_flag = SCMP_A1(SCMP_CMP_MASKED_EQ, writing[i], writing[i]);
            const struct scmp_arg_cmp openat_flag = SCMP_A2(SCMP_CMP_MASKED_EQ, writing[i], writing[i]);
            if ((r = rule_add(ctx, SCMP_ACT_NOTIFY, "open", 1, &open_flag, err)) < 0 ||
                (r = rule_add(ctx, SCMP_ACT_NOTIFY, "openat", 1, &openat_flag, err)) < 0)
                return r;
        }
        /* The guard acts within the workload's Landlock domain; it could not
         * honour a domain the workload stacks on its own, so such a nested
         * sandbox is refused rather than silently weakened (security.md). */
        if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "landlock_restrict_self", 0, NULL, err)) < 0)
            return r;
    }
    if (o->connect) {
        if ((r = rule_add(ctx, SCMP_ACT_NOTIFY, "connect", 0, NULL, err)) < 0)
            return r;
        /* A datagram Unix socket names its peer in every sendto(2): only
         * connected stream and seqpacket sockets can be held to a list. */
        const struct scmp_arg_cmp a[2] = {SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
                                          SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM)};
        if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 2, a, err)) < 0)
            return r;
    }
    if (o->listen && (r = rule_add(ctx, SCMP_ACT_NOTIFY, "listen", 0, NULL, err)) < 0)
        return r;
    if (o->mounts) {
        /* A new filesystem: none of the flags that bind, remount, move or
         * change propagation (the kernel's path_mount tells them apart the
         * same way).  The guard judges its type (guard_mount.c). */
        const struct scmp_arg_cmp new_fs = SCMP_A3(SCMP_CMP_MASKED_EQ,
                                                   MS_BIND | MS_REMOUNT | MS_MOVE | MS_SHARED |
                                                       MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE,
                                                   0);
        /* And every call with the old magic in the high half (MS_MGC_VAL):
         * the kernel drops that half before it looks at the flags, and the
         * magic's bits include MS_PRIVATE and MS_SLAVE, so the rule above
         * would take a new filesystem for a change of propagation. */
        const struct scmp_arg_cmp magic = SCMP_A3(SCMP_CMP_MASKED_EQ, MS_MGC_MSK, MS_MGC_VAL);
        if ((r = rule_add(ctx, SCMP_ACT_NOTIFY, "mount", 1, &new_fs, err)) < 0 ||
            (r = rule_add(ctx, SCMP_ACT_NOTIFY, "mount", 1, &magic, err)) < 0)
            return r;
    }
    if (o->in_place) {
        /* Landlock restricts neither mode, owner nor extended attributes, and
         * without a mount namespace no read-only mount does: a workload could
         * make the user's files world-writable (chmod), or grant another user
         * access through a POSIX ACL (setxattr).  The guard lets them change
         * only what lies in writable trees.  With no mount namespace there are
         * no pins either, so removing a name is judged too. */
        static const char *const attrs[] = {
            "chmod", "fchmod", "fchmodat", "chown", "fchown", "fchownat", "lchown",
            "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
            /* No pins either: removing a protected name (a symlinked .bashrc,
             * the policy file) goes to the guard too. */
            "unlink", "unlinkat", "rmdir",
        };
        for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++)
            if ((r = rule_add(ctx, SCMP_ACT_NOTIFY, attrs[i], 0, NULL, err)) < 0)
                return r;
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
        /* Newer than libseccomp 2.5.4: fchmodat2 (Linux 6.6) to the guard;
         * setxattrat and removexattrat (6.13) refused as unknown, ENOSYS. */
        if ((r = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, 452, 0, NULL)) < 0 ||
            (r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(ENOSYS), 463, 0, NULL)) < 0 ||
            (r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(ENOSYS), 466, 0, NULL)) < 0)
            return error_set_errno(err, r, "seccomp: cannot add the rules for the *xattrat "
                                   "and fchmodat2 calls");
#endif
    }
    return 0;
}

/* The network lock of landlock isolation (seccomp.h).  The workload shares
 * the host's network namespace, so everything the namespace used to contain
 * is the host's: its DNS resolver over UDP (a name is a message: DNS
 * exfiltration), its routing and audit netlink sockets, raw sockets.  Only
 * TCP remains, and Landlock (ABI 4) and the guard's connect(2) hold that to
 * moat's proxies.  TCP Fast Open connects from sendto/sendmsg without
 * connect(2), so the guard would never see it: refused. */
static int netlock_build(scmp_filter_ctx ctx, enum seccomp_netlock mode, struct moat_error *err)
{
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (r < 0)
        return error_set_errno(err, r, "seccomp: cannot set the foreign-architecture action");
    const struct scmp_arg_cmp netlink = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_NETLINK);
    if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &netlink, err)) < 0)
        return r;
    const uint64_t families[] = {AF_INET, AF_INET6};
    for (size_t i = 0; i < 2; i++) {
        const struct scmp_arg_cmp fam = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, families[i]);
        if (mode == NETLOCK_NO_IP) {
            if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &fam, err)) < 0)
                return r;
            continue;
        }
        /* Every socket type but SOCK_STREAM (the low four bits; the flags
         * above them are SOCK_NONBLOCK and SOCK_CLOEXEC). */
        for (uint64_t type = 0; type < 16; type++) {
            if (type == SOCK_STREAM)
                continue;
            struct scmp_arg_cmp a[2] = {fam, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, type)};
            if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 2, a, err)) < 0)
                return r;
        }
    }
    static const struct {
        const char *name;
        unsigned arg;
    } sends[] = {{"sendto", 3}, {"sendmsg", 2}, {"sendmmsg", 3}};
    for (size_t i = 0; i < sizeof sends / sizeof *sends; i++) {
        const struct scmp_arg_cmp fastopen = {sends[i].arg, SCMP_CMP_MASKED_EQ, MSG_FASTOPEN,
                                              MSG_FASTOPEN};
        if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), sends[i].name, 1, &fastopen, err)) < 0)
            return r;
    }
    return 0;
}

int seccomp_netlock_rules_compile(enum seccomp_netlock mode, struct seccomp_program *out,
                                  struct moat_error *err)
{
    *out = (struct seccomp_program){ 0 };
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return error_set(err, -ENOMEM, "seccomp: seccomp_init failed");
    return export_program(ctx, netlock_build(ctx, mode, err), out, err);
}

int seccomp_guard_rules_compile(const struct guard_options *o, struct seccomp_program *out,
                                struct moat_error *err)
{
    *out = (struct seccomp_program){ 0 };
    /* The notify action needs API level 5; set it, so that the programs do
     * not depend on what the build machine's kernel reports. */
    seccomp_api_set(5);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return error_set(err, -ENOMEM, "seccomp: seccomp_init failed");
    return export_program(ctx, guard_build(ctx, o, err), out, err);
}

int seccomp_rules_compile(const struct seccomp_options *o, struct seccomp_program *out,
                          struct moat_error *err)
{
    *out = (struct seccomp_program){ 0 };
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return error_set(err, -ENOMEM, "seccomp: seccomp_init failed");
    return export_program(ctx, filter_build(ctx, o, err), out, err);
}

/* libseccomp's program for ctx (released here), read back into out. */
static int export_program(scmp_filter_ctx ctx, int r, struct seccomp_program *out,
                          struct moat_error *err)
{
    /* libseccomp 2.5 exports only to a descriptor: a memfd, read back. */
    int fd = r < 0 ? -1 : memfd_create("moat-seccomp", MFD_CLOEXEC);
    if (r == 0 && fd < 0)
        r = error_set_errno(err, -errno, "seccomp: cannot create a memfd for the filter");
    if (r == 0 && (r = seccomp_export_bpf(ctx, fd)) < 0)
        error_set_errno(err, r, "seccomp: cannot generate the filter");
    seccomp_release(ctx);
    struct stat st;
    if (r == 0 && fstat(fd, &st) < 0)
        r = error_set_errno(err, -errno, "seccomp: fstat on the filter's memfd");
    if (r == 0 && (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
                   st.st_size > SECCOMP_PROGRAM_MAX))
        r = error_set(err, -E2BIG, "seccomp: the filter has an unusable size (%lld bytes)",
                      (long long)st.st_size);
    struct sock_filter *insns = NULL;
    if (r == 0 && !(insns = malloc((size_t)st.st_size)))
        r = error_set(err, -ENOMEM, "seccomp: out of memory for the filter");
    if (r == 0 && pread(fd, insns, (size_t)st.st_size, 0) != st.st_size)
        r = error_set(err, -EIO, "seccomp: cannot read the filter back");
    if (fd >= 0)
        close(fd);
    if (r < 0) {
        free(insns);
        return r;
    }
    *out = (struct seccomp_program){ .insns = insns,
                                     .len = (unsigned short)((size_t)st.st_size / sizeof *insns) };
    return 0;
}

void seccomp_rules_free(struct seccomp_program *prog)
{
    free((void *)prog->insns);
    *prog = (struct seccomp_program){ 0 };
}

