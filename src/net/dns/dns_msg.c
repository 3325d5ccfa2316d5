/* DNS wire format: parse and build; see dns_msg.h.  Owns every read of a DNS message byte, so
 * the bounds checks live in one place.  Never trusts a count, a length or a pointer from the
 * wire, never loops without a bound, and never touches a socket. */
#include "net/dns/dns_msg.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static int fail(const char **why, int code, const char *reason)
{
    if (why)
        *why = reason;
    return code;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Letters, digits and '-' (RFC 952/1123 host names), '_' (RFC 8552 service labels) and '*'
 * (a literal wildcard label).  Everything else — dots inside labels, spaces, NULs, bytes
 * above 0x7f — is refused rather than escaped, so a name has exactly one text form and the
 * policy matcher never sees an ambiguous string. */
static bool name_char_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '*';
}

static char lower(uint8_t c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Read the (possibly compressed) name starting at *pos; on success *pos is just past it in
 * the original byte sequence.  `lc` (lower-case) and `spelled` may be NULL to validate only.
 *
 * Termination on any input: a compression pointer must point strictly before the start of
 * the run of labels it ends (RFC 1035 §4.1.4 only ever points back to an earlier
 * occurrence), so successive runs start at strictly decreasing offsets and can never revisit
 * a byte; the hop limit bounds the work on top of that.  Pointers into the 12-byte header
 * are refused.  The name, counted as on the wire with length octets and the root, stays
 * within 255 octets (RFC 1035 §2.3.4), which also bounds the text buffers. */
static int name_read(const uint8_t *m, size_t len, size_t *pos, char *lc, char *spelled,
                     const char **why)
{
    size_t p = *pos, run = *pos, end = 0, wire = 0, o = 0;
    unsigned hops = 0;
    bool jumped = false, bad_char = false;

    for (;;) {
        if (p >= len)
            return fail(why, -EINVAL, "name truncated");
        uint8_t c = m[p];
        if ((c & 0xc0) == 0xc0) {
            if (p + 1 >= len)
                return fail(why, -EINVAL, "name truncated");
            size_t t = (size_t)(c & 0x3f) << 8 | m[p + 1];
            if (t >= run)
                return fail(why, -EINVAL,
                            t <= p ? "compression loop"
                                   : t >= len ? "compression pointer out of bounds"
                                              : "forward compression pointer");
            if (t < DNS_HEADER_LEN)
                return fail(why, -EINVAL, "compression pointer into the header");
            if (++hops > DNS_MAX_PTR_HOPS)
                return fail(why, -EINVAL, "too many compression pointers");
            if (!jumped)
                end = p + 2;
            jumped = true;
            p = run = t;
            continue;
        }
        /* 01 is the obsolete extended-label type (RFC 6891 §5), 10 is reserved: a length
         * octet of 64..191 is, in practice, an encoder that overran the 63-octet limit. */
        if (c & 0xc0)
            return fail(why, -EINVAL, c < 0x80 ? "label longer than 63" : "reserved label type");
        if (c == 0) {
            if (!jumped)
                end = p + 1;
            break;
        }
        wire += 1u + c;
        if (wire + 1 > DNS_MAX_NAME)
            return fail(why, -EINVAL, "name too long");
        if (c > len - p - 1)
            return fail(why, -EINVAL, "name truncated");
        if (o > 0) {
            if (lc)
                lc[o] = '.';
            if (spelled)
                spelled[o] = '.';
            o++;
        }
        for (size_t i = 1; i <= c; i++, o++) {
            uint8_t ch = m[p + i];
            bad_char |= !name_char_ok(ch);
            if (lc)
                lc[o] = lower(ch);
            if (spelled)
                spelled[o] = (char)ch;
        }
        p += 1u + c;
    }
    if (lc)
        lc[o] = '\0';
    if (spelled)
        spelled[o] = '\0';
    *pos = end;
    /* Checked after the walk so a structural error, which is FORMERR, wins over this one. */
    if (bad_char && (lc || spelled))
        return fail(why, -EOPNOTSUPP, "unsupported characters in name");
    return 0;
}

/* The fixed part of a record after its owner name: TYPE, CLASS, TTL, RDLENGTH, then RDATA
 * within the message (RFC 1035 §4.1.3). */
struct rr_fixed {
    uint16_t type, class, rdlen;
    uint32_t ttl;
    size_t rdata_off;
};

static int rr_fixed_read(const uint8_t *m, size_t len, size_t *pos, struct rr_fixed *f,
                         const char **why)
{
    size_t p = *pos;
    if (len - p < 10)
        return fail(why, -EINVAL, "record truncated");
    f->type = get16(m + p);
    f->class = get16(m + p + 2);
    f->ttl = get32(m + p + 4);
    f->rdlen = get16(m + p + 8);
    f->rdata_off = p + 10;
    if (f->rdlen > len - f->rdata_off)
        return fail(why, -EINVAL, "record data past the end of the message");
    *pos = f->rdata_off + f->rdlen;
    return 0;
}

static int question_read(const uint8_t *m, size_t len, size_t *pos, struct dns_question *q,
                         const char **why)
{
    /* An unsupported character is not a structural error: keep reading, report it last. */
    int r = name_read(m, len, pos, q->name, q->spelled, why);
    if (r < 0 && r != -EOPNOTSUPP)
        return r;
    if (len - *pos < 4)
        return fail(why, -EINVAL, "question truncated");
    q->qtype = get16(m + *pos);
    q->qclass = get16(m + *pos + 2);
    *pos += 4;
    return r;
}

/* The OPT pseudo-record of a query (RFC 6891 §6.1): owner is the root, CLASS is the
 * requestor's UDP payload size, TTL carries extended RCODE, VERSION and the DO bit, RDATA is a
 * list of {code, length, data} options that must tile it exactly. */
static int opt_read(const uint8_t *m, size_t len, size_t *pos, struct dns_query *out,
                    const char **why)
{
    size_t p = *pos;
    int r = name_read(m, len, &p, NULL, NULL, why);
    if (r < 0)
        return r;
    bool root = p == *pos + 1;
    struct rr_fixed f;
    r = rr_fixed_read(m, len, &p, &f, why);
    if (r < 0)
        return r;
    if (f.type != DNS_TYPE_OPT)
        return fail(why, -EOPNOTSUPP, "additional record other than OPT");
    if (!root)
        return fail(why, -EINVAL, "OPT owner is not the root");
    for (size_t o = f.rdata_off, e = f.rdata_off + f.rdlen; o < e;) {
        if (e - o < 4 || get16(m + o + 2) > e - o - 4)
            return fail(why, -EINVAL, "malformed EDNS option");
        o += 4u + get16(m + o + 2);
    }
    out->has_edns = true;
    out->edns_udp_size = f.class;
    out->edns_version = (uint8_t)(f.ttl >> 16);
    *pos = p;
    return 0;
}

int dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (why)
        *why = NULL;
    if (!buf || len < DNS_HEADER_LEN)
        return fail(why, -EINVAL, "truncated header");
    out->id = get16(buf);
    out->flags = get16(buf + 2);
    uint16_t qd = get16(buf + 4), an = get16(buf + 6), ns = get16(buf + 8),
             ar = get16(buf + 10);
    if (out->flags & DNS_FLAG_QR)
        return fail(why, -EINVAL, "not a query (QR set)");
    if (out->flags & DNS_FLAG_OPCODE)
        return fail(why, -EOPNOTSUPP, "opcode is not QUERY");
    if (qd == 0)
        return fail(why, -EINVAL, "no question");
    if (qd > 1)
        return fail(why, -EINVAL, "more than one question");
    if (an || ns)
        return fail(why, -EINVAL, "answer or authority records in a query");
    if (ar > 1)
        return fail(why, -EINVAL, "more than one additional record");
    size_t pos = DNS_HEADER_LEN;
    int r = question_read(buf, len, &pos, &out->q, why);
    if (r < 0 && r != -EOPNOTSUPP)
        return r;
    /* Finish the structural checks before reporting unsupported characters, so a broken
     * message is always FORMERR whatever its name looks like. */
    const char *name_why = why ? *why : NULL;
    if (ar) {
        int e = opt_read(buf, len, &pos, out, why);
        if (e < 0)
            return e;
    }
    if (pos != len)
        return fail(why, -EINVAL, "trailing bytes after the message");
    if (r < 0)
        return fail(why, r, name_why);
    return 0;
}

