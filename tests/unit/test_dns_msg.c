/* Unit tests for src/net/dns/dns_msg.c: well-formed queries and responses, every kind of hostile
 * packet we know of (truncation at every offset, compression loops, lying counts), the
 * builders, and a seeded fuzz loop.  Meant to run under ASan/UBSan. */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns_packet.h"
#include "net/dns/dns_msg.h"
#include "unit.h"

/* A client query: header, question, optional OPT with a 4096-octet payload size. */
static void mkquery(struct pkt *p, unsigned id, const char *name, unsigned type, bool edns)
{
    phdr(p, id, DNS_FLAG_RD, 1, 0, 0, edns);
    pname(p, name);
    p16(p, type), p16(p, DNS_CLASS_IN);
    if (edns)
        popt(p, 4096, 0, 0);
}


/* A typical upstream answer: www.example.com A? → CNAME edge.example.com (compressed
 * against the question) → CNAME x.cdn.test → two A records, an SOA in authority and an OPT
 * in additional. */
static void mkresponse(struct pkt *p)
{
    phdr(p, 0x1234, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA, 1, 4, 1, 1);
    pname(p, "www.example.com");     /* at 12; "example.com" at 16 */
    p16(p, DNS_TYPE_A), p16(p, DNS_CLASS_IN);
    pptr(p, 12), prr(p, DNS_TYPE_CNAME, 300, 7);
    unsigned edge = (unsigned)p->n;
    plabels(p, "edge"), pptr(p, 16);
    pptr(p, edge), prr(p, DNS_TYPE_CNAME, 60, 12);
    unsigned x = (unsigned)p->n;
    pname(p, "x.cdn.test");
    pptr(p, x), prr(p, DNS_TYPE_A, 30, 4), pbytes(p, "\xc6\x33\x64\x0a", 4);
    pptr(p, x), prr(p, DNS_TYPE_A, 0x80000000u, 4), pbytes(p, "\xc6\x33\x64\x0b", 4);
    pptr(p, x + 2), prr(p, DNS_TYPE_SOA, 60, 5), pbytes(p, "\0\0\1\2\3", 5); /* cdn.test */
    popt(p, 1232, 0, 0);
}

/* A response header and the question "a.test" A IN, ending at offset 24. */
static void mk_answer_head(struct pkt *p, unsigned ancount)
{
    phdr(p, 1, DNS_FLAG_QR, 1, ancount, 0, 0);
    pname(p, "a.test");
    p16(p, DNS_TYPE_A), p16(p, DNS_CLASS_IN);
}

static struct dns_query Q;
static struct dns_response R;

static const char *qwhy(const struct pkt *p)
{
    const char *why = NULL;
    int r = dns_parse_query(p->b, p->n, &Q, &why);
    return r == 0 ? "ok" : why ? why : "(no reason)";
}

static const char *rwhy(const struct pkt *p)
{
    const char *why = NULL;
    int r = dns_parse_response(p->b, p->n, &R, &why);
    return r == 0 ? "ok" : why ? why : "(no reason)";
}

/* --- well-formed queries -------------------------------------------------------------- */

TEST(a_query_parses)
{
    struct pkt p;
    mkquery(&p, 0xbeef, "www.example.com", DNS_TYPE_A, false);
    CHECK_STR(qwhy(&p), "ok");
    CHECK_INT(Q.id, 0xbeef);
    CHECK(Q.flags & DNS_FLAG_RD);
    CHECK_STR(Q.q.name, "www.example.com");
    CHECK_INT(Q.q.qtype, DNS_TYPE_A);
    CHECK_INT(Q.q.qclass, DNS_CLASS_IN);
    CHECK(!Q.has_edns);
    CHECK_INT(dns_query_udp_limit(&Q), 512);
}

TEST(aaaa_query_with_edns_parses)
{
    struct pkt p;
    mkquery(&p, 7, "v6.test", DNS_TYPE_AAAA, true);
    CHECK_STR(qwhy(&p), "ok");
    CHECK_INT(Q.q.qtype, DNS_TYPE_AAAA);
    CHECK(Q.has_edns);
    CHECK_INT(Q.edns_udp_size, 4096);
    CHECK_INT(Q.edns_version, 0);
    CHECK_INT(dns_query_udp_limit(&Q), 4096);

    /* A payload size below 512 means 512 (RFC 6891 §6.2.5); version and options kept. */
    phdr(&p, 7, 0, 1, 0, 0, 1);
    pname(&p, "v6.test");
    p16(&p, DNS_TYPE_AAAA);
    p16(&p, DNS_CLASS_IN);
    popt(&p, 100, 0x00018000u, 12);  /* version 1, DO */
    p16(&p, 10), p16(&p, 8), pbytes(&p, "cookie!!", 8); /* a COOKIE option */
    CHECK_STR(qwhy(&p), "ok");
    CHECK_INT(Q.edns_version, 1);
    CHECK_INT(dns_query_udp_limit(&Q), 512);
}

