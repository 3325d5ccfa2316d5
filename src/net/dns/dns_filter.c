/* The DNS filter's decisions; see dns_filter.h.  Owns which queries leave the machine and
 * which records reach the sandbox.  Never touches a socket and never relays upstream bytes
 * as they came: every answer is rebuilt from records that were parsed and checked. */
#include "net/dns/dns_filter.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define DNS_LOCAL_TTL 300   /* localhost answers: nothing changes, but keep caches honest */
#define DNS_MAX_CHAIN 16    /* CNAMEs followed from the question name */

static int fail(const char **why, int code, const char *reason)
{
    if (why)
        *why = reason;
    return code;
}

bool dns_name_is_localhost(const char *name)
{
    static const char lh[] = "localhost";
    size_t n = strlen(name), k = sizeof lh - 1;
    if (n < k || strcmp(name + n - k, lh) != 0)
        return false;
    return n == k || name[n - k - 1] == '.';
}

/* Fail closed: no callback, or any verdict other than ALLOW, is a denial. */
static bool name_allowed(const struct dns_filter_ops *ops, const char *name)
{
    return name[0] && ops->check_name && ops->check_name(ops->ctx, name) == DNS_NAME_ALLOW;
}

static bool addr_denied(const struct dns_filter_ops *ops, int family, const uint8_t *addr)
{
    return !ops->addr_denied || ops->addr_denied(ops->ctx, family, addr);
}

static int answer_rcode(const struct dns_query *q, unsigned rcode, uint8_t *out, size_t cap,
                        size_t *out_len, const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return dns_build_response(q, rcode, out, cap, out_len);
}

/* RFC 6761 §6.3: resolvers answer localhost themselves with loopback and never forward it.
 * Inside the sandbox both 127.0.0.1 and ::1 exist on lo whatever the host has, so AAAA is
 * answered even without IPv6 upstream. */
static int answer_localhost(const struct dns_query *q, uint8_t *out, size_t cap,
                            size_t *out_len, const char **why)
{
    static const struct dns_rr_addr v4 = { AF_INET, { 127, 0, 0, 1 }, DNS_LOCAL_TTL };
    static const struct dns_rr_addr v6 = { AF_INET6, { [15] = 1 }, DNS_LOCAL_TTL };
    if (why)
        *why = "localhost is answered locally";
    if (q->q.qtype == DNS_TYPE_A)
        return dns_build_answer(q, &v4, 1, out, cap, out_len);
    if (q->q.qtype == DNS_TYPE_AAAA)
        return dns_build_answer(q, &v6, 1, out, cap, out_len);
    return dns_build_response(q, DNS_RCODE_NOERROR, out, cap, out_len);
}

int dns_filter_query(const struct dns_filter_ops *ops, const uint8_t *in, size_t len,
                     struct dns_query *q, uint8_t *out, size_t cap, size_t *out_len,
                     enum dns_action *action, const char **why)
{
    *action = DNS_ANSWER_LOCAL;
    *out_len = 0;
    if (why)
        *why = NULL;
    const char *bad = NULL;
    int r = dns_parse_query(in, len, q, &bad);
    if (r < 0) {
        if (why)
            *why = bad;
        /* No header, no reply.  Never answer a response: two servers answering each
         * other's answers loop forever (and spoofed sources make us a reflector). */
        if (!in || len < DNS_HEADER_LEN || (in[2] & (DNS_FLAG_QR >> 8)))
            return -EINVAL;
        unsigned rcode = (in[2] & (DNS_FLAG_OPCODE >> 8)) ? DNS_RCODE_NOTIMP
                         : r == -EOPNOTSUPP                 ? DNS_RCODE_REFUSED
                                                            : DNS_RCODE_FORMERR;
        return dns_build_header_reply(in, len, rcode, out, cap, out_len);
    }
    const char *name = q->q.name;
    uint16_t type = q->q.qtype;

