/* Firewall mode's kernel side, installed by the sandbox init inside the
 * sandbox's network namespace before the workload exists: default routes
 * for both families through lo (no device needed: nothing that is not
 * redirected to lo leaves it anyway), and one nftables table of family inet that redirects TCP to moat's fake-address pools and to the
 * policy's literal addresses/CIDRs to the interception socket, sends all DNS
 * (UDP and TCP, any address) to the DNS filter, and rejects everything else
 * at once (TCP reset, ICMP admin-prohibited).  The workload has no
 * capability over this namespace, so it cannot change any of it. */
#ifndef MOAT_NET_FIREWALL_H
#define MOAT_NET_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"
#include "net/rules/netrule.h"

#define MOAT_INTERCEPT_PORT 3130

#define MOAT_FIREWALL_TABLE "moat"

/* The routes and the ruleset for a policy.  The supervisor builds them
 * before the clone; the init, a copy of its memory, only sends them: in a
 * freshly cloned process every page first written costs a copy-on-write
 * fault, about 25 us each on the benchmark machine (BENCHMARKS.md). */
struct firewall;

/* From the policy's compiled rules (the network services' own): 0, or
 * -errno with err filled; free with firewall_free. */
int firewall_prepare(const struct netpolicy *np, struct firewall **out, struct moat_error *err);
void firewall_free(struct firewall *fw);

/* Proxy mode's trace of programs that ignore the proxy: the same default routes, and a
 * table that accepts the sandbox's loopback and rejects everything else at once (TCP reset:
 * connect(2) fails with ECONNREFUSED; ICMP admin-prohibited for the rest), logging it
 * through NFLOG first, so a refused direct connection shows up in the violation log with a
 * hint. */
int firewall_prepare_trace(struct firewall **out, struct moat_error *err);

/* Does the policy allow UDP anywhere, so the ruleset hands UDP to the relay
 * (net/firewall/udp/udp_relay.h)?  Otherwise all UDP but DNS is rejected. */
bool firewall_relays_udp(const struct firewall *fw);

/* In the sandbox's network namespace: add the routes, then load the ruleset
 * in one transaction (proxy mode's trace: the ruleset first, the routes only
 * once it is in place, and neither on a kernel without nf_tables). */
int firewall_install(const struct firewall *fw, struct moat_error *err);

#endif
