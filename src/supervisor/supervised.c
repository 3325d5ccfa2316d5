/* moat_spawn for a process that runs other threads (a language runtime, an
 * FFI caller): the sandbox's init is made with a raw clone(2), which is
 * fork without glibc's care for locks another thread may hold (malloc's,
 * stdio's), so it is made from a single-threaded copy of the caller
 * instead: fork(2) (which takes those locks properly) gives a *helper*
 * process that runs the in-process supervisor (sandbox.c) and reports to
 * the caller over a socket: the init's pid and the pty master when it
 * starts, each violation line, and the final status.  The caller's handle
 * reads them in moat_sandbox_poll; the callback runs in the caller's
 * process, in the thread that polls.  The helper ends the sandbox and
 * itself when the caller goes away (the socket hangs up). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/sandbox.h"
#include "supervisor/supervised.h"
#include "util/error.h"
#include "util/fdpass.h"

enum msg_type { MSG_STARTED = 1, MSG_VIOLATION, MSG_EXITED };
enum msg_flag {
    MSG_PIDFD = 1,     /* STARTED: the init's pidfd comes with it (first) */
    MSG_PTY = 2,       /* STARTED: the pty master comes with it (last) */
    MSG_TIMED_OUT = 4, /* EXITED: the policy's timeout ended it */
    MSG_LANDLOCK = 8,  /* STARTED: landlock isolation (killing the init alone leaves its tree) */
};

struct msg {
    uint8_t type, flags;
    int32_t value; /* STARTED: the init's pid; EXITED: the status or -errno */
    char text[8192];
};

bool supervised_needed(void)
{
    /* One entry per thread in /proc/self/task. */
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return true; /* cannot tell: take the safe road */
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n > 1;
}

static void send_msg(int ctl, enum msg_type type, int32_t value, unsigned flags,
                     const char *text, const int *fds, size_t n_fds)
{
    struct msg m = { .type = (uint8_t)type, .flags = (uint8_t)flags, .value = value };
    size_t n = offsetof(struct msg, text);
    if (text) {
        snprintf(m.text, sizeof m.text, "%s", text);
        n += strlen(m.text) + 1;
    }
    fdpass_send(ctl, &m, n, fds, n_fds);
}

static void helper_violation(void *ctx, const char *line)
{
    send_msg(*(int *)ctx, MSG_VIOLATION, 0, 0, line, NULL, 0);
}

static int int_compare(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* The helper is a copy of the caller: of the caller's descriptors it keeps
 * only what the sandbox needs.  (Another sandbox's socket kept open here
 * would keep that sandbox alive after its caller let go.) */
static void close_all_but(const struct moat_run_options *o, int ctl)
{
    int keep[64 + 8];
    size_t n = 0;
    keep[n++] = ctl;
    const int stdio[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
    for (int i = 0; i < 3; i++)
        if (stdio[i] > 2)
            keep[n++] = stdio[i];
    for (size_t i = 0; i < o->n_pass_fds && n < sizeof keep / sizeof *keep; i++)
        keep[n++] = o->pass_fds[i];
    qsort(keep, n, sizeof *keep, int_compare);
    unsigned from = 3;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] < 3 || (unsigned)keep[i] < from)
            continue;
        if ((unsigned)keep[i] > from)
            close_range(from, (unsigned)keep[i] - 1, 0);
        from = (unsigned)keep[i] + 1;
    }
    close_range(from, ~0U, 0);
}

/* The helper: the in-process supervisor, reporting over ctl. */
static _Noreturn void helper_main(int ctl, const struct moat_policy *p, char *const argv[],
                                  const struct moat_run_options *o)
{
    close_all_but(o, ctl);
    struct moat_run_options local = *o;
    static int ctl_fd;
    ctl_fd = ctl;
    if (o->on_violation) {
        local.on_violation = helper_violation;
        local.ctx = &ctl_fd;
    }
    struct moat_error err = { 0 };
    struct moat_sandbox *s = NULL;
    int r = moat_spawn_in_process(p, argv, &local, &s, &err);
    if (r < 0) {
        send_msg(ctl, MSG_EXITED, r, 0, err.msg, NULL, 0);
        _exit(0);
    }
    /* The init's pidfd, so the caller signals that process and never
     * another that got its pid once the init was reaped here. */
    int fds[2];
    size_t n_fds = 0;
    unsigned flags = 0;
    if (s->exit_w.fd >= 0) {
        fds[n_fds++] = s->exit_w.fd;
        flags |= MSG_PIDFD;
    }
    if (s->fds[MOAT_FD_PTY] >= 0) {
        fds[n_fds++] = s->fds[MOAT_FD_PTY];
        flags |= MSG_PTY;
    }
    if (s->c.landlock)
        flags |= MSG_LANDLOCK;
    send_msg(ctl, MSG_STARTED, s->init, flags, NULL, fds, n_fds);
    int status = 0;
    for (;;) {
        struct pollfd pfd[2] = { { .fd = moat_sandbox_fd(s, MOAT_FD_EVENTS), .events = POLLIN },
                                 { .fd = ctl, .events = POLLIN } };
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents & (POLLHUP | POLLERR | POLLIN)) {
            /* The caller is gone (or wrote, which it never does). */
            moat_sandbox_free(s);
            _exit(0);
        }
        r = moat_sandbox_try_wait(s, &status, &err);
        if (r != 0)
            break;
    }
    send_msg(ctl, MSG_EXITED, r < 0 ? r : status, moat_sandbox_timed_out(s) ? MSG_TIMED_OUT : 0,
             err.msg[0] ? err.msg : NULL, NULL, 0);
    moat_sandbox_free(s);
    _exit(0);
}

