/* Unit tests for src/net/dns/dns_filter.c: which queries are answered locally and how, what is
 * forwarded, and what an upstream answer may carry into the sandbox (rebinding, CNAMEs to
 * denied names, AAAA without IPv6, spoofed ids).  Ends with a seeded fuzz loop. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "dns_packet.h"
#include "net/dns/dns_filter.h"
#include "unit.h"

static void mkquery(struct pkt *p, unsigned id, const char *name, unsigned type, bool edns)
{
    phdr(p, id, DNS_FLAG_RD, 1, 0, 0, edns);
    pname(p, name);
    p16(p, type), p16(p, DNS_CLASS_IN);
    if (edns) {
        p8(p, 0), p16(p, DNS_TYPE_OPT), p16(p, 4096), p32(p, 0), p16(p, 8);
        p16(p, 10), p16(p, 4), pbytes(p, "sbox", 4);    /* a client option */
    }
}

/* Upstream answers: start with the question, then add records, then fix ANCOUNT. */
static void up_start(struct pkt *p, unsigned id, const char *name, unsigned type, unsigned rcode)
{
    phdr(p, id, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | rcode, 1, 0, 0, 0);
    pname(p, name);
    p16(p, type), p16(p, DNS_CLASS_IN);
}

static void up_rr(struct pkt *p, const char *owner, unsigned type, uint32_t ttl,
                  const void *rdata, unsigned rdlen)
{
    pname(p, owner);
    p16(p, type), p16(p, DNS_CLASS_IN), p32(p, ttl), p16(p, rdlen);
    pbytes(p, rdata, rdlen);
    unsigned an = (unsigned)p->b[6] << 8 | p->b[7];
    p->b[6] = (uint8_t)((an + 1) >> 8), p->b[7] = (uint8_t)(an + 1);
}

static void up_a(struct pkt *p, const char *owner, uint32_t ttl, const void *a4)
{
    up_rr(p, owner, DNS_TYPE_A, ttl, a4, 4);
}

static void up_aaaa(struct pkt *p, const char *owner, uint32_t ttl, const void *a16)
{
    up_rr(p, owner, DNS_TYPE_AAAA, ttl, a16, 16);
}

static void up_cname(struct pkt *p, const char *owner, uint32_t ttl, const char *target)
{
    struct pkt t = { .n = 0 };
    pname(&t, target);
    up_rr(p, owner, DNS_TYPE_CNAME, ttl, t.b, (unsigned)t.n);
}

/* --- a policy for the tests ----------------------------------------------------------- */

struct found_rec {
    char name[DNS_MAX_NAME + 1];
    int family;
    uint8_t addr[16];
    uint32_t ttl;
};

static struct {
    unsigned name_checks;
    char last_checked[DNS_MAX_NAME + 1];
    struct found_rec found[80];
    size_t n_found;
    int found_result;
} T;

static bool ends_with_label(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);
    return n >= z && strcmp(name + n - z, zone) == 0 && (n == z || name[n - z - 1] == '.');
}

static enum dns_name_verdict check_name(void *ctx, const char *name)
{
    (void)ctx;
    T.name_checks++;
    snprintf(T.last_checked, sizeof T.last_checked, "%s", name);
    return ends_with_label(name, "denied.test") || ends_with_label(name, "evil.test")
               ? DNS_NAME_DENY
               : DNS_NAME_ALLOW;
}