TEST(names_are_lowercased_and_spelling_kept)
{
    struct pkt p;
    mkquery(&p, 1, "WwW.ExAmPlE.CoM", DNS_TYPE_A, false);
    CHECK_STR(qwhy(&p), "ok");
    CHECK_STR(Q.q.name, "www.example.com");
    CHECK_STR(Q.q.spelled, "WwW.ExAmPlE.CoM");
    mkquery(&p, 1, "_sip._tcp.*.Example.com", DNS_TYPE_A, false);
    CHECK_STR(qwhy(&p), "ok");
    CHECK_STR(Q.q.name, "_sip._tcp.*.example.com");
    mkquery(&p, 1, "", DNS_TYPE_A, false);
    CHECK_STR(qwhy(&p), "ok");
    CHECK_STR(Q.q.name, "");
}

TEST(longest_name_is_accepted_and_one_more_octet_is_not)
{
    char l63[64], name[300];
    memset(l63, 'a', 63);
    l63[63] = '\0';
    /* 3 × (1+63) + (1+61) + 1 = 255 octets on the wire, 253 characters. */
    snprintf(name, sizeof name, "%s.%s.%s.%.61s", l63, l63, l63, l63);
    struct pkt p;
    mkquery(&p, 1, name, DNS_TYPE_A, false);
    CHECK_STR(qwhy(&p), "ok");
    CHECK_INT(strlen(Q.q.name), 253);
    snprintf(name, sizeof name, "%s.%s.%s.%.62s", l63, l63, l63, l63);
    mkquery(&p, 1, name, DNS_TYPE_A, false);
    CHECK_STR(qwhy(&p), "name too long");
    /* Through many short labels too. */
    struct pkt q;
    phdr(&q, 1, 0, 1, 0, 0, 0);
    for (int i = 0; i < 128; i++)
        plabels(&q, "a");
    p8(&q, 0);
    p16(&q, 1), p16(&q, 1);
    CHECK_STR(qwhy(&q), "name too long");
}

/* --- malformed queries ---------------------------------------------------------------- */

TEST(every_prefix_of_a_valid_query_is_rejected)
{
    struct pkt p;
    mkquery(&p, 1, "www.example.com", DNS_TYPE_AAAA, true);
    CHECK_STR(qwhy(&p), "ok");
    for (size_t n = 0; n < p.n; n++) {
        const char *why = NULL;
        CHECK_INT(dns_parse_query(p.b, n, &Q, &why), -EINVAL);
        CHECK(why != NULL);
    }
    CHECK_INT(dns_parse_query(NULL, 0, &Q, NULL), -EINVAL);
    p8(&p, 0);
    CHECK_STR(qwhy(&p), "trailing bytes after the message");
}

TEST(query_header_rules)
{
    struct pkt p;
    mkquery(&p, 1, "a.test", DNS_TYPE_A, false);
    p.b[5] = 0;
    CHECK_STR(qwhy(&p), "no question");
    p.b[5] = 2;
    CHECK_STR(qwhy(&p), "more than one question");
    mkquery(&p, 1, "a.test", DNS_TYPE_A, false);
    p.b[2] |= DNS_FLAG_QR >> 8;
    CHECK_STR(qwhy(&p), "not a query (QR set)");
    mkquery(&p, 1, "a.test", DNS_TYPE_A, false);
    p.b[2] |= 5 << 3;                 /* UPDATE */
    CHECK_INT(dns_parse_query(p.b, p.n, &Q, NULL), -EOPNOTSUPP);
    CHECK_INT(Q.id, 1);               /* the header is reported even on failure */
    mkquery(&p, 1, "a.test", DNS_TYPE_A, false);
    p.b[7] = 1;
    CHECK_STR(qwhy(&p), "answer or authority records in a query");
    p.b[7] = 0, p.b[9] = 1;
    CHECK_STR(qwhy(&p), "answer or authority records in a query");
    p.b[9] = 0, p.b[11] = 2;
    CHECK_STR(qwhy(&p), "more than one additional record");
    p.b[4] = 0xff, p.b[5] = 0xff;     /* a huge count in a short buffer */
    CHECK_STR(qwhy(&p), "more than one question");
}