int dns_parse_response(const uint8_t *buf, size_t len, struct dns_response *out,
                       const char **why)
{
    memset(out, 0, sizeof *out);
    if (why)
        *why = NULL;
    if (!buf || len < DNS_HEADER_LEN)
        return fail(why, -EINVAL, "truncated header");
    out->id = get16(buf);
    out->flags = get16(buf + 2);
    out->rcode = out->flags & DNS_FLAG_RCODE;
    uint16_t qd = get16(buf + 4);
    out->ancount = get16(buf + 6);
    out->nscount = get16(buf + 8);
    out->arcount = get16(buf + 10);
    if (!(out->flags & DNS_FLAG_QR))
        return fail(why, -EINVAL, "not a response (QR clear)");
    if (out->flags & DNS_FLAG_OPCODE)
        return fail(why, -EINVAL, "opcode is not QUERY");
    if (qd != 1)
        return fail(why, -EINVAL, "question count is not 1");
    size_t pos = DNS_HEADER_LEN;
    int r = question_read(buf, len, &pos, &out->q, why);
    if (r < 0)
        return r == -EOPNOTSUPP ? -EINVAL : r;

    /* Counts come from the wire: the loops are bounded by 3 × 65535 records, and each record
     * consumes at least 11 octets, so a lying count fails at the end of the buffer. */
    for (unsigned i = 0; i < out->ancount; i++) {
        struct dns_rr scratch, *rr = i < DNS_MAX_ANSWERS ? &out->an[i] : &scratch;
        r = name_read(buf, len, &pos, rr->name, NULL, why);
        if (r < 0)
            return r == -EOPNOTSUPP ? -EINVAL : r;
        struct rr_fixed f;
        r = rr_fixed_read(buf, len, &pos, &f, why);
        if (r < 0)
            return r;
        rr->type = f.type;
        rr->class = f.class;
        rr->ttl = f.ttl;
        rr->rdlen = f.rdlen;
        rr->rdata_off = f.rdata_off;
        rr->target[0] = '\0';
        if (f.class == DNS_CLASS_IN && f.type == DNS_TYPE_A && f.rdlen != 4)
            return fail(why, -EINVAL, "A record data is not 4 octets");
        if (f.class == DNS_CLASS_IN && f.type == DNS_TYPE_AAAA && f.rdlen != 16)
            return fail(why, -EINVAL, "AAAA record data is not 16 octets");
        if (f.type == DNS_TYPE_CNAME) {
            /* The target is read against the whole message (it may point anywhere back),
             * but must end exactly where RDLENGTH says. */
            size_t t = f.rdata_off;
            r = name_read(buf, f.rdata_off + f.rdlen, &t, rr->target, NULL, why);
            if (r < 0)
                return r == -EOPNOTSUPP ? -EINVAL : r;
            if (t != f.rdata_off + f.rdlen)
                return fail(why, -EINVAL, "CNAME data longer than its name");
        }
        if (i < DNS_MAX_ANSWERS)
            out->n_an++;
    }
    /* Authority and additional records are never passed on; they only have to be
     * well-formed so the message as a whole is. */
    for (unsigned i = 0; i < (unsigned)out->nscount + out->arcount; i++) {
        r = name_read(buf, len, &pos, NULL, NULL, why);
        if (r < 0)
            return r;
        struct rr_fixed f;
        r = rr_fixed_read(buf, len, &pos, &f, why);
        if (r < 0)
            return r;
    }
    if (pos != len)
        return fail(why, -EINVAL, "trailing bytes after the message");
    return 0;
}

