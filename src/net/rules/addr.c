/* IP addresses, CIDRs and authorities; see addr.h.  Owns every spelling of an address and
 * the one canonical form matching is done on (docs/network-rules.md).  Never resolves names:
 * a host that is not a literal is handed to hostname_normalize and stays a name. */
#include "net/rules/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/rules/hostpat.h"
#include "util/hex.h"

#define ADDR_TEXT_MAX 64   /* longest strict literal: 45 for IPv6 + brackets, with room */
#define LOOSE_TEXT_MAX 255 /* longest inet_aton spelling we recognise: a whole host name */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}


static size_t addr_len(sa_family_t family)
{
    return family == AF_INET ? 4 : 16;
}

/* Exactly four decimal parts, 0-255, "0" or no leading zero.  Leading zeros are refused,
 * not read as decimal: inet_aton(3) reads "010" as 8, so accepting it either way would let
 * the policy and the resolver disagree about which address a string means. */
static bool parse_ipv4_strict(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < len && is_digit(s[i]) && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t nd = i - start;
        if (nd == 0 || v > 255 || (nd > 1 && s[start] == '0') || (i < len && is_digit(s[i])))
            return false;
        out[part] = (uint8_t)v;
    }
    return i == len;
}

/* RFC 4291 §2.2: up to eight groups of 1-4 hex digits, one "::" for one or more zero
 * groups, and optionally a dotted quad (strict, as above) for the last 32 bits. */
static bool parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len == 0 || s[0] == ':') {
        return false;
    }
    while (i < len) {
        size_t start = i;
        unsigned v = 0;
        while (i < len && hex_digit_value((unsigned char)s[i]) >= 0 && i - start < 5)
            v = v * 16 + (unsigned)hex_digit_value((unsigned char)s[i++]);
        if (i < len && s[i] == '.') {
            uint8_t v4[4];
            if (nw > 6 || !parse_ipv4_strict(s + start, len - start, v4))
                return false;
            w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = len;
            break;
        }
        if (i == start || i - start > 4 || nw == 8)
            return false;
        w[nw++] = (uint16_t)v;
        if (i == len)
            break;
        if (s[i++] != ':' || i == len)
            return false;
        if (s[i] == ':') {
            if (gap >= 0)
                return false;
            gap = nw;
            i++;
        }
    }
    /* "::" stands for at least one group, so with it there are at most seven. */
    if ((gap < 0 && nw != 8) || (gap >= 0 && nw > 7))
        return false;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : nw - gap;
    for (int k = 0; k < nw; k++) {
        int pos = (gap >= 0 && k >= gap) ? 8 - tail + (k - gap) : k;
        out[2 * pos] = (uint8_t)(w[k] >> 8);
        out[2 * pos + 1] = (uint8_t)(w[k] & 0xff);
    }
    return true;
}

int addr_parse(const char *text, struct net_addr *out)
{
    if (!text)
        return -EINVAL;
    size_t len = strnlen(text, ADDR_TEXT_MAX + 1);
    if (len == 0 || len > ADDR_TEXT_MAX)
        return -EINVAL;
    /* Zone ids (RFC 6874 "%25eth0" or "%eth0") name an interface of the host, which means
     * nothing inside the sandbox and only opens a second spelling of link-local. */
    if (memchr(text, '%', len))
        return -EINVAL;
    struct net_addr a = {0};
    if (text[0] == '[') {
        if (text[len - 1] != ']' || !parse_ipv6(text + 1, len - 2, a.b))
            return -EINVAL;
        a.family = AF_INET6;
    } else if (memchr(text, ':', len)) {
        if (!parse_ipv6(text, len, a.b))
            return -EINVAL;
        a.family = AF_INET6;
    } else {
        if (!parse_ipv4_strict(text, len, a.b))
            return -EINVAL;
        a.family = AF_INET;
    }
    *out = a;
    return 0;
}

/* One inet_aton part as glibc reads it (strtoul base 0): 0x/0X hex, leading-0 octal, or
 * decimal.  Values are capped while reading so a long run of digits cannot overflow. */
