/* A running sandbox as the supervisor holds it (the handle behind
 * struct moat_sandbox): the event loop, the init, the network services and
 * the caller's ends of the command's descriptors.  Internal to
 * src/supervisor/. */
#ifndef MOAT_SUPERVISOR_SANDBOX_H
#define MOAT_SUPERVISOR_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "policy/model.h"
#include "net/io/loop.h"
#include "net/vlog.h"
#include "sandbox/context.h"
#include "sandbox/process/report.h"
#include "supervisor/run_options.h"
#include "supervisor/cgroup.h"

#define MOAT_FD_COUNT (MOAT_FD_EVENTS + 1)

struct moat_sandbox {
    struct loop *loop;
    struct sandbox_ctx c;
    struct net_services *net;
    struct firewall *firewall;
    pid_t init;
    struct loop_watch exit_w, report_w, events_w, pty_w, done_w;
    struct loop_timer timeout;
    bool timed_out, have_report, exited;
    struct report report;
    int wstatus;
    /* The caller's ends: pipes, the pty master (MOAT_FD_EVENTS is the
     * loop's epoll fd and is not stored here). */
    int fds[MOAT_FD_COUNT];
    int child_stdio[3]; /* the command's ends, closed after the clone */
    int alive_keep;     /* held open: the init dies when it closes */
    /* A failure found after moat_spawn returned (the init's report). */
    int result;
    bool done;
    /* Supervised (supervised.c): the helper process and its socket, the
     * caller's violation callback, the status the helper reported. */
    pid_t helper;
    int ctl;
    moat_violation_fn cb;
    void *cb_ctx;
    int final;
    int init_pidfd; /* the init, to signal it (the helper reaps it) */
    /* The write guard's refusals, for the caller's callback (the network
     * services log theirs themselves). */
    struct vlog fslog;
    struct sandbox_cgroup cg; /* memoryMax/pidsMax, or kind CGROUP_NONE */
    void (*on_notice)(void *ctx, const char *line);
    void *notice_ctx;
};

/* Build the sandbox, clone its init; the handle is ready to poll. */
int sandbox_start(struct moat_sandbox *s, const struct moat_policy *p, char *const argv[],
                  const struct moat_run_options *o, struct moat_error *err);
/* The event loop once (timeout as moat_sandbox_poll); 1 once finished. */
int sandbox_poll(struct moat_sandbox *s, int timeout_ms, struct moat_error *err);
/* The final status (valid once finished), or -errno with err filled. */
int sandbox_status(const struct moat_sandbox *s, struct moat_error *err);
void sandbox_release(struct moat_sandbox *s);
/* End the sandbox now: every process of it is killed (the init's pid
 * namespace, or in landlock isolation the init's own tree kill). */
void sandbox_end(struct moat_sandbox *s);

#endif
