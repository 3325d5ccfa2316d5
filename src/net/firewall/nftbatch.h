/* An nftables transaction built directly as netlink messages (libnftnl),
 * without libnftables: no ruleset text to parse, no cache to fill, so a
 * firewall costs the kernel's work and little else (BENCHMARKS.md).
 *
 * Build a table, its chains and their rules into a batch, then commit it in
 * one transaction: the kernel applies all of it or none of it.  Rules are
 * built from the small vocabulary firewall mode needs; every match loads
 * into register 1 and compares, so rules read like nft(8)'s text:
 *
 *     r = nftbatch_rule(b, "filter_out");
 *     nftbatch_match_prefix(r, &loopback4);      // ip daddr 127.0.0.0/8
 *     nftbatch_verdict(r, NF_ACCEPT);            // accept
 *     nftbatch_add(b, r, "accept loopback");
 *
 * Building never fails half-way: an allocation failure is remembered and
 * reported by nftbatch_commit, which then sends nothing. */
#ifndef MOAT_NET_NFTBATCH_H
#define MOAT_NET_NFTBATCH_H

#include <stdint.h>

#include "policy/model.h"
#include "net/rules/addr.h"

struct nftbatch;
struct nftbatch_rule;

/* A batch for one table of family inet. */
struct nftbatch *nftbatch_new(const char *table);
void nftbatch_free(struct nftbatch *b);

/* A base chain: type "filter", "nat" or "route"; hook NF_INET_*; policy accept. */
void nftbatch_chain(struct nftbatch *b, const char *name, const char *type, unsigned hook,
                    int priority);

/* A new, empty rule for chain; append matches and actions, then nftbatch_add. */
struct nftbatch_rule *nftbatch_rule(struct nftbatch *b, const char *chain);
/* Append r to the batch; what names it in errors ("chain nat_out: DNS redirect"). */
void nftbatch_add(struct nftbatch *b, struct nftbatch_rule *r, const char *what);

/* Matches. */
void nftbatch_match_prefix(struct nftbatch_rule *r, const struct net_cidr *dst); /* ip/ip6 daddr */
void nftbatch_match_l4proto(struct nftbatch_rule *r, uint8_t proto);            /* meta l4proto */
void nftbatch_match_dport(struct nftbatch_rule *r, uint16_t port);               /* th dport */
void nftbatch_match_mark(struct nftbatch_rule *r, uint32_t mark);                /* meta mark */

/* Actions. */
void nftbatch_verdict(struct nftbatch_rule *r, int verdict); /* NF_ACCEPT, NFT_RETURN, ... */
void nftbatch_redirect(struct nftbatch_rule *r, uint16_t port);        /* redirect to :port */
void nftbatch_tproxy(struct nftbatch_rule *r, uint16_t port);          /* tproxy to :port */
void nftbatch_set_mark(struct nftbatch_rule *r, uint32_t mark);        /* meta mark set */
void nftbatch_log_limited(struct nftbatch_rule *r, uint16_t group, uint64_t per_second,
                          uint32_t burst); /* limit rate N/second burst B packets log group G */
void nftbatch_reject_tcp_reset(struct nftbatch_rule *r);
void nftbatch_reject_admin_prohibited(struct nftbatch_rule *r); /* icmpx admin-prohibited */

/* Close the batch: nothing can be added after.  nftbatch_commit does it if
 * needed; sealing first leaves the commit nothing to allocate, which matters
 * in a freshly cloned process (firewall.h).  0, or -ENOMEM (the batch could
 * not be built) or -EINVAL (no message) with err filled. */
int nftbatch_seal(struct nftbatch *b, struct moat_error *err);

/* Send the whole batch as one transaction in the calling thread's network
 * namespace and read the kernel's verdict.  0, or a negative errno with err
 * naming the message the kernel refused and why.  A batch can be committed
 * more than once (each time in a fresh namespace, say). */
int nftbatch_commit(struct nftbatch *b, struct moat_error *err);

#endif