TEST(query_opt_rules)
{
    struct pkt p;
    phdr(&p, 1, 0, 1, 0, 0, 1);
    pname(&p, "a.test");
    p16(&p, 1), p16(&p, 1);
    size_t at = p.n;
    pname(&p, "x");                   /* OPT owner must be the root */
    prr(&p, DNS_TYPE_OPT, 0, 0);
    CHECK_STR(qwhy(&p), "OPT owner is not the root");
    p.n = at;
    pname(&p, "");
    prr(&p, DNS_TYPE_TXT, 0, 0);      /* e.g. a TSIG or stray record */
    CHECK_INT(dns_parse_query(p.b, p.n, &Q, NULL), -EOPNOTSUPP);
    p.n = at;
    popt(&p, 1232, 0, 5);
    p16(&p, 10), p16(&p, 2), p8(&p, 0); /* option claims 2 octets, has 1 */
    CHECK_STR(qwhy(&p), "malformed EDNS option");
    p.n = at;
    popt(&p, 1232, 0, 3);
    pbytes(&p, "\0\0\0", 3);          /* shorter than an option header */
    CHECK_STR(qwhy(&p), "malformed EDNS option");
    p.n = at;
    popt(&p, 1232, 0, 9);             /* rdlen past the end */
    CHECK_STR(qwhy(&p), "record data past the end of the message");
}

TEST(unsupported_characters_are_refused_not_escaped)
{
    static const char *bad[] = { "a b", "a\\.b", "caf\xc3\xa9", "a/b", "a@b", "\x7f" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct pkt p;
        mkquery(&p, 1, bad[i], DNS_TYPE_A, false);
        CHECK_INT(dns_parse_query(p.b, p.n, &Q, NULL), -EOPNOTSUPP);
        CHECK_STR(qwhy(&p), "unsupported characters in name");
    }
}

