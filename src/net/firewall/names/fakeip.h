/* Firewall mode's name-to-address map.  The DNS filter answers an allowed
 * name with one address from each pool; a connection to such an address is
 * intercepted and mapped back to the name, which the supervisor then judges,
 * resolves and dials itself.  No real address is ever pinned in the kernel,
 * so CDN rotation and short TTLs need nothing, and the workload learns no
 * real address.  Entries live at least FAKEIP_FLOOR_S seconds, are refreshed
 * by every accepted connection, and then expire: a connection to an expired
 * address is refused. */
#ifndef MOAT_NET_FAKEIP_H
#define MOAT_NET_FAKEIP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/rules/addr.h"

/* RFC 2544 benchmarking space and a ULA prefix: never routed, never on the
 * wire (every packet to them is redirected inside the sandbox). */
#define FAKEIP_POOL4 "198.18.0.0/15"
#define FAKEIP_POOL6 "fd6d:6f61:7400::/48"
#define FAKEIP_FLOOR_S 300

struct fakeip_map;

struct fakeip_map *fakeip_new(unsigned floor_s);
void fakeip_free(struct fakeip_map *m);
/* The pool address for name in family (AF_INET/AF_INET6), allocating it or
 * refreshing its expiry.  0 or -ENOSPC/-ENOMEM. */
int fakeip_for_name(struct fakeip_map *m, const char *name, int family, uint32_t ttl,
                    struct net_addr *out);
/* The name behind a pool address (refreshing it), or NULL when a is not in
 * a pool (*in_pool false) or its entry is unknown or expired. */
const char *fakeip_lookup(struct fakeip_map *m, const struct net_addr *a, bool *in_pool);

#endif
