/* The splice relay; see relay.h. */
#include "net/io/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_PIPE_SIZE (256 * 1024)

struct direction {
    int src, dst;
    int pipe_r, pipe_w;
    size_t in_pipe;      /* bytes sitting in the pipe */
    uint8_t *pending;    /* bytes to write to dst before anything else */
    size_t pending_len, pending_off;
    size_t pipe_cap;
    bool src_eof, shut, failed;
    enum relay_gate (*gate)(const uint8_t *, size_t, size_t *, void *); /* NULL: ungated */
    size_t allow; /* gated: bytes passed and not yet read from src */
};

struct relay {
    struct loop *loop;
    struct loop_watch wa, wb;
    struct loop_timer idle;
    uint64_t last_active_ms;
    uint64_t gate_deadline_ms; /* while the gate waits for more bytes, else 0 */
    struct direction ab, ba;
    void (*done)(void *);
    void *ctx;
    bool closed, refused;
};

static void relay_free(void *p)
{
    struct relay *r = p;
    free(r->ab.pending);
    free(r);
}

static void relay_close(struct relay *r)
{
    if (r->closed)
        return;
    r->closed = true;
    loop_del(r->loop, &r->wa);
    loop_del(r->loop, &r->wb);
    loop_timer_disarm(r->loop, &r->idle);
    if (r->refused) { /* a reset, not an orderly close: the peers see a refusal */
        struct linger l = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(r->wa.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        setsockopt(r->wb.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    int fds[] = { r->wa.fd, r->wb.fd, r->ab.pipe_r, r->ab.pipe_w, r->ba.pipe_r, r->ba.pipe_w };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (r->done)
        r->done(r->ctx);
    if (loop_defer_free(r->loop, r, relay_free) < 0)
        return; /* leak rather than free under a queued event */
}

/* Let the gate judge what src has sent since the bytes it passed, without
 * consuming it.  0 when the direction may go on (the gate passed some bytes,
 * or src closed), 1 to wait for more, -1 when refused or on a hard error. */
static int judge(struct relay *r, struct direction *d)
{
    static uint8_t next[RELAY_GATE_MAX]; /* one loop thread: one judgement at a time */
    /* Bytes already read from src (after a proxy's request head) come first. */
    size_t held = d->pending_len - d->pending_off;
    if (held > sizeof next)
        held = sizeof next;
    if (held)
        memcpy(next, d->pending + d->pending_off, held);
    ssize_t n = held == sizeof next
                    ? 0
                    : recv(d->src, next + held, sizeof next - held, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN)
        return -1;
    if (n < 0 && held == 0)
        return 1;
    n = (n < 0 ? 0 : n) + (ssize_t)held;
    size_t pass = RELAY_GATE_FOREVER;
    enum relay_gate g = n == 0 ? RELAY_GATE_PASS : d->gate(next, (size_t)n, &pass, r->ctx);
    if (g == RELAY_GATE_MORE && (size_t)n == sizeof next)
        g = RELAY_GATE_REFUSE;
    if (g == RELAY_GATE_PASS && pass == 0)
        g = RELAY_GATE_REFUSE; /* a gate that passes nothing would be asked forever */
    switch (g) {
    case RELAY_GATE_MORE:
        /* Undecided bytes wait at most RELAY_GATE_MS for the rest (a trickle). */
        if (!r->gate_deadline_ms) {
            r->gate_deadline_ms = loop_now_ms() + RELAY_GATE_MS;
            loop_timer_arm(r->loop, &r->idle, RELAY_GATE_MS);
        }
        return 1;
    case RELAY_GATE_PASS:
        if (pass == RELAY_GATE_FOREVER)
            d->gate = NULL;
        else
            d->allow = pass;
        r->gate_deadline_ms = 0;
        return 0;
    case RELAY_GATE_REFUSE:
        break;
    }
    r->refused = true;
    return -1;
}

/* Move as much as possible for one direction.  Returns -1 on a hard error. */
static int pump(struct relay *r, struct direction *d)
{
    for (;;) {
        bool progress = false;
        if (d->gate && d->allow == 0 && !d->src_eof && judge(r, d) < 0)
            return -1;
        /* Bytes already read go first, as far as the gate passed them. */
        if (d->pending_off < d->pending_len && (!d->gate || d->allow > 0)) {
            size_t want = d->pending_len - d->pending_off;
            if (d->gate && d->allow < want)
                want = d->allow;
            ssize_t n = send(d->dst, d->pending + d->pending_off, want, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0)
                return errno == EAGAIN ? 0 : -1;
            d->pending_off += (size_t)n;
            if (d->gate)
                d->allow -= (size_t)n;
            continue;
        }
        if (d->pending_off < d->pending_len)
            break; /* waiting for the gate */
        if (!d->src_eof && d->in_pipe < d->pipe_cap && (!d->gate || d->allow > 0)) {
            size_t want = d->pipe_cap - d->in_pipe;
            if (d->gate && d->allow < want)
                want = d->allow;
            ssize_t n = splice(d->src, NULL, d->pipe_w, NULL, want,
                               SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
            if (n > 0) {
                d->in_pipe += (size_t)n;
                if (d->gate)
                    d->allow -= (size_t)n;
                progress = true;
            } else if (n == 0) {
                d->src_eof = true;
            } else if (errno != EAGAIN) {
                return -1;
            }
        }
        if (d->in_pipe > 0) {
            ssize_t n = splice(d->pipe_r, NULL, d->dst, NULL, d->in_pipe,
                               SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
            if (n > 0) {
                d->in_pipe -= (size_t)n;
                progress = true;
            } else if (n < 0 && errno != EAGAIN) {
                return -1;
            }
        }
        if (!progress)
            break;
    }
    if (d->src_eof && d->in_pipe == 0 && !d->shut) {
        /* Half-close: the peer sees EOF, the other direction goes on. */
        shutdown(d->dst, SHUT_WR);
        d->shut = true;
    }
    return 0;
}

/* Edge-triggered: both sockets are registered once for reading and writing
 * and every event pumps both directions until they would block, so the hot
 * path makes no epoll_ctl calls and re-sorts no timer. */
static void relay_step(struct relay *r)
{
    if (r->closed)
        return;
    if (pump(r, &r->ab) < 0 || pump(r, &r->ba) < 0 || (r->ab.shut && r->ba.shut)) {
        relay_close(r);
        return;
    }
    r->last_active_ms = loop_now_ms();
}

static void on_event(struct loop_watch *w, uint32_t events)
{
    struct relay *r = w->data;
    if (r->closed)
        return;
    if (events & EPOLLERR) {
        relay_close(r);
        return;
    }
    relay_step(r);
}

/* The idle deadline is checked lazily: the timer fires, and re-arms for
 * the rest of the interval if there was traffic meanwhile. */
static void on_idle(struct loop_timer *t)
{
    struct relay *r = t->data;
    if (r->gate_deadline_ms && loop_now_ms() >= r->gate_deadline_ms) {
        r->refused = true; /* a trickle, or a head that never ends */
        relay_close(r);
        return;
    }
    uint64_t idle = loop_now_ms() - r->last_active_ms;
    if (idle >= RELAY_IDLE_MS) {
        relay_close(r);
        return;
    }
    uint64_t next = RELAY_IDLE_MS - idle, now = loop_now_ms();
    if (r->gate_deadline_ms && r->gate_deadline_ms - now < next)
        next = r->gate_deadline_ms - now;
    loop_timer_arm(r->loop, &r->idle, next);
}

void relay_nodelay(int fd)
{
    int on = 1;
    /* Fails only on a socket that is not TCP, which has no Nagle to turn off. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static int make_pipe(struct direction *d)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return -errno;
    d->pipe_r = p[0];
    d->pipe_w = p[1];
    int cap = fcntl(p[1], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
    if (cap <= 0)
        cap = fcntl(p[1], F_GETPIPE_SZ);
    d->pipe_cap = cap > 0 ? (size_t)cap : 65536;
    return 0;
}

static int start(struct loop *l, int a, int b, const void *a_to_b, size_t n,
                 enum relay_gate (*gate)(const uint8_t *, size_t, size_t *, void *),
                 void (*done)(void *ctx), void *ctx)
{
    relay_nodelay(a);
    relay_nodelay(b);
    struct relay *r = calloc(1, sizeof *r);
    if (!r) {
        close(a);
        close(b);
        if (done)
            done(ctx);
        return -ENOMEM;
    }
    *r = (struct relay){ .loop = l, .done = done, .ctx = ctx,
                         .wa = { .fd = a, .cb = on_event, .data = r },
                         .wb = { .fd = b, .cb = on_event, .data = r },
                         .idle = { .cb = on_idle, .data = r },
                         .ab = { .src = a, .dst = b, .pipe_r = -1, .pipe_w = -1, .gate = gate },
                         .ba = { .src = b, .dst = a, .pipe_r = -1, .pipe_w = -1 } };
    int err = make_pipe(&r->ab);
    if (err == 0)
        err = make_pipe(&r->ba);
    if (err == 0 && n) {
        r->ab.pending = malloc(n);
        if (!r->ab.pending)
            err = -ENOMEM;
        else
            memcpy(r->ab.pending, a_to_b, n);
        r->ab.pending_len = n;
    }
    uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    if (err == 0 && ((err = loop_add(l, &r->wa, ev)) == 0) && (err = loop_add(l, &r->wb, ev)) < 0)
        loop_del(l, &r->wa);
    if (err < 0) {
        relay_close(r); /* calls done */
        return err;
    }
    loop_timer_arm(l, &r->idle, RELAY_IDLE_MS);
    relay_step(r);
    return 0;
}

int relay_start(struct loop *l, int a, int b, const void *a_to_b, size_t n,
                void (*done)(void *ctx), void *ctx)
{
    return start(l, a, b, a_to_b, n, NULL, done, ctx);
}

int relay_start_gated(struct loop *l, int a, int b, const void *a_to_b, size_t n,
                      enum relay_gate (*gate)(const uint8_t *next, size_t n, size_t *pass,
                                              void *ctx),
                      void (*done)(void *ctx), void *ctx)
{
    return start(l, a, b, a_to_b, n, gate, done, ctx);
}