/* Queries whose question is the given raw octets, after the header. */
TEST(hostile_question_names)
{
    static const struct {
        const char *wire;
        size_t n;
        int rc;
        const char *why;
    } cases[] = {
        /* A dot or a NUL inside a label would make two names look alike. */
        { "\x03" "a.b\0\0\1\0\1", 9, -EOPNOTSUPP, "unsupported characters in name" },
        { "\x03" "a\0b\0\0\1\0\1", 9, -EOPNOTSUPP, "unsupported characters in name" },
        /* A structural error wins: FORMERR whatever the name looks like. */
        { "\x03" "a\0b\0\0\1\0\1\0", 10, -EINVAL, "trailing bytes after the message" },
        { "\x40", 1, -EINVAL, "label longer than 63" },
        { "\x41" "a\0\0\1\0\1", 7, -EINVAL, "label longer than 63" }, /* EDNS0 bit label */
        { "\x80" "a\0\0\1\0\1", 7, -EINVAL, "reserved label type" },
        /* The question is the first name: any pointer goes into the header or not back. */
        { "\xc0\x0c\0\1\0\1", 6, -EINVAL, "compression loop" },
        { "\x01" "a\xc0\x0c\0\1\0\1", 8, -EINVAL, "compression loop" }, /* a.a.a.… */
        { "\xc0\x04\0\1\0\1", 6, -EINVAL, "compression pointer into the header" },
        { "\xc0\x12\0\1\0\1\x01" "x\0", 9, -EINVAL, "forward compression pointer" },
        { "\xff\xff\0\1\0\1", 6, -EINVAL, "compression pointer out of bounds" },
        { "\xc0", 1, -EINVAL, "name truncated" },
        { "\x03" "ab", 3, -EINVAL, "name truncated" },
        { "\x01" "a\0\0\1\0", 6, -EINVAL, "question truncated" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct pkt p;
        phdr(&p, 1, 0, 1, 0, 0, 0);
        pbytes(&p, cases[i].wire, cases[i].n);
        CHECK_STR(qwhy(&p), cases[i].why);
        CHECK_INT(dns_parse_query(p.b, p.n, &Q, NULL), cases[i].rc);
    }
}

/* --- responses ------------------------------------------------------------------------ */

TEST(response_with_a_cname_chain_parses)
{
    struct pkt p;
    mkresponse(&p);
    CHECK_STR(rwhy(&p), "ok");
    CHECK_INT(R.id, 0x1234);
    CHECK_INT(R.rcode, 0);
    CHECK_STR(R.q.name, "www.example.com");
    CHECK_INT(R.ancount, 4);
    CHECK_INT(R.nscount, 1);
    CHECK_INT(R.arcount, 1);
    CHECK_INT(R.n_an, 4);
    CHECK_STR(R.an[0].name, "www.example.com");
    CHECK_INT(R.an[0].type, DNS_TYPE_CNAME);
    CHECK_STR(R.an[0].target, "edge.example.com");
    CHECK_STR(R.an[1].name, "edge.example.com");
    CHECK_STR(R.an[1].target, "x.cdn.test");
    CHECK_INT(R.an[1].ttl, 60);
    CHECK_STR(R.an[2].name, "x.cdn.test");
    CHECK_INT(R.an[2].type, DNS_TYPE_A);
    CHECK_INT(R.an[2].rdlen, 4);
    CHECK(memcmp(p.b + R.an[2].rdata_off, "\xc6\x33\x64\x0a", 4) == 0);
    CHECK_INT(R.an[3].ttl, 0x80000000u); /* reported raw; the filter applies RFC 2181 §8 */
}

TEST(every_prefix_of_a_valid_response_is_rejected)
{
    struct pkt p;
    mkresponse(&p);
    for (size_t n = 0; n < p.n; n++) {
        const char *why = NULL;
        CHECK_INT(dns_parse_response(p.b, n, &R, &why), -EINVAL);
        CHECK(why != NULL);
    }
    p8(&p, 0);
    CHECK_STR(rwhy(&p), "trailing bytes after the message");
}

TEST(response_header_rules)
{
    struct pkt p;
    mkresponse(&p);
    p.b[2] &= (uint8_t)~(DNS_FLAG_QR >> 8);
    CHECK_STR(rwhy(&p), "not a response (QR clear)");
    mkresponse(&p);
    p.b[2] |= 4 << 3;
    CHECK_STR(rwhy(&p), "opcode is not QUERY");
    mkresponse(&p);
    p.b[5] = 0;
    CHECK_STR(rwhy(&p), "question count is not 1");
    p.b[5] = 2;
    CHECK_STR(rwhy(&p), "question count is not 1");
    /* Lying counts with a short buffer fail at the end of the data, quickly. */
    mkresponse(&p);
    p.b[6] = p.b[7] = 0xff;
    CHECK_STR(rwhy(&p), "name truncated");
    mkresponse(&p);
    p.b[10] = p.b[11] = 0xff;
    CHECK_STR(rwhy(&p), "name truncated");
    phdr(&p, 1, DNS_FLAG_QR, 1, 0xffff, 0xffff, 0xffff);
    pname(&p, "a");
    p16(&p, 1), p16(&p, 1);
    CHECK_STR(rwhy(&p), "name truncated");
}

static void pa(struct pkt *p, uint32_t addr)
{
    prr(p, DNS_TYPE_A, 1, 4);
    p32(p, addr);
}

/* A response to "a.test" A whose answer owners attack the decompressor, one way each. */
enum owner_attack { OWN_SELF, OWN_LABEL_SELF, OWN_MUTUAL, OWN_FORWARD, OWN_OOB, OWN_HEADER,
                    OWN_HOPS };

static void mk_owner(struct pkt *p, enum owner_attack kind)
{
    mk_answer_head(p, 2);
    unsigned at = (unsigned)p->n;
    switch (kind) {
    case OWN_SELF: pptr(p, at); break;
    case OWN_LABEL_SELF: plabels(p, "b"), pptr(p, at); break;          /* b.b.b.… */
    case OWN_OOB: pptr(p, 0x3000); break;
    case OWN_HEADER: pptr(p, 2); break;
    case OWN_FORWARD: pptr(p, at + 16), pa(p, 1), pname(p, "later"); break;
    /* Two pointers to each other: an opaque record's data points at the next owner, which
     * points back at that data. */
    case OWN_MUTUAL: pptr(p, 12), prr(p, 99, 1, 2), pptr(p, at + 14), pptr(p, at + 12); break;
    /* Legitimate: a pointer to a pointer to the question. */
    case OWN_HOPS: pptr(p, 12), pa(p, 1), pptr(p, at); break;
    }
    pa(p, 2);
}

TEST(compression_attacks_in_responses)
{
    struct pkt p;
    mk_owner(&p, OWN_SELF);
    CHECK_STR(rwhy(&p), "compression loop");
    mk_owner(&p, OWN_LABEL_SELF);
    CHECK_STR(rwhy(&p), "compression loop");
    mk_owner(&p, OWN_MUTUAL);
    CHECK_STR(rwhy(&p), "forward compression pointer");
    mk_owner(&p, OWN_FORWARD);
    CHECK_STR(rwhy(&p), "forward compression pointer");
    mk_owner(&p, OWN_OOB);
    CHECK_STR(rwhy(&p), "compression pointer out of bounds");
    mk_owner(&p, OWN_HEADER);
    CHECK_STR(rwhy(&p), "compression pointer into the header");
    mk_owner(&p, OWN_HOPS);
    CHECK_STR(rwhy(&p), "ok");
    CHECK_STR(R.an[1].name, "a.test");
}

TEST(pointer_chains_are_bounded)
{
    /* Each name is one pointer to the previous one: legal, but past the hop limit. */
    struct pkt p;
    mk_answer_head(&p, 40);
    size_t prev = 12;
    for (int i = 0; i < 40; i++) {
        size_t at = p.n;
        pptr(&p, (unsigned)prev);
        prr(&p, 99, 1, 0);
        prev = at;
    }
    CHECK_STR(rwhy(&p), "too many compression pointers");
    p.b[7] = DNS_MAX_PTR_HOPS;        /* the first 32 records are fine */
    p.n = 12 + 12 + (size_t)DNS_MAX_PTR_HOPS * 12;
    CHECK_STR(rwhy(&p), "ok");
    /* A name grown past 255 octets through pointers. */
    char l63[64];
    memset(l63, 'a', 63);
    l63[63] = '\0';
    mk_answer_head(&p, 3);
    size_t n1 = p.n;
    plabels(&p, l63), plabels(&p, l63), pptr(&p, 12);
    prr(&p, 99, 1, 0);
    size_t n2 = p.n;
    plabels(&p, l63), pptr(&p, (unsigned)n1);
    prr(&p, 99, 1, 0);
    CHECK_STR(rwhy(&p), "name truncated");   /* the third record is missing */
    plabels(&p, l63), pptr(&p, (unsigned)n2);
    prr(&p, 99, 1, 0);
    CHECK_STR(rwhy(&p), "name too long");
}

TEST(record_data_is_bounds_checked)
{
    static const struct {
        unsigned type, rdlen;
        const char *data;
        size_t n;
        const char *why;
    } cases[] = {
        { DNS_TYPE_A, 4, "\0\0", 2, "record data past the end of the message" },
        { DNS_TYPE_TXT, 60000, "", 0, "record data past the end of the message" },
        { DNS_TYPE_A, 5, "12345", 5, "A record data is not 4 octets" },
        { DNS_TYPE_AAAA, 4, "1234", 4, "AAAA record data is not 16 octets" },
        /* CNAME data must be exactly one name, read within RDLENGTH. */
        { DNS_TYPE_CNAME, 5, "\x01" "b\0\0\0", 5, "CNAME data longer than its name" },
        { DNS_TYPE_CNAME, 2, "\x01" "b\0\0\0", 5, "name truncated" },
        { DNS_TYPE_CNAME, 4, "\x02\xff!\0", 4, "unsupported characters in name" },
    };
    struct pkt p;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mk_answer_head(&p, 1);
        pptr(&p, 12), prr(&p, cases[i].type, 1, cases[i].rdlen);
        pbytes(&p, cases[i].data, cases[i].n);
        CHECK_STR(rwhy(&p), cases[i].why);
        CHECK_INT(dns_parse_response(p.b, p.n, &R, NULL), -EINVAL);
    }
    mk_answer_head(&p, 1);
    pptr(&p, 12), prr(&p, DNS_TYPE_A, 1, 4);
    p.n -= 3;                         /* the fixed part cut */
    CHECK_STR(rwhy(&p), "record truncated");
    /* An owner with unsupported characters in authority is only validated, not decoded. */
    mk_answer_head(&p, 1);
    pptr(&p, 12), pa(&p, 1);
    p.b[9] = 1;
    p8(&p, 2), pbytes(&p, "\xff!", 2), p8(&p, 0);
    prr(&p, DNS_TYPE_SOA, 1, 0);
    CHECK_STR(rwhy(&p), "ok");
}

