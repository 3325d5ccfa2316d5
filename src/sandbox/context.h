/* What the supervisor hands to the sandbox init (a copy of its memory after
 * clone): everything resolved before the clone, nothing shared after. */
#ifndef MOAT_SANDBOX_CONTEXT_H
#define MOAT_SANDBOX_CONTEXT_H

#include <sys/types.h>

#include "policy/model.h"
#include "sandbox/confine/seccomp.h"

struct sandbox_ctx {
    const struct moat_policy *p;
    struct moat_strv argv; /* the command, copied (moat's own argv gets blanked) */
    struct moat_strv env;  /* the workload's environment */
    char *cwd;             /* where the workload starts */
    bool cwd_given;        /* from the policy, not the caller's own */
    char *home;            /* the caller's $HOME, for built-in protections */
    uid_t uid;             /* the caller's ids, mapped to themselves */
    gid_t gid;
    int report_fd;         /* write end of the report pipe (close-on-exec) */
    int alive_fd;          /* read end of a pipe the supervisor holds open */
    int chan_fd;           /* unix socket to the supervisor's network services, or -1 */
    const struct firewall *firewall; /* firewall mode's routes and ruleset, or NULL */
    int events_fd;         /* write end of the write guard's refusal pipe, or -1 */
    int guard_sock;        /* the workload hands its guard listener to the init here, or -1 */
    struct guard_options guard; /* which calls the write guard answers */
    const int *pass_fds;   /* descriptors the workload keeps besides 0, 1, 2 */
    size_t n_pass_fds;
    int stdio[3];          /* the workload's 0, 1, 2 (dup2'd into place), or -1 to keep ours */
    bool pty;              /* a pseudo-terminal in the sandbox's devpts for 0, 1, 2 */
    unsigned short pty_rows, pty_cols;
    int pty_sock;          /* the init sends the pty master to the supervisor here, or -1 */
    int pty_slave;         /* the init's: the slave, for the workload */
    const char *resolv_conf; /* the sandbox's /etc/resolv.conf text, or NULL to keep the host's */
    /* Landlock isolation: no namespaces (init.c takes its other sequence). */
    bool landlock;
    char *scratch;         /* the run's own TMPDIR on the host, writable, removed after */
    uint16_t lo_ports[32]; /* loopback TCP ports the workload may connect to (the proxies, */
    size_t n_lo_ports;     /* hostPorts); with inet_restricted, no other */
    bool inet_restricted;
    int cgroup_procs[2];   /* cgroup.procs files the init joins first (limits), or -1 */
};

/* The sandbox's pid 1: builds the sandbox, forks the workload, reaps, forwards
 * signals, exits with the workload's status.  Never returns. */
_Noreturn void sandbox_init_main(struct sandbox_ctx *c);

/* The workload's last steps before exec.  Never returns. */
_Noreturn void workload_exec(struct sandbox_ctx *c);

/* The workload's Landlock domain, applied by the init to itself before it
 * spawns the workload, which inherits it (the write guard acts inside it). */
struct fs_rules;
int workload_landlock(const struct sandbox_ctx *c, const struct fs_rules *rules,
                      struct moat_error *err);

/* The signals the supervisor and the init forward to the workload. */
extern const int forwarded_signals[];

/* Landlock isolation: the signal that tells the init to kill its tree and
 * exit (a real-time one, never forwarded). */
int sandbox_end_signal(void);

#endif
