/* Fuzz target: DNS queries from the sandbox (src/net/dns/dns_msg.c, dns_filter.c).  The
 * input is one query message as a client sends it over UDP.  Checks that every query the
 * parser accepts is rebuilt into one it accepts again with the same question, that every
 * response built for it parses back with its id and question, and that the filter's
 * decisions hold: a denied name is never forwarded, only localhost is answered with records,
 * and nothing is answered that was not asked. */
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

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* What any response we send must look like: our id, QR, the client's RD, never AA or AD. */
static void check_header(const uint8_t *out, size_t len, uint16_t id, uint16_t qflags)
{
    FUZZ_CHECK(len >= DNS_HEADER_LEN);
    uint16_t flags = get16(out + 2);
    FUZZ_CHECK(get16(out) == id);
    FUZZ_CHECK(flags & DNS_FLAG_QR);
    FUZZ_CHECK(!(flags & (DNS_FLAG_AA | DNS_FLAG_AD)));
    FUZZ_CHECK((flags & DNS_FLAG_RD) == (qflags & DNS_FLAG_RD));
}

static void check_builders(const struct dns_query *q)
{
    uint8_t buf[DNS_UDP_MIN];
    size_t len;
    struct dns_query b;
    FUZZ_CHECK(dns_build_query(q, buf, sizeof buf, &len) == 0);
    FUZZ_CHECK(dns_parse_query(buf, len, &b, NULL) == 0);
    FUZZ_CHECK(b.id == q->id && b.flags == DNS_FLAG_RD);
    FUZZ_CHECK(strcmp(b.q.name, q->q.name) == 0 && strcmp(b.q.spelled, q->q.name) == 0);
    FUZZ_CHECK(b.q.qtype == q->q.qtype && b.q.qclass == q->q.qclass);
    FUZZ_CHECK(b.has_edns && b.edns_version == 0 && b.edns_udp_size == DNS_EDNS_UDP_SIZE);

    static const unsigned rcodes[] = {DNS_RCODE_NOERROR, DNS_RCODE_FORMERR, DNS_RCODE_SERVFAIL,
                                      DNS_RCODE_NXDOMAIN, DNS_RCODE_REFUSED, DNS_RCODE_BADVERS};
    for (size_t i = 0; i < sizeof rcodes / sizeof rcodes[0]; i++) {
        int r = dns_build_response(q, rcodes[i], buf, sizeof buf, &len);
        if (rcodes[i] > 15 && !q->has_edns) {
            FUZZ_CHECK(r == -EINVAL); /* an extended rcode needs an OPT to carry it */
            continue;
        }
        FUZZ_CHECK(r == 0 && len <= sizeof buf);
        struct dns_response resp;
        FUZZ_CHECK(dns_parse_response(buf, len, &resp, NULL) == 0);
        check_header(buf, len, q->id, q->flags);
        FUZZ_CHECK(resp.rcode == (rcodes[i] & 15) && resp.n_an == 0);
        FUZZ_CHECK(strcmp(resp.q.spelled, q->q.spelled) == 0);
        FUZZ_CHECK(resp.q.qtype == q->q.qtype && resp.q.qclass == q->q.qclass);
        FUZZ_CHECK(resp.arcount == (q->has_edns ? 1 : 0));
    }

    static const struct dns_rr_addr addrs[] = {
        {AF_INET, {192, 0, 2, 1}, 60},
        {AF_INET6, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 0x7fffffff},
    };
    FUZZ_CHECK(dns_build_answer(q, addrs, 2, buf, sizeof buf, &len) == 0);
    struct dns_response resp;
    FUZZ_CHECK(dns_parse_response(buf, len, &resp, NULL) == 0);
    FUZZ_CHECK(resp.n_an == 2 && resp.ancount == 2);
    for (size_t i = 0; i < 2; i++) {
        FUZZ_CHECK(strcmp(resp.an[i].name, q->q.name) == 0);
        FUZZ_CHECK(resp.an[i].type == (i ? DNS_TYPE_AAAA : DNS_TYPE_A));
        FUZZ_CHECK(resp.an[i].ttl == addrs[i].ttl);
        FUZZ_CHECK(memcmp(buf + resp.an[i].rdata_off, addrs[i].addr, i ? 16 : 4) == 0);
    }
}