TEST(many_answers_are_bounded)
{
    struct pkt p;
    mk_answer_head(&p, 300);
    for (unsigned i = 0; i < 300; i++) {
        pptr(&p, 12);
        prr(&p, DNS_TYPE_A, i, 4);
        p32(&p, 0xc6336400u + i);
    }
    CHECK_STR(rwhy(&p), "ok");
    CHECK_INT(R.ancount, 300);
    CHECK_INT(R.n_an, DNS_MAX_ANSWERS);
    CHECK_INT(R.an[63].ttl, 63);
    /* Records past the 64th are still checked. */
    p.b[p.n - 6] = 1;
    CHECK_STR(rwhy(&p), "record data past the end of the message");
}

/* --- builders ------------------------------------------------------------------------- */

TEST(build_query_round_trips_and_drops_client_options)
{
    struct pkt p;
    mkquery(&p, 0x4242, "MiXeD.Example.COM", DNS_TYPE_AAAA, false);
    CHECK_STR(qwhy(&p), "ok");
    Q.flags = 0;                      /* client asked RD=0: we still recurse */
    uint8_t out[512];
    size_t n = 0;
    CHECK_INT(dns_build_query(&Q, out, sizeof out, &n), 0);
    struct dns_query back;
    CHECK_INT(dns_parse_query(out, n, &back, NULL), 0);
    CHECK_INT(back.id, 0x4242);
    CHECK_INT(back.flags, DNS_FLAG_RD);
    CHECK_STR(back.q.spelled, "mixed.example.com");
    CHECK_INT(back.q.qtype, DNS_TYPE_AAAA);
    CHECK(back.has_edns);
    CHECK_INT(back.edns_udp_size, DNS_EDNS_UDP_SIZE);
    CHECK_INT(n, 12 + 19 + 4 + 11);
    dns_set_id(out, 0xabcd);
    CHECK_INT(dns_parse_query(out, n, &back, NULL), 0);
    CHECK_INT(back.id, 0xabcd);
    CHECK_INT(dns_build_query(&Q, out, n - 1, &n), -ENOSPC);
}

