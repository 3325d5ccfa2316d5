/* moat_run: the supervisor.  Resolves everything the sandbox needs, clones
 * the sandbox init into new namespaces, then runs one event loop: forwards
 * signals, enforces the timeout, serves the network services, and turns the
 * init's exit and the report pipe into one status.  Lives in the host
 * namespaces; never exits the process. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/firewall/firewall.h"
#include "net/io/loop.h"
#include "net/sandbox_sockets.h"
#include "net/services.h"
#include "policy/warnings.h"
#include "sandbox/context.h"
#include "sandbox/guard/guard.h"
#include "sandbox/env.h"
#include "sandbox/report.h"
#include "sandbox/rlimits.h"
#include "util/error.h"
#include "util/strv.h"

extern char **environ;

static const char sandbox_resolv_conf[] =
    "# moat: the sandbox's DNS filter\nnameserver 127.0.0.1\nnameserver ::1\n";

struct supervisor {
    struct loop *loop;
    struct sandbox_ctx c;
    struct net_services *net;
    struct firewall *firewall;
    pid_t init;
    struct loop_watch sig_w, report_w, events_w;
    struct loop_timer timeout;
    bool timed_out, have_report, exited;
    struct report report;
    int status;
};

static int check_supported(const struct moat_policy *p, struct moat_error *err)
{
    if (p->net.mode == MOAT_NET_HOST && (p->net.n_expose || p->net.n_host_ports))
        return error_set(err, -EINVAL,
                         "network.expose and network.hostPorts need an isolated network; with "
                         "mode \"host\" the sandbox shares the host's ports already");
    return limits_check(p, err);
}

static int ctx_prepare(struct supervisor *s, const struct moat_policy *p, char *const argv[],
                       struct moat_error *err)
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
        r = env_build(p, environ, &extra, &c->env);
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
    if (c->cwd && !p->proc.cwd && !policy_dir_visible(p, c->cwd, &why)) {
        free(c->cwd);
        c->cwd = NULL;
    }
    if (!c->cwd)
        c->cwd = strdup("/");
    c->cwd_given = p->proc.cwd != NULL;
    if (s->net && (p->net.mode == MOAT_NET_PROXY || p->net.mode == MOAT_NET_FIREWALL))
        c->resolv_conf = sandbox_resolv_conf;
    return c->cwd ? 0 : error_set(err, -ENOMEM, "out of memory");
}

static void on_signal(struct loop_watch *w, uint32_t events)
{
    struct supervisor *s = w->data;
    (void)events;
    struct signalfd_siginfo si;
    while (read(w->fd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo != SIGCHLD) {
            kill(s->init, (int)si.ssi_signo);
            continue;
        }
        if (waitpid(s->init, &s->status, WNOHANG) == s->init)
            s->exited = true;
    }
}

static void on_report(struct loop_watch *w, uint32_t events)
{
    struct supervisor *s = w->data;
    (void)events;
    s->have_report |= report_receive(w->fd, &s->report) == 1;
    loop_del(s->loop, w);
    close(w->fd);
    w->fd = -1;
}

/* The text of a refusal for a terminal: the workload chose the path, so
 * anything but printable ASCII is escaped (no terminal control sequences). */
static void print_escaped(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x20 && *p < 0x7f && *p != '\\')
            fputc(*p, out);
        else
            fprintf(out, "\\x%02x", *p);
}

static void on_events(struct loop_watch *w, uint32_t events)
{
    (void)events;
    struct guard_event ev;
    ssize_t n;
    while ((n = read(w->fd, &ev, sizeof ev)) == (ssize_t)sizeof ev) {
        ev.op[sizeof ev.op - 1] = ev.path[sizeof ev.path - 1] = ev.why[sizeof ev.why - 1] = '\0';
        fputs("moat: refused ", stderr);
        print_escaped(stderr, ev.op);
        fputc(' ', stderr);
        print_escaped(stderr, ev.path);
        fputs(": ", stderr);
        print_escaped(stderr, ev.why);
        fputc('\n', stderr);
    }
    if (n == 0) {
        struct supervisor *s = w->data;
        loop_del(s->loop, w);
        close(w->fd);
        w->fd = -1;
    }
}