/* 127/8, 169.254/16, ::1, fe80::/10 and ::ffff:127/104 — what addr.c will decide for real. */
static bool addr_denied(void *ctx, int family, const uint8_t *a)
{
    (void)ctx;
    if (family == AF_INET)
        return a[0] == 127 || (a[0] == 169 && a[1] == 254);
    static const uint8_t loop6[16] = { [15] = 1 }, mapped[12] = { [10] = 0xff, [11] = 0xff };
    if (memcmp(a, loop6, 16) == 0 || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
        return true;
    return memcmp(a, mapped, 12) == 0 && a[12] == 127;
}

static int found(void *ctx, const char *name, int family, const uint8_t *addr, uint32_t ttl)
{
    (void)ctx;
    if (T.found_result < 0)
        return T.found_result;
    if (T.n_found == sizeof T.found / sizeof *T.found)
        return -ENOBUFS;
    struct found_rec *f = &T.found[T.n_found++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->family = family;
    memcpy(f->addr, addr, family == AF_INET ? 4 : 16);
    f->ttl = ttl;
    return 0;
}

static struct dns_filter_ops ops(bool v6)
{
    memset(&T, 0, sizeof T);
    return (struct dns_filter_ops){ check_name, addr_denied, found, NULL, v6 };
}

static struct dns_query Q;
static struct dns_response R;
static uint8_t out[65536];
static size_t out_n;
static enum dns_action act;
static const char *why;

static int query(const struct dns_filter_ops *o, const struct pkt *p)
{
    return dns_filter_query(o, p->b, p->n, &Q, out, sizeof out, &out_n, &act, &why);
}

/* Filter a client query and expect a local answer with `rcode`; R holds the parsed answer. */
static void expect_local(const struct dns_filter_ops *o, const struct pkt *p, unsigned rcode)
{
    CHECK_INT(query(o, p), 0);
    CHECK_INT(act, DNS_ANSWER_LOCAL);
    CHECK(why != NULL);
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.rcode, rcode);
    CHECK_INT(R.id, (unsigned)p->b[0] << 8 | p->b[1]);
}

/* Forward the query for `name`/`type` (must be allowed) and leave Q set for a response. */
static void forward(const struct dns_filter_ops *o, const char *name, unsigned type, bool edns)
{
    struct pkt p;
    mkquery(&p, 0x5151, name, type, edns);
    CHECK_INT(query(o, &p), 0);
    CHECK_INT(act, DNS_FORWARD);
}

static int respond(const struct dns_filter_ops *o, const struct pkt *up, size_t cap)
{
    return dns_filter_response(o, &Q, Q.id, up->b, up->n, out, cap, &out_n, &why);
}

/* --- queries -------------------------------------------------------------------------- */

TEST(localhost_is_answered_locally)
{
    struct dns_filter_ops o = ops(false);
    struct pkt p;
    mkquery(&p, 0x1111, "localhost", DNS_TYPE_A, false);
    expect_local(&o, &p, DNS_RCODE_NOERROR);
    CHECK_INT(R.n_an, 1);
    CHECK_INT(R.an[0].type, DNS_TYPE_A);
    CHECK(memcmp(out + R.an[0].rdata_off, "\x7f\0\0\x01", 4) == 0);
    /* ::1 always exists on the sandbox's lo, IPv6 upstream or not. */
    mkquery(&p, 0x2222, "Dev.LOCALHOST", DNS_TYPE_AAAA, true);
    expect_local(&o, &p, DNS_RCODE_NOERROR);
    CHECK_INT(R.n_an, 1);
    CHECK_INT(R.an[0].type, DNS_TYPE_AAAA);
    CHECK(memcmp(out + R.an[0].rdata_off, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16) == 0);
    CHECK_INT(R.arcount, 1);
    mkquery(&p, 3, "localhost", DNS_TYPE_TXT, false);
    expect_local(&o, &p, DNS_RCODE_NOERROR);
    CHECK_INT(R.ancount, 0);
    CHECK_INT(T.name_checks, 0);      /* never a policy question, never forwarded */
    /* Look-alikes are ordinary names. */
    mkquery(&p, 4, "notlocalhost", DNS_TYPE_A, false);
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(act, DNS_FORWARD);
    mkquery(&p, 4, "localhost.evil.test", DNS_TYPE_A, false);
    expect_local(&o, &p, DNS_RCODE_NXDOMAIN);
    CHECK(dns_name_is_localhost("localhost") && dns_name_is_localhost("a.b.localhost"));
    CHECK(!dns_name_is_localhost("xlocalhost") && !dns_name_is_localhost("localhost.x"));
    CHECK(!dns_name_is_localhost("ocalhost") && !dns_name_is_localhost(""));
}

TEST(denied_name_gets_nxdomain_locally)
{
    struct dns_filter_ops o = ops(true);
    static const unsigned types[] = { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_TXT, DNS_TYPE_ANY,
                                      DNS_TYPE_HTTPS };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        struct pkt p;
        mkquery(&p, 0xd00d, "exfil-0123456789abcdef.Denied.test", types[i], true);
        expect_local(&o, &p, DNS_RCODE_NXDOMAIN);
        CHECK_STR(why, "name denied by policy");
        CHECK_STR(R.q.name, "exfil-0123456789abcdef.denied.test");
        CHECK(memmem(out, out_n, "\x06" "Denied", 7) != NULL);   /* spelling echoed */
        CHECK_INT(R.q.qtype, types[i]);
        CHECK(R.flags & DNS_FLAG_RD);
    }
    CHECK_STR(T.last_checked, "exfil-0123456789abcdef.denied.test");
    /* No callback: everything is denied. */
    o.check_name = NULL;
    struct pkt p;
    mkquery(&p, 1, "fine.test", DNS_TYPE_A, false);
    expect_local(&o, &p, DNS_RCODE_NXDOMAIN);
}