TEST(build_response_echoes_the_question)
{
    struct pkt p;
    mkquery(&p, 0x0102, "Denied.Test", DNS_TYPE_TXT, true);
    CHECK_STR(qwhy(&p), "ok");
    uint8_t out[512];
    size_t n = 0;
    CHECK_INT(dns_build_response(&Q, DNS_RCODE_NXDOMAIN, out, sizeof out, &n), 0);
    CHECK_INT(dns_parse_response(out, n, &R, NULL), 0);
    CHECK_INT(R.id, 0x0102);
    CHECK_INT(R.rcode, DNS_RCODE_NXDOMAIN);
    CHECK_INT(R.flags & ~DNS_FLAG_RCODE, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA);
    CHECK_STR(R.q.name, "denied.test");
    CHECK(memcmp(out + 13, "Denied", 6) == 0); /* dns-0x20 clients compare the case */
    CHECK_INT(R.q.qtype, DNS_TYPE_TXT);
    CHECK_INT(R.ancount, 0);
    CHECK_INT(R.arcount, 1);          /* RFC 6891 §7: OPT answered with OPT */
    /* BADVERS is 16: low 4 bits in the header, the rest in the OPT TTL. */
    CHECK_INT(dns_build_response(&Q, DNS_RCODE_BADVERS, out, sizeof out, &n), 0);
    CHECK_INT(out[3] & 0xf, 0);
    CHECK_INT(out[n - 11 + 5], 1);
    Q.has_edns = false;
    CHECK_INT(dns_build_response(&Q, DNS_RCODE_BADVERS, out, sizeof out, &n), -EINVAL);
    CHECK_INT(dns_build_response(&Q, DNS_RCODE_REFUSED, out, 20, &n), -ENOSPC);
    CHECK_INT(dns_build_response(&Q, DNS_RCODE_REFUSED, out, 0, &n), -ENOSPC);
}

TEST(build_answer_compresses_to_the_question)
{
    struct pkt p;
    mkquery(&p, 9, "LocalHost", DNS_TYPE_A, false);
    CHECK_STR(qwhy(&p), "ok");
    struct dns_rr_addr a[2] = { { AF_INET, { 127, 0, 0, 1 }, 300 },
                                { AF_INET6, { [15] = 1 }, 5 } };
    uint8_t out[512];
    size_t n = 0;
    CHECK_INT(dns_build_answer(&Q, a, 2, out, sizeof out, &n), 0);
    CHECK_INT(n, 12 + 15 + 16 + 28);
    CHECK(out[27] == 0xc0 && out[28] == 12);
    CHECK_INT(dns_parse_response(out, n, &R, NULL), 0);
    CHECK_INT(R.n_an, 2);
    CHECK_STR(R.an[0].name, "localhost");
    CHECK_INT(R.an[0].type, DNS_TYPE_A);
    CHECK_INT(R.an[0].ttl, 300);
    CHECK(memcmp(out + R.an[0].rdata_off, "\x7f\0\0\x01", 4) == 0);
    CHECK_INT(R.an[1].type, DNS_TYPE_AAAA);
    CHECK_INT(out[R.an[1].rdata_off + 15], 1);
    a[0].family = AF_UNIX;
    CHECK_INT(dns_build_answer(&Q, a, 1, out, sizeof out, &n), -EAFNOSUPPORT);
    CHECK_INT(dns_build_answer(&Q, a + 1, 1, out, 12 + 15 + 27, &n), -ENOSPC);
}

