/* The fake-address map; see fakeip.h.  Linear and small on purpose: one
 * entry per allowed name a sandbox looked up. */
#include "net/firewall/names/fakeip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define FAKEIP_MAX 65534

struct entry {
    char name[256];
    uint64_t expires; /* monotonic seconds */
};

struct fakeip_map {
    struct entry *e; /* index i is 198.18.0.0 + i + 1 and fd6d:6f61:7400:: + i + 1 */
    size_t n, cap;
    unsigned floor_s;
};

static uint64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

struct fakeip_map *fakeip_new(unsigned floor_s)
{
    struct fakeip_map *m = calloc(1, sizeof *m);
    if (m)
        m->floor_s = floor_s;
    return m;
}

void fakeip_free(struct fakeip_map *m)
{
    if (m)
        free(m->e);
    free(m);
}

static void index_to_addr(size_t i, int family, struct net_addr *out)
{
    uint32_t v = (uint32_t)i + 1;
    memset(out, 0, sizeof *out);
    out->family = (sa_family_t)family;
    if (family == AF_INET) { /* 198.18.0.0/15 */
        out->b[0] = 198;
        out->b[1] = (uint8_t)(18 + (v >> 16));
        out->b[2] = (uint8_t)(v >> 8);
        out->b[3] = (uint8_t)v;
    } else { /* fd6d:6f61:7400::/48 */
        static const uint8_t prefix[6] = { 0xfd, 0x6d, 0x6f, 0x61, 0x74, 0x00 };
        memcpy(out->b, prefix, sizeof prefix);
        out->b[14] = (uint8_t)(v >> 8);
        out->b[15] = (uint8_t)v;
    }
}

/* The pool index of a, or -1. */
static long addr_to_index(const struct net_addr *a)
{
    struct net_addr c;
    addr_canonical(a, &c);
    if (c.family == AF_INET && c.b[0] == 198 && (c.b[1] == 18 || c.b[1] == 19)) {
        uint32_t v = (uint32_t)(c.b[1] - 18) << 16 | (uint32_t)c.b[2] << 8 | c.b[3];
        return v ? (long)v - 1 : -1;
    }
    static const uint8_t prefix[6] = { 0xfd, 0x6d, 0x6f, 0x61, 0x74, 0x00 };
    if (c.family == AF_INET6 && memcmp(c.b, prefix, sizeof prefix) == 0) {
        for (int i = 6; i < 14; i++)
            if (c.b[i])
                return -1;
        uint32_t v = (uint32_t)c.b[14] << 8 | c.b[15];
        return v ? (long)v - 1 : -1;
    }
    return -2;
}

int fakeip_for_name(struct fakeip_map *m, const char *name, int family, uint32_t ttl,
                    struct net_addr *out)
{
    uint64_t now = now_s(), life = ttl > m->floor_s ? ttl : m->floor_s;
    size_t i;
    for (i = 0; i < m->n; i++)
        if (strcmp(m->e[i].name, name) == 0)
            break;
    if (i == m->n) {
        /* Slots are never reused: a client holding an expired address must
         * be refused, never sent to another name. */
        if (m->n == FAKEIP_MAX)
            return -ENOSPC;
        if (m->n == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 64;
            struct entry *e = realloc(m->e, cap * sizeof *e);
            if (!e)
                return -ENOMEM;
            m->e = e;
            m->cap = cap;
        }
        m->n++;
        snprintf(m->e[i].name, sizeof m->e[i].name, "%s", name);
        m->e[i].expires = 0;
    }
    if (m->e[i].expires < now + life)
        m->e[i].expires = now + life;
    index_to_addr(i, family, out);
    return 0;
}

const char *fakeip_lookup(struct fakeip_map *m, const struct net_addr *a, bool *in_pool)
{
    long i = addr_to_index(a);
    *in_pool = i != -2;
    if (i < 0 || (size_t)i >= m->n || m->e[i].expires <= now_s())
        return NULL;
    if (m->e[i].expires < now_s() + m->floor_s) /* a connection refreshes it */
        m->e[i].expires = now_s() + m->floor_s;
    return m->e[i].name;
}
