/* Fuzz target: upstream DNS answers (src/net/dns/dns_msg.c, dns_filter.c).  The input is
 * one response message as an upstream resolver (or someone spoofing one) sends it.  The
 * query it answers is taken from its own question, and what the filter never reads of it
 * chooses the variant: CD = the sandbox's query had EDNS, AD = IPv6 is available, AA =
 * pinning the addresses (found()) fails, the id doubles as the client's EDNS size.  Only
 * questions the query filter would have forwarded are answered.  Checks that what reaches
 * the sandbox parses, answers exactly its question, carries no denied name or address and
 * no AAAA without IPv6, fits what the client accepts, that every delivered address was
 * pinned first and only those, and that a response for another id or question is
 * dropped. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns_ops.h"
#include "fuzz.h"
#include "net/dns/dns_filter.h"
#include "net/dns/dns_msg.h"

static uint8_t out[DNS_TCP_MAX];

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static bool was_found(const struct fuzz_dns_ctx *ctx, const struct dns_rr *rr, const uint8_t *msg)
{
    int family = rr->type == DNS_TYPE_A ? AF_INET : AF_INET6;
    for (size_t i = 0; i < ctx->n_found; i++)
        if (ctx->found[i].family == family && ctx->found[i].ttl == rr->ttl &&
            memcmp(ctx->found[i].addr, msg + rr->rdata_off, rr->rdlen) == 0)
            return true;
    return false;
}

static void check_output(const struct dns_query *q, const struct dns_response *in, size_t cap,
                         size_t out_len, const struct fuzz_dns_ctx *ctx, bool ipv6)
{
    FUZZ_CHECK(out_len <= cap);
    struct dns_response o;
    const char *why = NULL;
    FUZZ_CHECKF(dns_parse_response(out, out_len, &o, &why) == 0, "output does not parse: %s",
                why);
    uint16_t flags = get16(out + 2);
    FUZZ_CHECK(o.id == q->id);
    FUZZ_CHECK(!(flags & (DNS_FLAG_AA | DNS_FLAG_AD)));
    FUZZ_CHECK((flags & DNS_FLAG_RD) == (q->flags & DNS_FLAG_RD));
    FUZZ_CHECK(strcmp(o.q.spelled, q->q.spelled) == 0 && o.q.qtype == q->q.qtype &&
               o.q.qclass == q->q.qclass);
    FUZZ_CHECK(o.arcount == (q->has_edns ? 1 : 0) && o.nscount == 0);
    FUZZ_CHECK(o.rcode == in->rcode || o.rcode == DNS_RCODE_REFUSED ||
               o.rcode == DNS_RCODE_SERVFAIL);
    if (in->flags & DNS_FLAG_TC) {
        FUZZ_CHECK((flags & DNS_FLAG_TC) && o.ancount == 0 && ctx->n_found == 0);
        return;
    }
    FUZZ_CHECK(o.ancount == o.n_an); /* we never write more than we can read back */
    if (o.ancount == 0)
        return;
    FUZZ_CHECK(o.rcode == DNS_RCODE_NOERROR || o.rcode == DNS_RCODE_NXDOMAIN);

    /* A CNAME chain from the question name, then addresses of the asked type on it. */
    const char *chain[DNS_MAX_ANSWERS + 1] = {q->q.name};
    size_t n_chain = 1, n_addr = 0;
    for (size_t i = 0; i < o.n_an; i++) {
        const struct dns_rr *rr = &o.an[i];
        FUZZ_CHECK(rr->class == DNS_CLASS_IN && rr->ttl <= 0x7fffffffu);
        if (rr->type == DNS_TYPE_CNAME) {
            FUZZ_CHECK(n_addr == 0 && strcmp(rr->name, chain[n_chain - 1]) == 0);
            FUZZ_CHECKF(!fuzz_dns_name_denied(rr->target), "denied CNAME target \"%s\" passed",
                        rr->target);
            chain[n_chain++] = rr->target;
            continue;
        }
        FUZZ_CHECK(rr->type == q->q.qtype);
        FUZZ_CHECK(rr->type == DNS_TYPE_A || (rr->type == DNS_TYPE_AAAA && ipv6));
        bool on_chain = false;
        for (size_t k = 0; k < n_chain; k++)
            on_chain |= strcmp(chain[k], rr->name) == 0;
        FUZZ_CHECK(on_chain);
        FUZZ_CHECKF(!fuzz_dns_addr_denied(NULL, rr->type == DNS_TYPE_A ? AF_INET : AF_INET6,
                                          out + rr->rdata_off),
                    "denied address passed for \"%s\"", rr->name);
        FUZZ_CHECK(was_found(ctx, rr, out));
        n_addr++;
    }
    /* Pinned are exactly the addresses delivered. */
    FUZZ_CHECK(ctx->n_found == n_addr);
}

