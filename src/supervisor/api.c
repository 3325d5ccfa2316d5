/* The public face of a running sandbox (include/moat.h): moat_spawn and the
 * moat_sandbox_* calls, and moat_run on top of them.  Argument checking and
 * ownership live here; the work is in sandbox.c. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "supervisor/run_options.h"
#include "supervisor/sandbox.h"
#include "supervisor/supervised.h"
#include "util/error.h"

static struct moat_sandbox *sandbox_alloc(const struct moat_policy *p)
{
    struct moat_sandbox *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    *s = (struct moat_sandbox){
        .c = { .p = p, .uid = getuid(), .gid = getgid(), .report_fd = -1, .alive_fd = -1,
               .chan_fd = -1, .events_fd = -1, .guard_sock = -1, .pty_sock = -1,
               .pty_slave = -1, .stdio = { -1, -1, -1 }, .cgroup_procs = { -1, -1 } },
        .exit_w = { .fd = -1 }, .report_w = { .fd = -1 }, .events_w = { .fd = -1 },
        .pty_w = { .fd = -1 }, .done_w = { .fd = -1 }, .child_stdio = { -1, -1, -1 }, .alive_keep = -1, .ctl = -1, .init_pidfd = -1,
        .cg = { .procs = { -1, -1 } },
    };
    for (int i = 0; i < MOAT_FD_COUNT; i++)
        s->fds[i] = -1;
    return s;
}

int moat_spawn_in_process(const struct moat_policy *p, char *const argv[],
                          const struct moat_run_options *o, struct moat_sandbox **out,
                          struct moat_error *err)
{
    struct moat_sandbox *s = sandbox_alloc(p);
    if (!s)
        return error_set(err, -ENOMEM, "out of memory");
    int r = sandbox_start(s, p, argv, o, err);
    if (r < 0) {
        sandbox_release(s);
        free(s);
        return r;
    }
    *out = s;
    return 0;
}

int moat_spawn(const struct moat_policy *p, char *const argv[], const struct moat_run_options *o,
               struct moat_sandbox **out, struct moat_error *err)
{
    struct moat_run_options defaults;
    if (!o) {
        run_options_defaults(&defaults);
        o = &defaults;
    }
    if (!p || !argv || !out)
        return error_set(err, -EINVAL, "moat_spawn: a policy, a command and a place for the "
                         "handle are needed");
    if (!o->helper && !supervised_needed())
        return moat_spawn_in_process(p, argv, o, out, err);
    struct moat_sandbox *s = sandbox_alloc(p);
    if (!s)
        return error_set(err, -ENOMEM, "out of memory");
    int r = supervised_start(s, p, argv, o, err);
    if (r < 0) {
        supervised_release(s);
        free(s);
        return r;
    }
    *out = s;
    return 0;
}

static bool is_supervised(const struct moat_sandbox *s)
{
    return s->ctl >= 0 || s->helper > 0;
}

int moat_sandbox_fd(const struct moat_sandbox *s, enum moat_fd which)
{
    if (which == MOAT_FD_EVENTS)
        return is_supervised(s) ? s->ctl : s->loop ? loop_fd(s->loop) : -1;
    return (unsigned)which < MOAT_FD_COUNT ? s->fds[which] : -1;
}

int moat_sandbox_take_fd(struct moat_sandbox *s, enum moat_fd which)
{
    if (which == MOAT_FD_EVENTS || (unsigned)which >= MOAT_FD_COUNT)
        return -1;
    int fd = s->fds[which];
    s->fds[which] = -1;
    return fd;
}

int moat_sandbox_poll(struct moat_sandbox *s, int timeout_ms, struct moat_error *err)
{
    return is_supervised(s) ? supervised_poll(s, timeout_ms, err)
                            : sandbox_poll(s, timeout_ms, err);
}

int moat_sandbox_try_wait(struct moat_sandbox *s, int *status, struct moat_error *err)
{
    int r = moat_sandbox_poll(s, 0, err);
    if (r <= 0)
        return r;
    int st = sandbox_status(s, err);
    if (st < 0)
        return st;
    *status = st;
    return 1;
}

int moat_sandbox_wait(struct moat_sandbox *s, struct moat_error *err)
{
    int r;
    while ((r = moat_sandbox_poll(s, -1, err)) == 0)
        ;
    return r < 0 ? r : sandbox_status(s, err);
}

int moat_sandbox_kill(struct moat_sandbox *s, int sig)
{
    if (s->exited || s->done)
        return -ESRCH;
    /* The init forwards what it catches to the command; SIGKILL ends the
     * init, and with it the pid namespace (in landlock isolation the init
     * kills its tree first, on its own signal).  Supervised, the helper
     * reaps the init, so its pid may be another process's by now: the pidfd
     * names this one (and fails with ESRCH once it is gone). */
    if (is_supervised(s)) {
        if (sig == SIGKILL)
            sig = supervised_kill_signal(s);
        return s->init_pidfd < 0 ? -ESRCH
               : syscall(SYS_pidfd_send_signal, s->init_pidfd, sig, NULL, 0) < 0 ? -errno : 0;
    }
    if (sig == SIGKILL) {
        sandbox_end(s);
        return 0;
    }
    return kill(s->init, sig) < 0 ? -errno : 0;
}

int moat_sandbox_resize(struct moat_sandbox *s, unsigned short rows, unsigned short cols)
{
    int master = s->fds[MOAT_FD_PTY];
    if (master < 0)
        return -ENOTTY;
    struct winsize ws = { .ws_row = rows, .ws_col = cols };
    return ioctl(master, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

bool moat_sandbox_timed_out(const struct moat_sandbox *s)
{
    return s->timed_out;
}

int moat_sandbox_pid(const struct moat_sandbox *s)
{
    return s->init;
}

void moat_sandbox_free(struct moat_sandbox *s)
{
    if (!s)
        return;
    if (is_supervised(s))
        supervised_release(s);
    else
        sandbox_release(s);
    free(s);
}

int moat_run_ex(const struct moat_policy *p, char *const argv[], const struct moat_run_options *o,
                struct moat_error *err)
{
    struct moat_sandbox *s;
    int r = moat_spawn(p, argv, o, &s, err);
    if (r < 0)
        return r;
    r = moat_sandbox_wait(s, err);
    moat_sandbox_free(s);
    return r;
}

int moat_run(const struct moat_policy *p, char *const argv[], struct moat_error *err)
{
    return moat_run_ex(p, argv, NULL, err);
}
