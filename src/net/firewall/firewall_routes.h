/* Firewall mode's routes, set by the sandbox init inside the sandbox's
 * network namespace (rtnetlink): a default route per family through lo, so
 * every destination is reachable and its packets meet the ruleset, and for
 * the UDP relay a policy rule sending packets the ruleset marked to a table
 * whose default route is local, so they are delivered to the sandbox's own
 * loopback where tproxy hands them to the relay's socket. */
#ifndef MOAT_NET_FIREWALL_ROUTES_H
#define MOAT_NET_FIREWALL_ROUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/model.h"

/* The mark the ruleset puts on UDP for the relay ("moat"), and its table. */
#define FIREWALL_UDP_MARK 0x6d6f6174u
#define FIREWALL_UDP_TABLE 77

/* 0 or -errno with err naming the route.  A kernel without IPv6 gets the
 * IPv4 routes only. */
int firewall_routes_install(bool udp_relay, struct moat_error *err);

#endif