static void check_filter(const uint8_t *data, size_t size, bool ipv6)
{
    struct fuzz_dns_ctx ctx = {0};
    struct dns_filter_ops ops = fuzz_dns_ops(&ctx, ipv6);
    struct dns_query q;
    uint8_t out[DNS_UDP_MIN];
    size_t out_len = 1;
    enum dns_action action;
    const char *why = "unset";
    int r = dns_filter_query(&ops, data, size, &q, out, sizeof out, &out_len, &action, &why);
    if (r == -EINVAL) {
        /* Dropped: only what has no header, or is itself a response. */
        FUZZ_CHECK(size < DNS_HEADER_LEN || (data[2] & 0x80));
        return;
    }
    FUZZ_CHECK(r == 0 && out_len <= sizeof out); /* 512 octets hold any local answer */
    struct dns_query parsed;
    int pr = dns_parse_query(data, size, &parsed, NULL);

    if (action == DNS_FORWARD) {
        FUZZ_CHECK(pr == 0 && why == NULL);
        struct dns_query up;
        FUZZ_CHECK(dns_parse_query(out, out_len, &up, NULL) == 0);
        FUZZ_CHECK(strcmp(up.q.name, q.q.name) == 0 && up.q.qtype == q.q.qtype);
        FUZZ_CHECK(up.q.qclass == DNS_CLASS_IN && up.id == q.id);
        FUZZ_CHECKF(!fuzz_dns_name_denied(q.q.name), "denied name \"%s\" forwarded", q.q.name);
        FUZZ_CHECK(!dns_name_is_localhost(q.q.name) && q.q.name[0]);
        FUZZ_CHECK(q.q.qtype == DNS_TYPE_A || q.q.qtype == DNS_TYPE_CNAME ||
                   (q.q.qtype == DNS_TYPE_AAAA && ipv6));
        FUZZ_CHECK(!q.has_edns || q.edns_version == 0);
        return;
    }

    FUZZ_CHECK(action == DNS_ANSWER_LOCAL && why && *why);
    check_header(out, out_len, get16(data), get16(data + 2));
    if (pr < 0) {
        /* Header-only FORMERR, NOTIMP or REFUSED: no question, no records. */
        FUZZ_CHECK(out_len == DNS_HEADER_LEN);
        unsigned rcode = out[3] & 15;
        FUZZ_CHECK(rcode == DNS_RCODE_FORMERR || rcode == DNS_RCODE_NOTIMP ||
                   rcode == DNS_RCODE_REFUSED);
        FUZZ_CHECK(ctx.names_checked == 0);
        return;
    }
    struct dns_response resp;
    FUZZ_CHECK(dns_parse_response(out, out_len, &resp, NULL) == 0);
    FUZZ_CHECK(strcmp(resp.q.spelled, q.q.spelled) == 0 && resp.q.qtype == q.q.qtype);
    FUZZ_CHECK(resp.arcount == (q.has_edns ? 1 : 0));
    bool localhost = dns_name_is_localhost(q.q.name);
    if (localhost)
        FUZZ_CHECK(ctx.names_checked == 0); /* never judged, never forwarded */
    if (fuzz_dns_name_denied(q.q.name) && !localhost && q.q.qclass == DNS_CLASS_IN &&
        (!q.has_edns || q.edns_version == 0))
        FUZZ_CHECK(resp.rcode == DNS_RCODE_NXDOMAIN);
    for (size_t i = 0; i < resp.n_an; i++) {
        const struct dns_rr *rr = &resp.an[i];
        FUZZ_CHECKF(localhost, "records in a local answer for \"%s\"", q.q.name);
        FUZZ_CHECK(strcmp(rr->name, q.q.name) == 0 && rr->type == q.q.qtype);
        static const uint8_t v4[4] = {127, 0, 0, 1}, v6[16] = {[15] = 1};
        FUZZ_CHECK(rr->type == DNS_TYPE_A ? rr->rdlen == 4 && !memcmp(out + rr->rdata_off, v4, 4)
                                          : rr->rdlen == 16 && !memcmp(out + rr->rdata_off, v6, 16));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_query q;
    const char *why = "unset";
    int r = dns_parse_query(data, size, &q, &why);
    FUZZ_CHECK(r == 0 ? why == NULL : (r == -EINVAL || r == -EOPNOTSUPP) && why && *why);
    if (r == 0) {
        /* The lower-case name is the spelled one, lower-cased; and it fits the text form. */
        FUZZ_CHECK(strlen(q.q.name) <= 253 && strcasecmp(q.q.name, q.q.spelled) == 0);
        check_builders(&q);
    }
    check_filter(data, size, false);
    check_filter(data, size, true);

    if (size >= 2) {
        uint8_t hdr[2];
        int n = dns_tcp_frame_len(data);
        FUZZ_CHECK(n == -EINVAL ? get16(data) < DNS_HEADER_LEN : n == get16(data));
        FUZZ_CHECK(dns_tcp_frame_put(hdr, size) == (size > DNS_TCP_MAX ? -EMSGSIZE : 0));
        FUZZ_CHECK(size > DNS_TCP_MAX || get16(hdr) == size);
    }
    return 0;
}
