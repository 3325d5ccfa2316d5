/* epoll event loop and timers; see loop.h.  Knows nothing of protocols. */
#include "net/io/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct deferred {
    void *ptr;
    void (*fn)(void *);
    struct deferred *next;
};

struct loop {
    int epfd;
    struct loop_timer *timers; /* sorted by due_ms */
    struct deferred *deferred;
    /* A timerfd set to the first timer when control goes back to the
     * caller, so the epoll fd (loop_fd) is readable when a timer is due. */
    struct loop_watch timer_w;
    uint64_t armed_ms;
};

static void on_timerfd(struct loop_watch *w, uint32_t events)
{
    (void)events;
    uint64_t n;
    while (read(w->fd, &n, sizeof n) == sizeof n)
        ;
}

int loop_defer_free(struct loop *l, void *ptr, void (*fn)(void *))
{
    struct deferred *d = malloc(sizeof *d);
    if (!d) {
        /* Better a leak than a use-after-free. */
        return -ENOMEM;
    }
    *d = (struct deferred){ .ptr = ptr, .fn = fn, .next = l->deferred };
    l->deferred = d;
    return 0;
}

static void run_deferred(struct loop *l)
{
    while (l->deferred) {
        struct deferred *d = l->deferred;
        l->deferred = d->next;
        d->fn(d->ptr);
        free(d);
    }
}

uint64_t loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int loop_new(struct loop **out)
{
    struct loop *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->timer_w = (struct loop_watch){ .fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
                                                                             TFD_CLOEXEC),
                                      .cb = on_timerfd, .data = l };
    if (l->epfd < 0 || l->timer_w.fd < 0 || loop_add(l, &l->timer_w, EPOLLIN) < 0) {
        int r = -errno;
        if (l->epfd >= 0)
            close(l->epfd);
        if (l->timer_w.fd >= 0)
            close(l->timer_w.fd);
        free(l);
        return r;
    }
    *out = l;
    return 0;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    run_deferred(l);
    close(l->timer_w.fd);
    close(l->epfd);
    free(l);
}

static int loop_ctl(struct loop *l, int op, struct loop_watch *w, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = w };
    return epoll_ctl(l->epfd, op, w->fd, &ev) < 0 ? -errno : 0;
}

int loop_add(struct loop *l, struct loop_watch *w, uint32_t events)
{
    return loop_ctl(l, EPOLL_CTL_ADD, w, events);
}

int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events)
{
    return loop_ctl(l, EPOLL_CTL_MOD, w, events);
}

void loop_del(struct loop *l, struct loop_watch *w)
{
    if (w->fd >= 0)
        epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

void loop_timer_disarm(struct loop *l, struct loop_timer *t)
{
    for (struct loop_timer **p = &l->timers; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    t->next = NULL;
    t->due_ms = 0;
}

void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t ms)
{
    loop_timer_disarm(l, t);
    t->due_ms = loop_now_ms() + ms;
    struct loop_timer **p = &l->timers;
    while (*p && (*p)->due_ms <= t->due_ms)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
}

static void run_due_timers(struct loop *l)
{
    uint64_t now = loop_now_ms();
    while (l->timers && l->timers->due_ms <= now) {
        struct loop_timer *t = l->timers;
        l->timers = t->next;
        t->next = NULL;
        t->due_ms = 0;
        t->cb(t);
    }
}

int loop_fd(const struct loop *l)
{
    return l->epfd;
}

int loop_run_once(struct loop *l)
{
    return loop_run_for(l, -1);
}

int loop_run_for(struct loop *l, int max_ms)
{
    int timeout = max_ms;
    if (l->timers) {
        uint64_t now = loop_now_ms();
        int due = l->timers->due_ms <= now ? 0 : (int)(l->timers->due_ms - now);
        if (timeout < 0 || due < timeout)
            timeout = due;
    }
    struct epoll_event ev[64];
    int n = epoll_wait(l->epfd, ev, 64, timeout);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        struct loop_watch *w = ev[i].data.ptr;
        w->cb(w, ev[i].events);
    }
    run_due_timers(l);
    run_deferred(l);
    loop_sync_timer(l);
    return 0;
}

void loop_sync_timer(struct loop *l)
{
    uint64_t first = l->timers ? l->timers->due_ms : 0;
    if (first != l->armed_ms) {
        struct itimerspec its = { 0 };
        if (first) { /* loop_now_ms is CLOCK_MONOTONIC in ms: an absolute time */
            its.it_value.tv_sec = (time_t)(first / 1000);
            its.it_value.tv_nsec = (long)(first % 1000) * 1000000;
        }
        if (timerfd_settime(l->timer_w.fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
            l->armed_ms = first;
    }
}
