/* Unit tests for src/net/firewall/nflog.c's parser: NFLOG datagrams built field by field
 * (IPv4 TCP, IPv6 UDP, ICMP, several messages and attributes), and datagrams whose lengths
 * lie: every read must stay within the datagram, which sits in a buffer of exactly its
 * size so that ASan sees any read past it. */
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "net/firewall/nflog.h"
#include "unit.h"
#include "wire.h"

#define PACKET_TYPE ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)

struct seen {
    size_t n;
    struct nflog_event e[8];
};

static void collect(void *ctx, const struct nflog_event *e)
{
    struct seen *s = ctx;
    if (s->n < 8)
        s->e[s->n] = *e;
    s->n++;
}

static void put_u16(struct wire *w, uint16_t v)
{
    put(w, &v, 2);
}

static void put_u32(struct wire *w, uint32_t v)
{
    put(w, &v, 4);
}

/* One netlink attribute, padded to 4 bytes. */
static void put_attr(struct wire *w, uint16_t type, const void *data, size_t n)
{
    put_u16(w, (uint16_t)(NLA_HDRLEN + n));
    put_u16(w, type);
    put(w, data, n);
    while (w->n % 4)
        put(w, "", 1);
}

/* The header of an NFLOG packet message whose length field says `len` (0: patched later
 * by msg_end); returns where it starts. */
static size_t msg_start(struct wire *w, uint32_t len)
{
    size_t at = w->n;
    put_u32(w, len);
    put_u16(w, PACKET_TYPE);
    put_u16(w, 0);
    put_u32(w, 0);
    put_u32(w, 0);
    put(w, (uint8_t[]){AF_UNSPEC, NFNETLINK_V0, 0, MOAT_NFLOG_GROUP}, 4);
    return at;
}

static void msg_end(struct wire *w, size_t at)
{
    uint32_t len = (uint32_t)(w->n - at);
    memcpy(w->b + at, &len, 4);
}

static const uint8_t tcp4[24] = {0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, IPPROTO_TCP, 0, 0,
                                 10, 0, 0, 2, 203, 0, 113, 9, 0x9c, 0x40, 0x01, 0xbb};

static const uint8_t udp6[44] = {0x60, 0, 0, 0, 0, 8, IPPROTO_UDP, 64,
                                 0x20, 0x01, 0x0d, 0xb8, [23] = 2,
                                 0x20, 0x01, 0x0d, 0xb8, [39] = 9,
                                 0x14, 0xe9, 0x00, 0x35};

/* Parse w's bytes from a heap buffer of exactly their size. */
static struct seen parse(const struct wire *w, size_t len)
{
    struct seen s = {0};
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, w->b, len);
    nflog_parse(buf, len, collect, &s);
    free(buf);
    return s;
}

TEST(events_from_well_formed_datagrams)
{
    struct wire w = {0};
    size_t at = msg_start(&w, 0);
    put_attr(&w, NFULA_PREFIX, "moat", 5);
    put_attr(&w, NFULA_PAYLOAD, tcp4, sizeof tcp4);
    msg_end(&w, at);
    at = msg_start(&w, 0);
    put_attr(&w, NFULA_PAYLOAD, udp6, sizeof udp6);
    msg_end(&w, at);
    struct seen s = parse(&w, w.n);
    CHECK_INT(s.n, 2);
    CHECK_INT(s.e[0].dst.family, AF_INET);
    CHECK(memcmp(s.e[0].dst.b, (uint8_t[]){203, 0, 113, 9}, 4) == 0);
    CHECK_INT(s.e[0].proto, IPPROTO_TCP);
    CHECK_INT(s.e[0].port, 443);
    CHECK_INT(s.e[1].dst.family, AF_INET6);
    CHECK(memcmp(s.e[1].dst.b, udp6 + 24, 16) == 0);
    CHECK_INT(s.e[1].proto, IPPROTO_UDP);
    CHECK_INT(s.e[1].port, 53);
}

TEST(other_messages_and_attributes_are_skipped)
{
    struct wire w = {0};
    size_t at = msg_start(&w, 0);
    put_attr(&w, NFULA_PAYLOAD, tcp4, sizeof tcp4);
    msg_end(&w, at);
    uint16_t config = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
    memcpy(w.b + at + 4, &config, 2);
    at = msg_start(&w, 0);
    put_attr(&w, NFULA_PREFIX, tcp4, sizeof tcp4);
    put_attr(&w, NFULA_PAYLOAD, tcp4, 12); /* too short for an IPv4 header */
    msg_end(&w, at);
    CHECK_INT(parse(&w, w.n).n, 0);
}

/* A message length of 2^31 or more: libmnl's check reads it as a negative int and lets it
 * pass, and the walk then left the datagram (found by tests/fuzz/fuzz_nflog.c). */
TEST(message_length_beyond_the_datagram_is_refused)
{
    static const uint32_t lies[] = {0xff000048u, 0x80000000u, 0xffffffffu, 1000};
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        struct wire w = {0};
        msg_start(&w, lies[i]);
        put_attr(&w, NFULA_PAYLOAD, tcp4, sizeof tcp4);
        size_t second = msg_start(&w, 0);
        put_attr(&w, NFULA_PAYLOAD, udp6, sizeof udp6);
        msg_end(&w, second);
        CHECK_INT(parse(&w, w.n).n, 0);
    }
}

/* The last message's length is not a multiple of 4 and its attribute claims the padding
 * that is not there: libmnl's walk runs to the aligned end, past the datagram. */
TEST(attribute_past_an_unaligned_end_is_refused)
{
    struct wire w = {0};
    size_t at = msg_start(&w, 0);
    put_attr(&w, NFULA_PAYLOAD, tcp4, sizeof tcp4);
    msg_end(&w, at);
    size_t len = w.n - 2;
    uint32_t mlen = (uint32_t)len;
    memcpy(w.b + at, &mlen, 4);
    CHECK_INT(parse(&w, len).n, 0);
    /* The same with the attribute's own length fitting the datagram is one event. */
    uint16_t alen = (uint16_t)(NLA_HDRLEN + sizeof tcp4 - 2);
    memcpy(w.b + at + NLMSG_HDRLEN + 4, &alen, 2);
    CHECK_INT(parse(&w, len).n, 1);
}

TEST(truncated_datagrams_report_nothing)
{
    struct wire w = {0};
    size_t at = msg_start(&w, 0);
    put_attr(&w, NFULA_PAYLOAD, udp6, sizeof udp6);
    msg_end(&w, at);
    for (size_t len = 0; len < w.n; len++)
        CHECK_INT(parse(&w, len).n, 0);
    CHECK_INT(parse(&w, w.n).n, 1);
}

int main(void)
{
    RUN(events_from_well_formed_datagrams);
    RUN(other_messages_and_attributes_are_skipped);
    RUN(message_length_beyond_the_datagram_is_refused);
    RUN(attribute_past_an_unaligned_end_is_refused);
    RUN(truncated_datagrams_report_nothing);
    return UNIT_DONE();
}
