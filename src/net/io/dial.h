/* Outbound connections from the host side: a list of addresses tried in
 * order, the next one started if the current has not connected within a
 * short delay (Happy Eyeballs, RFC 8305, simplified), the first to connect
 * wins.  Knows nothing of policy: callers pass only allowed addresses. */
#ifndef MOAT_NET_DIAL_H
#define MOAT_NET_DIAL_H

#include <stddef.h>
#include <sys/socket.h>

#include "net/io/loop.h"

#define DIAL_MAX_ADDRS 16
#define DIAL_STAGGER_MS 250
#define DIAL_TIMEOUT_MS 10000

struct dial;

/* cb(ctx, fd, err): fd >= 0 connected (non-blocking, caller owns it), or
 * fd < 0 and err = -errno of the last failure.  Called exactly once, never
 * from inside dial_start.  *out may be used to cancel before that. */
int dial_start(struct loop *l, const struct sockaddr_storage *addrs, size_t n,
               void (*cb)(void *ctx, int fd, int err), void *ctx, struct dial **out);
void dial_cancel(struct dial *d);

#endif
