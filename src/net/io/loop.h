/* The supervisor's event loop: epoll over watched fds, each with a callback,
 * and coarse timers (one sorted list, millisecond resolution) for idle and
 * dial timeouts.  Single-threaded; callbacks may add and remove watches. */
#ifndef MOAT_NET_LOOP_H
#define MOAT_NET_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_watch;

typedef void (*loop_fn)(struct loop_watch *w, uint32_t events);

struct loop_watch {
    int fd;
    loop_fn cb;
    void *data;
};

struct loop_timer {
    uint64_t due_ms; /* 0 = not armed */
    void (*cb)(struct loop_timer *t);
    void *data;
    struct loop_timer *next;
};

int loop_new(struct loop **out);
void loop_free(struct loop *l);
int loop_add(struct loop *l, struct loop_watch *w, uint32_t events);
int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events);
void loop_del(struct loop *l, struct loop_watch *w);
/* Arm (or re-arm) a timer `ms` from now; disarm cancels. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t ms);
void loop_timer_disarm(struct loop *l, struct loop_timer *t);
/* Free `ptr` with `fn` after the current dispatch round: a callback may close
 * an object whose watch is still queued in the same epoll batch. */
int loop_defer_free(struct loop *l, void *ptr, void (*fn)(void *));
/* Wait for events (at most until the next timer) and dispatch them. */
int loop_run_once(struct loop *l);
/* The same, waiting at most max_ms (-1: no limit, 0: only what is ready). */
int loop_run_for(struct loop *l, int max_ms);
/* The epoll descriptor: readable when a watched fd is, or a timer due. */
int loop_fd(const struct loop *l);
/* Make loop_fd readable when the first timer is due (loop_run_for does it
 * on its way out; call it after arming timers outside the loop). */
void loop_sync_timer(struct loop *l);
uint64_t loop_now_ms(void);

#endif