size_t dns_query_udp_limit(const struct dns_query *q)
{
    /* Values below 512 are treated as 512 (RFC 6891 §6.2.5). */
    if (!q->has_edns || q->edns_udp_size < DNS_UDP_MIN)
        return DNS_UDP_MIN;
    return q->edns_udp_size;
}

/* --- building ------------------------------------------------------------------------ */

static void put(struct dns_writer *w, const void *src, size_t n)
{
    if (w->err)
        return;
    if (n > w->cap - w->reserve - w->len) {
        w->err = -ENOSPC;
        return;
    }
    memcpy(w->buf + w->len, src, n);
    w->len += n;
}

static void put16(struct dns_writer *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(w, b, 2);
}

static void put32(struct dns_writer *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    put(w, b, 4);
}

static bool names_equal(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* Write a text-form name, as a pointer when the same name was written before.  The text is
 * validated as strictly as the parser does, so the builder cannot emit what we would
 * refuse to read. */
static void put_name(struct dns_writer *w, const char *name)
{
    if (w->err)
        return;
    for (size_t i = 0; i < w->n_names; i++) {
        if (names_equal(w->names[i].name, name)) {
            put16(w, (uint16_t)(0xc000u | w->names[i].off));
            return;
        }
    }
    size_t start = w->len, n = strlen(name), wire = 0;
    if (n > DNS_MAX_NAME - 2) {
        w->err = -EINVAL;
        return;
    }
    for (const char *l = name; n && *l;) {
        size_t k = 0;
        while (l[k] && l[k] != '.')
            k++;
        wire += k + 1;
        if (k == 0 || k > 63 || wire + 1 > DNS_MAX_NAME) {
            w->err = -EINVAL;
            return;
        }
        for (size_t i = 0; i < k; i++) {
            if (!name_char_ok((uint8_t)l[i])) {
                w->err = -EINVAL;
                return;
            }
        }
        uint8_t kb = (uint8_t)k;
        put(w, &kb, 1);
        put(w, l, k);
        l += k;
        if (*l == '.' && *++l == '\0') { /* a trailing dot is an empty label */
            w->err = -EINVAL;
            return;
        }
    }
    uint8_t zero = 0;
    put(w, &zero, 1);
    /* Remember it; pointers carry 14 bits of offset. */
    if (!w->err && w->n_names < DNS_WRITER_NAMES && start < 0x4000 && n > 0) {
        w->names[w->n_names].off = (uint16_t)start;
        memcpy(w->names[w->n_names].name, name, n + 1);
        w->n_names++;
    }
}

void dns_writer_start(struct dns_writer *w, const struct dns_query *q, unsigned rcode,
                      uint8_t *out, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = out;
    w->cap = cap;
    w->q = q;
    w->rcode = rcode;
    if (rcode > 0xfff || (rcode > 15 && !q->has_edns)) {
        w->err = -EINVAL;
        return;
    }
    /* Room for the OPT record (11 octets) stays reserved, so answers can never push out the
     * OPT that RFC 6891 §7 requires in a response to an EDNS query. */
    w->reserve = q->has_edns ? 11 : 0;
    if (!out || cap < DNS_HEADER_LEN + w->reserve) {
        w->err = -ENOSPC;
        return;
    }
    w->len = DNS_HEADER_LEN;
    put_name(w, q->q.spelled[0] ? q->q.spelled : q->q.name);
    put16(w, q->q.qtype);
    put16(w, q->q.qclass);
}

static void add_rr(struct dns_writer *w, const char *owner, uint16_t type, uint32_t ttl,
                   const uint8_t *rdata, uint16_t rdlen, const char *target)
{
    if (w->err)
        return;
    size_t saved_len = w->len, saved_names = w->n_names;
    put_name(w, owner);
    put16(w, type);
    put16(w, DNS_CLASS_IN);
    put32(w, ttl);
    size_t rdlen_at = w->len;
    put16(w, rdlen);
    if (target) {
        put_name(w, target);
        if (!w->err) {
            size_t n = w->len - rdlen_at - 2;
            w->buf[rdlen_at] = (uint8_t)(n >> 8);
            w->buf[rdlen_at + 1] = (uint8_t)n;
        }
    } else {
        put(w, rdata, rdlen);
    }
    if (!w->err && w->ancount == UINT16_MAX)
        w->err = -ENOSPC;
    if (w->err) {
        /* Leave the record out whole; finish() reports the failure. */
        w->len = saved_len;
        w->n_names = saved_names;
        return;
    }
    w->ancount++;
}

void dns_writer_add_addr(struct dns_writer *w, const char *owner, int family,
                         const uint8_t *addr, uint32_t ttl)
{
    if (family == AF_INET)
        add_rr(w, owner, DNS_TYPE_A, ttl, addr, 4, NULL);
    else if (family == AF_INET6)
        add_rr(w, owner, DNS_TYPE_AAAA, ttl, addr, 16, NULL);
    else if (!w->err)
        w->err = -EAFNOSUPPORT;
}

void dns_writer_add_cname(struct dns_writer *w, const char *owner, const char *target,
                          uint32_t ttl)
{
    add_rr(w, owner, DNS_TYPE_CNAME, ttl, NULL, 0, target);
}

int dns_writer_finish(struct dns_writer *w, size_t *len)
{
    if (w->err)
        return w->err;
    const struct dns_query *q = w->q;
    if (q->has_edns) {
        /* OPT: root owner, our payload size, extended RCODE in the top TTL octet, version 0,
         * no DO (we pass no DNSSEC records), no options (RFC 6891 §6.1.2-3). */
        w->reserve = 0;
        uint8_t root = 0;
        put(w, &root, 1);
        put16(w, DNS_TYPE_OPT);
        put16(w, DNS_EDNS_UDP_SIZE);
        put32(w, (uint32_t)(w->rcode >> 4) << 24);
        put16(w, 0);
        if (w->err)
            return w->err;
    }
    /* RD is copied (RFC 1035 §4.1.1); we recurse, so RA; never AA (we are not the zone's
     * server) nor AD (we validated nothing and strip signatures). */
    uint16_t flags = (uint16_t)(DNS_FLAG_QR | (q->flags & DNS_FLAG_RD) | DNS_FLAG_RA |
                                (w->tc ? DNS_FLAG_TC : 0) | (w->rcode & DNS_FLAG_RCODE));
    uint8_t *h = w->buf;
    h[0] = (uint8_t)(q->id >> 8);
    h[1] = (uint8_t)q->id;
    h[2] = (uint8_t)(flags >> 8);
    h[3] = (uint8_t)flags;
    h[4] = 0;
    h[5] = 1;
    h[6] = (uint8_t)(w->ancount >> 8);
    h[7] = (uint8_t)w->ancount;
    h[8] = h[9] = 0;
    h[10] = 0;
    h[11] = q->has_edns ? 1 : 0;
    *len = w->len;
    return 0;
}

int dns_build_response(const struct dns_query *q, unsigned rcode, uint8_t *out, size_t cap,
                       size_t *len)
{
    struct dns_writer w;
    dns_writer_start(&w, q, rcode, out, cap);
    return dns_writer_finish(&w, len);
}

int dns_build_answer(const struct dns_query *q, const struct dns_rr_addr *addrs, size_t n,
                     uint8_t *out, size_t cap, size_t *len)
{
    struct dns_writer w;
    dns_writer_start(&w, q, DNS_RCODE_NOERROR, out, cap);
    for (size_t i = 0; i < n; i++)
        dns_writer_add_addr(&w, q->q.name, addrs[i].family, addrs[i].addr, addrs[i].ttl);
    return dns_writer_finish(&w, len);
}

int dns_build_query(const struct dns_query *q, uint8_t *out, size_t cap, size_t *len)
{
    /* Rebuilt from the parsed fields, so the upstream sees only what the policy checked: no
     * EDNS options (cookies, padding, client subnet) and no trailing bytes from the sandbox.
     * RD is always set: the upstream is a recursive resolver, and RD=0 would let the sandbox
     * probe its cache (cache snooping). */
    struct dns_query up = *q;
    up.flags = DNS_FLAG_RD;
    up.has_edns = true;
    up.edns_version = 0;
    up.q.spelled[0] = '\0';
    struct dns_writer w;
    dns_writer_start(&w, &up, DNS_RCODE_NOERROR, out, cap);
    int r = dns_writer_finish(&w, len);
    if (r < 0)
        return r;
    out[2] = DNS_FLAG_RD >> 8; /* the writer made a response header; turn it into a query */
    out[3] = 0;
    return 0;
}

int dns_build_header_reply(const uint8_t *query, size_t qlen, unsigned rcode, uint8_t *out,
                           size_t cap, size_t *len)
{
    if (!query || qlen < DNS_HEADER_LEN || (query[2] & (DNS_FLAG_QR >> 8)) || rcode > 15)
        return -EINVAL;
    if (!out || cap < DNS_HEADER_LEN)
        return -ENOSPC;
    uint16_t qflags = get16(query + 2);
    uint16_t flags = (uint16_t)(DNS_FLAG_QR | (qflags & (DNS_FLAG_OPCODE | DNS_FLAG_RD)) |
                                DNS_FLAG_RA | rcode);
    memset(out, 0, DNS_HEADER_LEN);
    out[0] = query[0];
    out[1] = query[1];
    out[2] = (uint8_t)(flags >> 8);
    out[3] = (uint8_t)flags;
    *len = DNS_HEADER_LEN;
    return 0;
}

int dns_tcp_frame_len(const uint8_t hdr[2])
{
    int n = get16(hdr);
    return n < DNS_HEADER_LEN ? -EINVAL : n;
}

int dns_tcp_frame_put(uint8_t hdr[2], size_t len)
{
    if (len > DNS_TCP_MAX)
        return -EMSGSIZE;
    hdr[0] = (uint8_t)(len >> 8);
    hdr[1] = (uint8_t)len;
    return 0;
}