int supervised_start(struct moat_sandbox *s, const struct moat_policy *p, char *const argv[],
                     const struct moat_run_options *o, struct moat_error *err)
{
    int ctl[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
        return error_set_errno(err, -errno, "cannot create the supervisor's socket");
    /* The command's pipes are made here, so the caller's ends are ours;
     * the helper passes the other ends on as plain descriptors. */
    struct moat_run_options child = *o;
    int want[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd }, made[3] = { -1, -1, -1 };
    for (int i = 0; i < 3 && !o->pty; i++) {
        if (want[i] != MOAT_STDIO_PIPE)
            continue;
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0) {
            int e = errno;
            for (int k = 0; k < i; k++)
                if (made[k] >= 0)
                    close(made[k]);
            close(ctl[0]);
            close(ctl[1]);
            return error_set_errno(err, -e, "cannot create a pipe for the command");
        }
        made[i] = i == 0 ? pp[0] : pp[1];
        s->fds[i] = i == 0 ? pp[1] : pp[0];
    }
    child.stdin_fd = made[0] >= 0 ? made[0] : want[0];
    child.stdout_fd = made[1] >= 0 ? made[1] : want[1];
    child.stderr_fd = made[2] >= 0 ? made[2] : want[2];
    pid_t pid = fork();
    if (pid == 0) {
        close(ctl[0]);
        for (int i = 0; i < 3; i++)
            if (s->fds[i] >= 0)
                close(s->fds[i]);
        helper_main(ctl[1], p, argv, &child);
    }
    int fork_errno = errno;
    close(ctl[1]);
    for (int i = 0; i < 3; i++)
        if (made[i] >= 0)
            close(made[i]);
    if (pid < 0) {
        close(ctl[0]);
        return error_set_errno(err, -fork_errno, "cannot start the sandbox's supervisor");
    }
    s->helper = pid;
    s->ctl = ctl[0];
    s->cb = o->on_violation;
    s->cb_ctx = o->ctx;
    /* Until the sandbox has started: its init's pid, the pty master, or
     * the reason it could not be set up. */
    struct msg m;
    int fds[2] = { -1, -1 };
    size_t n = 0;
    for (;;) {
        long len = fdpass_recv(s->ctl, &m, sizeof m, fds, 2, &n);
        if (len <= 0) {
            waitpid(pid, NULL, 0);
            s->helper = -1;
            return error_set(err, -EPIPE, "the sandbox's supervisor ended before it started");
        }
        if (m.type == MSG_STARTED) {
            s->init = m.value;
            s->c.landlock = m.flags & MSG_LANDLOCK;
            size_t i = 0;
            if ((m.flags & MSG_PIDFD) && i < n)
                s->init_pidfd = fds[i++];
            if ((m.flags & MSG_PTY) && i < n)
                s->fds[MOAT_FD_PTY] = fds[i++];
            while (i < n) /* never sent: nothing to keep */
                close(fds[i++]);
            return 0;
        }
        if (m.type == MSG_EXITED) {
            m.text[sizeof m.text - 1] = '\0';
            waitpid(pid, NULL, 0);
            s->helper = -1;
            return error_set(err, m.value < 0 ? m.value : -EIO, "%s", m.text);
        }
        if (m.type == MSG_VIOLATION && s->cb) {
            m.text[sizeof m.text - 1] = '\0';
            s->cb(s->cb_ctx, m.text);
        }
    }
}

int supervised_poll(struct moat_sandbox *s, int timeout_ms, struct moat_error *err)
{
    if (s->done)
        return 1;
    struct pollfd pfd = { .fd = s->ctl, .events = POLLIN };
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : error_set_errno(err, -errno, "waiting for the sandbox");
    while (r > 0 && !s->done) {
        struct msg m;
        ssize_t len = recv(s->ctl, &m, sizeof m, MSG_DONTWAIT);
        if (len < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (len <= 0) { /* the helper died without a word */
            s->done = true;
            s->result = -EPIPE;
            snprintf(s->report.msg, sizeof s->report.msg, "the sandbox's supervisor died");
            break;
        }
        m.text[sizeof m.text - 1] = '\0';
        if (m.type == MSG_VIOLATION && s->cb)
            s->cb(s->cb_ctx, m.text);
        if (m.type == MSG_EXITED) {
            s->done = true;
            snprintf(s->report.msg, sizeof s->report.msg, "%.1000s",
                     len > (ssize_t)offsetof(struct msg, text) ? m.text : "");
            if (m.value < 0)
                s->result = m.value;
            else
                s->final = m.value;
            s->timed_out = m.flags & MSG_TIMED_OUT;
        }
    }
    if (s->done && s->helper > 0) {
        waitpid(s->helper, NULL, 0);
        s->helper = -1;
        s->exited = true;
    }
    return s->done ? 1 : 0;
}

int supervised_kill_signal(const struct moat_sandbox *s)
{
    /* Landlock isolation: the init ends its tree on this signal, and the
     * helper then reaps it (the init killed alone would leave the tree). */
    return s->c.landlock ? sandbox_end_signal() : SIGKILL;
}

void supervised_release(struct moat_sandbox *s)
{
    if (s->helper > 0) {
        if (!s->done && s->init_pidfd >= 0)
            syscall(SYS_pidfd_send_signal, s->init_pidfd, supervised_kill_signal(s), NULL, 0);
        close(s->ctl); /* the helper ends when its socket hangs up */
        s->ctl = -1;
        waitpid(s->helper, NULL, 0);
        s->helper = -1;
    }
    if (s->ctl >= 0)
        close(s->ctl);
    if (s->init_pidfd >= 0)
        close(s->init_pidfd);
    for (int i = 0; i < MOAT_FD_COUNT; i++)
        if (s->fds[i] >= 0)
            close(s->fds[i]);
}