TEST(allowed_a_is_forwarded_as_a_rebuilt_query)
{
    struct dns_filter_ops o = ops(true);
    struct pkt p;
    mkquery(&p, 0xcafe, "WWW.Example.com", DNS_TYPE_A, true);
    p.b[3] |= DNS_FLAG_CD | DNS_FLAG_AD;
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(act, DNS_FORWARD);
    CHECK(why == NULL);
    CHECK_STR(T.last_checked, "www.example.com");
    struct dns_query up;
    CHECK_INT(dns_parse_query(out, out_n, &up, NULL), 0);
    CHECK_INT(up.id, 0xcafe);
    CHECK_INT(up.flags, DNS_FLAG_RD);
    CHECK_STR(up.q.spelled, "www.example.com");
    CHECK_INT(up.edns_udp_size, DNS_EDNS_UDP_SIZE);
    CHECK(memmem(out, out_n, "sbox", 4) == NULL);  /* the client's EDNS option stays here */
    mkquery(&p, 1, "alias.test", DNS_TYPE_CNAME, false);
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(act, DNS_FORWARD);
}

TEST(types_other_than_addresses_are_answered_locally)
{
    struct dns_filter_ops o = ops(true);
    static const struct { unsigned type, rcode; const char *why; } cases[] = {
        { DNS_TYPE_HTTPS, DNS_RCODE_NOERROR, "HTTPS/SVCB records are not served" },
        { DNS_TYPE_SVCB, DNS_RCODE_NOERROR, "HTTPS/SVCB records are not served" },
        { DNS_TYPE_TXT, DNS_RCODE_NOERROR, "query type not served" },
        { DNS_TYPE_NULL, DNS_RCODE_NOERROR, "query type not served" },
        { DNS_TYPE_MX, DNS_RCODE_NOERROR, "query type not served" },
        { DNS_TYPE_PTR, DNS_RCODE_NOERROR, "query type not served" },
        { DNS_TYPE_ANY, DNS_RCODE_REFUSED, "meta query type" },
        { DNS_TYPE_AXFR, DNS_RCODE_REFUSED, "meta query type" },
        { DNS_TYPE_IXFR, DNS_RCODE_REFUSED, "meta query type" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct pkt p;
        mkquery(&p, 0x4000 + (unsigned)i, "allowed.test", cases[i].type, false);
        expect_local(&o, &p, cases[i].rcode);
        CHECK_STR(why, cases[i].why);
        CHECK_INT(R.ancount, 0);
        CHECK_INT(R.q.qtype, cases[i].type);
    }
}

TEST(aaaa_without_ipv6_is_nodata_locally)
{
    struct dns_filter_ops o = ops(false);
    struct pkt p;
    mkquery(&p, 0x6666, "dual.test", DNS_TYPE_AAAA, false);
    expect_local(&o, &p, DNS_RCODE_NOERROR);
    CHECK_STR(why, "AAAA without IPv6 upstream");
    CHECK_INT(R.ancount, 0);
    o.ipv6_available = true;
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(act, DNS_FORWARD);
}

TEST(malformed_queries)
{
    struct dns_filter_ops o = ops(true);
    struct pkt p;
    mkquery(&p, 0x0bad, "x.test", DNS_TYPE_A, false);
    p.b[p.n++] = 0;                   /* trailing garbage */
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(act, DNS_ANSWER_LOCAL);
    CHECK_STR(why, "trailing bytes after the message");
    CHECK_INT(out_n, 12);
    CHECK(out[0] == 0x0b && out[1] == 0xad && (out[3] & 0xf) == DNS_RCODE_FORMERR);
    /* Unreadable header, or a response: dropped without a word. */
    CHECK_INT(dns_filter_query(&o, p.b, 11, &Q, out, sizeof out, &out_n, &act, &why), -EINVAL);
    CHECK_STR(why, "truncated header");
    CHECK_INT(out_n, 0);
    mkquery(&p, 1, "x.test", DNS_TYPE_A, false);
    p.b[2] |= 0x80;
    CHECK_INT(query(&o, &p), -EINVAL);
    /* NOTIFY: not implemented, opcode echoed. */
    mkquery(&p, 2, "x.test", DNS_TYPE_SOA, false);
    p.b[2] |= 4 << 3;
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(out[3] & 0xf, DNS_RCODE_NOTIMP);
    CHECK_INT((out[2] >> 3) & 0xf, 4);
    mkquery(&p, 3, "bad name.test", DNS_TYPE_A, false);
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(out[3] & 0xf, DNS_RCODE_REFUSED);
    CHECK_INT(T.name_checks, 0);
    /* EDNS version 1: BADVERS (16) with our OPT. */
    mkquery(&p, 4, "x.test", DNS_TYPE_A, true);
    p.b[p.n - 13] = 1;                /* the OPT TTL's version octet */
    CHECK_INT(query(&o, &p), 0);
    CHECK_INT(Q.edns_version, 1);
    CHECK_STR(why, "unsupported EDNS version");
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.rcode, 0);
    CHECK_INT(out[out_n - 11 + 5], 1);
    /* CHAOS class (version.bind) and the root. */
    mkquery(&p, 5, "version.bind", DNS_TYPE_TXT, false);
    p.b[p.n - 1] = 3;
    expect_local(&o, &p, DNS_RCODE_REFUSED);
    mkquery(&p, 6, "", DNS_TYPE_NS, false);
    expect_local(&o, &p, DNS_RCODE_REFUSED);
    CHECK_INT(T.name_checks, 0);
    /* A buffer too small for even the header. */
    mkquery(&p, 7, "denied.test", DNS_TYPE_A, false);
    CHECK_INT(dns_filter_query(&o, p.b, p.n, &Q, out, 12, &out_n, &act, &why), -ENOSPC);
}