static bool parse_loose_part(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (!is_digit(*s))
        return false;
    unsigned base = 10;
    if (s[0] == '0') {
        base = 8;
        s++;
        if (*s == 'x' || *s == 'X') {
            base = 16;
            s++;
        }
    }
    if (base == 16 && hex_digit_value((unsigned char)*s) < 0)
        return false; /* "0x" alone: strtoul stops at the 'x', and inet_aton refuses it */
    uint64_t v = 0;
    for (;; s++) {
        int d = hex_digit_value((unsigned char)*s);
        if (d < 0 || (unsigned)d >= base)
            break;
        v = v * base + (unsigned)d;
        if (v > 0xffffffffu)
            return false;
    }
    /* Whatever stops the part ("08", "0x1g") must be a '.' or the end: the caller checks. */
    *p = s;
    *out = v;
    return true;
}

int addr_parse_loose_ipv4(const char *text, struct net_addr *out)
{
    /* As long as a host name may be: strtoul takes any number of leading zeros, so
     * "0000...0177.0.0.1" is still 127.0.0.1 to the resolver library. */
    if (!text || strnlen(text, LOOSE_TEXT_MAX + 1) > LOOSE_TEXT_MAX)
        return -EINVAL;
    uint64_t parts[4];
    int n = 0;
    const char *p = text;
    for (;;) {
        if (n == 4 || !parse_loose_part(&p, &parts[n]))
            return -EINVAL;
        n++;
        if (*p == '\0')
            break;
        if (*p++ != '.')
            return -EINVAL;
    }
    /* inet_aton(3): the last part fills all the bytes the earlier parts did not. */
    uint64_t v = 0;
    for (int k = 0; k < n - 1; k++) {
        if (parts[k] > 0xff)
            return -EINVAL;
        v |= parts[k] << (24 - 8 * k);
    }
    unsigned rest_bits = 32 - 8 * (unsigned)(n - 1);
    if (rest_bits < 32 && parts[n - 1] >> rest_bits)
        return -EINVAL;
    v |= parts[n - 1];
    *out = (struct net_addr){.family = AF_INET};
    for (int k = 0; k < 4; k++)
        out->b[k] = (uint8_t)(v >> (24 - 8 * k));
    return 0;
}

static bool bytes_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static bool is_v4_mapped(const uint8_t b[16])
{
    return bytes_zero(b, 10) && b[10] == 0xff && b[11] == 0xff;
}

/* ::a.b.c.d, but :: and ::1 are themselves (unspecified and loopback), never 0.0.0.0/0.0.0.1. */
static bool is_v4_compat(const uint8_t b[16])
{
    return bytes_zero(b, 12) && !(bytes_zero(b + 12, 3) && b[15] <= 1);
}

static void set_v4(struct net_addr *out, const uint8_t *v4)
{
    *out = (struct net_addr){.family = AF_INET};
    memcpy(out->b, v4, 4);
}

void addr_canonical(const struct net_addr *in, struct net_addr *out)
{
    if (in->family == AF_INET6 && (is_v4_mapped(in->b) || is_v4_compat(in->b))) {
        uint8_t v4[4];
        memcpy(v4, in->b + 12, 4);
        set_v4(out, v4);
        return;
    }
    if (out != in)
        *out = *in;
}

