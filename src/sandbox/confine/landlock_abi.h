/* Landlock UAPI definitions newer than the installed <linux/landlock.h>
 * (Debian 12 ships the ABI 2 header; the kernels we run on reach ABI 7).
 * Only kernel ABI constants live here, copied from include/uapi/linux/landlock.h;
 * each block is guarded so a newer system header wins.  Never add logic. */
#ifndef MOAT_SANDBOX_LANDLOCK_ABI_H
#define MOAT_SANDBOX_LANDLOCK_ABI_H

#include <linux/landlock.h>
#include <linux/types.h>
#include <sys/syscall.h>

/* Syscall numbers: one number on every architecture (Linux 5.13). */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_CREATE_RULESET_ERRATA
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1) /* Linux 6.15 */
#endif

/* ABI 2 (Linux 5.19) */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
/* ABI 3 (Linux 6.2) */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
/* ABI 5 (Linux 6.10) */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* ABI 4 (Linux 6.7): TCP bind/connect rules.  The rule type is an enum
 * constant in newer headers, so the whole block keys on the access macro. */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
    __u64 allowed_access;
    __u64 port; /* host endianness */
};
#endif

/* ABI 6 (Linux 6.12): scopes. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* ABI 7 (Linux 6.15): audit logging flags for landlock_restrict_self(). */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/* struct landlock_ruleset_attr as of ABI 6.  The system header's struct of
 * the same name may have only handled_access_fs, and a struct cannot be
 * guarded by #ifndef, so moat always uses its own name.  The kernel accepts
 * a larger struct than it knows as long as the extra fields are zero, so
 * older kernels work once the fields their ABI lacks are cleared. */
struct moat_landlock_ruleset_attr {
    __u64 handled_access_fs;
    __u64 handled_access_net; /* ABI 4 */
    __u64 scoped;             /* ABI 6 */
};

#endif
