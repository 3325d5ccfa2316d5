/* moat_run: the supervisor.  Resolves everything the sandbox needs, clones
 * the sandbox init into new namespaces, then waits: forwards signals,
 * enforces the timeout, and turns the init's exit and the report pipe into
 * one status.  Lives in the host namespaces; never exits the process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/context.h"
#include "sandbox/env.h"
#include "sandbox/report.h"
#include "sandbox/rlimits.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/strv.h"

extern char **environ;

static int check_supported(const struct moat_policy *p, struct moat_error *err)
{
    switch (p->net.mode) {
    case MOAT_NET_NONE:
    case MOAT_NET_HOST:
        break;
    case MOAT_NET_PROXY:
    case MOAT_NET_FIREWALL:
        return error_set(err, -EOPNOTSUPP,
                         "network.mode \"%s\" is not implemented yet; use \"none\" or \"host\"",
                         moat_net_mode_name(p->net.mode));
    }
    return limits_check(p, err);
}

static int ctx_prepare(struct sandbox_ctx *c, const struct moat_policy *p, char *const argv[],
                       struct moat_error *err)
{
    *c = (struct sandbox_ctx){ .p = p, .uid = getuid(), .gid = getgid(), .report_fd = -1,
                               .alive_fd = -1 };
    for (char *const *a = argv; *a; a++)
        if (strv_push(&c->argv, *a) < 0)
            return error_set(err, -ENOMEM, "out of memory");
    if (c->argv.n == 0)
        return error_set(err, -EINVAL, "no command given");
    if (env_build(p, environ, &c->env) < 0)
        return error_set(err, -ENOMEM, "out of memory");
    const char *home = getenv("HOME");
    c->home = home && *home == '/' ? strdup(home) : NULL;
    /* The caller's cwd; if it is not visible inside, chdir fails there and
     * the error names it (never a silent fall-back elsewhere). */
    c->cwd = p->proc.cwd ? strdup(p->proc.cwd) : getcwd(NULL, 0);
    if (!c->cwd)
        c->cwd = strdup("/");
    return c->cwd ? 0 : error_set(err, -ENOMEM, "out of memory");
}

static void ctx_free(struct sandbox_ctx *c)
{
    strv_free(&c->argv);
    strv_free(&c->env);
    free(c->cwd);
    free(c->home);
}

struct wait_state {
    pid_t init;
    int sfd, report_fd, timer_fd;
    bool timed_out, have_report;
    struct report report;
};

static int wait_for_sandbox(struct wait_state *w, int *status)
{
    for (;;) {
        struct pollfd pfd[3] = {
            { .fd = w->sfd, .events = POLLIN },
            { .fd = w->report_fd, .events = POLLIN },
            { .fd = w->timer_fd, .events = POLLIN },
        };
        if (poll(pfd, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (pfd[1].revents) {
            w->have_report |= report_receive(w->report_fd, &w->report) == 1;
            close(w->report_fd);
            w->report_fd = -1; /* poll ignores negative fds */
        }
        if (pfd[2].revents) {
            /* Killing pid 1 of the pid namespace kills the whole tree. */
            kill(w->init, SIGKILL);
            w->timed_out = true;
            close(w->timer_fd);
            w->timer_fd = -1;
        }
        if (pfd[0].revents) {
            struct signalfd_siginfo si;
            if (read(w->sfd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGCHLD)
                kill(w->init, (int)si.ssi_signo);
        }
        pid_t r = waitpid(w->init, status, WNOHANG);
        if (r == w->init)
            break;
    }
    if (w->report_fd >= 0)
        w->have_report |= report_receive(w->report_fd, &w->report) == 1;
    return 0;
}

static int status_of(const struct wait_state *w, int status, struct moat_error *err)
{
    if (w->have_report && w->report.stage == REPORT_SETUP)
        return error_set(err, w->report.code < 0 ? w->report.code : -EIO, "%s", w->report.msg);
    if (w->timed_out)
        return MOAT_EXIT_TIMEOUT;
    if (w->have_report && w->report.stage == REPORT_EXEC) {
        error_set(err, w->report.code, "%s", w->report.msg);
        return w->report.code == -ENOENT ? MOAT_EXIT_NOT_FOUND : MOAT_EXIT_NOT_EXECUTABLE;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

static int start_timer(double seconds)
{
    if (seconds <= 0)
        return -1;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = { .it_value = { .tv_sec = (time_t)seconds,
                                            .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) } };
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;
    if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int moat_run(const struct moat_policy *p, char *const argv[], struct moat_error *err)
{
    struct sandbox_ctx c;
    int r = check_supported(p, err);
    if (r < 0)
        return r;
    if ((r = ctx_prepare(&c, p, argv, err)) < 0)
        goto out_ctx;

    int report[2] = { -1, -1 }, alive[2] = { -1, -1 };
    if (pipe2(report, O_CLOEXEC) < 0 || pipe2(alive, O_CLOEXEC) < 0) {
        r = error_set_errno(err, -errno, "cannot create a pipe");
        goto out_pipes;
    }
    /* Block the forwarded signals before the clone: none is lost, and the
     * init inherits the mask it reads through its own signalfd. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (const int *s = forwarded_signals; *s; s++)
        sigaddset(&set, *s);
    sigprocmask(SIG_BLOCK, &set, &old);
    struct wait_state w = { .sfd = signalfd(-1, &set, SFD_CLOEXEC), .report_fd = report[0],
                            .timer_fd = -1 };
    if (w.sfd < 0) {
        r = error_set_errno(err, -errno, "cannot create a signalfd");
        goto out_mask;
    }
    c.report_fd = report[1];
    c.alive_fd = alive[0];

    unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
                          CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
    if (p->net.mode != MOAT_NET_HOST)
        flags |= CLONE_NEWNET;
    /* Raw clone: fork semantics (copy of our memory, same stack) plus new
     * namespaces, so the child is pid 1 of its own pid namespace. */
    w.init = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
    if (w.init < 0) {
        r = error_set_errno(err, -errno, "cannot create the sandbox namespaces (see `moat doctor`)");
        goto out_mask;
    }
    if (w.init == 0) {
        close(report[0]);
        close(alive[1]);
        close(w.sfd);
        sandbox_init_main(&c);
    }
    close(report[1]);
    report[1] = -1;
    close(alive[0]);
    alive[0] = -1;
    w.timer_fd = start_timer(p->proc.timeout);

    int status = 0;
    r = wait_for_sandbox(&w, &status);
    if (r < 0) {
        kill(w.init, SIGKILL);
        waitpid(w.init, &status, 0);
        error_set_errno(err, r, "waiting for the sandbox");
    } else {
        r = status_of(&w, status, err);
    }
    report[0] = w.report_fd;
    if (w.timer_fd >= 0)
        close(w.timer_fd);
out_mask:
    if (w.sfd >= 0)
        close(w.sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
out_pipes:
    for (int i = 0; i < 2; i++) {
        if (report[i] >= 0)
            close(report[i]);
        if (alive[i] >= 0)
            close(alive[i]);
    }
out_ctx:
    ctx_free(&c);
    return r;
}
