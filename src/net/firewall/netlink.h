/* The netlink plumbing firewall mode's set-up shares (routes, NFLOG, the
 * nftables batch): a bound socket, and one acknowledged request.  Messages
 * are built by the callers, with libmnl. */
#ifndef MOAT_NET_NETLINK_H
#define MOAT_NET_NETLINK_H

#include <libmnl/libmnl.h>

/* A socket of netlink family bus (NETLINK_ROUTE, NETLINK_NETFILTER), bound
 * to an automatic port id, in the calling thread's network namespace.
 * NULL with errno set. */
struct mnl_socket *netlink_open(int bus);

/* Room for one request of a few attributes (a route, a rule, a config). */
#define NETLINK_REQUEST_MAX 512

/* Send nlh (at most NETLINK_REQUEST_MAX bytes), which asks for an
 * acknowledgement (NLM_F_ACK), and read the answer: 0, or the kernel's
 * refusal as -errno. */
int netlink_request(struct mnl_socket *nl, struct nlmsghdr *nlh);

#endif
