/* The resolver's memory of recent answers: per name and record type, the
 * addresses an upstream answer held (after the answer filter), for as long as
 * its records' TTL allows (capped at ANSWER_CACHE_MAX_TTL_S), so connections
 * to one name within a TTL do not each wait for the upstream.  Holds only
 * addresses: failures, refusals and empty answers are never remembered, and an
 * expired entry is never returned, so CDN rotation shows after one TTL. */
#ifndef MOAT_NET_ANSWER_CACHE_H
#define MOAT_NET_ANSWER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "net/rules/addr.h"

#define ANSWER_CACHE_SLOTS 32
#define ANSWER_CACHE_ADDRS 16
#define ANSWER_CACHE_MAX_TTL_S 300

struct answer_cache;

struct answer_cache *answer_cache_new(void);
void answer_cache_free(struct answer_cache *c);

/* Remember n (1..ANSWER_CACHE_ADDRS, more are cut) addresses for name and qtype until
 * now_ms + ttl_s seconds; ttl_s 0 forgets what was there instead. */
void answer_cache_put(struct answer_cache *c, const char *name, uint16_t qtype,
                      const struct net_addr *addrs, size_t n, uint32_t ttl_s, uint64_t now_ms);

/* The addresses remembered for name and qtype (copied to out, at most
 * ANSWER_CACHE_ADDRS), or 0 when none are or they expired. */
size_t answer_cache_get(struct answer_cache *c, const char *name, uint16_t qtype,
                        uint64_t now_ms, struct net_addr *out);

#endif