/* --- responses ------------------------------------------------------------------------ */

TEST(allowed_answer_passes_and_is_reported)
{
    struct dns_filter_ops o = ops(true);
    forward(&o, "WWW.example.com", DNS_TYPE_A, true);
    struct pkt up;
    up_start(&up, 0x5151, "www.example.com", DNS_TYPE_A, 0);
    up_cname(&up, "www.example.com", 300, "edge.cdn.test");
    up_a(&up, "edge.cdn.test", 20, "\xc6\x33\x64\x0a");
    up_a(&up, "edge.cdn.test", 0xffffffffu, "\xc6\x33\x64\x0b");
    up_a(&up, "unrelated.test", 20, "\xc6\x33\x64\x63");   /* not on the chain */
    up.b[9] = 1;                                            /* an NS in authority */
    pname(&up, "cdn.test"), p16(&up, DNS_TYPE_NS), p16(&up, 1), p32(&up, 1), p16(&up, 0);
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK(why == NULL);
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.id, 0x5151);
    CHECK(memmem(out, out_n, "\x03WWW", 4) != NULL);
    CHECK_INT(R.n_an, 3);
    CHECK_INT(R.nscount, 0);
    CHECK_INT(R.arcount, 1);
    CHECK_STR(R.an[0].target, "edge.cdn.test");
    CHECK_INT(R.an[0].ttl, 300);
    CHECK_INT(R.an[1].ttl, 20);
    CHECK_INT(R.an[2].ttl, 0);        /* RFC 2181 §8 */
    CHECK(!(R.flags & (DNS_FLAG_AA | DNS_FLAG_TC | DNS_FLAG_AD)));
    CHECK_INT(T.n_found, 2);
    CHECK_STR(T.found[0].name, "www.example.com");
    CHECK_INT(T.found[0].family, AF_INET);
    CHECK(memcmp(T.found[0].addr, "\xc6\x33\x64\x0a", 4) == 0);
    CHECK_INT(T.found[0].ttl, 20);
    CHECK(memcmp(T.found[1].addr, "\xc6\x33\x64\x0b", 4) == 0);
    CHECK_INT(T.found[1].ttl, 0);
    /* An upstream that answers with a fresh id of the forwarder's choosing. */
    up.b[0] = 0x99, up.b[1] = 0x01;
    CHECK_INT(dns_filter_response(&o, &Q, 0x9901, up.b, up.n, out, sizeof out, &out_n, &why), 0);
    CHECK(out[0] == 0x51 && out[1] == 0x51);
    /* found() may be absent. */
    o.found = NULL;
    CHECK_INT(dns_filter_response(&o, &Q, 0x9901, up.b, up.n, out, sizeof out, &out_n, &why), 0);
}

