/* Queries to the host's resolvers (the nameservers of the host side's
 * /etc/resolv.conf, both families, including a 127.0.0.53-style stub), over
 * UDP, from the supervisor in the host namespace.  Random query ids, answers
 * accepted only from the server asked, retries across servers, TCP after a
 * truncated answer.  A failure says why (no answer, an ICMP error, TCP), and
 * a question whose lookup failed fails again at once for a few seconds
 * (RFC 9520).  Shared by the DNS filter and the proxies' resolver; knows
 * nothing of policy. */
#ifndef MOAT_NET_DNS_UPSTREAM_H
#define MOAT_NET_DNS_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"
#include "net/io/loop.h"

#define DNS_UPSTREAM_TRY_MS 1500
#define DNS_UPSTREAM_MAX_SERVERS 3
/* How long a failed lookup is remembered: the same question asked again
 * meanwhile fails at once (RFC 9520 §3.2: at least 1 s, at most 5 min),
 * instead of each of a stub resolver's retries waiting out the timeouts. */
#define DNS_UPSTREAM_FAILED_MS 5000
#define DNS_UPSTREAM_FAILED_MAX 32 /* questions remembered so */

struct dns_upstream;

/* cb(ctx, response, len, id, err, why): the raw response (id = the id it was
 * sent with), or err < 0 with no response and `why` saying what happened
 * (-ETIMEDOUT: no server answered; -ECONNREFUSED, -EHOSTUNREACH, ...: an
 * ICMP error or the TCP retry's failure).  Called once. */
typedef void (*dns_upstream_cb)(void *ctx, const uint8_t *resp, size_t len, uint16_t id,
                                int err, const char *why);

/* resolv_conf: path of the file to read (normally /etc/resolv.conf). */
int dns_upstream_new(struct loop *l, const char *resolv_conf, struct dns_upstream **out,
                     struct moat_error *err);
void dns_upstream_free(struct dns_upstream *u);
/* Send a query (its id is replaced); *handle identifies it for cancel.  On
 * failure (nothing sent, cb never called) dns_upstream_why says why: among
 * others, the same question failed less than DNS_UPSTREAM_FAILED_MS ago. */
int dns_upstream_send(struct dns_upstream *u, const uint8_t *query, size_t len,
                      dns_upstream_cb cb, void *ctx, uint32_t *handle);
const char *dns_upstream_why(const struct dns_upstream *u);
/* Did the last dns_upstream_send fail because the question failed moments ago? */
bool dns_upstream_failed_recently(const struct dns_upstream *u);
void dns_upstream_cancel(struct dns_upstream *u, uint32_t handle);

/* Can the host side reach this family at all?  A UDP connect() is a route
 * lookup only: no packet is sent. */
bool dns_upstream_family_usable(int family);

#endif