TEST(writer_validates_names_and_leaves_out_what_does_not_fit)
{
    struct pkt p;
    mkquery(&p, 9, "q.test", DNS_TYPE_A, true);
    CHECK_STR(qwhy(&p), "ok");
#define A16 "aaaaaaaaaaaaaaaa"
#define A63 A16 A16 A16 "aaaaaaaaaaaaaaa"
    static const char *bad[] = { ".a", "a.", "a..b", "a b", "\xc3\xa9", A63 "a",
                                 A63 "." A63 "." A63 "." A63 };
    uint8_t out[1024];
    size_t n;
    struct dns_writer w;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dns_writer_start(&w, &Q, 0, out, sizeof out);
        dns_writer_add_cname(&w, "q.test", bad[i], 1);
        CHECK_INT(dns_writer_finish(&w, &n), -EINVAL);
    }
    dns_writer_start(&w, &Q, 0, out, sizeof out);
    dns_writer_add_cname(&w, "q.test", A63 "." A63 "." A63 "." A16 A16 A16 "aaaaaaaaaaaaa", 1);
    CHECK_INT(dns_writer_finish(&w, &n), 0);
    /* Names repeat as pointers: each A record after the first costs 16 octets. */
    dns_writer_start(&w, &Q, 0, out, sizeof out);
    dns_writer_add_cname(&w, "q.test", "edge.cdn.test", 1);
    for (int i = 0; i < 3; i++)
        dns_writer_add_addr(&w, "edge.cdn.test", AF_INET, (const uint8_t *)"\1\2\3\4", 1);
    CHECK_INT(dns_writer_finish(&w, &n), 0);
    CHECK_INT(n, 12 + 12 + (12 + 15) + 3 * 16 + 11);
    CHECK_INT(dns_parse_response(out, n, &R, NULL), 0);
    CHECK_STR(R.an[3].name, "edge.cdn.test");
    /* The OPT's room is reserved: a record that would eat it is refused whole. */
    dns_writer_start(&w, &Q, 0, out, 12 + 12 + 16 + 10);
    dns_writer_add_addr(&w, "q.test", AF_INET, (const uint8_t *)"\1\2\3\4", 1);
    CHECK_INT(dns_writer_finish(&w, &n), -ENOSPC);
    CHECK_INT(w.ancount, 0);
}

TEST(header_reply_and_tcp_framing)
{
    struct pkt p;
    mkquery(&p, 0x7777, "x", DNS_TYPE_A, false);
    p.b[2] |= 2 << 3;                 /* STATUS */
    uint8_t out[64];
    size_t n;
    CHECK_INT(dns_build_header_reply(p.b, p.n, DNS_RCODE_NOTIMP, out, sizeof out, &n), 0);
    CHECK_INT(n, 12);
    CHECK(out[0] == 0x77 && out[1] == 0x77);
    CHECK_INT(out[2], 0x80 | (2 << 3) | 1);
    CHECK_INT(out[3], 0x80 | DNS_RCODE_NOTIMP);
    CHECK_INT(dns_build_header_reply(p.b, 11, 1, out, sizeof out, &n), -EINVAL);
    CHECK_INT(dns_build_header_reply(p.b, p.n, 1, out, 11, &n), -ENOSPC);
    p.b[2] |= 0x80;
    CHECK_INT(dns_build_header_reply(p.b, p.n, 1, out, sizeof out, &n), -EINVAL);

    uint8_t h[2];
    CHECK_INT(dns_tcp_frame_put(h, 300), 0);
    CHECK(h[0] == 1 && h[1] == 44);
    CHECK_INT(dns_tcp_frame_len(h), 300);
    CHECK_INT(dns_tcp_frame_put(h, 65536), -EMSGSIZE);
    CHECK_INT(dns_tcp_frame_put(h, 65535), 0);
    CHECK_INT(dns_tcp_frame_len(h), 65535);
    h[0] = 0, h[1] = 11;
    CHECK_INT(dns_tcp_frame_len(h), -EINVAL);
    h[1] = 0;
    CHECK_INT(dns_tcp_frame_len(h), -EINVAL);
}

/* --- fuzz ----------------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* What an accepted name must look like. */
static bool text_name_ok(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || i + 1 == n)
                return false;
            label = 0;
            continue;
        }
        if (++label > 63 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                              c == '-' || c == '_' || c == '*'))
            return false;
    }
    return true;
}

