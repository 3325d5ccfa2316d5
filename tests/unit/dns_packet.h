/* Building raw DNS packets for the DNS unit tests (test_dns_msg.c,
 * test_dns_filter.c): big-endian writers, names, headers, OPT and RR
 * headers.  No validation: tests build hostile packets with it too. */
#ifndef MOAT_TESTS_DNS_PACKET_H
#define MOAT_TESTS_DNS_PACKET_H

#include <stdint.h>
#include <string.h>

#include "net/dns/dns_msg.h"

struct pkt {
    uint8_t b[16384];
    size_t n;
};

static inline void p8(struct pkt *p, unsigned v)
{
    p->b[p->n++] = (uint8_t)v;
}

static inline void p16(struct pkt *p, unsigned v)
{
    p8(p, v >> 8), p8(p, v);
}

static inline void p32(struct pkt *p, uint32_t v)
{
    p16(p, v >> 16), p16(p, v & 0xffff);
}

static inline void pbytes(struct pkt *p, const void *src, size_t n)
{
    memcpy(p->b + p->n, src, n);
    p->n += n;
}

/* Labels of a dotted name, without the terminating root octet. */
static inline void plabels(struct pkt *p, const char *name)
{
    while (*name) {
        size_t k = strcspn(name, ".");
        p8(p, (unsigned)k);
        pbytes(p, name, k);
        name += k;
        if (*name == '.')
            name++;
    }
}

static inline void pname(struct pkt *p, const char *name)
{
    plabels(p, name);
    p8(p, 0);
}

static inline void pptr(struct pkt *p, unsigned off)
{
    p16(p, 0xc000u | off);
}

static inline void phdr(struct pkt *p, unsigned id, unsigned flags, unsigned qd, unsigned an,
                        unsigned ns, unsigned ar)
{
    p->n = 0;
    p16(p, id), p16(p, flags), p16(p, qd), p16(p, an), p16(p, ns), p16(p, ar);
}

static inline void popt(struct pkt *p, unsigned udp, uint32_t ttl, unsigned rdlen)
{
    p8(p, 0), p16(p, DNS_TYPE_OPT), p16(p, udp), p32(p, ttl), p16(p, rdlen);
}

/* An RR header after its owner. */
static inline void prr(struct pkt *p, unsigned type, uint32_t ttl, unsigned rdlen)
{
    p16(p, type), p16(p, DNS_CLASS_IN), p32(p, ttl), p16(p, rdlen);
}

#endif
