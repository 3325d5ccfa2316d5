/* Fuzz target: addresses, CIDRs, ports and authorities (src/net/rules/addr.c).  The input is
 * one string, as a policy rule, a CONNECT line or a SOCKS5 request would carry it.  Checks
 * that every accepted spelling round-trips through its printed form to the same value, that
 * the strict parser agrees with inet_pton(3) (policy and resolver must read a literal alike),
 * and that canonicalisation and classification are stable. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "net/rules/addr.h"
#include "util/cleanup.h"

static bool same_addr(const struct net_addr *a, const struct net_addr *b)
{
    return a->family == b->family && memcmp(a->b, b->b, sizeof a->b) == 0;
}

static void check_addr(const char *text)
{
    struct net_addr a;
    if (addr_parse(text, &a) < 0)
        return;
    FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
    if (a.family == AF_INET)
        for (size_t i = 4; i < sizeof a.b; i++)
            FUZZ_CHECK(a.b[i] == 0);

    /* Printed and read back: the very same address. */
    char buf[INET6_ADDRSTRLEN], again[INET6_ADDRSTRLEN + 2];
    FUZZ_CHECK(addr_format(&a, buf, sizeof buf) == 0);
    struct net_addr b;
    FUZZ_CHECKF(addr_parse(buf, &b) == 0 && same_addr(&a, &b), "\"%s\" printed as \"%s\"",
                text, buf);
    if (a.family == AF_INET6) {
        snprintf(again, sizeof again, "[%s]", buf);
        FUZZ_CHECK(addr_parse(again, &b) == 0 && same_addr(&a, &b));
    }

    /* The resolver library reads the same literal as the same address.  Brackets are ours
     * (URL syntax), not inet_pton's. */
    if (text[0] != '[') {
        uint8_t raw[16];
        FUZZ_CHECKF(inet_pton(a.family, text, raw) == 1 &&
                        memcmp(raw, a.b, a.family == AF_INET ? 4 : 16) == 0,
                    "\"%s\": addr_parse and inet_pton disagree", text);
    }

    /* Canonical form: idempotent, equal to the original, same class. */
    struct net_addr c, cc;
    addr_canonical(&a, &c);
    addr_canonical(&c, &cc);
    FUZZ_CHECK(same_addr(&c, &cc));
    FUZZ_CHECK(addr_equal(&a, &c));
    FUZZ_CHECK(addr_classify(&a) == addr_classify(&c));
    FUZZ_CHECK(addr_is_special(&a) == addr_is_special(&c));
    if (addr_class_is_special(addr_classify(&a)))
        FUZZ_CHECK(addr_is_special(&a));

    /* Through a socket address and back. */
    struct sockaddr_storage ss;
    struct net_addr d;
    uint16_t port;
    addr_to_sockaddr(&a, 4242, &ss);
    addr_from_sockaddr(&ss, &d, &port);
    FUZZ_CHECK(same_addr(&a, &d) && port == 4242);

    /* Every address is also a CIDR (/32 or /128) that holds it, in every spelling. */
    struct net_cidr host;
    FUZZ_CHECKF(cidr_parse(text, &host) == 0, "\"%s\" is an address but not a CIDR", text);
    FUZZ_CHECK(cidr_contains(&host, &a) && cidr_contains(&host, &c));

    /* The loose IPv4 reader accepts every strict IPv4 address, as the same address. */
    struct net_addr l;
    if (a.family == AF_INET)
        FUZZ_CHECK(addr_parse_loose_ipv4(text, &l) == 0 && same_addr(&a, &l));
}

static void check_loose(const char *text)
{
    struct net_addr a, b;
    if (addr_parse_loose_ipv4(text, &a) < 0)
        return;
    FUZZ_CHECK(a.family == AF_INET);
    char buf[INET6_ADDRSTRLEN];
    FUZZ_CHECK(addr_format(&a, buf, sizeof buf) == 0);
    FUZZ_CHECK(addr_parse(buf, &b) == 0 && same_addr(&a, &b));
    /* glibc's inet_aton(3) is what the loose reader models. */
    struct in_addr ia;
    if (strlen(text) < 64)
        FUZZ_CHECKF(inet_aton(text, &ia) == 1 && memcmp(&ia, a.b, 4) == 0,
                    "\"%s\": loose reader and inet_aton disagree", text);
}