static void mutate(struct pkt *p)
{
    static const uint8_t magic[] = { 0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc0, 0xff, 12 };
    int k = 1 + (int)(rnd() % 4);
    for (int i = 0; i < k && p->n; i++) {
        size_t at = rnd() % p->n;
        switch (rnd() % 6) {
        case 0: p->b[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 1: p->b[at] = magic[rnd() % sizeof magic]; break;
        case 2: p->b[at] = (uint8_t)rnd(); break;
        case 3: p->n = at; break;                                  /* truncate */
        case 4:                                                     /* pointer anywhere */
            if (at + 1 < p->n)
                p->b[at] = 0xc0 | (rnd() % 2), p->b[at + 1] = (uint8_t)rnd();
            break;
        default:                                                    /* duplicate a chunk */
            if (p->n < 4096) {
                size_t len = rnd() % 32;
                if (len > p->n - at)
                    len = p->n - at;
                memmove(p->b + at + len, p->b + at, p->n - at);
                p->n += len;
            }
        }
    }
}

static void check_query_consistent(void)
{
    CHECK(text_name_ok(Q.q.name));
    CHECK(strlen(Q.q.spelled) == strlen(Q.q.name) && strcasecmp(Q.q.spelled, Q.q.name) == 0);
    uint8_t out[600];
    size_t n;
    struct dns_query back;
    CHECK_INT(dns_build_query(&Q, out, sizeof out, &n), 0);
    CHECK_INT(dns_parse_query(out, n, &back, NULL), 0);
    CHECK_STR(back.q.name, Q.q.name);
    CHECK(back.q.qtype == Q.q.qtype && back.q.qclass == Q.q.qclass && back.id == Q.id);
    CHECK_INT(dns_build_response(&Q, DNS_RCODE_REFUSED, out, sizeof out, &n), 0);
    CHECK_INT(dns_parse_response(out, n, &R, NULL), 0);
    CHECK_STR(R.q.name, Q.q.name);
}

static void check_response_consistent(const struct pkt *p)
{
    CHECK(text_name_ok(R.q.name));
    CHECK(R.n_an <= DNS_MAX_ANSWERS && R.n_an == (R.ancount < 64 ? R.ancount : 64));
    for (size_t i = 0; i < R.n_an; i++) {
        const struct dns_rr *rr = &R.an[i];
        CHECK(text_name_ok(rr->name));
        CHECK(rr->rdata_off >= 12 && rr->rdata_off + rr->rdlen <= p->n);
        if (rr->class == DNS_CLASS_IN && (rr->type == DNS_TYPE_A || rr->type == DNS_TYPE_AAAA))
            CHECK_INT(rr->rdlen, rr->type == DNS_TYPE_A ? 4 : 16);
        CHECK(rr->type == DNS_TYPE_CNAME ? text_name_ok(rr->target) : rr->target[0] == '\0');
    }
}

TEST(fuzz_100k_mutated_packets)
{
    struct pkt seeds[5];
    mkquery(&seeds[0], 1, "www.example.com", DNS_TYPE_A, false);
    mkquery(&seeds[1], 2, "a.b.c.d.e.f", DNS_TYPE_AAAA, true);
    mkresponse(&seeds[2]);
    mk_owner(&seeds[3], OWN_HOPS);
    seeds[4] = seeds[2];
    seeds[4].b[2] &= (uint8_t)~(DNS_FLAG_QR >> 8); /* a "query" full of records */
    unsigned q_ok = 0, r_ok = 0;
    for (int i = 0; i < 100000; i++) {
        struct pkt p = seeds[rnd() % 5];
        mutate(&p);
        const char *why = (const char *)1;
        int r = dns_parse_query(p.b, p.n, &Q, &why);
        CHECK(r == 0 || r == -EINVAL || r == -EOPNOTSUPP);
        CHECK(r == 0 ? why == NULL : why != NULL);
        if (r == 0) {
            q_ok++;
            check_query_consistent();
        }
        r = dns_parse_response(p.b, p.n, &R, &why);
        CHECK(r == 0 || r == -EINVAL);
        CHECK(r == 0 ? why == NULL : why != NULL);
        if (r == 0) {
            r_ok++;
            check_response_consistent(&p);
        }
        if (unit_current_failed)
            break;
    }
    /* The loop must exercise the accepting paths too, not only the rejections. */
    CHECK(q_ok > 1000);
    CHECK(r_ok > 1000);
}

int main(void)
{
    RUN(a_query_parses);
    RUN(aaaa_query_with_edns_parses);
    RUN(names_are_lowercased_and_spelling_kept);
    RUN(longest_name_is_accepted_and_one_more_octet_is_not);
    RUN(every_prefix_of_a_valid_query_is_rejected);
    RUN(query_header_rules);
    RUN(query_opt_rules);
    RUN(unsupported_characters_are_refused_not_escaped);
    RUN(hostile_question_names);
    RUN(response_with_a_cname_chain_parses);
    RUN(every_prefix_of_a_valid_response_is_rejected);
    RUN(response_header_rules);
    RUN(compression_attacks_in_responses);
    RUN(pointer_chains_are_bounded);
    RUN(record_data_is_bounds_checked);
    RUN(many_answers_are_bounded);
    RUN(build_query_round_trips_and_drops_client_options);
    RUN(build_response_echoes_the_question);
    RUN(build_answer_compresses_to_the_question);
    RUN(writer_validates_names_and_leaves_out_what_does_not_fit);
    RUN(header_reply_and_tcp_framing);
    RUN(fuzz_100k_mutated_packets);
    return UNIT_DONE();
}