    if (q->has_edns && q->edns_version != 0)
        return answer_rcode(q, DNS_RCODE_BADVERS, out, cap, out_len, why,
                            "unsupported EDNS version");
    if (q->q.qclass != DNS_CLASS_IN)
        return answer_rcode(q, DNS_RCODE_REFUSED, out, cap, out_len, why, "class is not IN");
    if (name[0] == '\0')
        return answer_rcode(q, DNS_RCODE_REFUSED, out, cap, out_len, why,
                            "query for the root");
    if (dns_name_is_localhost(name))
        return answer_localhost(q, out, cap, out_len, why);
    /* Before any type check, so a denied name looks the same whatever is asked of it, and
     * nothing about it — not even a TXT query carrying data in its labels — goes out. */
    if (!name_allowed(ops, name))
        return answer_rcode(q, DNS_RCODE_NXDOMAIN, out, cap, out_len, why,
                            "name denied by policy");
    switch (type) {
    case DNS_TYPE_A:
    case DNS_TYPE_CNAME:
        break;
    case DNS_TYPE_AAAA:
        if (!ops->ipv6_available)
            return answer_rcode(q, DNS_RCODE_NOERROR, out, cap, out_len, why,
                                "AAAA without IPv6 upstream");
        break;
    case DNS_TYPE_ANY:
    case DNS_TYPE_AXFR:
    case DNS_TYPE_IXFR:
    case DNS_TYPE_MAILA:
    case DNS_TYPE_MAILB:
        /* Meta-queries (RFC 1035 §3.2.3, RFC 8482): no single-type answer exists. */
        return answer_rcode(q, DNS_RCODE_REFUSED, out, cap, out_len, why,
                            "meta query type");
    case DNS_TYPE_HTTPS:
    case DNS_TYPE_SVCB:
        /* RFC 9460 records carry ECH keys (the real SNI would be encrypted, so the SNI/Host
         * check could not see it) and alpn=h3 (QUIC over UDP, which we reject).  NODATA makes
         * clients fall back to A/AAAA and plain TLS without waiting. */
        return answer_rcode(q, DNS_RCODE_NOERROR, out, cap, out_len, why,
                            "HTTPS/SVCB records are not served");
    default:
        /* TXT and NULL are the classic DNS-tunnel carriers (iodine, dnscat2): their RDATA
         * would bring arbitrary data back in.  Nothing but addresses is needed to connect. */
        return answer_rcode(q, DNS_RCODE_NOERROR, out, cap, out_len, why,
                            "query type not served");
    }
    r = dns_build_query(q, out, cap, out_len);
    if (r < 0)
        return r;
    *action = DNS_FORWARD;
    return 0;
}

/* RFC 2181 §8: a TTL with the top bit set is treated as zero. */
static uint32_t ttl_clean(uint32_t ttl)
{
    return ttl > 0x7fffffffu ? 0 : ttl;
}

struct chain {
    const char *names[DNS_MAX_CHAIN + 1];     /* names[0] is the question name */
    const struct dns_rr *cnames[DNS_MAX_CHAIN]; /* cnames[i]: names[i] -> names[i + 1] */
    size_t n;                                   /* names on the chain */
};

static unsigned chain_stop(const char **why, unsigned rcode, const char *reason)
{
    if (why)
        *why = reason;
    return rcode;
}

static bool on_chain(const struct chain *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return true;
    return false;
}

/* Follow CNAMEs from the question name through the answer section, checking each target
 * against the policy: an allowed name must not lead the sandbox to addresses of a denied one.
 * Returns 0, or a positive rcode with *why set for an answer that must not pass. */
static unsigned chain_follow(const struct dns_filter_ops *ops, const struct dns_response *resp,
                             const char *qname, struct chain *c, const char **why)
{
    c->names[0] = qname;
    c->n = 1;
    for (;;) {
        const char *cur = c->names[c->n - 1];
        const struct dns_rr *cn = NULL;
        for (size_t i = 0; i < resp->n_an; i++) {
            const struct dns_rr *rr = &resp->an[i];
            if (rr->type != DNS_TYPE_CNAME || rr->class != DNS_CLASS_IN ||
                strcmp(rr->name, cur) != 0)
                continue;
            /* A name with a CNAME has no other data, and only one CNAME (RFC 2181 §10.1). */
            if (cn && strcmp(cn->target, rr->target) != 0)
                return chain_stop(why, DNS_RCODE_SERVFAIL, "conflicting CNAME records");
            if (!cn)
                cn = rr;
        }
        if (!cn)
            return 0;
        if (on_chain(c, cn->target))
            return chain_stop(why, DNS_RCODE_SERVFAIL, "CNAME loop");
        if (c->n > DNS_MAX_CHAIN)
            return chain_stop(why, DNS_RCODE_SERVFAIL, "CNAME chain too long");
        if (!name_allowed(ops, cn->target))
            return chain_stop(why, DNS_RCODE_REFUSED, DNS_WHY_CNAME_DENIED);
        c->cnames[c->n - 1] = cn;
        c->names[c->n++] = cn->target;
    }
}

static int answer_truncated(const struct dns_query *q, unsigned rcode, uint8_t *out,
                            size_t cap, size_t *out_len)
{
    struct dns_writer w;
    dns_writer_start(&w, q, rcode, out, cap);
    w.tc = true;
    return dns_writer_finish(&w, out_len);
}

