/* DNS messages on the wire (RFC 1035, 3596, 6891): bounds-checked parsing and building of the
 * few message shapes moat's filtering DNS server handles.  Pure byte-buffer transforms: never
 * opens a socket, resolves, allocates, prints or exits; every input byte is hostile. */
#ifndef MOAT_NET_DNS_MSG_H
#define MOAT_NET_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_MAX_NAME 255        /* octets on the wire (RFC 1035 §2.3.4); ≤ 253 in text form */
#define DNS_HEADER_LEN 12
#define DNS_MAX_ANSWERS 64      /* answer records kept by dns_parse_response; more are skipped */
#define DNS_MAX_PTR_HOPS 32     /* compression pointers followed per name */
#define DNS_UDP_MIN 512         /* RFC 1035 §4.2.1: what every client accepts over UDP */
#define DNS_EDNS_UDP_SIZE 1232  /* what we advertise (DNS flag day 2020: no IP fragmentation) */
#define DNS_TCP_MAX 65535       /* RFC 1035 §4.2.2: the 2-octet length prefix */

enum {
    DNS_TYPE_A = 1,
    DNS_TYPE_NS = 2,
    DNS_TYPE_CNAME = 5,
    DNS_TYPE_SOA = 6,
    DNS_TYPE_NULL = 10,
    DNS_TYPE_PTR = 12,
    DNS_TYPE_MX = 15,
    DNS_TYPE_TXT = 16,
    DNS_TYPE_AAAA = 28,
    DNS_TYPE_OPT = 41,
    DNS_TYPE_SVCB = 64,
    DNS_TYPE_HTTPS = 65,
    DNS_TYPE_IXFR = 251,
    DNS_TYPE_AXFR = 252,
    DNS_TYPE_MAILB = 253,
    DNS_TYPE_MAILA = 254,
    DNS_TYPE_ANY = 255,
};

enum { DNS_CLASS_IN = 1 };

/* Response codes; values above 15 exist only with EDNS (RFC 6891 §6.1.3). */
enum {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
    DNS_RCODE_BADVERS = 16,
};

/* Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.1.6). */
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_OPCODE 0x7800u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_FLAG_RA 0x0080u
#define DNS_FLAG_AD 0x0020u
#define DNS_FLAG_CD 0x0010u
#define DNS_FLAG_RCODE 0x000fu

/* Names are kept in text form: lower-case, labels joined by '.', no trailing dot, the root is
 * "".  Only letters, digits, '-', '_' and '*' are accepted in a label, so the text form needs
 * no escaping and is unambiguous for the policy's matcher. */
struct dns_question {
    char name[DNS_MAX_NAME + 1];    /* lower-case: what the policy and the upstream see */
    char spelled[DNS_MAX_NAME + 1]; /* as the client spelled it, echoed back (dns-0x20) */
    uint16_t qtype, qclass;
};

struct dns_query {
    uint16_t id, flags;
    struct dns_question q;
    bool has_edns;
    uint8_t edns_version;
    uint16_t edns_udp_size;         /* as sent; dns_query_udp_limit() applies the floor */
};

/* One resource record of an answer section.  rdata lives in the parsed buffer at rdata_off;
 * for A and AAAA its length has been checked (4, 16), for CNAME `target` holds the
 * decompressed target name and rdata was exactly that name. */
struct dns_rr {
    char name[DNS_MAX_NAME + 1];
    uint16_t type, class;
    uint32_t ttl;
    uint16_t rdlen;
    size_t rdata_off;
    char target[DNS_MAX_NAME + 1];
};

struct dns_response {
    uint16_t id, flags;
    uint8_t rcode;                  /* header RCODE (4 bits; the OPT extension is ignored) */
    struct dns_question q;
    struct dns_rr an[DNS_MAX_ANSWERS];
    size_t n_an;                    /* records stored: min(ancount, DNS_MAX_ANSWERS) */
    uint16_t ancount, nscount, arcount; /* header counts; every record was bounds-checked */
};

/* An address answer built locally ("localhost").  family is AF_INET or AF_INET6. */
struct dns_rr_addr {
    int family;
    uint8_t addr[16];
    uint32_t ttl;
};

