/* The resolver's answer cache; see answer_cache.h.  A small table searched in
 * full: a sandbox talks to a handful of names, and a full table gives up the
 * entry closest to expiring. */
#include "net/dns/answer_cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/dns/dns_msg.h"

struct slot {
    char name[DNS_MAX_NAME + 1]; /* "" when free */
    uint16_t qtype;
    uint64_t expires_ms;
    size_t n;
    struct net_addr addrs[ANSWER_CACHE_ADDRS];
};

struct answer_cache {
    struct slot slots[ANSWER_CACHE_SLOTS];
};

struct answer_cache *answer_cache_new(void)
{
    return calloc(1, sizeof(struct answer_cache));
}

void answer_cache_free(struct answer_cache *c)
{
    free(c);
}

/* Names compare as DNS does: without case, and a trailing dot is the same name. */
static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static struct slot *find(struct answer_cache *c, const char *name, uint16_t qtype)
{
    for (size_t i = 0; i < ANSWER_CACHE_SLOTS; i++)
        if (c->slots[i].name[0] && c->slots[i].qtype == qtype && same_name(c->slots[i].name, name))
            return &c->slots[i];
    return NULL;
}

void answer_cache_put(struct answer_cache *c, const char *name, uint16_t qtype,
                      const struct net_addr *addrs, size_t n, uint32_t ttl_s, uint64_t now_ms)
{
    if (!c || strlen(name) > DNS_MAX_NAME)
        return;
    struct slot *s = find(c, name, qtype);
    if (ttl_s == 0 || n == 0) {
        if (s)
            s->name[0] = '\0';
        return;
    }
    if (!s) { /* a free or expired slot, else the one that expires first */
        s = &c->slots[0];
        for (size_t i = 0; i < ANSWER_CACHE_SLOTS; i++) {
            struct slot *t = &c->slots[i];
            if (!t->name[0] || t->expires_ms <= now_ms) {
                s = t;
                break;
            }
            if (t->expires_ms < s->expires_ms)
                s = t;
        }
    }
    if (ttl_s > ANSWER_CACHE_MAX_TTL_S)
        ttl_s = ANSWER_CACHE_MAX_TTL_S;
    if (n > ANSWER_CACHE_ADDRS)
        n = ANSWER_CACHE_ADDRS;
    memcpy(s->name, name, strlen(name) + 1);
    s->qtype = qtype;
    s->expires_ms = now_ms + (uint64_t)ttl_s * 1000;
    s->n = n;
    memcpy(s->addrs, addrs, n * sizeof *addrs);
}

size_t answer_cache_get(struct answer_cache *c, const char *name, uint16_t qtype,
                        uint64_t now_ms, struct net_addr *out)
{
    struct slot *s = c ? find(c, name, qtype) : NULL;
    if (!s)
        return 0;
    if (s->expires_ms <= now_ms) {
        s->name[0] = '\0';
        return 0;
    }
    memcpy(out, s->addrs, s->n * sizeof *out);
    return s->n;
}