TEST(rebinding_answers_are_refused)
{
    static const char *v4[] = { "\x7f\0\0\x01", "\x7f\x35\x35\x35", "\xa9\xfe\xa9\xfe" };
    for (size_t i = 0; i < 3; i++) {
        struct dns_filter_ops o = ops(true);
        forward(&o, "allowed.test", DNS_TYPE_A, false);
        struct pkt up;
        up_start(&up, 0x5151, "allowed.test", DNS_TYPE_A, 0);
        up_a(&up, "allowed.test", 60, "\xc6\x33\x64\x0a");
        up_a(&up, "allowed.test", 60, v4[i]);
        CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
        CHECK_STR(why, "answer address denied (DNS rebinding)");
        CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
        CHECK_INT(R.rcode, DNS_RCODE_REFUSED);
        CHECK_INT(R.ancount, 0);
        CHECK_INT(T.n_found, 0);      /* nothing pinned, not even the good address */
    }
    /* Behind a CNAME, and in AAAA (::1, fe80::1, ::ffff:127.0.0.1). */
    static const char *v6[] = { "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
                                "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
                                "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x01" };
    for (size_t i = 0; i < 3; i++) {
        struct dns_filter_ops o = ops(true);
        forward(&o, "allowed.test", DNS_TYPE_AAAA, false);
        o.ipv6_available = i != 2;    /* stripped or not, a rebinding answer is refused */
        struct pkt up;
        up_start(&up, 0x5151, "allowed.test", DNS_TYPE_AAAA, 0);
        up_cname(&up, "allowed.test", 60, "sneaky.example");
        up_aaaa(&up, "sneaky.example", 60, v6[i]);
        CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
        CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
        CHECK_INT(R.rcode, DNS_RCODE_REFUSED);
        CHECK_INT(T.n_found, 0);
    }
    /* Without an addr_denied callback every address is denied. */
    struct dns_filter_ops o = ops(true);
    forward(&o, "allowed.test", DNS_TYPE_A, false);
    o.addr_denied = NULL;
    struct pkt up;
    up_start(&up, 0x5151, "allowed.test", DNS_TYPE_A, 0);
    up_a(&up, "allowed.test", 60, "\xc6\x33\x64\x0a");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_INT(out[3] & 0xf, DNS_RCODE_REFUSED);
}

TEST(cname_to_a_denied_name_is_refused)
{
    struct dns_filter_ops o = ops(true);
    forward(&o, "allowed.test", DNS_TYPE_A, false);
    struct pkt up;
    up_start(&up, 0x5151, "allowed.test", DNS_TYPE_A, 0);
    up_cname(&up, "allowed.test", 60, "hop.example");
    up_cname(&up, "hop.example", 60, "c2.evil.test");
    up_a(&up, "c2.evil.test", 60, "\xc6\x33\x64\x0a");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_STR(why, "CNAME target denied by policy");
    CHECK_STR(T.last_checked, "c2.evil.test");
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.rcode, DNS_RCODE_REFUSED);
    CHECK_INT(R.ancount, 0);
    CHECK_INT(T.n_found, 0);
}

TEST(broken_cname_chains_are_servfail)
{
    struct dns_filter_ops o = ops(true);
    forward(&o, "a.test", DNS_TYPE_A, false);
    struct pkt up;
    up_start(&up, 0x5151, "a.test", DNS_TYPE_A, 0);
    up_cname(&up, "a.test", 60, "b.test");
    up_cname(&up, "b.test", 60, "a.test");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_STR(why, "CNAME loop");
    CHECK_INT(out[3] & 0xf, DNS_RCODE_SERVFAIL);
    up_start(&up, 0x5151, "a.test", DNS_TYPE_A, 0);
    up_cname(&up, "a.test", 60, "b.test");
    up_cname(&up, "a.test", 60, "c.test");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_STR(why, "conflicting CNAME records");
    /* A duplicate of the same CNAME is harmless and sent once. */
    up_start(&up, 0x5151, "a.test", DNS_TYPE_A, 0);
    up_cname(&up, "a.test", 60, "b.test");
    up_cname(&up, "a.test", 60, "b.test");
    up_a(&up, "b.test", 60, "\1\2\3\4");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.ancount, 2);
    /* 16 CNAMEs are followed, 17 are too many. */
    for (int len = 16; len <= 17; len++) {
        up_start(&up, 0x5151, "a.test", DNS_TYPE_A, 0);
        char from[32] = "a.test", to[32];
        for (int i = 0; i < len; i++) {
            snprintf(to, sizeof to, "c%d.test", i);
            up_cname(&up, from, 60, to);
            memcpy(from, to, sizeof from);
        }
        up_a(&up, from, 60, "\1\2\3\4");
        CHECK_INT(respond(&o, &up, DNS_TCP_MAX), 0);
        CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
        CHECK_INT(R.rcode, len == 16 ? DNS_RCODE_NOERROR : DNS_RCODE_SERVFAIL);
        CHECK_INT(R.ancount, len == 16 ? 17 : 0);
    }
}

