/* Fuzz target: NFLOG datagrams (src/net/firewall/nflog.c), which the supervisor reads from
 * a netlink socket inside the sandbox's namespace.  The input is one datagram.  Checks the
 * events reported against a reference walk written here from the netlink format
 * (netlink(7), RFC 3549 §2.3.2: 16-byte headers, lengths including the header, 4-byte
 * alignment), with every read bounded by the datagram, so that nothing is reported that
 * is not in the bytes given (ASan: and nothing past them is read). */
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "net/firewall/nflog.h"

#define MAX_EVENTS 4096

struct events {
    size_t n;
    struct nflog_event e[MAX_EVENTS];
};

static struct events got, want;

static void collect(void *ctx, const struct nflog_event *e)
{
    struct events *ev = ctx;
    FUZZ_CHECK(ev->n < MAX_EVENTS);
    ev->e[ev->n++] = *e;
}

static size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The IP header at p: destination, protocol and, for TCP/UDP, the destination port. */
static void ref_packet(const uint8_t *p, size_t len, struct events *ev)
{
    struct nflog_event e = {0};
    size_t l4;
    if (len >= 20 && p[0] >> 4 == 4) {
        e.dst.family = AF_INET;
        memcpy(e.dst.b, p + 16, 4);
        e.proto = p[9];
        l4 = (size_t)(p[0] & 15) * 4;
    } else if (len >= 40 && p[0] >> 4 == 6) {
        e.dst.family = AF_INET6;
        memcpy(e.dst.b, p + 24, 16);
        e.proto = p[6];
        l4 = 40;
    } else {
        return;
    }
    if ((e.proto == IPPROTO_TCP || e.proto == IPPROTO_UDP) && len >= l4 + 4)
        e.port = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
    collect(ev, &e);
}

static void ref_walk(const uint8_t *buf, size_t len, struct events *ev)
{
    for (size_t off = 0; len - off >= NLMSG_HDRLEN;) {
        size_t mlen = get32(buf + off);
        uint16_t type = get16(buf + off + 4);
        if (mlen < NLMSG_HDRLEN || mlen > len - off)
            break;
        if (type == (NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET)) {
            size_t end = off + mlen;
            for (size_t a = off + NLMSG_HDRLEN + align4(sizeof(struct nfgenmsg));
                 a + NLA_HDRLEN <= end;) {
                size_t alen = get16(buf + a);
                if (alen < NLA_HDRLEN || alen > end - a)
                    break;
                if ((get16(buf + a + 2) & NLA_TYPE_MASK) == NFULA_PAYLOAD)
                    ref_packet(buf + a + NLA_HDRLEN, alen - NLA_HDRLEN, ev);
                a += align4(alen);
            }
        }
        if (align4(mlen) >= len - off)
            break;
        off += align4(mlen);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    got.n = want.n = 0;
    nflog_parse(data, size, collect, &got);
    ref_walk(data, size, &want);
    FUZZ_CHECKF(got.n == want.n, "%zu events reported, %zu in the datagram", got.n, want.n);
    for (size_t i = 0; i < got.n; i++) {
        const struct nflog_event *g = &got.e[i], *w = &want.e[i];
        FUZZ_CHECK(g->dst.family == AF_INET || g->dst.family == AF_INET6);
        FUZZ_CHECK(g->dst.family == w->dst.family && memcmp(g->dst.b, w->dst.b, 16) == 0);
        FUZZ_CHECK(g->proto == w->proto && g->port == w->port);
        FUZZ_CHECK(memmem(data, size, g->dst.b, g->dst.family == AF_INET ? 4 : 16));
    }
    return 0;
}