bool addr_unwrap_embedded_ipv4(const struct net_addr *in, struct net_addr *out)
{
    if (in->family != AF_INET6)
        return false;
    const uint8_t *b = in->b;
    uint8_t v4[4];
    static const uint8_t nat64[4] = {0x00, 0x64, 0xff, 0x9b};
    if (is_v4_mapped(b) || is_v4_compat(b) ||
        /* IPv4-translated ::ffff:0:a.b.c.d (RFC 2765 §2.1) */
        (bytes_zero(b, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) ||
        /* NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1) */
        (memcmp(b, nat64, 4) == 0 && bytes_zero(b + 4, 8))) {
        memcpy(v4, b + 12, 4);
    } else if (memcmp(b, nat64, 4) == 0 && b[4] == 0x00 && b[5] == 0x01) {
        /* Local-use 64:ff9b:1::/48 (RFC 8215) in the RFC 6052 §2.2 /48 layout: bits 48-63
         * and 72-87, skipping the u octet (bits 64-71).  The u octet and suffix should be
         * zero; for a deny decision they are ignored, a translator may ignore them too. */
        v4[0] = b[6], v4[1] = b[7], v4[2] = b[9], v4[3] = b[10];
    } else if (b[0] == 0x20 && b[1] == 0x02) {
        /* 6to4 2002:V4ADDR::/48 (RFC 3056 §2) */
        memcpy(v4, b + 2, 4);
    } else {
        return false;
    }
    set_v4(out, v4);
    return true;
}

/* First match wins: the metadata services sit inside link-local and private ranges. */
static const struct {
    sa_family_t family;
    uint8_t b[16];
    unsigned prefix;
    enum addr_class cls;
} class_ranges[] = {
    {AF_INET, {169, 254, 169, 254}, 32, ADDR_METADATA},  /* AWS, GCP, Azure, OCI, ... */
    {AF_INET, {100, 100, 100, 200}, 32, ADDR_METADATA},  /* Alibaba Cloud */
    {AF_INET, {168, 63, 129, 16}, 32, ADDR_METADATA},    /* Azure wire server */
    {AF_INET6, {0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54}, 128, ADDR_METADATA}, /* AWS */
    {AF_INET, {0}, 8, ADDR_UNSPECIFIED}, /* "this network"; Linux connects 0.0.0.0 to itself */
    {AF_INET, {127}, 8, ADDR_LOOPBACK},
    {AF_INET, {169, 254}, 16, ADDR_LINK_LOCAL},
    {AF_INET, {224}, 4, ADDR_MULTICAST},
    {AF_INET, {255, 255, 255, 255}, 32, ADDR_BROADCAST},
    {AF_INET, {10}, 8, ADDR_PRIVATE},
    {AF_INET, {172, 16}, 12, ADDR_PRIVATE},
    {AF_INET, {192, 168}, 16, ADDR_PRIVATE},
    {AF_INET, {100, 64}, 10, ADDR_PRIVATE}, /* CGNAT, RFC 6598 */
    {AF_INET6, {0}, 128, ADDR_UNSPECIFIED},
    {AF_INET6, {[15] = 1}, 128, ADDR_LOOPBACK},
    {AF_INET6, {0xfe, 0x80}, 10, ADDR_LINK_LOCAL},
    {AF_INET6, {0xff}, 8, ADDR_MULTICAST},
    {AF_INET6, {0xfc}, 7, ADDR_PRIVATE},       /* unique local, RFC 4193 */
    {AF_INET6, {0xfe, 0xc0}, 10, ADDR_PRIVATE}, /* site-local, deprecated by RFC 3879 */
};

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

enum addr_class addr_classify(const struct net_addr *a)
{
    struct net_addr c;
    addr_canonical(a, &c);
    for (size_t i = 0; i < sizeof class_ranges / sizeof class_ranges[0]; i++)
        if (class_ranges[i].family == c.family &&
            prefix_equal(c.b, class_ranges[i].b, class_ranges[i].prefix))
            return class_ranges[i].cls;
    return ADDR_GLOBAL;
}

bool cidr_within_class(const struct net_cidr *c, enum addr_class cls)
{
    for (size_t i = 0; i < sizeof class_ranges / sizeof class_ranges[0]; i++) {
        if (class_ranges[i].cls != cls)
            continue;
        struct net_cidr range = {.base.family = class_ranges[i].family,
                                 .prefix = class_ranges[i].prefix};
        memcpy(range.base.b, class_ranges[i].b, 16);
        if (cidr_within(c, &range))
            return true;
    }
    return false;
}

const char *addr_class_name(enum addr_class c)
{
    switch (c) {
    case ADDR_GLOBAL:
        return "global";
    case ADDR_LOOPBACK:
        return "loopback";
    case ADDR_LINK_LOCAL:
        return "link-local";
    case ADDR_METADATA:
        return "metadata";
    case ADDR_UNSPECIFIED:
        return "unspecified";
    case ADDR_MULTICAST:
        return "multicast";
    case ADDR_PRIVATE:
        return "private";
    case ADDR_BROADCAST:
        return "broadcast";
    }
    return "unknown";
}

int addr_format(const struct net_addr *a, char *buf, size_t size)
{
    char tmp[INET6_ADDRSTRLEN];
    if (a->family != AF_INET && a->family != AF_INET6)
        return -EAFNOSUPPORT;
    if (!inet_ntop(a->family, a->b, tmp, sizeof tmp))
        return -errno;
    size_t n = strlen(tmp);
    if (n >= size)
        return -ENOSPC;
    memcpy(buf, tmp, n + 1);
    return 0;
}

bool addr_equal(const struct net_addr *a, const struct net_addr *b)
{
    struct net_addr ca, cb;
    addr_canonical(a, &ca);
    addr_canonical(b, &cb);
    return ca.family == cb.family && memcmp(ca.b, cb.b, addr_len(ca.family)) == 0;
}

socklen_t addr_to_sockaddr(const struct net_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a->b, 16);
        s6->sin6_port = htons(port);
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    memcpy(&s4->sin_addr, a->b, 4);
    s4->sin_port = htons(port);
    return sizeof *s4;
}

