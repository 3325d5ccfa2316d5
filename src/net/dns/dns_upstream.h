/* Queries to the host's resolvers (the nameservers of the host side's
 * /etc/resolv.conf, both families, including a 127.0.0.53-style stub), over
 * UDP, from the supervisor in the host namespace.  Random query ids, answers
 * accepted only from the server asked, retries across servers.  Shared by
 * the DNS filter and the proxies' resolver; knows nothing of policy. */
#ifndef MOAT_NET_DNS_UPSTREAM_H
#define MOAT_NET_DNS_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"
#include "net/io/loop.h"

#define DNS_UPSTREAM_TRY_MS 1500
#define DNS_UPSTREAM_MAX_SERVERS 3

struct dns_upstream;

/* cb(ctx, response, len, id, err): the raw response (id = the id it was sent
 * with), or err < 0 (-ETIMEDOUT) with no response.  Called once. */
typedef void (*dns_upstream_cb)(void *ctx, const uint8_t *resp, size_t len, uint16_t id, int err);

/* resolv_conf: path of the file to read (normally /etc/resolv.conf). */
int dns_upstream_new(struct loop *l, const char *resolv_conf, struct dns_upstream **out,
                     struct moat_error *err);
void dns_upstream_free(struct dns_upstream *u);
/* Send a query (its id is replaced); *handle identifies it for cancel. */
int dns_upstream_send(struct dns_upstream *u, const uint8_t *query, size_t len,
                      dns_upstream_cb cb, void *ctx, uint32_t *handle);
void dns_upstream_cancel(struct dns_upstream *u, uint32_t handle);

/* Can the host side reach this family at all?  A UDP connect() is a route
 * lookup only: no packet is sent. */
bool dns_upstream_family_usable(int family);

#endif
