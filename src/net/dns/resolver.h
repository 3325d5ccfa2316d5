/* Name to addresses for the proxies and firewall mode, on the host side,
 * through the same upstream resolvers and the same answer filter as the
 * sandbox's DNS (A and AAAA, as the host reaches them, asked at once): only
 * the CNAME chain from the name and records of the asked type count, and
 * name_answer.h's rule turns the two answers into one verdict (a denied CNAME
 * target or a rebinding address in either family refuses the name; a family
 * that failed upstream does not; the other family is waited for at most
 * NAME_ANSWER_GRACE_MS once one has addresses).  The caller still judges
 * every address. */
#ifndef MOAT_NET_RESOLVER_H
#define MOAT_NET_RESOLVER_H

#include <stddef.h>

#include "net/rules/addr.h"
#include "net/dns/answer_cache.h"
#include "net/dns/dns_filter.h"
#include "net/dns/dns_upstream.h"
#include "net/io/loop.h"
#include "net/rules/name_answer.h"

#define RESOLVER_MAX_ADDRS 16

struct resolve;

/* cb(ctx, addrs, n, err, why), called once, after which the handle is gone
 * (do not cancel it): n > 0 addresses (IPv6 first), or err < 0: -ENOENT (no
 * such name, no address), -EACCES (the answer filter refused it; why says
 * why), or the failure (-EAGAIN for an upstream error, -ETIMEDOUT, ...; why
 * says what the host's DNS servers did). */
typedef void (*resolve_cb)(void *ctx, const struct net_addr *addrs, size_t n, int err,
                           const char *why);

/* ops: the DNS filter's policy callbacks (borrowed, must outlive the lookup).  cache
 * (may be NULL; answer_cache.h): when every family asked for is remembered there, cb is
 * called with those addresses before resolve_start returns, and *out is left alone; else
 * the answers that give the name addresses are remembered for their TTL. */
int resolve_start(struct loop *loop, struct dns_upstream *u, const struct dns_filter_ops *ops,
                  struct answer_cache *cache, const char *name, bool want_v4, bool want_v6,
                  resolve_cb cb, void *ctx, struct resolve **out);
void resolve_cancel(struct resolve *r);

#endif