TEST(aaaa_is_stripped_without_ipv6)
{
    struct dns_filter_ops o = ops(true);
    forward(&o, "dual.test", DNS_TYPE_AAAA, true);
    o.ipv6_available = false;         /* e.g. the probe changed its mind */
    struct pkt up;
    up_start(&up, 0x5151, "dual.test", DNS_TYPE_AAAA, 0);
    up_cname(&up, "dual.test", 60, "host.dual.test");
    up_aaaa(&up, "host.dual.test", 60, "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x10");
    up_aaaa(&up, "host.dual.test", 60, "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x11");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_STR(why, "AAAA records removed (no IPv6 upstream)");
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.rcode, DNS_RCODE_NOERROR);
    CHECK_INT(R.n_an, 1);
    CHECK_INT(R.an[0].type, DNS_TYPE_CNAME);
    CHECK_STR(R.an[0].target, "host.dual.test");
    CHECK_INT(R.arcount, 1);
    CHECK_INT(T.n_found, 0);
    /* An A answer carrying stray AAAA records keeps its A records intact. */
    o.ipv6_available = true;
    forward(&o, "dual.test", DNS_TYPE_A, false);
    o.ipv6_available = false;
    up_start(&up, 0x5151, "dual.test", DNS_TYPE_A, 0);
    up_a(&up, "dual.test", 60, "\xc6\x33\x64\x0a");
    up_aaaa(&up, "dual.test", 60, "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x10");
    up_a(&up, "dual.test", 61, "\xc6\x33\x64\x0b");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.n_an, 2);
    CHECK(R.an[0].type == DNS_TYPE_A && R.an[1].type == DNS_TYPE_A && R.an[1].ttl == 61);
    CHECK_INT(T.n_found, 2);
    /* With IPv6, AAAA answers pass and are reported as such. */
    o = ops(true);
    forward(&o, "dual.test", DNS_TYPE_AAAA, false);
    up_start(&up, 0x5151, "dual.test", DNS_TYPE_AAAA, 0);
    up_aaaa(&up, "dual.test", 60, "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x10");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_INT(T.n_found, 1);
    CHECK_INT(T.found[0].family, AF_INET6);
    CHECK_INT(T.found[0].addr[15], 0x10);
}

TEST(mismatched_responses_are_dropped)
{
    struct dns_filter_ops o = ops(true);
    forward(&o, "a.test", DNS_TYPE_A, false);
    struct pkt up;
    up_start(&up, 0x5152, "a.test", DNS_TYPE_A, 0);
    up_a(&up, "a.test", 60, "\1\2\3\4");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), -EINVAL);
    CHECK_STR(why, "response id does not match the query");
    CHECK_INT(out_n, 0);
    up_start(&up, 0x5151, "b.test", DNS_TYPE_A, 0);
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), -EINVAL);
    CHECK_STR(why, "response question does not match the query");
    up_start(&up, 0x5151, "a.test", DNS_TYPE_AAAA, 0);
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), -EINVAL);
    up_start(&up, 0x5151, "A.TEST", DNS_TYPE_A, 0);    /* case does not matter */
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    up.n -= 1;
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), -EINVAL);
    CHECK_STR(why, "question truncated");
    CHECK_INT(T.n_found, 0);
}

