/* The supervisor: resolves everything the sandbox needs, clones the sandbox
 * init into new namespaces, then serves one event loop, driven by the
 * caller (moat_sandbox_poll and friends): the network services, the write
 * guard's reports, the timeout, the init's exit, and the report pipe,
 * turned into one status.  Lives in the host namespaces; never exits the
 * process, never installs a signal handler or changes the caller's signal
 * mask beyond the clone itself. */
#include "supervisor/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "net/firewall/firewall.h"
#include "net/sandbox_sockets.h"
#include "net/services.h"
#include "sandbox/guard/guard.h"
#include "sandbox/process/env.h"
#include "sandbox/process/rlimits.h"
#include "policy/warnings.h"
#include "util/debug_pause.h"
#include "supervisor/in_place.h"
#include "supervisor/isolation.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/strv.h"

extern char **environ;

static const char sandbox_resolv_conf[] =
    "# moat: the sandbox's DNS filter\nnameserver 127.0.0.1\nnameserver ::1\n";

static int check_supported(const struct moat_policy *p, const struct moat_run_options *o,
                           struct moat_error *err)
{
    if (p->net.mode == MOAT_NET_HOST && (p->net.n_expose || p->net.n_host_ports))
        return error_set(err, -EINVAL,
                         "network.expose and network.hostPorts need an isolated network; with "
                         "mode \"host\" the sandbox shares the host's ports already");
    for (size_t i = 0; i < o->n_pass_fds; i++)
        if (o->pass_fds[i] < 3 || fcntl(o->pass_fds[i], F_GETFD) < 0)
            return error_set(err, -EBADF, "descriptor %d to pass to the command is not open",
                             o->pass_fds[i]);
    const int stdio[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
    for (int i = 0; i < 3 && !o->pty; i++)
        if (stdio[i] < MOAT_STDIO_NULL || (stdio[i] >= 0 && fcntl(stdio[i], F_GETFD) < 0))
            return error_set(err, -EBADF, "the command's descriptor %d: %d is not a descriptor "
                             "or MOAT_STDIO_* value", i, stdio[i]);
    /* Without Landlock (nested namespaces) a directory of the host's handed
     * in as a descriptor could be changed through it (unlinkat, renameat,
     * fchmodat): the mounts that make the host read-only are not on its
     * path.  Refused rather than silently weaker. */
    for (size_t i = 0; p->proc.allow_nested_namespaces && i < o->n_pass_fds + 3; i++) {
        int fd = i < 3 ? (o->pty ? -1 : stdio[i] == MOAT_STDIO_INHERIT ? (int)i : stdio[i])
                       : o->pass_fds[i - 3];
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
            return error_set(err, -EINVAL, "descriptor %d is a directory: with "
                             "allowNestedNamespaces (no Landlock) the command could change it "
                             "through that descriptor; pass a path with allowWrite instead", fd);
    }
    return limits_check(p, err);
}

/* The command's 0, 1, 2: what the options ask for, made here; the
 * workload dup2()s them into place. */
static int make_stdio(struct moat_sandbox *s, const struct moat_run_options *o,
                      struct moat_error *err)
{
    const int want[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
    for (int i = 0; i < 3; i++) {
        int fd = -1;
        if (want[i] == MOAT_STDIO_PIPE) {
            int p[2];
            if (pipe2(p, O_CLOEXEC) < 0)
                return error_set_errno(err, -errno, "cannot create a pipe for the command");
            fd = i == 0 ? p[0] : p[1];
            s->fds[i] = i == 0 ? p[1] : p[0];
        } else if (want[i] == MOAT_STDIO_NULL) {
            fd = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
            if (fd < 0)
                return error_set_errno(err, -errno, "cannot open /dev/null");
        } else if (want[i] >= 0) {
            fd = fcntl(want[i], F_DUPFD_CLOEXEC, 3);
            if (fd < 0)
                return error_set_errno(err, -errno, "cannot use descriptor %d", want[i]);
        }
        s->child_stdio[i] = fd;
        s->c.stdio[i] = fd;
    }
    return 0;
}

static int ctx_prepare(struct moat_sandbox *s, const struct moat_policy *p, char *const argv[],
                       const struct moat_run_options *o, struct moat_error *err)
{
    struct sandbox_ctx *c = &s->c;
    for (char *const *a = argv; *a; a++)
        if (strv_push(&c->argv, *a) < 0)
            return error_set(err, -ENOMEM, "out of memory");
    if (c->argv.n == 0)
        return error_set(err, -EINVAL, "no command given");
    struct moat_strv extra = { 0 };
    int r = s->net ? net_services_env(s->net, &extra) : 0;
    if (r == 0)
        r = env_build(p, o->environ ? o->environ : environ, &extra, &c->env);
    strv_free(&extra);
    if (r < 0)
        return error_set(err, -ENOMEM, "out of memory");
    const char *home = getenv("HOME");
    c->home = home && *home == '/' ? strdup(home) : NULL;
    /* The caller's cwd, or "/" when the sandbox will not show it (the
     * private /tmp, the listed model): moat_policy_finalize warned about
     * it, with the same rule.  A cwd that should be visible and is not
     * (a symlink the rules did not foresee) still fails at chdir, named. */
    const char *why = NULL;
    c->cwd = p->proc.cwd ? strdup(p->proc.cwd) : getcwd(NULL, 0);
    if (c->cwd && !p->proc.cwd && !policy_cwd_visible(p, c->cwd, &why)) {
        free(c->cwd);
        c->cwd = NULL;
    }
    if (!c->cwd)
        c->cwd = strdup("/");
    c->cwd_given = p->proc.cwd != NULL;
    if (s->net && (p->net.mode == MOAT_NET_PROXY || p->net.mode == MOAT_NET_FIREWALL))
        c->resolv_conf = sandbox_resolv_conf;
    c->pass_fds = o->pass_fds;
    c->n_pass_fds = o->n_pass_fds;
    if (o->pty) {
        c->pty = true;
        c->pty_rows = o->pty_rows;
        c->pty_cols = o->pty_cols;
    }
    return c->cwd ? 0 : error_set(err, -ENOMEM, "out of memory");
}

/* ---- the loop's callbacks --------------------------------------------- */

static void on_exit_fd(struct loop_watch *w, uint32_t events)
{
    struct moat_sandbox *s = w->data;
    (void)events;
    if (waitpid(s->init, &s->wstatus, WNOHANG) == s->init) {
        s->exited = true;
        loop_del(s->loop, w);
        close(w->fd);
        w->fd = -1;
    }
}

static void on_report(struct loop_watch *w, uint32_t events)
{
    struct moat_sandbox *s = w->data;
    (void)events;
    s->have_report |= report_receive(w->fd, &s->report) == 1;
    loop_del(s->loop, w);
    close(w->fd);
    w->fd = -1;
}

static void on_events(struct loop_watch *w, uint32_t events)
{
    (void)events;
    struct guard_event ev;
    ssize_t n;
    while ((n = read(w->fd, &ev, sizeof ev)) == (ssize_t)sizeof ev) {
        ev.op[sizeof ev.op - 1] = ev.path[sizeof ev.path - 1] = ev.why[sizeof ev.why - 1] = '\0';
        struct moat_sandbox *sb = w->data;
        struct vlog *log = sb->net ? &sb->net->log : &sb->fslog;
        char why[sizeof ev.op + sizeof ev.why + 4];
        snprintf(why, sizeof why, "%s: %s", ev.op, ev.why);
        vlog_denial(log, "file", ev.path, NULL, 0, why);
    }
    if (n == 0) {
        struct moat_sandbox *s = w->data;
        loop_del(s->loop, w);
        close(w->fd);
        w->fd = -1;
    }
}

/* The pty master, made by the init in the sandbox's own devpts. */
static void on_pty(struct loop_watch *w, uint32_t events)
{
    struct moat_sandbox *s = w->data;
    (void)events;
    int fd = -1;
    size_t n = 0;
    char tag;
    long len = fdpass_recv(w->fd, &tag, 1, &fd, 1, &n);
    if (len > 0 && n == 1)
        s->fds[MOAT_FD_PTY] = fd;
    loop_del(s->loop, w);
    close(w->fd);
    w->fd = -1;
}

void sandbox_end(struct moat_sandbox *s)
{
    if (s->init <= 0 || s->exited)
        return;
    /* Landlock isolation: the init kills the tree when the pipe hangs up
     * (killing the init itself would leave the tree to the host). */
    if (s->c.landlock) {
        /* The signal too: another sandbox's init made by this process may
         * hold a copy of our end of the pipe. */
        kill(s->init, sandbox_end_signal());
        if (s->alive_keep >= 0)
            close(s->alive_keep);
        s->alive_keep = -1;
        return;
    }
    /* Killing pid 1 of the pid namespace kills the whole tree. */
    if (!s->c.landlock)
        kill(s->init, SIGKILL);
}

static void on_timeout(struct loop_timer *t)
{
    struct moat_sandbox *s = t->data;
    sandbox_end(s);
    s->timed_out = true;
}

int sandbox_status(const struct moat_sandbox *s, struct moat_error *err)
{
    if (s->result < 0)
        return error_set(err, s->result, "%s", s->report.msg);
    if (s->helper || s->ctl >= 0) { /* supervised: the helper said */
        if (s->report.msg[0])
            error_set(err, s->final == MOAT_EXIT_NOT_FOUND ? -ENOENT : -EACCES, "%s",
                      s->report.msg);
        return s->final;
    }
    if (s->have_report && s->report.stage == REPORT_SETUP) {
        /* Refused while building the namespaces: say by what, if known. */
        struct isolation_probe pr = { .err = -s->report.code };
        char why[400], fix[400];
        snprintf(pr.step, sizeof pr.step, "%.150s", s->report.msg);
        if (!s->c.landlock && (pr.err == EPERM || pr.err == EACCES) &&
            isolation_cause(&pr, why, sizeof why, fix, sizeof fix))
            return error_set(err, s->report.code, "%s: %s; to lift it: %s; or --isolation auto "
                             "(landlock where namespaces are unavailable)", s->report.msg, why,
                             fix);
        return error_set(err, s->report.code < 0 ? s->report.code : -EIO, "%s", s->report.msg);
    }
    if (s->timed_out)
        return MOAT_EXIT_TIMEOUT;
    if (s->have_report && s->report.stage == REPORT_EXEC) {
        error_set(err, s->report.code, "%s", s->report.msg);
        return s->report.code == -ENOENT ? MOAT_EXIT_NOT_FOUND : MOAT_EXIT_NOT_EXECUTABLE;
    }
    if (WIFEXITED(s->wstatus))
        return WEXITSTATUS(s->wstatus);
    return 128 + WTERMSIG(s->wstatus);
}

/* Each proxied connection costs up to six descriptors (two sockets, two
 * pipes): lift the soft limit to the hard one. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void watch(struct moat_sandbox *s, struct loop_watch *w, int fd, loop_fn cb)
{
    *w = (struct loop_watch){ .fd = fd, .cb = cb, .data = s };
    loop_add(s->loop, w, EPOLLIN);
}

/* After the sandbox finished: what the init wrote just before the end. */
static void on_done(struct loop_watch *w, uint32_t events)
{
    (void)w;
    (void)events; /* never read: it keeps MOAT_FD_EVENTS readable */
}

static void finish(struct moat_sandbox *s)
{
    if (s->done)
        return;
    s->done = true;
    /* Once finished, MOAT_FD_EVENTS stays readable, so a caller waiting on
     * it learns so even when the end was seen inside another call. */
    int done = eventfd(1, EFD_CLOEXEC);
    if (done >= 0)
        watch(s, &s->done_w, done, on_done);
    loop_timer_disarm(s->loop, &s->timeout);
    /* The init is gone, so every write end is closed. */
    if (s->report_w.fd >= 0) {
        s->have_report |= report_receive(s->report_w.fd, &s->report) == 1;
        loop_del(s->loop, &s->report_w);
        close(s->report_w.fd);
        s->report_w.fd = -1;
    }
    if (s->events_w.fd >= 0)
        on_events(&s->events_w, EPOLLIN);
    net_services_drain(s->net);
    vlog_flush(s->net ? &s->net->log : &s->fslog);
    if (s->cg.kind != CGROUP_NONE) {
        cgroup_kill_all(&s->cg);
        char line[512];
        cgroup_report(&s->cg, line, sizeof line);
        if (line[0] && s->on_notice)
            s->on_notice(s->notice_ctx, line);
        cgroup_remove(&s->cg);
    }
    in_place_scratch_remove(s->c.scratch);
    free(s->c.scratch);
    s->c.scratch = NULL;
}

/* The relay splices into sockets a peer may have reset, and splice(2) has
 * no MSG_NOSIGNAL: a SIGPIPE raised for our own write must not kill the
 * caller, nor be mistaken for the caller's. */
static int run_without_sigpipe(struct loop *l, int timeout_ms)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int r = loop_run_for(l, timeout_ms);
    if (!sigismember(&old, SIGPIPE)) {
        siginfo_t si;
        struct timespec zero = { 0 };
        while (sigtimedwait(&pipe_set, &si, &zero) == SIGPIPE)
            ;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    return r;
}

int sandbox_poll(struct moat_sandbox *s, int timeout_ms, struct moat_error *err)
{
    if (s->done)
        return 1;
    int r = run_without_sigpipe(s->loop, timeout_ms);
    if (r < 0) {
        sandbox_end(s);
        waitpid(s->init, &s->wstatus, 0);
        s->exited = true;
        s->result = error_set_errno(err, r, "waiting for the sandbox");
    }
    if (!s->exited)
        return 0;
    finish(s);
    return 1;
}

/* The init is a copy of the caller that never execs: of the caller's
 * descriptors it keeps only the sandbox's.  (A caller's end of the
 * command's stdin pipe held here would keep the command from ever reading
 * EOF; another sandbox's pipe held here would keep that one open.) */
static void init_close_callers_fds(const struct sandbox_ctx *c)
{
    const int own[] = { c->report_fd,       c->alive_fd,        c->chan_fd,  c->events_fd,
                        c->guard_sock,      c->pty_sock,        c->pty_slave, c->stdio[0],
                        c->stdio[1],        c->stdio[2],        c->cgroup_procs[0],
                        c->cgroup_procs[1] };
    unsigned from = 3;
    for (;;) { /* close [from, the next kept descriptor) until none is left */
        unsigned next = ~0U;
        for (size_t i = 0; i < sizeof own / sizeof *own; i++)
            if (own[i] >= (int)from && (unsigned)own[i] < next)
                next = (unsigned)own[i];
        for (size_t i = 0; i < c->n_pass_fds; i++)
            if (c->pass_fds[i] >= (int)from && (unsigned)c->pass_fds[i] < next)
                next = (unsigned)c->pass_fds[i];
        if (next > from)
            close_range(from, next == ~0U ? ~0U : next - 1, 0);
        if (next == ~0U)
            return;
        from = next + 1;
    }
}

static int clone_init(struct moat_sandbox *s, const struct moat_policy *p, struct moat_error *err)
{
    int report[2] = { -1, -1 }, alive[2] = { -1, -1 }, chan[2] = { -1, -1 },
        events[2] = { -1, -1 }, pty[2] = { -1, -1 };
    bool want_chan = s->net != NULL && !s->c.landlock;
    int r = 0;
    if (pipe2(report, O_CLOEXEC) < 0 || pipe2(alive, O_CLOEXEC) < 0 ||
        pipe2(events, O_CLOEXEC | O_NONBLOCK) < 0 ||
        (want_chan && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0) ||
        (s->c.pty && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pty) < 0)) {
        r = error_set_errno(err, -errno, "cannot create a pipe");
        goto out;
    }
    s->c.report_fd = report[1];
    s->c.alive_fd = alive[0];
    s->c.chan_fd = chan[1];
    s->c.events_fd = events[1];
    s->c.pty_sock = pty[1];

