/* Staggered connects; see dial.h. */
#include "net/io/dial.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "net/io/relay.h"

struct attempt {
    struct loop_watch w;
    struct dial *d;
};

struct dial {
    struct loop *loop;
    struct sockaddr_storage addrs[DIAL_MAX_ADDRS];
    size_t n, next;
    struct attempt att[DIAL_MAX_ADDRS];
    size_t active;
    int last_err;
    struct loop_timer stagger, deadline, kick;
    void (*cb)(void *, int, int);
    void *ctx;
    bool finished;
};

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void dial_free(void *p)
{
    free(p);
}

/* Stop every attempt (closing all but `keep`, the winner) and every timer;
 * the dial is freed after this round of the loop. */
static void dial_teardown(struct dial *d, int keep)
{
    d->finished = true;
    for (size_t i = 0; i < d->n; i++) {
        struct attempt *a = &d->att[i];
        if (a->w.fd < 0)
            continue;
        loop_del(d->loop, &a->w);
        if (a->w.fd != keep)
            close(a->w.fd);
        a->w.fd = -1;
    }
    loop_timer_disarm(d->loop, &d->stagger);
    loop_timer_disarm(d->loop, &d->deadline);
    loop_timer_disarm(d->loop, &d->kick);
    loop_defer_free(d->loop, d, dial_free);
}

static void dial_finish(struct dial *d, int fd, int err)
{
    if (d->finished)
        return;
    dial_teardown(d, fd);
    d->cb(d->ctx, fd, err);
}

static void start_next(struct dial *d);

static void attempt_failed(struct dial *d, struct attempt *a, int err)
{
    loop_del(d->loop, &a->w);
    close(a->w.fd);
    a->w.fd = -1;
    d->active--;
    d->last_err = err;
    if (d->next < d->n)
        start_next(d);
    else if (d->active == 0)
        dial_finish(d, -1, d->last_err);
}

static void on_connect(struct loop_watch *w, uint32_t events)
{
    struct attempt *a = w->data;
    struct dial *d = a->d;
    if (d->finished || w->fd < 0)
        return;
    int soerr = 0;
    socklen_t len = sizeof soerr;
    getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr == 0 && !(events & (EPOLLERR | EPOLLHUP)))
        dial_finish(d, w->fd, 0);
    else
        attempt_failed(d, a, -(soerr ? soerr : ECONNREFUSED));
}

static void start_next(struct dial *d)
{
    while (d->next < d->n) {
        size_t i = d->next++;
        struct attempt *a = &d->att[i];
        int fd = socket(d->addrs[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            d->last_err = -errno;
            continue;
        }
        relay_nodelay(fd); /* before the handshake: nothing it sends may wait */
        if (connect(fd, (struct sockaddr *)&d->addrs[i], addr_len(&d->addrs[i])) < 0 &&
            errno != EINPROGRESS) {
            d->last_err = -errno;
            close(fd);
            continue;
        }
        a->w = (struct loop_watch){ .fd = fd, .cb = on_connect, .data = a };
        a->d = d;
        if (loop_add(d->loop, &a->w, EPOLLOUT) < 0) {
            d->last_err = -errno;
            close(fd);
            a->w.fd = -1;
            continue;
        }
        d->active++;
        if (d->next < d->n)
            loop_timer_arm(d->loop, &d->stagger, DIAL_STAGGER_MS);
        return;
    }
    if (d->active == 0)
        dial_finish(d, -1, d->last_err);
}

static void on_stagger(struct loop_timer *t)
{
    struct dial *d = t->data;
    if (!d->finished && d->next < d->n)
        start_next(d);
}

static void on_deadline(struct loop_timer *t)
{
    dial_finish(t->data, -1, -ETIMEDOUT);
}

static void on_kick(struct loop_timer *t)
{
    start_next(t->data);
}

int dial_start(struct loop *l, const struct sockaddr_storage *addrs, size_t n,
               void (*cb)(void *ctx, int fd, int err), void *ctx, struct dial **out)
{
    if (n == 0)
        return -EDESTADDRREQ;
    struct dial *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->loop = l;
    d->n = n > DIAL_MAX_ADDRS ? DIAL_MAX_ADDRS : n;
    memcpy(d->addrs, addrs, d->n * sizeof *addrs);
    for (size_t i = 0; i < DIAL_MAX_ADDRS; i++)
        d->att[i].w.fd = -1;
    d->cb = cb;
    d->ctx = ctx;
    d->last_err = -EHOSTUNREACH;
    d->stagger = (struct loop_timer){ .cb = on_stagger, .data = d };
    d->deadline = (struct loop_timer){ .cb = on_deadline, .data = d };
    d->kick = (struct loop_timer){ .cb = on_kick, .data = d };
    loop_timer_arm(l, &d->deadline, DIAL_TIMEOUT_MS);
    /* Start from the loop, so cb never runs inside dial_start. */
    loop_timer_arm(l, &d->kick, 0);
    if (out)
        *out = d;
    return 0;
}

void dial_cancel(struct dial *d)
{
    if (!d || d->finished)
        return;
    d->cb = NULL;
    dial_teardown(d, -1);
}