void addr_from_sockaddr(const struct sockaddr_storage *ss, struct net_addr *a, uint16_t *port)
{
    memset(a, 0, sizeof *a);
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        a->family = AF_INET6;
        memcpy(a->b, &s6->sin6_addr, 16);
        *port = ntohs(s6->sin6_port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a->family = AF_INET;
        memcpy(a->b, &s4->sin_addr, 4);
        *port = ntohs(s4->sin_port);
    }
}

int cidr_parse_explain(const char *text, struct net_cidr *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = "not an IP address or CIDR";
    if (!text)
        return -EINVAL;
    size_t len = strnlen(text, ADDR_TEXT_MAX + 5);
    if (len > ADDR_TEXT_MAX + 4)
        return -EINVAL;
    const char *slash = memchr(text, '/', len);
    size_t alen = slash ? (size_t)(slash - text) : len;
    if (alen == 0 || alen > ADDR_TEXT_MAX)
        return -EINVAL;
    char abuf[ADDR_TEXT_MAX + 1];
    memcpy(abuf, text, alen);
    abuf[alen] = '\0';
    struct net_addr a;
    if (memchr(abuf, '%', alen)) {
        *why = "zone ids (%) are not allowed";
        return -EINVAL;
    }
    if (addr_parse(abuf, &a) < 0) {
        if (abuf[0] == '[' && abuf[alen - 1] == ']' && alen > 2) {
            abuf[alen - 1] = '\0';
            if (addr_parse(abuf + 1, &a) == 0 && a.family == AF_INET)
                *why = "brackets are for IPv6 addresses only";
        }
        return -EINVAL;
    }
    unsigned max = a.family == AF_INET ? 32 : 128, prefix = max;
    if (slash) {
        const char *p = slash + 1;
        size_t plen = len - alen - 1;
        unsigned v = 0;
        for (size_t i = 0; i < plen && i < 4; i++)
            v = is_digit(p[i]) ? v * 10 + (unsigned)(p[i] - '0') : 1000;
        if (plen == 0 || plen > 3 || v > max || (plen > 1 && p[0] == '0')) {
            *why = a.family == AF_INET ? "prefix length must be 0-32"
                                       : "prefix length must be 0-128";
            return -EINVAL;
        }
        prefix = v;
    }
    if (a.family == AF_INET6 && prefix >= 96 && is_v4_mapped(a.b)) {
        /* ::ffff:0:0/96 and longer: the IPv4 CIDR, so it matches what the kernel sends. */
        uint8_t v4[4];
        memcpy(v4, a.b + 12, 4);
        set_v4(&a, v4);
        prefix -= 96;
    } else if (a.family == AF_INET6 && prefix >= 96 && prefix < 128 && bytes_zero(a.b, 12)) {
        /* ::/96 holds both the compat addresses (IPv4 after canonicalisation) and :: and
         * ::1 (not); no single-family CIDR means what this one says. */
        *why = "an IPv4-compatible (::a.b.c.d) CIDR is ambiguous; write the IPv4 CIDR";
        return -EINVAL;
    } else if (prefix == 128) {
        addr_canonical(&a, &a);
        prefix = a.family == AF_INET ? 32 : 128;
    }
    struct net_cidr c = {.base = a, .prefix = prefix};
    size_t n = addr_len(a.family);
    bool host_bits = false;
    for (size_t i = 0; i < n; i++) {
        unsigned bit0 = (unsigned)i * 8;
        uint8_t mask = prefix >= bit0 + 8 ? 0xff
                       : prefix <= bit0   ? 0
                                          : (uint8_t)(0xff << (8 - (prefix - bit0)));
        host_bits = host_bits || (c.base.b[i] & ~mask);
        c.base.b[i] &= mask;
    }
    *out = c;
    if (host_bits) {
        *why = "host bits are set after the prefix";
        return -EINVAL;
    }
    *why = NULL;
    return 0;
}

int cidr_parse(const char *text, struct net_cidr *out)
{
    struct net_cidr c;
    int r = cidr_parse_explain(text, &c, NULL);
    if (r == 0)
        *out = c;
    return r;
}

bool cidr_contains(const struct net_cidr *c, const struct net_addr *a)
{
    struct net_addr ca;
    addr_canonical(a, &ca);
    return ca.family == c->base.family && prefix_equal(ca.b, c->base.b, c->prefix);
}

