/* Landlock: the filesystem write (and, in the listed-read model, read) rules
 * enforced by the kernel independently of the mount tree, plus signal and
 * abstract-socket scoping.  Degrades by ABI ("best effort", as
 * Documentation/userspace-api/landlock.rst asks); never fails because a
 * listed path is missing, never prints, and never widens what the spec grants. */
#include "sandbox/confine/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/confine/landlock_abi.h"
#include "sandbox/confine/landlock_carve.h"
#include "util/cleanup.h"
#include "util/error.h"

/* Rights that create, change or remove something.  REFER, TRUNCATE and
 * IOCTL_DEV are added by ABI in landlock_write_rights(). */
#define LANDLOCK_WRITE_RIGHTS_V1                                                           \
    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                       \
     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                       \
     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                           \
     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                         \
     LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

#define LANDLOCK_READ_RIGHTS                                                               \
    (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE)

/* The rights that make sense on a file rather than a directory hierarchy;
 * the kernel refuses anything else on a non-directory with EINVAL
 * (landlock_add_rule(2), security/landlock/fs.c ACCESS_FILE). */
#define LANDLOCK_FILE_RIGHTS                                                               \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                          \
     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static long landlock_create_ruleset(const struct moat_landlock_ruleset_attr *attr, size_t size,
                                    uint32_t flags)
{
    return syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static long landlock_add_rule(int ruleset_fd, int type, const void *attr, uint32_t flags)
{
    return syscall(__NR_landlock_add_rule, ruleset_fd, type, attr, flags);
}

static long landlock_restrict_self(int ruleset_fd, uint32_t flags)
{
    return syscall(__NR_landlock_restrict_self, ruleset_fd, flags);
}

int landlock_abi(void)
{
    /* ENOSYS: built without CONFIG_SECURITY_LANDLOCK; EOPNOTSUPP: built in
     * but not enabled at boot (lsm=).  Both mean "no Landlock". */
    long abi = landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : (int)abi;
}

/* Everything that modifies the filesystem, as far as this ABI can say it.
 *   REFER (ABI 2): without handling it no rule can grant it, and then every
 *     rename/link across directories fails with EXDEV, even inside a write
 *     path; handled and granted beneath write paths, reparenting works
 *     there and stays refused elsewhere.
 *   TRUNCATE (ABI 3): truncate(2) and O_TRUNC were uncontrolled before.
 *   IOCTL_DEV (ABI 5): ioctl(2) on device files opened after enforcement.
 *     This covers terminals too, which is why write paths get every handled
 *     right and the caller lists /dev among them. */
static uint64_t landlock_write_rights(int abi)
{
    uint64_t rights = LANDLOCK_WRITE_RIGHTS_V1;
    if (abi >= 2)
        rights |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5)
        rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    return rights;
}

/* Allow `rights` beneath `path`.  A path that does not exist is skipped:
 * the policy may list paths that only some hosts have, and an absent path
 * cannot be written through anyway.  A path that is not a directory can
 * only carry file rights.  O_PATH needs no read permission on the target;
 * symlinks are followed, so the rule lands on what the path names now. */