/* Parse a query from a client: exactly one question, QR=0, ANCOUNT=NSCOUNT=0, at most one
 * additional record which must be an OPT.  Returns 0; -EINVAL for a malformed message (answer
 * FORMERR when the header was readable); -EOPNOTSUPP for a well-formed message we do not
 * serve: an opcode other than QUERY (answer NOTIMP), a name with unsupported characters or a
 * non-OPT additional record (answer REFUSED).  *why (may be NULL) names the problem with a
 * static string.  out->id and out->flags are filled as soon as the header was read. */
int dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *out, const char **why);

/* Parse a response from upstream, every section, for filtering.  Returns 0 or -EINVAL. */
int dns_parse_response(const uint8_t *buf, size_t len, struct dns_response *out,
                       const char **why);

/* The largest UDP response the client of q accepts (RFC 6891 §6.2.3, §6.2.5). */
size_t dns_query_udp_limit(const struct dns_query *q);

/* The query to send upstream, rebuilt from q rather than relayed: id q->id, RD set, the
 * lower-case question, an OPT advertising DNS_EDNS_UDP_SIZE without DO or options. */
int dns_build_query(const struct dns_query *q, uint8_t *out, size_t cap, size_t *len);

/* A response without records (NXDOMAIN, REFUSED, SERVFAIL, NOERROR/NODATA, BADVERS):
 * q's id and RD, RA set, the question echoed as spelled, an OPT when q had one. */
int dns_build_response(const struct dns_query *q, unsigned rcode, uint8_t *out, size_t cap,
                       size_t *len);

/* A NOERROR response answering q's name with A/AAAA records (owners compressed to the
 * question).  Used for "localhost". */
int dns_build_answer(const struct dns_query *q, const struct dns_rr_addr *addrs, size_t n,
                     uint8_t *out, size_t cap, size_t *len);

/* A header-only reply (FORMERR, NOTIMP, REFUSED) to a query whose question could not be
 * used: copies id, opcode and RD from the raw query.  -EINVAL if the header is unreadable or
 * the message is itself a response (answering responses invites reflection loops). */
int dns_build_header_reply(const uint8_t *query, size_t qlen, unsigned rcode, uint8_t *out,
                           size_t cap, size_t *len);

/* Incremental response builder over a caller's buffer, used by the filter to rebuild an
 * upstream answer from parsed records.  start() writes the question; add_*() append answer
 * records (a record that does not fit is left out whole and makes finish() fail with
 * -ENOSPC); finish() writes the header and, when q had EDNS, an OPT whose room was reserved
 * at start.  Owner and target names seen before are compressed (RFC 1035 §4.1.4). */
#define DNS_WRITER_NAMES 8
struct dns_writer {
    uint8_t *buf;
    size_t cap, len, reserve;
    const struct dns_query *q;
    unsigned rcode;
    bool tc;                        /* set before finish() to send TC=1 */
    uint16_t ancount;
    int err;
    size_t n_names;
    struct {
        uint16_t off;
        char name[DNS_MAX_NAME + 1];
    } names[DNS_WRITER_NAMES];
};
void dns_writer_start(struct dns_writer *w, const struct dns_query *q, unsigned rcode,
                      uint8_t *out, size_t cap);
void dns_writer_add_addr(struct dns_writer *w, const char *owner, int family,
                         const uint8_t *addr, uint32_t ttl);
void dns_writer_add_cname(struct dns_writer *w, const char *owner, const char *target,
                          uint32_t ttl);
int dns_writer_finish(struct dns_writer *w, size_t *len);

/* DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by its length as two
 * octets.  frame_len returns that length, or -EINVAL when it is too short to hold a header;
 * frame_put writes it, or returns -EMSGSIZE above 65535. */
int dns_tcp_frame_len(const uint8_t hdr[2]);
int dns_tcp_frame_put(uint8_t hdr[2], size_t len);

/* The id is the first two octets; a forwarder that picks its own upstream id (RFC 5452 §9.2)
 * writes it over a query built by dns_build_query. */
static inline void dns_set_id(uint8_t *msg, uint16_t id)
{
    msg[0] = (uint8_t)(id >> 8);
    msg[1] = (uint8_t)id;
}

#endif