const char DNS_WHY_CNAME_DENIED[] = "CNAME target denied by policy";
const char DNS_WHY_REBINDING[] = "answer address denied (DNS rebinding)";

bool dns_filter_refused(const char *why)
{
    return why == DNS_WHY_CNAME_DENIED || why == DNS_WHY_REBINDING;
}

int dns_filter_response(const struct dns_filter_ops *ops, const struct dns_query *q,
                        uint16_t upstream_id, const uint8_t *in, size_t len, uint8_t *out,
                        size_t cap, size_t *out_len, const char **why)
{
    *out_len = 0;
    if (why)
        *why = NULL;
    struct dns_response resp;
    const char *bad = NULL;
    int r = dns_parse_response(in, len, &resp, &bad);
    if (r < 0)
        return fail(why, r, bad);
    if (resp.id != upstream_id)
        return fail(why, -EINVAL, "response id does not match the query");
    if (strcmp(resp.q.name, q->q.name) != 0 || resp.q.qtype != q->q.qtype ||
        resp.q.qclass != q->q.qclass)
        return fail(why, -EINVAL, "response question does not match the query");

    /* RFC 2181 §9: a truncated answer is incomplete; pass on only the flag, so the client
     * asks again over TCP rather than caching part of an RRset. */
    if (resp.flags & DNS_FLAG_TC) {
        if (why)
            *why = "upstream answer truncated";
        return answer_truncated(q, resp.rcode, out, cap, out_len);
    }
    if (resp.rcode != DNS_RCODE_NOERROR && resp.rcode != DNS_RCODE_NXDOMAIN)
        return answer_rcode(q, resp.rcode, out, cap, out_len, why, "upstream error");

    struct chain c;
    unsigned rcode = chain_follow(ops, &resp, q->q.name, &c, why);
    if (rcode)
        return dns_build_response(q, rcode, out, cap, out_len);

    /* The addresses the sandbox would receive: records of the asked type, owned by a name on
     * the chain (anything else is out of bailiwick for this question and never pinned). */
    const struct dns_rr *addrs[DNS_MAX_ANSWERS];
    size_t n_addr = 0;
    bool stripped = false;
    int family = q->q.qtype == DNS_TYPE_A ? AF_INET : AF_INET6;
    for (size_t i = 0; i < resp.n_an; i++) {
        const struct dns_rr *rr = &resp.an[i];
        if ((q->q.qtype != DNS_TYPE_A && q->q.qtype != DNS_TYPE_AAAA) ||
            rr->type != q->q.qtype || rr->class != DNS_CLASS_IN || !on_chain(&c, rr->name))
            continue;
        /* One rebinding address refuses the whole answer: handing over the rest would still
         * tell the attacker the trick was noticed only in part, and no legitimate name mixes
         * public addresses with loopback or metadata ones. */
        if (addr_denied(ops, family, in + rr->rdata_off))
            return answer_rcode(q, DNS_RCODE_REFUSED, out, cap, out_len, why,
                                DNS_WHY_REBINDING);
        if (family == AF_INET6 && !ops->ipv6_available) {
            stripped = true;
            continue;
        }
        addrs[n_addr++] = rr;
    }

    struct dns_writer w;
    dns_writer_start(&w, q, resp.rcode, out, cap);
    for (size_t i = 0; i + 1 < c.n; i++)
        dns_writer_add_cname(&w, c.cnames[i]->name, c.cnames[i]->target,
                             ttl_clean(c.cnames[i]->ttl));
    for (size_t i = 0; i < n_addr; i++)
        dns_writer_add_addr(&w, addrs[i]->name, family, in + addrs[i]->rdata_off,
                            ttl_clean(addrs[i]->ttl));
    r = dns_writer_finish(&w, out_len);
    if (r == -ENOSPC) {
        /* Nothing is reported to found(): the client will ask again over TCP. */
        if (why)
            *why = "answer larger than the client accepts";
        return answer_truncated(q, resp.rcode, out, cap, out_len);
    }
    if (r < 0)
        return r;
    /* Only now, with the answer known to be deliverable, are its addresses reported. */
    for (size_t i = 0; ops->found && i < n_addr; i++) {
        if (ops->found(ops->ctx, q->q.name, family, in + addrs[i]->rdata_off,
                       ttl_clean(addrs[i]->ttl)) < 0)
            return answer_rcode(q, DNS_RCODE_SERVFAIL, out, cap, out_len, why,
                                "answer addresses could not be pinned");
    }
    if (why && stripped)
        *why = "AAAA records removed (no IPv6 upstream)";
    return 0;
}
