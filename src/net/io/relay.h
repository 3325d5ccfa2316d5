/* Relaying bytes between two connected sockets, in both directions, with
 * splice(2) through one pipe per direction (the data never enters user
 * space), bounded by the pipe size, with half-close and an idle timeout.
 * Owns both sockets once started; knows nothing of what the bytes mean. */
#ifndef MOAT_NET_RELAY_H
#define MOAT_NET_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "net/io/loop.h"

#define RELAY_IDLE_MS (10 * 60 * 1000)

struct relay;

/* Start relaying between a and b.  `a_to_b` (may be NULL) are bytes already
 * read from a that must reach b first (e.g. what followed a proxy request
 * head).  `done(ctx)` is called once when both directions are finished or
 * failed, and also when the relay cannot start (then the sockets are closed
 * and the error returned); the relay frees itself.
 *
 * What a relay holds is bounded: two pipes of at most 256 KiB (kernel
 * memory), the bytes of a_to_b, and nothing else; a side is read only while
 * its pipe has room (backpressure: a peer that does not read stops the other
 * from being read). */
int relay_start(struct loop *l, int a, int b, const void *a_to_b, size_t n,
                void (*done)(void *ctx), void *ctx);

/* Send what is written at once (TCP_NODELAY).  A relay forwards a client's writes as it
 * receives them; with Nagle's algorithm a second small write waits for the ACK of the first,
 * which the peer delays up to 40 ms (issue 10: a small HTTPS GET took 65-110 ms instead of
 * 24).  relay_start sets it on both sockets; the proxies set it on the sockets they read
 * and write themselves, dial_start on every socket it connects. */
void relay_nodelay(int fd);

/* What a gate says about the first bytes a sent. */
enum relay_gate {
    RELAY_GATE_MORE,   /* cannot tell yet: wait for more */
    RELAY_GATE_PASS,   /* relay as usual from here on */
    RELAY_GATE_REFUSE, /* reset both connections */
};
#define RELAY_GATE_MAX 32768
#define RELAY_GATE_MS 30000

#define RELAY_GATE_FOREVER SIZE_MAX

/* relay_start, except that nothing goes from a to b until gate(next, n, &pass,
 * ctx) has passed the bytes from a (a_to_b first, then what a sent since, read
 * without consuming it: MSG_PEEK), up
 * to RELAY_GATE_MAX of them: PASS lets `pass` bytes go, after which the gate
 * judges what follows them (RELAY_GATE_FOREVER: no more judging).  MORE with
 * RELAY_GATE_MAX bytes waiting counts as REFUSE, and so does a gate still
 * undecided RELAY_GATE_MS after it first said MORE (a trickle).  b to a flows from
 * the start, so a server that speaks first is heard.  ctx is done's too. */
int relay_start_gated(struct loop *l, int a, int b, const void *a_to_b, size_t n,
                      enum relay_gate (*gate)(const uint8_t *next, size_t n, size_t *pass,
                                              void *ctx),
                      void (*done)(void *ctx), void *ctx);

#endif
