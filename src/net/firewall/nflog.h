/* Firewall mode's record of what the kernel rejected: the ruleset logs each
 * rejected packet (rate-limited) to an NFLOG group; the sandbox init opens
 * and binds the netlink socket inside the sandbox's namespace (it holds
 * CAP_NET_ADMIN there), and the supervisor reads it and writes the
 * violation log.  Parsing only; never decides anything. */
#ifndef MOAT_NET_NFLOG_H
#define MOAT_NET_NFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "net/rules/addr.h"

#define MOAT_NFLOG_GROUP 7

/* In the init: a non-blocking netlink socket bound to the group, copying
 * the first bytes of each packet.  The fd, or -errno. */
int nflog_open(void);

struct nflog_event {
    struct net_addr dst;
    uint16_t port;   /* 0 for ICMP and others */
    uint8_t proto;   /* IPPROTO_TCP, IPPROTO_UDP, ... */
};

/* Parse one datagram of NFLOG messages; calls fn for each packet. */
void nflog_parse(const void *buf, size_t len, void (*fn)(void *ctx, const struct nflog_event *e),
                 void *ctx);

#endif