static int landlock_allow_path(int ruleset_fd, const char *path, uint64_t rights,
                               struct moat_error *err)
{
    _cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return error_set_errno(err, -errno, "landlock: cannot open %s", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return error_set_errno(err, -errno, "landlock: cannot stat %s", path);
    if (!S_ISDIR(st.st_mode))
        rights &= LANDLOCK_FILE_RIGHTS;
    if (rights == 0)
        return 0;

    struct landlock_path_beneath_attr rule = {.allowed_access = rights, .parent_fd = fd};
    if (landlock_add_rule(ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
        return error_set_errno(err, -errno, "landlock: cannot add a rule for %s", path);
    return 0;
}

int landlock_apply(const struct landlock_spec *s, struct moat_error *err)
{
    int abi = landlock_abi();
    if (abi == 0)
        return 0;

    /* landlock_restrict_self(2) demands no_new_privs unless the caller has
     * CAP_SYS_ADMIN; the contract is that the caller always sets it, so a
     * missing flag is reported as the caller's bug rather than papered over. */
    int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (nnp < 0)
        return error_set_errno(err, -errno, "landlock: prctl(PR_GET_NO_NEW_PRIVS)");
    if (nnp != 1)
        return error_set(err, -EPERM,
                         "landlock: no_new_privs is not set; the caller must set it first");

    /* Best effort by ABI: handle only what this kernel knows, since an
     * unknown bit makes landlock_create_ruleset(2) fail with EINVAL.
     * Errata are deliberately not consulted: the kernel documentation
     * advises against it, and none of them would make us apply less. */
    uint64_t write_rights = landlock_write_rights(abi);
    bool carve = s->n_deny_read > 0;
    uint64_t read_rights = s->restrict_read || carve ? LANDLOCK_READ_RIGHTS : 0;
    struct moat_landlock_ruleset_attr attr = {
        .handled_access_fs = write_rights | read_rights,
    };
    /* Scopes (ABI 6): signals to, and abstract Unix sockets of, processes
     * outside the domain; both are ways to act on the host without the
     * filesystem. */
    if (s->scope_signals && abi >= 6)
        attr.scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
    /* allowLocalBinding false: TCP bind handled with no rule granting any
     * port.  The right is per port, not per address or family, so
     * 127.0.0.1, ::1, ::ffff:127.0.0.1 and wildcard binds are all refused
     * alike; implicit binds by connect(2) are not affected. */
    if (s->deny_tcp_bind && abi >= 4)
        attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
    /* Landlock isolation shares the host's network: TCP connects only to
     * moat's proxies and the hostPorts (the write guard then holds them to
     * loopback, since a port rule names no address). */
    if (s->restrict_connect && abi >= 4)
        attr.handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;

    _cleanup_close_ int ruleset_fd = (int)landlock_create_ruleset(&attr, sizeof attr, 0);
    if (ruleset_fd < 0)
        return error_set_errno(err, -errno, "landlock: cannot create a ruleset (ABI %d)", abi);

    /* Write paths get every handled right (read too, under restrict_read),
     * but where paths are carved out of the readable tree: one of those may
     * lie inside a write path, so reads come from the carving alone. */
    for (size_t i = 0; i < s->n_write; i++) {
        int r = landlock_allow_path(ruleset_fd, s->write_paths[i],
                                    carve ? write_rights : attr.handled_access_fs, err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; (attr.handled_access_net & LANDLOCK_ACCESS_NET_CONNECT_TCP) &&
                       i < s->n_connect_ports; i++) {
        struct landlock_net_port_attr port = { .allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP,
                                               .port = s->connect_ports[i] };
        if (landlock_add_rule(ruleset_fd, LANDLOCK_RULE_NET_PORT, &port, 0) < 0)
            return error_set_errno(err, -errno, "landlock: cannot allow connecting to port %u",
                                   (unsigned)s->connect_ports[i]);
    }
    if (carve) {
        const char *roots[1 + s->n_read + s->n_write];
        size_t n = 0;
        if (!s->restrict_read)
            roots[n++] = "/";
        for (size_t i = 0; i < s->n_read; i++)
            roots[n++] = s->read_paths[i];
        for (size_t i = 0; i < s->n_write; i++)
            roots[n++] = s->write_paths[i];
        int r = landlock_carve_reads(ruleset_fd, roots, n, s->deny_read, s->n_deny_read,
                                     read_rights, read_rights & LANDLOCK_FILE_RIGHTS, err);
        if (r < 0)
            return r;
    }
    /* Port 0 means "any ephemeral port": clients such as dig bind(2) their
     * TCP socket to it before connecting.  Servers are kept out by
     * refusing listen(2) (seccomp), not by breaking those clients. */
    for (size_t i = 0; attr.handled_access_net && i <= s->n_bind_ports; i++) {
        uint16_t p = i < s->n_bind_ports ? s->bind_ports[i] : 0;
        struct landlock_net_port_attr port = { .allowed_access = LANDLOCK_ACCESS_NET_BIND_TCP,
                                               .port = p };
        if (landlock_add_rule(ruleset_fd, LANDLOCK_RULE_NET_PORT, &port, 0) < 0)
            return error_set_errno(err, -errno, "landlock: cannot allow binding port %u",
                                   (unsigned)p);
    }
    /* Read paths matter only when reads are handled at all. */
    for (size_t i = 0; s->restrict_read && !carve && i < s->n_read; i++) {
        int r = landlock_allow_path(ruleset_fd, s->read_paths[i], read_rights, err);
        if (r < 0)
            return r;
    }

    /* Flags 0: with ABI 7 the kernel's default is to log denials only for
     * the program that created the domain, not for what it executes, which
     * suits a sandbox that is about to exec an arbitrary workload. */
    if (landlock_restrict_self(ruleset_fd, 0) < 0)
        return error_set_errno(err, -errno, "landlock: cannot enforce the ruleset");
    return abi;
}

int landlock_scope_self(struct moat_error *err)
{
    if (landlock_abi() < 6)
        return 0;
    struct moat_landlock_ruleset_attr attr = {
        .scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET,
    };
    _cleanup_close_ int fd = (int)landlock_create_ruleset(&attr, sizeof attr, 0);
    if (fd < 0)
        return error_set_errno(err, -errno, "landlock: cannot create the scope layer");
    if (landlock_restrict_self(fd, 0) < 0)
        return error_set_errno(err, -errno, "landlock: cannot enforce the scope layer");
    return 0;
}
