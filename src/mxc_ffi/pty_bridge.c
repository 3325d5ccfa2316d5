/* The pty relay thread (pty_bridge.h).  One thread, one poll loop, both
 * directions, with a buffer each way so neither side ever blocks it.
 * Runs with every signal blocked: a write to an output pipe nobody reads
 * is EPIPE here, never the caller's SIGPIPE.  Must never close the master,
 * which is the sandbox's (the resize and the sandbox's end need it). */
#include "mxc_ffi/pty_bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#define BRIDGE_BUF 65536

struct pty_bridge {
    pthread_t thread;
    int master, in_r, out_w, stop;
    char to_pty[BRIDGE_BUF], to_out[BRIDGE_BUF];
    size_t n_to_pty, n_to_out;
    bool input_done, output_done, last_was_newline;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The caller closed the input: in canonical mode the terminal's end of
 * file is its EOF character at the start of a line, so a partial line is
 * pushed out by one first (termios(3), VEOF).  Raw mode has no such thing:
 * the application needs a protocol of its own, as under mxc. */
static void queue_end_of_file(struct pty_bridge *b)
{
    struct termios t;
    if (tcgetattr(b->master, &t) < 0 || !(t.c_lflag & ICANON) || t.c_cc[VEOF] == 0)
        return;
    for (int i = b->last_was_newline ? 1 : 2; i > 0 && b->n_to_pty < BRIDGE_BUF; i--)
        b->to_pty[b->n_to_pty++] = (char)t.c_cc[VEOF];
}

static void read_input(struct pty_bridge *b)
{
    ssize_t n = read(b->in_r, b->to_pty + b->n_to_pty, BRIDGE_BUF - b->n_to_pty);
    if (n > 0) {
        b->n_to_pty += (size_t)n;
        b->last_was_newline = b->to_pty[b->n_to_pty - 1] == '\n' ||
                              b->to_pty[b->n_to_pty - 1] == '\r';
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        b->input_done = true;
        close_fd(&b->in_r);
        queue_end_of_file(b);
    }
}

static void write_to_pty(struct pty_bridge *b)
{
    ssize_t n = write(b->master, b->to_pty, b->n_to_pty);
    if (n > 0) {
        memmove(b->to_pty, b->to_pty + n, b->n_to_pty - (size_t)n);
        b->n_to_pty -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        b->n_to_pty = 0; /* the terminal is gone: nothing will read it */
    }
}

/* EIO: no process has the terminal's other side open any more. */
static void read_output(struct pty_bridge *b)
{
    ssize_t n = read(b->master, b->to_out + b->n_to_out, BRIDGE_BUF - b->n_to_out);
    if (n > 0)
        b->n_to_out = b->out_w >= 0 ? b->n_to_out + (size_t)n : 0;
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        b->output_done = true;
}

static void write_output(struct pty_bridge *b)
{
    ssize_t n = write(b->out_w, b->to_out, b->n_to_out);
    if (n > 0) {
        memmove(b->to_out, b->to_out + n, b->n_to_out - (size_t)n);
        b->n_to_out -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        /* Nobody reads the output: drop it, but keep draining the
         * terminal so the workload never blocks writing to it. */
        close_fd(&b->out_w);
        b->n_to_out = 0;
    }
}

static void *bridge_main(void *arg)
{
    struct pty_bridge *b = arg;
    for (;;) {
        if (b->output_done && (b->n_to_out == 0 || b->out_w < 0))
            break; /* all shown: the output's end of file is its close */
        struct pollfd p[4];
        int n = 0, i_stop = n++, i_in = -1, i_master = -1, i_out = -1;
        p[i_stop] = (struct pollfd){ .fd = b->stop, .events = POLLIN };
        if (!b->input_done && b->n_to_pty < BRIDGE_BUF && !b->output_done) {
            i_in = n++;
            p[i_in] = (struct pollfd){ .fd = b->in_r, .events = POLLIN };
        }
        short want = (short)((!b->output_done && b->n_to_out < BRIDGE_BUF ? POLLIN : 0) |
                             (b->n_to_pty && !b->output_done ? POLLOUT : 0));
        if (want) {
            i_master = n++;
            p[i_master] = (struct pollfd){ .fd = b->master, .events = want };
        }
        if (b->n_to_out && b->out_w >= 0) {
            i_out = n++;
            p[i_out] = (struct pollfd){ .fd = b->out_w, .events = POLLOUT };
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[i_stop].revents)
            break;
        if (i_in >= 0 && p[i_in].revents)
            read_input(b);
        if (i_master >= 0 && (p[i_master].revents & POLLOUT))
            write_to_pty(b);
        if (i_master >= 0 && (p[i_master].revents & (POLLIN | POLLHUP | POLLERR)))
            read_output(b);
        if (i_out >= 0 && p[i_out].revents)
            write_output(b);
    }
    close_fd(&b->out_w); /* the caller's end of file */
    close_fd(&b->in_r);
    return NULL;
}

static int nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

int pty_bridge_start(int master, const char *first, int *in_w, int *out_r,
                     struct pty_bridge **out)
{
    struct pty_bridge *b = calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    *b = (struct pty_bridge){ .master = master, .in_r = -1, .out_w = -1, .stop = -1,
                              .last_was_newline = true };
    b->n_to_out = strnlen(first, BRIDGE_BUF);
    memcpy(b->to_out, first, b->n_to_out);
    int in[2] = { -1, -1 }, outp[2] = { -1, -1 };
    int r = 0;
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
        (b->stop = eventfd(0, EFD_CLOEXEC)) < 0)
        r = -errno;
    b->in_r = in[0];
    b->out_w = outp[1];
    const int *relayed[] = { &b->master, &b->in_r, &b->out_w };
    for (size_t i = 0; r == 0 && i < 3; i++)
        r = nonblocking(*relayed[i]);
    if (r == 0) {
        /* Created with every signal blocked, so it inherits that mask. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&b->thread, NULL, bridge_main, b);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (r < 0) {
        close_fd(&in[1]);
        close_fd(&outp[0]);
        close_fd(&b->in_r);
        close_fd(&b->out_w);
        close_fd(&b->stop);
        free(b);
        return r;
    }
    *in_w = in[1];
    *out_r = outp[0];
    *out = b;
    return 0;
}

void pty_bridge_stop(struct pty_bridge *b)
{
    if (!b)
        return;
    uint64_t one = 1;
    if (write(b->stop, &one, sizeof one) < 0) {
        /* an eventfd write fails only on overflow: it is readable anyway */
    }
    pthread_join(b->thread, NULL);
    close_fd(&b->stop);
    free(b);
}