static void check_cidr(const char *text)
{
    struct net_cidr c, d;
    const char *why = "unset";
    int r = cidr_parse_explain(text, &c, &why);
    FUZZ_CHECK(r == 0 ? why == NULL : why != NULL && *why);
    if (r < 0)
        return;
    unsigned max = c.base.family == AF_INET ? 32 : 128;
    FUZZ_CHECK(c.base.family == AF_INET || c.base.family == AF_INET6);
    FUZZ_CHECK(c.prefix <= max);
    struct net_addr canon;
    addr_canonical(&c.base, &canon);
    FUZZ_CHECKF(c.prefix < max || same_addr(&canon, &c.base), "\"%s\" base not canonical",
                text);

    char buf[INET6_ADDRSTRLEN + 8];
    FUZZ_CHECK(cidr_format(&c, buf, sizeof buf) == 0);
    FUZZ_CHECKF(cidr_parse(buf, &d) == 0 && same_addr(&c.base, &d.base) &&
                    c.prefix == d.prefix,
                "\"%s\" printed as \"%s\"", text, buf);
    FUZZ_CHECK(cidr_within(&c, &c));
    FUZZ_CHECK(cidr_contains(&c, &c.base));
    /* The last address of the range is inside it; the one after the range is not. */
    struct net_addr last = c.base;
    size_t n = c.base.family == AF_INET ? 4 : 16;
    for (size_t i = 0; i < n; i++) {
        unsigned bit0 = (unsigned)i * 8;
        uint8_t host = c.prefix >= bit0 + 8 ? 0
                       : c.prefix <= bit0   ? 0xff
                                            : (uint8_t)(0xff >> (c.prefix - bit0));
        last.b[i] |= host;
    }
    /* ... unless it is IPv4 in disguise (::ffff:0:0/96 inside ::/80): an IPv6 CIDR never
     * holds an address whose canonical form is IPv4. */
    struct net_addr last_c;
    addr_canonical(&last, &last_c);
    FUZZ_CHECK(cidr_contains(&c, &last) == (last_c.family == c.base.family));
    if (c.prefix > 0) {
        struct net_addr out = c.base;
        unsigned bit = c.prefix - 1;
        out.b[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
        /* Flipping a prefix bit of an IPv6 base may land on a mapped address, which is
         * IPv4 to the matcher and so outside any IPv6 CIDR anyway. */
        FUZZ_CHECK(!cidr_contains(&c, &out));
    }
    /* A CIDR within a class lies wholly inside it: both ends are of that class. */
    for (int cls = ADDR_GLOBAL; cls <= ADDR_BROADCAST; cls++) {
        if (cidr_within_class(&c, (enum addr_class)cls)) {
            /* First match wins in classification: metadata addresses sit inside
             * link-local and private ranges. */
            enum addr_class got = addr_classify(&c.base);
            FUZZ_CHECK((int)got == cls || got == ADDR_METADATA);
            FUZZ_CHECK(cls != ADDR_GLOBAL);
        }
    }
}

static void check_port(const char *text)
{
    uint16_t port;
    size_t len = strlen(text);
    if (addr_port_parse(text, len, &port) < 0)
        return;
    char buf[8];
    snprintf(buf, sizeof buf, "%u", port);
    FUZZ_CHECKF(port >= 1 && strcmp(buf, text) == 0, "\"%s\" read as port %u", text, port);
}

static void check_authority(const char *text)
{
    struct authority a, b;
    int strict = authority_parse(text, false, &a);
    int loose = authority_parse(text, true, &b);
    FUZZ_CHECK(strict < 0 || loose == 0); /* a port never hurts */
    if (strict == 0)
        FUZZ_CHECK(a.has_port && b.has_port && a.port == b.port && strcmp(a.host, b.host) == 0);
    if (loose < 0)
        return;
    FUZZ_CHECK(!b.has_port || b.port >= 1);
    FUZZ_CHECK(strlen(b.host) > 0 && strlen(b.host) < sizeof b.host);
    if (b.is_ip) {
        char buf[INET6_ADDRSTRLEN];
        FUZZ_CHECK(addr_format(&b.ip, buf, sizeof buf) == 0 && strcmp(buf, b.host) == 0);
    }
    /* Written back as host:port (brackets for IPv6), it reads the same. */
    char again[sizeof b.host + 16];
    bool v6 = b.is_ip && b.ip.family == AF_INET6;
    if (b.has_port)
        snprintf(again, sizeof again, "%s%s%s:%u", v6 ? "[" : "", b.host, v6 ? "]" : "",
                 b.port);
    else
        snprintf(again, sizeof again, "%s%s%s", v6 ? "[" : "", b.host, v6 ? "]" : "");
    struct authority c;
    FUZZ_CHECKF(authority_parse(again, true, &c) == 0, "\"%s\" written back as \"%s\"", text,
                again);
    FUZZ_CHECKF(strcmp(c.host, b.host) == 0 && c.port == b.port && c.has_port == b.has_port &&
                    c.is_ip == b.is_ip && (!c.is_ip || addr_equal(&c.ip, &b.ip)),
                "\"%s\" written back as \"%s\"", text, again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_cstr(data, size);
    check_addr(text);
    check_loose(text);
    check_cidr(text);
    check_port(text);
    check_authority(text);
    return 0;
}