TEST(truncation_and_upstream_errors)
{
    struct dns_filter_ops o = ops(true);
    forward(&o, "big.test", DNS_TYPE_A, true);
    struct pkt up;
    up_start(&up, 0x5151, "big.test", DNS_TYPE_A, 0);
    for (unsigned i = 0; i < 40; i++)
        up_a(&up, "big.test", 60, (uint8_t[4]){ 198, 51, 100, (uint8_t)i });
    /* 40 × 16 octets do not fit in 512: TC, no records, nothing pinned. */
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_STR(why, "answer larger than the client accepts");
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK(R.flags & DNS_FLAG_TC);
    CHECK_INT(R.ancount, 0);
    CHECK_INT(T.n_found, 0);
    CHECK_INT(respond(&o, &up, dns_query_udp_limit(&Q)), 0);    /* 4096 */
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.ancount, 40);
    CHECK_INT(T.n_found, 40);
    /* Truncated upstream: pass the flag only. */
    up.b[2] |= DNS_FLAG_TC >> 8;
    CHECK_INT(respond(&o, &up, DNS_TCP_MAX), 0);
    CHECK_STR(why, "upstream answer truncated");
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK((R.flags & DNS_FLAG_TC) && R.ancount == 0);
    CHECK_INT(respond(&o, &up, 20), -ENOSPC);
    /* NXDOMAIN keeps its (checked) chain; SERVFAIL and REFUSED pass without records. */
    up_start(&up, 0x5151, "big.test", DNS_TYPE_A, DNS_RCODE_NXDOMAIN);
    up_cname(&up, "big.test", 60, "gone.test");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.rcode, DNS_RCODE_NXDOMAIN);
    CHECK_INT(R.ancount, 1);
    up_start(&up, 0x5151, "big.test", DNS_TYPE_A, DNS_RCODE_SERVFAIL);
    up_a(&up, "big.test", 60, "\x7f\0\0\1");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_STR(why, "upstream error");
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.rcode, DNS_RCODE_SERVFAIL);
    CHECK_INT(R.ancount, 0);
}

TEST(pinning_failure_is_servfail)
{
    struct dns_filter_ops o = ops(true);
    forward(&o, "a.test", DNS_TYPE_A, false);
    T.found_result = -ENOBUFS;
    struct pkt up;
    up_start(&up, 0x5151, "a.test", DNS_TYPE_A, 0);
    up_a(&up, "a.test", 60, "\1\2\3\4");
    CHECK_INT(respond(&o, &up, DNS_UDP_MIN), 0);
    CHECK_STR(why, "answer addresses could not be pinned");
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.rcode, DNS_RCODE_SERVFAIL);
    CHECK_INT(R.ancount, 0);
}

/* --- fuzz ----------------------------------------------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void mutate(struct pkt *p)
{
    static const uint8_t magic[] = { 0, 1, 5, 0x1c, 0x3f, 0x40, 0x7f, 0xc0, 0xff, 12, 127 };
    int k = 1 + (int)(rnd() % 3);
    for (int i = 0; i < k && p->n; i++) {
        size_t at = rnd() % p->n;
        switch (rnd() % 5) {
        case 0: p->b[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 1: p->b[at] = magic[rnd() % sizeof magic]; break;
        case 2: p->b[at] = (uint8_t)rnd(); break;
        case 3: p->n = at; break;
        default:
            if (at + 1 < p->n)
                p->b[at] = 0xc0, p->b[at + 1] = (uint8_t)rnd();
        }
    }
}

/* Whatever arrives, what leaves is a well-formed response to the sandbox's own question, and
 * every address in it passed addr_denied and was reported to found(). */
static void check_filtered(const struct dns_filter_ops *o, size_t n_found_before)
{
    CHECK_INT(dns_parse_response(out, out_n, &R, NULL), 0);
    CHECK_INT(R.id, Q.id);
    CHECK_STR(R.q.name, Q.q.name);
    CHECK(R.nscount == 0 && R.arcount == (Q.has_edns ? 1 : 0));
    size_t addrs = 0;
    for (size_t i = 0; i < R.n_an; i++) {
        const struct dns_rr *rr = &R.an[i];
        CHECK(rr->type == DNS_TYPE_CNAME || rr->type == Q.q.qtype);
        CHECK(rr->ttl <= 0x7fffffffu);
        if (rr->type == DNS_TYPE_CNAME) {
            CHECK(check_name(NULL, rr->target) == DNS_NAME_ALLOW);
            continue;
        }
        CHECK(!addr_denied(NULL, rr->type == DNS_TYPE_A ? AF_INET : AF_INET6,
                           out + rr->rdata_off));
        CHECK(rr->type != DNS_TYPE_AAAA || o->ipv6_available);
        addrs++;
    }
    if (R.rcode == DNS_RCODE_NOERROR || R.rcode == DNS_RCODE_NXDOMAIN)
        CHECK(T.n_found - n_found_before == addrs || (R.flags & DNS_FLAG_TC));
}

