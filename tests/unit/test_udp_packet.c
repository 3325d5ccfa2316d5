/* Unit tests for src/net/firewall/udp/udp_packet.c: the packets the UDP relay writes
 * into the sandbox.  Checksums are verified the way a receiver does: the
 * sum over the covered bytes, pseudo-header included, comes out as 0. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "net/firewall/udp/udp_packet.h"
#include "unit.h"

static struct udp_end end(const char *addr, uint16_t port)
{
    struct udp_end e = { .port = port };
    CHECK_INT(addr_parse(addr, &e.addr), 0);
    return e;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)(p[0] << 8 | p[1]);
}

/* The one's-complement sum of a pseudo-header (src, dst, proto, len) and
 * the transport bytes, as a receiver verifies it: 0 when correct. */
static uint16_t verify(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
                       const uint8_t *l4, size_t len)
{
    uint8_t ph[40];
    memcpy(ph, src, alen);
    memcpy(ph + alen, dst, alen);
    uint32_t sum = 0;
    for (size_t i = 0; i < 2 * alen; i += 2)
        sum += get16(ph + i);
    sum += proto + (uint32_t)len;
    return inet_checksum(l4, len, sum);
}

TEST(ipv4_reply_comes_from_the_address_the_workload_asked)
{
    uint8_t buf[256];
    struct udp_end from = end("198.18.0.5", 7), to = end("127.0.0.1", 40000);
    size_t n = udp_packet_build(buf, sizeof buf, &from, &to, "pong", 4);
    CHECK_INT(n, 20 + 8 + 4);
    CHECK_INT(buf[0], 0x45);
    CHECK_INT(get16(buf + 2), n);
    CHECK_INT(buf[9], IPPROTO_UDP);
    CHECK_INT(inet_checksum(buf, 20, 0), 0);
    CHECK(memcmp(buf + 12, from.addr.b, 4) == 0 && memcmp(buf + 16, to.addr.b, 4) == 0);
    CHECK_INT(get16(buf + 20), 7);
    CHECK_INT(get16(buf + 22), 40000);
    CHECK_INT(get16(buf + 24), 12);
    CHECK(memcmp(buf + 28, "pong", 4) == 0);
    CHECK_INT(verify(buf + 12, buf + 16, 4, IPPROTO_UDP, buf + 20, 12), 0);
}

TEST(ipv6_reply_has_the_mandatory_checksum)
{
    uint8_t buf[256];
    struct udp_end from = end("fd6d:6f61:7400::1", 9000), to = end("::1", 5353);
    size_t n = udp_packet_build(buf, sizeof buf, &from, &to, "hello", 5);
    CHECK_INT(n, 40 + 8 + 5);
    CHECK_INT(buf[0] >> 4, 6);
    CHECK_INT(get16(buf + 4), 13);
    CHECK_INT(buf[6], IPPROTO_UDP);
    CHECK(memcmp(buf + 8, from.addr.b, 16) == 0 && memcmp(buf + 24, to.addr.b, 16) == 0);
    CHECK(get16(buf + 46) != 0);
    CHECK_INT(verify(buf + 8, buf + 24, 16, IPPROTO_UDP, buf + 40, 13), 0);
}

TEST(what_does_not_fit_is_not_built)
{
    static uint8_t buf[UDP_PACKET_MAX];
    static const uint8_t big[65536];
    struct udp_end a4 = end("198.18.0.5", 7), b4 = end("127.0.0.1", 1), b6 = end("::1", 1);
    CHECK_INT(udp_packet_build(buf, sizeof buf, &a4, &b4, big, 65507), 65535);
    CHECK_INT(udp_packet_build(buf, sizeof buf, &a4, &b4, big, 65508), 0);
    CHECK_INT(udp_packet_build(buf, 40, &a4, &b4, big, 13), 0);
    CHECK_INT(udp_packet_build(buf, sizeof buf, &a4, &b6, "x", 1), 0); /* mixed families */
}

TEST(ipv4_refusal_quotes_the_datagram_it_refuses)
{
    uint8_t buf[256];
    struct udp_end client = end("127.0.0.1", 40000), target = end("198.18.0.5", 7);
    size_t n = udp_refusal_build(buf, sizeof buf, UDP_ADMIN_PROHIBITED, &client, &target, 100);
    CHECK_INT(n, 20 + 8 + 20 + 8);
    CHECK_INT(buf[9], IPPROTO_ICMP);
    CHECK(memcmp(buf + 12, target.addr.b, 4) == 0 && memcmp(buf + 16, client.addr.b, 4) == 0);
    CHECK_INT(buf[20], 3);  /* destination unreachable */
    CHECK_INT(buf[21], 13); /* administratively prohibited */
    CHECK_INT(inet_checksum(buf + 20, n - 20, 0), 0);
    const uint8_t *q = buf + 28; /* the quoted datagram: client -> target */
    CHECK_INT(q[9], IPPROTO_UDP);
    CHECK_INT(get16(q + 2), 20 + 8 + 100);
    CHECK(memcmp(q + 12, client.addr.b, 4) == 0 && memcmp(q + 16, target.addr.b, 4) == 0);
    CHECK_INT(get16(q + 20), 40000);
    CHECK_INT(get16(q + 22), 7);
    n = udp_refusal_build(buf, sizeof buf, UDP_PORT_UNREACHABLE, &client, &target, 0);
    CHECK_INT(buf[21], 3);
    n = udp_refusal_build(buf, sizeof buf, UDP_HOST_UNREACHABLE, &client, &target, 0);
    CHECK_INT(buf[21], 1);
}

TEST(ipv6_refusal_is_icmpv6_with_its_pseudo_header_checksum)
{
    uint8_t buf[256];
    struct udp_end client = end("::1", 40000), target = end("2001:db8::5", 9000);
    size_t n = udp_refusal_build(buf, sizeof buf, UDP_ADMIN_PROHIBITED, &client, &target, 4);
    CHECK_INT(n, 40 + 8 + 40 + 8);
    CHECK_INT(buf[6], IPPROTO_ICMPV6);
    CHECK_INT(buf[40], 1); /* destination unreachable */
    CHECK_INT(buf[41], 1); /* administratively prohibited */
    CHECK_INT(verify(buf + 8, buf + 24, 16, IPPROTO_ICMPV6, buf + 40, n - 40), 0);
    const uint8_t *q = buf + 48;
    CHECK(memcmp(q + 8, client.addr.b, 16) == 0 && memcmp(q + 24, target.addr.b, 16) == 0);
    CHECK_INT(get16(q + 40), 40000);
    CHECK_INT(get16(q + 42), 9000);
    udp_refusal_build(buf, sizeof buf, UDP_PORT_UNREACHABLE, &client, &target, 4);
    CHECK_INT(buf[41], 4);
    udp_refusal_build(buf, sizeof buf, UDP_HOST_UNREACHABLE, &client, &target, 4);
    CHECK_INT(buf[41], 3);
}

int main(void)
{
    RUN(ipv4_reply_comes_from_the_address_the_workload_asked);
    RUN(ipv6_reply_has_the_mandatory_checksum);
    RUN(what_does_not_fit_is_not_built);
    RUN(ipv4_refusal_quotes_the_datagram_it_refuses);
    RUN(ipv6_refusal_is_icmpv6_with_its_pseudo_header_checksum);
    return UNIT_DONE();
}
