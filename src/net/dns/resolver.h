/* Name to addresses for the proxies, on the host side, through the same
 * upstream resolvers and the same answer filter as the sandbox's DNS (A, and
 * AAAA when the host reaches IPv6): only the CNAME chain from the name and
 * records of the asked type count, a denied CNAME target or a rebinding
 * address refuses the name.  The caller still judges every address. */
#ifndef MOAT_NET_RESOLVER_H
#define MOAT_NET_RESOLVER_H

#include <stddef.h>

#include "net/rules/addr.h"
#include "net/dns/dns_filter.h"
#include "net/dns/dns_upstream.h"

#define RESOLVER_MAX_ADDRS 16

struct resolve;

/* cb(ctx, addrs, n, err, why), called once, after which the handle is gone
 * (do not cancel it): n >= 0 addresses (IPv6 first), or err < 0: -ENOENT (no
 * such name or no address), -EACCES (the answer filter refused it; why says
 * why), -ETIMEDOUT, ... */
typedef void (*resolve_cb)(void *ctx, const struct net_addr *addrs, size_t n, int err,
                           const char *why);

/* ops: the DNS filter's policy callbacks (borrowed, must outlive the lookup). */
int resolve_start(struct dns_upstream *u, const struct dns_filter_ops *ops, const char *name,
                  bool want_v4, bool want_v6, resolve_cb cb, void *ctx, struct resolve **out);
void resolve_cancel(struct resolve *r);

#endif