TEST(fuzz_filter_100k)
{
    struct pkt seeds[4];
    up_start(&seeds[0], 0x5151, "www.example.com", DNS_TYPE_A, 0);
    up_cname(&seeds[0], "www.example.com", 60, "edge.cdn.test");
    up_a(&seeds[0], "edge.cdn.test", 60, "\xc6\x33\x64\x0a");
    up_a(&seeds[0], "edge.cdn.test", 60, "\x7e\x33\x64\x0a");
    up_a(&seeds[0], "www.example.com", 60, "\xa8\xfe\x01\x02");
    up_start(&seeds[1], 0x5151, "www.example.com", DNS_TYPE_AAAA, 0);
    up_cname(&seeds[1], "www.example.com", 60, "www.eviL.test");
    up_aaaa(&seeds[1], "www.example.com", 60, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x02");
    up_aaaa(&seeds[1], "www.example.com", 60, "\xfe\x40\0\0\0\0\0\0\0\0\0\0\0\0\0\x02");
    mkquery(&seeds[2], 0x5151, "www.example.com", DNS_TYPE_A, true);
    mkquery(&seeds[3], 0x5151, "x.Localhost", DNS_TYPE_AAAA, false);
    unsigned passed = 0, local = 0, fwd = 0;
    for (int i = 0; i < 100000 && !unit_current_failed; i++) {
        unsigned s = rnd() % 4;
        struct dns_filter_ops o = ops(true);
        struct pkt p = seeds[s];
        mutate(&p);
        if (s < 2) {
            forward(&o, "www.example.com", s == 0 ? DNS_TYPE_A : DNS_TYPE_AAAA, rnd() & 1);
            o.ipv6_available = rnd() & 1;
            size_t cap = rnd() & 1 ? DNS_UDP_MIN : DNS_TCP_MAX;
            int r = respond(&o, &p, cap);
            CHECK(r == 0 || r == -EINVAL);
            CHECK(r == 0 || out_n == 0);
            if (r == 0) {
                CHECK(out_n <= cap);
                check_filtered(&o, 0);
                passed += why == NULL;
            }
            continue;
        }
        o.ipv6_available = rnd() & 1;
        int r = query(&o, &p);
        CHECK(r == 0 || r == -EINVAL);
        if (r < 0)
            continue;
        if (act == DNS_FORWARD) {
            fwd++;
            struct dns_query up;
            CHECK_INT(dns_parse_query(out, out_n, &up, NULL), 0);
            CHECK(check_name(NULL, up.q.name) == DNS_NAME_ALLOW);
            CHECK(!dns_name_is_localhost(up.q.name));
            CHECK(up.q.qtype == DNS_TYPE_A || up.q.qtype == DNS_TYPE_CNAME ||
                  (up.q.qtype == DNS_TYPE_AAAA && o.ipv6_available));
        } else {
            local++;
            CHECK(out_n >= 12 && out_n <= 512 && out[0] == p.b[0] && out[1] == p.b[1]);
            CHECK(out[2] & 0x80);
        }
    }
    CHECK(passed > 1000 && local > 1000 && fwd > 1000);
}

int main(void)
{
    RUN(localhost_is_answered_locally);
    RUN(denied_name_gets_nxdomain_locally);
    RUN(allowed_a_is_forwarded_as_a_rebuilt_query);
    RUN(types_other_than_addresses_are_answered_locally);
    RUN(aaaa_without_ipv6_is_nodata_locally);
    RUN(malformed_queries);
    RUN(allowed_answer_passes_and_is_reported);
    RUN(rebinding_answers_are_refused);
    RUN(cname_to_a_denied_name_is_refused);
    RUN(broken_cname_chains_are_servfail);
    RUN(aaaa_is_stripped_without_ipv6);
    RUN(mismatched_responses_are_dropped);
    RUN(truncation_and_upstream_errors);
    RUN(pinning_failure_is_servfail);
    RUN(fuzz_filter_100k);
    return UNIT_DONE();
}
