/* The DNS fuzz targets' policy (fuzz_dns_query.c, fuzz_dns_response.c): a name is denied
 * when it has a label "denied" (so inputs can reach both verdicts), an address when it is
 * special (loopback, metadata, ...), as moat's own policy does; found() records what was
 * reported.  No state outlives one input. */
#ifndef MOAT_TESTS_FUZZ_DNS_OPS_H
#define MOAT_TESTS_FUZZ_DNS_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "net/dns/dns_filter.h"
#include "net/rules/addr.h"

struct fuzz_dns_ctx {
    unsigned names_checked;
    bool fail_found;           /* found() fails: the answer must become SERVFAIL */
    size_t n_found;
    struct {
        int family;
        uint8_t addr[16];
        uint32_t ttl;
    } found[DNS_MAX_ANSWERS];
};

static inline bool fuzz_dns_name_denied(const char *name)
{
    for (const char *l = name; l;) {
        if (strncmp(l, "denied", 6) == 0 && (l[6] == '.' || l[6] == '\0'))
            return true;
        l = strchr(l, '.');
        l = l ? l + 1 : NULL;
    }
    return false;
}

static inline enum dns_name_verdict fuzz_dns_check_name(void *ctx, const char *name)
{
    struct fuzz_dns_ctx *c = ctx;
    FUZZ_CHECK(name && name[0]);
    for (const char *p = name; *p; p++) /* lower case: what the policy matches against */
        FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'));
    c->names_checked++;
    return fuzz_dns_name_denied(name) ? DNS_NAME_DENY : DNS_NAME_ALLOW;
}

static inline bool fuzz_dns_addr_denied(void *ctx, int family, const uint8_t *addr)
{
    (void)ctx;
    FUZZ_CHECK(family == AF_INET || family == AF_INET6);
    struct net_addr a = {.family = (sa_family_t)family};
    memcpy(a.b, addr, family == AF_INET ? 4 : 16);
    return addr_is_special(&a);
}

static inline int fuzz_dns_found(void *ctx, const char *name, int family, const uint8_t *addr,
                                 uint32_t ttl)
{
    struct fuzz_dns_ctx *c = ctx;
    FUZZ_CHECK(name && name[0] && !fuzz_dns_name_denied(name));
    FUZZ_CHECK(!fuzz_dns_addr_denied(ctx, family, addr));
    FUZZ_CHECK(ttl <= 0x7fffffffu); /* RFC 2181 §8 */
    FUZZ_CHECK(c->n_found < DNS_MAX_ANSWERS);
    c->found[c->n_found].family = family;
    memcpy(c->found[c->n_found].addr, addr, family == AF_INET ? 4 : 16);
    c->found[c->n_found].ttl = ttl;
    c->n_found++;
    return c->fail_found ? -EIO : 0;
}

static inline struct dns_filter_ops fuzz_dns_ops(struct fuzz_dns_ctx *ctx, bool ipv6)
{
    return (struct dns_filter_ops){
        .check_name = fuzz_dns_check_name,
        .addr_denied = fuzz_dns_addr_denied,
        .found = fuzz_dns_found,
        .ctx = ctx,
        .ipv6_available = ipv6,
    };
}

#endif
