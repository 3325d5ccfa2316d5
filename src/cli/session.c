/* `moat run`'s wait: signals and the terminal; see session.h.  One poll
 * loop over a signalfd, the library's event descriptor, and in pty mode the
 * caller's stdin and the pty master. */
#include "cli/session.h"
#include "cli/trim.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* What a terminal or a parent sends that the command should get instead:
 * moat itself stays alive to report its status (SIGKILL, which cannot be
 * caught, still kills the sandbox with it: PR_SET_PDEATHSIG). */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                                 SIGCONT, SIGALRM, SIGPIPE, SIGWINCH, 0 };

bool session_wants_pty(int flag)
{
    if (flag >= 0)
        return flag;
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

void session_window_size(unsigned short *rows, unsigned short *cols)
{
    struct winsize ws = { 0 };
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
        ws = (struct winsize){ 0 };
    *rows = ws.ws_row;
    *cols = ws.ws_col;
}

/* Write all of buf (the descriptors are blocking). */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

struct relay {
    int master;
    bool in_open;       /* the caller's stdin still gives bytes */
    bool in_tty;        /* it is a terminal, put in raw mode */
    struct termios saved;
};

static void relay_start(struct relay *r, int master)
{
    r->master = master;
    r->in_open = true;
    r->in_tty = tcgetattr(STDIN_FILENO, &r->saved) == 0;
    if (r->in_tty) {
        /* Raw: every key (Ctrl-C, Ctrl-Z, Ctrl-D) goes to the sandbox's
         * terminal, whose line discipline acts on it for its own session. */
        struct termios raw = r->saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
}

static void relay_stop(struct relay *r)
{
    if (r->in_tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
    r->in_tty = false;
}

/* Caller -> sandbox.  At the end of a non-terminal input, the terminal's
 * end-of-file character tells the command (as `script` does). */
static void relay_input(struct relay *r)
{
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0) {
        write_all(r->master, buf, (size_t)n);
        return;
    }
    if (n < 0 && errno == EINTR)
        return;
    r->in_open = false;
    struct termios t;
    char eof = tcgetattr(r->master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
    write_all(r->master, &eof, 1);
}

/* Sandbox -> caller; false when the terminal is closed (EIO: no slave left). */
static bool relay_output(struct relay *r)
{
    char buf[16384];
    ssize_t n = read(r->master, buf, sizeof buf);
    if (n > 0) {
        write_all(STDOUT_FILENO, buf, (size_t)n);
        return true;
    }
    return n < 0 && errno == EINTR;
}

/* How long after the start the start-up pages are dropped (trim.h). */
#define TRIM_AFTER_MS 200

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int session_run(struct moat_sandbox *s, bool pty, struct moat_error *err)
{
    sigset_t set, old;
    sigemptyset(&set);
    for (const int *sig = forwarded; *sig; sig++)
        sigaddset(&set, *sig);
    sigprocmask(SIG_BLOCK, &set, &old);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    struct relay r = { .master = -1 };
    if (pty) {
        unsigned short rows, cols;
        session_window_size(&rows, &cols);
        if (rows && cols)
            moat_sandbox_resize(s, rows, cols); /* waits for the master, too */
        int master = moat_sandbox_fd(s, MOAT_FD_PTY);
        if (master >= 0)
            relay_start(&r, master);
    }
    int status = 0;
    bool finished = false;
    /* A command that ends at once may be over before moat_spawn returned
     * (its wait for the pty master ran the sandbox's loop): then nothing
     * will ever make MOAT_FD_EVENTS readable again. */
    int over = moat_sandbox_try_wait(s, &status, err);
    if (over != 0) {
        finished = true;
        if (over < 0)
            status = over;
    }
    /* Start-up pages are dropped once the sandbox has run a moment, busy or
     * not (a short command never gets that far). */
    int64_t trim_at = now_ms() + TRIM_AFTER_MS;
    while (!finished || r.master >= 0) {
        struct pollfd pfd[4] = {
            { .fd = sfd, .events = POLLIN },
            { .fd = finished ? -1 : moat_sandbox_fd(s, MOAT_FD_EVENTS), .events = POLLIN },
            { .fd = r.master >= 0 && r.in_open && !finished ? STDIN_FILENO : -1,
              .events = POLLIN },
            { .fd = r.master, .events = POLLIN },
        };
        /* Once the command is done, only what its terminal still holds. */
        int wait_ms = -1;
        if (trim_at >= 0) {
            int64_t left = trim_at - now_ms();
            wait_ms = left > 0 ? (int)left : 0;
        }
        int ready = poll(pfd, 4, finished ? 100 : wait_ms);
        if (ready < 0 && errno != EINTR)
            break;
        if (!finished && trim_at >= 0 && now_ms() >= trim_at) {
            trim_start_up_pages();
            trim_at = -1;
        }
        if (finished && !(pfd[3].revents & (POLLIN | POLLHUP | POLLERR)))
            break;
        struct signalfd_siginfo si;
        while (sfd >= 0 && read(sfd, &si, sizeof si) == sizeof si) {
            if (si.ssi_signo == SIGWINCH && r.master >= 0) {
                unsigned short rows, cols;
                session_window_size(&rows, &cols);
                moat_sandbox_resize(s, rows, cols);
            } else if (si.ssi_signo == SIGPIPE && si.ssi_pid == (uint32_t)getpid()) {
                /* Raised for our own write (splice(2) into a socket the peer
                 * reset has no MSG_NOSIGNAL): ours, not the command's. */
            } else if (si.ssi_signo != SIGWINCH) {
                moat_sandbox_kill(s, (int)si.ssi_signo);
            }
        }
        if (pfd[2].revents & (POLLIN | POLLHUP))
            relay_input(&r);
        if ((pfd[3].revents & (POLLIN | POLLHUP | POLLERR)) && !relay_output(&r)) {
            relay_stop(&r);
            r.master = -1;
        }
        if (!finished && (pfd[1].revents & POLLIN || pfd[0].revents)) {
            int done = moat_sandbox_try_wait(s, &status, err);
            if (done != 0) {
                finished = true;
                if (done < 0)
                    status = done;
            }
        }
    }
    relay_stop(&r);
    if (sfd >= 0)
        close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return status;
}