    /* The init reads the forwarded signals through a signalfd: they must be
     * blocked when it starts (pid 1 of a namespace ignores a signal it has
     * no handler for unless it is blocked).  Blocked in this thread only,
     * around the clone. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, sandbox_end_signal());
    for (const int *sig = forwarded_signals; *sig; sig++)
        sigaddset(&set, *sig);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    debug_pause_arm(p->debug_pause_at);
    debug_pause_here(MOAT_DEBUG_PAUSE_CLONE);
    unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
                          CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
    if (p->net.mode != MOAT_NET_HOST)
        flags |= CLONE_NEWNET;
    if (s->c.landlock) /* a plain child: no namespaces */
        flags = SIGCHLD;
    /* Raw clone: fork semantics (copy of our memory, same stack) plus new
     * namespaces, so the child is pid 1 of its own pid namespace. */
    s->init = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
    if (s->init == 0) {
        close(report[0]);
        close(alive[1]);
        close(events[0]);
        if (chan[0] >= 0)
            close(chan[0]);
        if (pty[0] >= 0)
            close(pty[0]);
        init_close_callers_fds(&s->c);
        sandbox_init_main(&s->c);
    }
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (s->init < 0) {
        struct isolation_probe pr = { .err = clone_errno };
        char why[400], fix[400];
        snprintf(pr.step, sizeof pr.step, "clone");
        if (s->c.landlock)
            r = error_set_errno(err, -clone_errno, "cannot create the sandbox's process");
        else if (isolation_cause(&pr, why, sizeof why, fix, sizeof fix))
            r = error_set_errno(err, -clone_errno, "cannot create the sandbox namespaces: %s; "
                                "to lift it: %s; or --isolation auto (landlock where namespaces "
                                "are unavailable)", why, fix);
        else
            r = error_set_errno(err, -clone_errno, "cannot create the sandbox namespaces "
                                "(see `moat doctor`)");
        goto out;
    }
    watch(s, &s->report_w, report[0], on_report);
    watch(s, &s->events_w, events[0], on_events);
    report[0] = events[0] = -1;
    if (pty[0] >= 0) {
        watch(s, &s->pty_w, pty[0], on_pty);
        pty[0] = -1;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, s->init, 0);
    if (pidfd < 0) {
        r = error_set_errno(err, -errno, "cannot watch the sandbox's init");
        kill(s->init, SIGKILL); /* nothing of the workload runs yet */
        waitpid(s->init, &s->wstatus, 0);
        s->exited = true;
        goto out;
    }
    fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    watch(s, &s->exit_w, pidfd, on_exit_fd);
    /* The write end of `alive` stays open in this process for the
     * sandbox's life: the init dies when it closes (with us). */
    s->alive_keep = alive[1];
    alive[1] = -1;
    s->fslog.pid = s->init;
    snprintf(s->fslog.command, sizeof s->fslog.command, "%s", s->c.argv.v[0]);
    if (s->net) {
        net_services_attach(s->net, want_chan ? chan[0] : -1, s->init, s->c.argv.v);
        chan[0] = -1; /* the services own it now */
        /* Each proxied connection costs up to six descriptors; raised only
         * here, after the clone, so the workload keeps the caller's limit. */
        raise_nofile();
    }
    s->timeout = (struct loop_timer){ .cb = on_timeout, .data = s };
    if (p->proc.timeout > 0)
        loop_timer_arm(s->loop, &s->timeout,
                       p->proc.timeout < 0.001 ? 1 : (uint64_t)(p->proc.timeout * 1000.0));
out:
    for (int i = 0; i < 2; i++) {
        int *fds[] = { &report[i], &alive[i], &chan[i], &events[i], &pty[i] };
        for (size_t k = 0; k < sizeof fds / sizeof *fds; k++)
            if (*fds[k] >= 0)
                close(*fds[k]);
    }
    /* The init has its own copies of the cgroups' files. */
    for (int i = 0; i < 2; i++)
        if (s->cg.procs[i] >= 0) {
            close(s->cg.procs[i]);
            s->cg.procs[i] = s->c.cgroup_procs[i] = -1;
        }
    /* The command's descriptors are the init's (and the workload's) now. */
    for (int i = 0; i < 3; i++)
        if (s->child_stdio[i] >= 0) {
            close(s->child_stdio[i]);
            s->child_stdio[i] = -1;
        }
    return r;
}

int sandbox_start(struct moat_sandbox *s, const struct moat_policy *p, char *const argv[],
                  const struct moat_run_options *o, struct moat_error *err)
{
    int r = isolation_choose(p, o, &s->c.landlock, err);
    if (r < 0)
        return r;
    if ((r = check_supported(p, o, err)) < 0)
        return r;
    if (s->c.landlock && (r = in_place_check(p, err)) < 0)
        return r;
    s->on_notice = o->on_notice;
    s->notice_ctx = o->notice_ctx;
    if ((p->proc.memory_max || p->proc.pids_max) && (r = cgroup_create(p, &s->cg, err)) < 0)
        return r;
    s->c.cgroup_procs[0] = s->cg.procs[0];
    s->c.cgroup_procs[1] = s->cg.procs[1];
    if ((r = loop_new(&s->loop)) < 0)
        return error_set_errno(err, r, "cannot create the event loop");
    s->timeout = (struct loop_timer){ .cb = on_timeout, .data = s };
    bool services = s->c.landlock ? p->net.mode == MOAT_NET_PROXY : sandbox_sockets_needed(p);
    if (services) {
        const struct net_services_config cfg = {
            .log_path = o->log_path, .fn = o->on_violation, .ctx = o->ctx,
            .proxy_user = o->proxy_user, .proxy_style = o->proxy_style,
        };
        if ((r = net_services_new(s->loop, p, &cfg, &s->net, err)) < 0)
            return r;
    } else if (o->log_path && (r = vlog_open(o->log_path, p, &s->fslog.file, err)) < 0) {
        /* Without network services the log is still opened, with the same
         * checks: the write guard's refusals go there. */
        return r;
    }
    if (s->c.landlock && (r = in_place_network(&s->c, s->net, err)) < 0)
        return r;
    /* Firewall mode's ruleset, or proxy mode's trace table, in the
     * sandbox's own network namespace (landlock isolation has none). */
    if (!s->c.landlock && (p->net.mode == MOAT_NET_FIREWALL || p->net.mode == MOAT_NET_PROXY)) {
        r = p->net.mode == MOAT_NET_FIREWALL ? firewall_prepare(&s->net->np, &s->firewall, err)
                                             : firewall_prepare_trace(&s->firewall, err);
        if (r < 0)
            return r;
        s->c.firewall = s->firewall;
    }
    s->fslog.fn = o->on_violation;
    s->fslog.ctx = o->ctx;
    if (!o->pty && (r = make_stdio(s, o, err)) < 0)
        return r;
    if ((r = ctx_prepare(s, p, argv, o, err)) < 0)
        return r;
    if (s->c.landlock && (r = in_place_scratch(&s->c, err)) < 0)
        return r;
    r = clone_init(s, p, err);
    loop_sync_timer(s->loop);
    /* The pty master comes from the init before it starts the command: wait
     * for it, so the caller has its end when moat_spawn returns. */
    while (r == 0 && o->pty && s->fds[MOAT_FD_PTY] < 0 && s->pty_w.fd >= 0 &&
           sandbox_poll(s, -1, err) == 0)
        ;
    /* moat_run_options_set_wait_started: the report pipe is close-on-exec,
     * so it ends when the command has been exec'd, or carries why set-up
     * failed (the init then exits). */
    while (r == 0 && o->wait_started && s->report_w.fd >= 0 && sandbox_poll(s, -1, err) == 0)
        ;
    if (r == 0 && o->wait_started && s->have_report && s->report.stage == REPORT_SETUP)
        r = error_set(err, s->report.code < 0 ? s->report.code : -EIO, "%s", s->report.msg);
    return r;
}

void sandbox_release(struct moat_sandbox *s)
{
    if (s->init > 0 && !s->exited) {
        sandbox_end(s);
        waitpid(s->init, &s->wstatus, 0);
    }
    if (s->cg.kind != CGROUP_NONE) {
        cgroup_kill_all(&s->cg);
        cgroup_remove(&s->cg);
    }
    in_place_scratch_remove(s->c.scratch);
    free(s->c.scratch);
    struct loop_watch *ws[] = { &s->exit_w, &s->report_w, &s->events_w, &s->pty_w,
                                &s->done_w };
    for (size_t i = 0; i < sizeof ws / sizeof *ws; i++)
        if (ws[i]->fd >= 0) {
            loop_del(s->loop, ws[i]);
            close(ws[i]->fd);
        }
    if (s->loop)
        loop_timer_disarm(s->loop, &s->timeout);
    net_services_free(s->net);
    firewall_free(s->firewall);
    if (s->fslog.file)
        fclose(s->fslog.file);
    loop_free(s->loop);
    for (int i = 0; i < MOAT_FD_COUNT; i++)
        if (s->fds[i] >= 0)
            close(s->fds[i]);
    for (int i = 0; i < 3; i++)
        if (s->child_stdio[i] >= 0)
            close(s->child_stdio[i]);
    if (s->alive_keep >= 0)
        close(s->alive_keep);
    strv_free(&s->c.argv);
    strv_free(&s->c.env);
    free(s->c.cwd);
    free(s->c.home);
}