static void on_timeout(struct loop_timer *t)
{
    struct supervisor *s = t->data;
    /* Killing pid 1 of the pid namespace kills the whole tree. */
    kill(s->init, SIGKILL);
    s->timed_out = true;
}

static int status_of(const struct supervisor *s, struct moat_error *err)
{
    if (s->have_report && s->report.stage == REPORT_SETUP)
        return error_set(err, s->report.code < 0 ? s->report.code : -EIO, "%s", s->report.msg);
    if (s->timed_out)
        return MOAT_EXIT_TIMEOUT;
    if (s->have_report && s->report.stage == REPORT_EXEC) {
        error_set(err, s->report.code, "%s", s->report.msg);
        return s->report.code == -ENOENT ? MOAT_EXIT_NOT_FOUND : MOAT_EXIT_NOT_EXECUTABLE;
    }
    if (WIFEXITED(s->status))
        return WEXITSTATUS(s->status);
    return 128 + WTERMSIG(s->status);
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

static int run_sandbox(struct supervisor *s, const struct moat_policy *p, struct moat_error *err)
{
    int report[2] = { -1, -1 }, alive[2] = { -1, -1 }, chan[2] = { -1, -1 },
        events[2] = { -1, -1 };
    bool want_chan = s->net != NULL;
    int r = 0;
    if (pipe2(report, O_CLOEXEC) < 0 || pipe2(alive, O_CLOEXEC) < 0 ||
        pipe2(events, O_CLOEXEC | O_NONBLOCK) < 0 ||
        (want_chan && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0)) {
        r = error_set_errno(err, -errno, "cannot create a pipe");
        goto out;
    }
    /* Block the forwarded signals before the clone: none is lost, and the
     * init inherits the mask it reads through its own signalfd. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (const int *sig = forwarded_signals; *sig; sig++)
        sigaddset(&set, *sig);
    sigprocmask(SIG_BLOCK, &set, &old);
    s->sig_w = (struct loop_watch){ .fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK),
                                    .cb = on_signal, .data = s };
    if (s->sig_w.fd < 0) {
        r = error_set_errno(err, -errno, "cannot create a signalfd");
        goto out_mask;
    }
    s->c.report_fd = report[1];
    s->c.alive_fd = alive[0];
    s->c.chan_fd = chan[1];
    s->c.events_fd = events[1];

    unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
                          CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
    if (p->net.mode != MOAT_NET_HOST)
        flags |= CLONE_NEWNET;
    /* Raw clone: fork semantics (copy of our memory, same stack) plus new
     * namespaces, so the child is pid 1 of its own pid namespace. */
    s->init = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
    if (s->init < 0) {
        r = error_set_errno(err, -errno, "cannot create the sandbox namespaces (see `moat doctor`)");
        goto out_mask;
    }
    if (s->init == 0) {
        close(report[0]);
        close(alive[1]);
        close(s->sig_w.fd);
        if (chan[0] >= 0)
            close(chan[0]);
        close(events[0]);
        sandbox_init_main(&s->c);
    }
    close(report[1]);
    close(alive[0]);
    close(events[1]);
    report[1] = alive[0] = events[1] = -1;
    if (chan[1] >= 0) {
        close(chan[1]);
        chan[1] = -1;
    }
    s->report_w = (struct loop_watch){ .fd = report[0], .cb = on_report, .data = s };
    report[0] = -1;
    loop_add(s->loop, &s->sig_w, EPOLLIN);
    loop_add(s->loop, &s->report_w, EPOLLIN);
    s->events_w = (struct loop_watch){ .fd = events[0], .cb = on_events, .data = s };
    events[0] = -1;
    loop_add(s->loop, &s->events_w, EPOLLIN);
    if (s->net) {
        net_services_attach(s->net, chan[0], s->init, s->c.argv.v);
        chan[0] = -1; /* the services own it now */
    }
    /* Each proxied connection costs up to six descriptors; raised only here,
     * after the clone, so the workload keeps the caller's limit. */
    if (s->net)
        raise_nofile();
    s->timeout = (struct loop_timer){ .cb = on_timeout, .data = s };
    if (p->proc.timeout > 0)
        loop_timer_arm(s->loop, &s->timeout, p->proc.timeout < 0.001 ? 1 : (uint64_t)(p->proc.timeout * 1000.0));

    while (!s->exited) {
        r = loop_run_once(s->loop);
        if (r < 0) {
            kill(s->init, SIGKILL);
            waitpid(s->init, &s->status, 0);
            r = error_set_errno(err, r, "waiting for the sandbox");
            break;
        }
    }
    if (!s->exited)
        goto out_mask;
    /* The init is gone, so every write end of the report pipe is closed. */
    if (s->report_w.fd >= 0)
        s->have_report |= report_receive(s->report_w.fd, &s->report) == 1;
    if (s->events_w.fd >= 0) /* refusals written just before the end */
        on_events(&s->events_w, EPOLLIN);
    r = status_of(s, err);
out_mask:
    loop_timer_disarm(s->loop, &s->timeout);
    if (s->report_w.fd >= 0)
        close(s->report_w.fd);
    if (s->sig_w.fd >= 0)
        close(s->sig_w.fd);
    if (s->events_w.fd >= 0) {
        loop_del(s->loop, &s->events_w);
        close(s->events_w.fd);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
out:
    for (int i = 0; i < 2; i++) {
        if (report[i] >= 0)
            close(report[i]);
        if (alive[i] >= 0)
            close(alive[i]);
        if (events[i] >= 0)
            close(events[i]);
    }
    if (chan[0] >= 0)
        close(chan[0]);
    if (chan[1] >= 0)
        close(chan[1]);
    return r;
}

int moat_run_ex(const struct moat_policy *p, char *const argv[], const struct moat_run_options *o,
                struct moat_error *err)
{
    struct supervisor s = { .c = { .p = p, .uid = getuid(), .gid = getgid(), .report_fd = -1,
                                   .alive_fd = -1, .chan_fd = -1, .events_fd = -1,
                                   .guard_sock = -1 },
                            .report_w = { .fd = -1 }, .sig_w = { .fd = -1 },
                            .events_w = { .fd = -1 } };
    int r = check_supported(p, err);
    if (r < 0)
        return r;
    for (size_t i = 0; o && i < o->n_pass_fds; i++)
        if (o->pass_fds[i] < 3 || fcntl(o->pass_fds[i], F_GETFD) < 0)
            return error_set(err, -EBADF, "descriptor %d to pass to the command is not open",
                             o->pass_fds[i]);
    if (o) {
        s.c.pass_fds = o->pass_fds;
        s.c.n_pass_fds = o->n_pass_fds;
    }
    if ((r = loop_new(&s.loop)) < 0)
        return error_set_errno(err, r, "cannot create the event loop");
    if (sandbox_sockets_needed(p)) {
        if ((r = net_services_new(s.loop, p, o, &s.net, err)) < 0)
            goto out;
    }
    if (p->net.mode == MOAT_NET_FIREWALL) {
        if ((r = firewall_prepare(&s.net->np, &s.firewall, err)) < 0)
            goto out;
        s.c.firewall = s.firewall;
    }
    if ((r = ctx_prepare(&s, p, argv, err)) < 0)
        goto out;
    r = run_sandbox(&s, p, err);
out:
    net_services_drain(s.net);
    net_services_free(s.net);
    firewall_free(s.firewall);
    loop_free(s.loop);
    strv_free(&s.c.argv);
    strv_free(&s.c.env);
    free(s.c.cwd);
    free(s.c.home);
    return r;
}

int moat_run(const struct moat_policy *p, char *const argv[], struct moat_error *err)
{
    return moat_run_ex(p, argv, NULL, err);
}
