/* Raw UDP replies and ICMP refusals; see udp_packet.h.  Header layouts:
 * RFC 791 (IPv4), RFC 8200 (IPv6), RFC 768 (UDP), RFC 792 and RFC 4443
 * (ICMP, ICMPv6; an error quotes the offending packet's header and the
 * first 8 bytes after it). */
#include "net/firewall/udp/udp_packet.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#define IP4_HDR 20
#define IP6_HDR 40
#define UDP_HDR 8
#define ICMP_HDR 8

uint16_t inet_checksum(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    for (; len > 1; p += 2, len -= 2)
        sum += (uint32_t)(p[0] << 8 | p[1]);
    if (len)
        sum += (uint32_t)(p[0] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static size_t addr_len(int family)
{
    return family == AF_INET6 ? 16 : 4;
}

/* The sum of the pseudo-header of UDP, ICMPv6 (RFC 8200 §8.1, RFC 768),
 * not yet folded or inverted. */
static uint32_t pseudo_sum(const struct net_addr *src, const struct net_addr *dst, uint8_t proto,
                           size_t len)
{
    size_t alen = addr_len(src->family);
    uint32_t sum = 0;
    for (size_t i = 0; i < alen; i += 2)
        sum += (uint32_t)(src->b[i] << 8 | src->b[i + 1]) + (uint32_t)(dst->b[i] << 8 | dst->b[i + 1]);
    return sum + proto + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
}

/* An IP header for `payload` bytes of proto from src to dst; its length. */
static size_t ip_header(uint8_t *p, const struct net_addr *src, const struct net_addr *dst,
                        uint8_t proto, size_t payload)
{
    if (src->family == AF_INET) {
        memset(p, 0, IP4_HDR);
        p[0] = 0x45; /* version 4, 5 words */
        put16(p + 2, (uint32_t)(IP4_HDR + payload));
        p[6] = 0x40; /* don't fragment */
        p[8] = 64;   /* TTL */
        p[9] = proto;
        memcpy(p + 12, src->b, 4);
        memcpy(p + 16, dst->b, 4);
        put16(p + 10, inet_checksum(p, IP4_HDR, 0));
        return IP4_HDR;
    }
    memset(p, 0, IP6_HDR);
    p[0] = 0x60; /* version 6 */
    put16(p + 4, (uint32_t)payload);
    p[6] = proto;
    p[7] = 64; /* hop limit */
    memcpy(p + 8, src->b, 16);
    memcpy(p + 24, dst->b, 16);
    return IP6_HDR;
}

static size_t ip_header_len(int family)
{
    return family == AF_INET6 ? IP6_HDR : IP4_HDR;
}

/* Does an IP packet with `payload` bytes after its header fit? */
static bool fits(int family, size_t payload, size_t size)
{
    size_t hdr = ip_header_len(family);
    /* IPv4's total length and IPv6's payload length are 16 bits. */
    size_t limit = family == AF_INET6 ? 65535 : 65535 - IP4_HDR;
    return payload <= limit && hdr + payload <= size;
}

size_t udp_packet_build(uint8_t *buf, size_t size, const struct udp_end *from,
                        const struct udp_end *to, const void *payload, size_t len)
{
    int family = from->addr.family;
    if (to->addr.family != family || (family != AF_INET && family != AF_INET6) ||
        !fits(family, UDP_HDR + len, size))
        return 0;
    size_t hdr = ip_header(buf, &from->addr, &to->addr, IPPROTO_UDP, UDP_HDR + len);
    uint8_t *udp = buf + hdr;
    put16(udp, from->port);
    put16(udp + 2, to->port);
    put16(udp + 4, (uint32_t)(UDP_HDR + len));
    put16(udp + 6, 0);
    memcpy(udp + UDP_HDR, payload, len);
    uint16_t sum = inet_checksum(udp, UDP_HDR + len,
                                 pseudo_sum(&from->addr, &to->addr, IPPROTO_UDP, UDP_HDR + len));
    put16(udp + 6, sum ? sum : 0xffff); /* 0 would mean "no checksum" */
    return hdr + UDP_HDR + len;
}

size_t udp_refusal_build(uint8_t *buf, size_t size, enum udp_refusal why,
                         const struct udp_end *client, const struct udp_end *target, size_t len)
{
    int family = client->addr.family;
    if (target->addr.family != family || (family != AF_INET && family != AF_INET6))
        return 0;
    bool v6 = family == AF_INET6;
    size_t quoted = ip_header_len(family) + UDP_HDR;
    size_t icmp_len = ICMP_HDR + quoted;
    if (!fits(family, icmp_len, size))
        return 0;
    uint8_t proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    size_t hdr = ip_header(buf, &target->addr, &client->addr, proto, icmp_len);
    uint8_t *icmp = buf + hdr;
    memset(icmp, 0, ICMP_HDR);
    static const uint8_t codes[2][3] = {
        /* ICMP type 3 */ { 13, 3, 1 },
        /* ICMPv6 type 1 */ { 1, 4, 3 },
    };
    icmp[0] = v6 ? 1 : 3;
    icmp[1] = codes[v6][why];
    /* The datagram as the workload sent it: its header, then its UDP
     * header (checksum left 0, which the kernel does not look at). */
    uint8_t *q = icmp + ICMP_HDR;
    size_t qh = ip_header(q, &client->addr, &target->addr, IPPROTO_UDP, UDP_HDR + len);
    put16(q + qh, client->port);
    put16(q + qh + 2, target->port);
    put16(q + qh + 4, (uint32_t)((UDP_HDR + len) & 0xffff));
    put16(q + qh + 6, 0);
    uint32_t start = v6 ? pseudo_sum(&target->addr, &client->addr, IPPROTO_ICMPV6, icmp_len) : 0;
    put16(icmp + 2, inet_checksum(icmp, icmp_len, start));
    return hdr + icmp_len;
}
