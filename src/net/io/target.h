/* Opening a connection to a destination the workload asked for by name or
 * address (a proxy CONNECT authority, a SOCKS5 target): the one path where
 * the network policy is applied to outbound connections.  Deny rules first,
 * then the denied address classes, then allow rules; names are resolved on
 * the host side and every resolved address is judged (DNS rebinding to
 * loopback or metadata refuses the whole name); denials are logged. */
#ifndef MOAT_NET_TARGET_H
#define MOAT_NET_TARGET_H

#include "net/services.h"

struct target;

/* cb(ctx, fd, err, reason): fd >= 0 connected; else err is -EACCES (policy:
 * reason says why), -ENOENT (no such name) or the dial's -errno. */
typedef void (*target_cb)(void *ctx, int fd, int err, const char *reason);

/* family: AF_UNSPEC for any, or the family to dial first (firewall mode: the
 * one the workload connected with; the other only when the name has no usable
 * address in it).  A name is resolved in both families either way and judged
 * as a whole (net/rules/name_answer.h). */
int target_open(struct net_services *ns, const char *authority, int family, target_cb cb,
                void *ctx, struct target **out);
/* The same for a proxy request whose credential names the command that sent it
 * (attribution, printable text or NULL): a denial is logged with it. */
int target_open_as(struct net_services *ns, const char *authority, int family,
                   const char *attribution, target_cb cb, void *ctx, struct target **out);
/* The same judgement for UDP (firewall mode's relay): cb gets a UDP socket
 * connected to the first allowed address, and denials are logged as "udp". */
int target_open_udp(struct net_services *ns, const char *authority, int family, target_cb cb,
                    void *ctx, struct target **out);
/* Cancel before cb ran (the client went away). */
void target_cancel(struct target *t);

#endif
