/* Whole IPv4/IPv6 packets for firewall mode's UDP relay, written by the
 * supervisor through raw sockets made inside the sandbox's namespace: a
 * reply that appears to come from the address and port the workload sent
 * to, and the ICMP error that refuses a datagram at once (the same error
 * the kernel ruleset sends for what it rejects itself).  Pure functions:
 * no sockets, no policy. */
#ifndef MOAT_NET_UDP_PACKET_H
#define MOAT_NET_UDP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "net/rules/addr.h"

/* An endpoint: address (both of one family) and port. */
struct udp_end {
    struct net_addr addr;
    uint16_t port;
};

/* Largest packet either function writes. */
#define UDP_PACKET_MAX 65535

/* IP header + UDP header + payload from `from` to `to`, checksums filled.
 * The length written, or 0 when it would not fit in size or in one IP
 * packet, or the families differ. */
size_t udp_packet_build(uint8_t *buf, size_t size, const struct udp_end *from,
                        const struct udp_end *to, const void *payload, size_t len);

enum udp_refusal {
    UDP_ADMIN_PROHIBITED, /* the policy: ICMP 3/13, ICMPv6 1/1 */
    UDP_PORT_UNREACHABLE, /* the destination said so: ICMP 3/3, ICMPv6 1/4 */
    UDP_HOST_UNREACHABLE, /* no usable address: ICMP 3/1, ICMPv6 1/3 */
};

/* The ICMP or ICMPv6 error that tells `client` its datagram of `len`
 * payload bytes to `target` was refused, sent from target's address (as a
 * router on the path would).  The quoted packet is rebuilt from the
 * endpoints, which is all the kernel matches the error to a socket by.
 * The length written, or 0 as above. */
size_t udp_refusal_build(uint8_t *buf, size_t size, enum udp_refusal why,
                         const struct udp_end *client, const struct udp_end *target, size_t len);

/* The Internet checksum (RFC 1071) of data, continuing from sum. */
uint16_t inet_checksum(const void *data, size_t len, uint32_t sum);

#endif