static void check_filter(const uint8_t *data, size_t size, const struct dns_query *q,
                         const struct dns_response *in, size_t cap)
{
    bool ipv6 = in->flags & DNS_FLAG_AD;
    struct fuzz_dns_ctx ctx = {.fail_found = in->flags & DNS_FLAG_AA};
    struct dns_filter_ops ops = fuzz_dns_ops(&ctx, ipv6);
    size_t out_len = 1;
    const char *why = "unset";
    int r = dns_filter_response(&ops, q, in->id, data, size, out, cap, &out_len, &why);
    FUZZ_CHECK(r == 0); /* it parsed, and 512 octets hold the question with an OPT */
    if (ctx.fail_found && ctx.n_found > 0) {
        /* Not pinned, not delivered. */
        struct dns_response o;
        FUZZ_CHECK(dns_parse_response(out, out_len, &o, NULL) == 0);
        FUZZ_CHECK(o.rcode == DNS_RCODE_SERVFAIL && o.ancount == 0 && why);
        return;
    }
    check_output(q, in, cap, out_len, &ctx, ipv6);

    /* Another id, or another question: dropped, nothing pinned. */
    struct fuzz_dns_ctx none = {0};
    ops.ctx = &none;
    FUZZ_CHECK(dns_filter_response(&ops, q, (uint16_t)(in->id + 1), data, size, out, cap,
                                   &out_len, NULL) == -EINVAL);
    struct dns_query other = *q;
    other.q.qtype = q->q.qtype == DNS_TYPE_A ? DNS_TYPE_AAAA : DNS_TYPE_A;
    FUZZ_CHECK(dns_filter_response(&ops, &other, in->id, data, size, out, cap, &out_len,
                                   NULL) == -EINVAL);
    FUZZ_CHECK(none.n_found == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_response in;
    const char *why = "unset";
    int r = dns_parse_response(data, size, &in, &why);
    FUZZ_CHECK(r == 0 ? why == NULL : r == -EINVAL && why && *why);
    if (r < 0) {
        /* Whatever the query, a response that does not parse is dropped. */
        struct dns_query q = {.id = size >= 2 ? get16(data) : 0,
                              .q = {.name = "example.com", .spelled = "example.com",
                                    .qtype = DNS_TYPE_A, .qclass = DNS_CLASS_IN}};
        struct fuzz_dns_ctx ctx = {0};
        struct dns_filter_ops ops = fuzz_dns_ops(&ctx, true);
        size_t out_len;
        FUZZ_CHECK(dns_filter_response(&ops, &q, q.id, data, size, out, DNS_UDP_MIN, &out_len,
                                       NULL) == -EINVAL);
        FUZZ_CHECK(ctx.n_found == 0);
        return 0;
    }
    FUZZ_CHECK(in.n_an <= DNS_MAX_ANSWERS && in.n_an <= in.ancount);
    for (size_t i = 0; i < in.n_an; i++) {
        const struct dns_rr *rr = &in.an[i];
        FUZZ_CHECK(rr->rdata_off + rr->rdlen <= size);
        FUZZ_CHECK(strlen(rr->name) <= 253 && strlen(rr->target) <= 253);
    }

    /* The sandbox's query, as the filter kept it: the question as spelled by the client. */
    struct dns_query q = {.id = in.id, .flags = DNS_FLAG_RD, .q = in.q,
                          .has_edns = in.flags & DNS_FLAG_CD, .edns_udp_size = in.id};
    FUZZ_CHECK(strcasecmp(q.q.spelled, q.q.name) == 0);
    /* Only a query the filter forwards is ever answered by upstream: A, AAAA or CNAME for
     * an allowed name, class IN, not the root, not localhost. */
    uint8_t qbuf[DNS_UDP_MIN];
    size_t qlen, fwd_len;
    struct dns_query kept;
    enum dns_action action;
    struct fuzz_dns_ctx qctx = {0};
    struct dns_filter_ops qops = fuzz_dns_ops(&qctx, true);
    FUZZ_CHECK(dns_build_query(&q, qbuf, sizeof qbuf, &qlen) == 0);
    if (dns_filter_query(&qops, qbuf, qlen, &kept, out, DNS_UDP_MIN, &fwd_len, &action, NULL) < 0 ||
        action != DNS_FORWARD)
        return 0;
    /* Over UDP, what the client said it accepts (its EDNS size: the id, for variety);
     * over TCP, a whole message. */
    size_t udp = dns_query_udp_limit(&q);
    FUZZ_CHECK(udp >= DNS_UDP_MIN && (!q.has_edns || udp >= q.edns_udp_size));
    check_filter(data, size, &q, &in, udp);
    check_filter(data, size, &q, &in, DNS_TCP_MAX);
    return 0;
}