bool cidr_within(const struct net_cidr *inner, const struct net_cidr *outer)
{
    return inner->base.family == outer->base.family && inner->prefix >= outer->prefix &&
           prefix_equal(inner->base.b, outer->base.b, outer->prefix);
}

int cidr_format(const struct net_cidr *c, char *buf, size_t size)
{
    char a[INET6_ADDRSTRLEN];
    int r = addr_format(&c->base, a, sizeof a);
    if (r < 0)
        return r;
    int n = snprintf(buf, size, "%s/%u", a, c->prefix);
    return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int addr_port_parse(const char *text, size_t len, uint16_t *out)
{
    /* Plain decimal 1-65535: no sign, no leading zero, no "0x", no 0 ("any" is spelled by
     * leaving the port out). */
    if (len == 0 || len > 5 || text[0] == '0')
        return -EINVAL;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(text[i]))
            return -EINVAL;
        v = v * 10 + (unsigned)(text[i] - '0');
    }
    if (v > 65535)
        return -EINVAL;
    *out = (uint16_t)v;
    return 0;
}

int authority_parse(const char *text, bool port_optional, struct authority *out)
{
    if (!text)
        return -EINVAL;
    size_t len = strnlen(text, 1024);
    if (len == 0 || len >= 1024 || memchr(text, '%', len))
        return -EINVAL;
    struct authority a = {0};
    const char *host = text, *port = NULL;
    size_t host_len = len;
    const char *colon = memchr(text, ':', len);
    if (text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (!close)
            return -EINVAL;
        host = text + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0')
            return -EINVAL;
    } else if (colon && memchr(colon + 1, ':', len - (size_t)(colon - text) - 1)) {
        /* Two or more colons and no brackets: an IPv6 address and nothing else.  Reading
         * "2001:db8::1:443" as address + port would give a different address than every
         * other parser of this string. */
    } else if (colon) {
        host_len = (size_t)(colon - text);
        port = colon + 1;
    }
    if (port) {
        if (addr_port_parse(port, len - (size_t)(port - text), &a.port) < 0)
            return -EINVAL;
        a.has_port = true;
    } else if (!port_optional) {
        return -EINVAL;
    }
    if (host_len == 0 || host_len >= sizeof a.host)
        return -EINVAL;
    char raw[sizeof a.host];
    memcpy(raw, host, host_len);
    raw[host_len] = '\0';

    if (host != text || memchr(raw, ':', host_len)) {
        /* Brackets hold IPv6 only (RFC 3986 §3.2.2), and a colon means IPv6. */
        if (addr_parse(raw, &a.ip) < 0 || a.ip.family != AF_INET6)
            return -EINVAL;
        a.is_ip = true;
    } else {
        /* Normalise first: "１２７.０.０.１" and "127.1." must be seen as the literals they
         * become, since that is what a resolver library would make of them. */
        if (hostname_normalize(raw, a.host, sizeof a.host) < 0)
            return -EINVAL;
        a.is_ip = addr_parse(a.host, &a.ip) == 0 || addr_parse_loose_ipv4(a.host, &a.ip) == 0;
    }
    if (a.is_ip && addr_format(&a.ip, a.host, sizeof a.host) < 0)
        return -EINVAL;
    *out = a;
    return 0;
}

bool addr_class_is_special(enum addr_class c)
{
    switch (c) {
    case ADDR_LOOPBACK:
    case ADDR_LINK_LOCAL:
    case ADDR_METADATA:
    case ADDR_UNSPECIFIED:
    case ADDR_MULTICAST:
    case ADDR_BROADCAST:
        return true;
    case ADDR_GLOBAL:
    case ADDR_PRIVATE:
        return false;
    }
    return true;
}

bool addr_is_special(const struct net_addr *a)
{
    struct net_addr inner;
    return addr_class_is_special(addr_classify(a)) ||
           (addr_unwrap_embedded_ipv4(a, &inner) && addr_class_is_special(addr_classify(&inner)));
}

bool cidr_ipv4_compat(const struct net_cidr *v4, struct net_cidr *out)
{
    if (v4->base.family != AF_INET)
        return false;
    memset(out, 0, sizeof *out);
    out->base.family = AF_INET6;
    memcpy(out->base.b + 12, v4->base.b, 4);
    out->prefix = 96 + v4->prefix;
    return true;
}
