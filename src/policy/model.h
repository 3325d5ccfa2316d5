/* The policy model behind the opaque struct moat_policy of include/moat.h:
 * every field, for the library's own code (loaders, the sandbox, the
 * network services) and its tests.  Never installed: programs use the
 * functions of moat.h, so the layout can change without breaking them. */
#ifndef MOAT_POLICY_MODEL_H
#define MOAT_POLICY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat.h"
#include "util/debug_pause.h"
#include "util/strv.h"

/* One resource limit; RLIM_INFINITY for "unlimited". */
struct moat_rlimit {
    int resource; /* RLIMIT_* */
    uint64_t soft, hard;
};

#define MOAT_MAX_RLIMITS 16

struct moat_policy {
    /* Absolute paths of the policy files loaded from regular files, in
     * order: each is kept read-only in the sandbox. */
    struct moat_strv sources;
    /* What the policy accepts but would not do as written (an allow list in
     * mode "none", a missing allowWrite path, a hidden working directory):
     * one line each, "FILE:LINE:COL: $.json.path: ..." or "$.json.path: ..."
     * when no position is known.  Filled by the loaders (the mxc loader's
     * included) and moat_policy_finalize; never affects enforcement; the
     * caller shows them (the moat command on stderr, "moat: warning: ...").
     * A failed load adds none. */
    struct moat_strv warnings;

    struct {
        enum moat_read_model read_model;
        /* All paths absolute and normalised after moat_policy_finalize(). */
        struct moat_strv deny_read, allow_read, allow_write, deny_write;
        bool private_tmp;          /* fresh tmpfs on /tmp (default true) */
        bool protect_defaults;     /* built-in protections (default true) */
        struct moat_strv unprotect; /* built-in protections to lift, e.g. ".git/config" */
        struct moat_strv protect;   /* more names kept read-only anywhere in writable trees */
        uint64_t tmp_size;          /* bytes for the private /tmp and /dev/shm each; 0 = default */
    } fs;

    struct {
        enum moat_net_mode mode;
        struct moat_strv allow, deny; /* hosts, *.patterns, IPs, CIDRs, each [:port] */
        bool allow_local_binding;
        bool allow_unix_sockets;      /* every AF_UNIX socket */
        struct moat_strv unix_sockets; /* or only connecting to these socket paths */
        uint16_t *expose;
        size_t n_expose;
        uint16_t *host_ports;
        size_t n_host_ports;
    } net;

    struct {
        struct moat_strv pass_env; /* names (or PREFIX_*) passed through from the caller */
        struct moat_strv set_env;  /* "NAME=VALUE", applied last */
        char *cwd;                 /* NULL: the caller's cwd if visible, else "/" */
        double timeout;            /* seconds; 0 = none */
        struct moat_rlimit rlimits[MOAT_MAX_RLIMITS];
        size_t n_rlimits;
        uint64_t memory_max; /* bytes, 0 = unset (a cgroup: v2 delegated, or v1 as root) */
        uint64_t pids_max;   /* 0 = unset (a cgroup, or the sandbox's user namespace) */
        bool allow_nested_namespaces;
        enum moat_isolation isolation;
    } proc;

    /* Testing aid: turn one enforcement layer off to prove the other holds
     * alone.  Never set by the policy file. */
    bool debug_no_mount_protection;
    bool debug_no_landlock;
    bool debug_no_guard; /* the write guard (seccomp user notification) */
    /* Testing aid: firewall mode's pool addresses live this many seconds
     * at least, instead of 300, so a test can watch one expire. */
    unsigned debug_fakeip_lifetime_s;
    /* Testing aid: set-up stops at this phase and waits to be killed, so a
     * test can SIGKILL moat there (src/util/debug_pause.h). */
    enum moat_debug_pause debug_pause_at;
};

/* An embedded policy (in a loader's request, on the stack): set to the
 * defaults, and release what it owns (it is reset to the defaults). */
void policy_init(struct moat_policy *p);
void policy_release(struct moat_policy *p);

/* Add a filesystem path given on the command line (relative to base_dir). */
int moat_policy_add_path(struct moat_strv *list, const char *path, const char *base_dir,
                         struct moat_error *err);

#endif
