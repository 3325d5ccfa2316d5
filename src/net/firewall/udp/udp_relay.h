/* Firewall mode's UDP relay.  The ruleset marks UDP to moat's address pools
 * and to the policy's literal addresses, routes it to the sandbox's own
 * loopback and hands it (tproxy) to a transparent socket the sandbox init
 * made; each datagram arrives with the destination the workload chose
 * (IP_ORIGDSTADDR).  A flow is the pair (workload endpoint, destination):
 * its first datagram is judged exactly like an intercepted TCP connection
 * (target_open_udp: names behind pool addresses, policy, rebinding, family),
 * then relayed through a connected UDP socket on the host side.  Replies are
 * written back through a raw socket in the sandbox's namespace as coming
 * from the destination the workload addressed, so connected UDP sockets
 * accept them.  A refused datagram gets an ICMP error at once, like the
 * kernel's own rejections; so does one the destination refused. */
#ifndef MOAT_NET_UDP_RELAY_H
#define MOAT_NET_UDP_RELAY_H

#include <stdint.h>

#include "net/services.h"

#define MOAT_UDP_TPROXY_PORT 3131
/* Flows idle this long are forgotten (and their host socket closed). */
#define UDP_FLOW_IDLE_MS 60000
/* A refused flow is remembered this long, so a retrying client is refused
 * again without another log entry. */
#define UDP_REFUSED_MS 5000
#define UDP_FLOWS_MAX 1024

struct udp_relay;

/* In the sandbox init: the transparent socket (bound to the family's
 * loopback address, port MOAT_UDP_TPROXY_PORT) and the raw socket for
 * replies.  An fd or -errno. */
int udp_relay_tproxy_socket(int family);
int udp_relay_raw_socket(int family);

/* In the supervisor. */
struct udp_relay *udp_relay_new(struct net_services *ns);
void udp_relay_free(struct udp_relay *u);
/* Take the raw socket of a family (owned from here on). */
void udp_relay_adopt_raw(struct udp_relay *u, int family, int fd);
/* The transparent socket of a family is readable. */
int udp_relay_read(struct udp_relay *u, int fd);

#endif
