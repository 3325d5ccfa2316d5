/* The DNS filter's decisions: what to answer locally, what to forward, and what an upstream
 * answer may carry into the sandbox.  Pure: policy and address checks are callbacks, bytes
 * in and bytes out; never opens a socket, resolves, prints or exits. */
#ifndef MOAT_NET_DNS_FILTER_H
#define MOAT_NET_DNS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dns/dns_msg.h"

enum dns_name_verdict { DNS_NAME_ALLOW, DNS_NAME_DENY };

/* The caller's policy.  check_name and addr_denied are required (NULL fails closed: every
 * name denied, every address denied); found may be NULL. */
struct dns_filter_ops {
    /* The policy's verdict on a lower-case text-form name (never ""): a query name, or a
     * CNAME target in an upstream answer. */
    enum dns_name_verdict (*check_name)(void *ctx, const char *name);
    /* true for addresses the sandbox must never be handed: loopback, link-local, metadata…
     * family is AF_INET (4 octets) or AF_INET6 (16 octets). */
    bool (*addr_denied)(void *ctx, int family, const uint8_t *addr);
    /* Called once per address about to be delivered, after every check passed: `name` is the
     * name the sandbox asked for (what it will put in SNI/Host), `ttl` the TTL it receives.
     * A negative return turns the whole answer into SERVFAIL (e.g. the firewall set could
     * not be updated); addresses already reported stay reported. */
    int (*found)(void *ctx, const char *name, int family, const uint8_t *addr, uint32_t ttl);
    void *ctx;
    bool ipv6_available;  /* the host side reaches IPv6; when false no AAAA reaches the sandbox */
};

enum dns_action {
    DNS_ANSWER_LOCAL, /* out holds a complete response for the sandbox */
    DNS_FORWARD,      /* out holds the query to send upstream (rebuilt, see dns_build_query) */
};

/* Decide on a query from the sandbox, in this order:
 *   malformed            FORMERR (NOTIMP for another opcode, REFUSED for unsupported
 *                        characters), header-only; an unreadable header or a message with
 *                        QR set is dropped: -EINVAL
 *   EDNS version != 0    BADVERS (RFC 6891 §6.1.3)
 *   class not IN, root   REFUSED
 *   localhost, *.localhost   A 127.0.0.1, AAAA ::1, other types NODATA (RFC 6761 §6.3);
 *                        never forwarded, never checked against the policy
 *   denied by check_name NXDOMAIN: the name never leaves the machine
 *   ANY, AXFR, IXFR, MAILA, MAILB   REFUSED
 *   HTTPS, SVCB          NODATA (no ECH keys or HTTP/3 hints: the TLS SNI stays readable)
 *   AAAA without IPv6    NODATA (Happy Eyeballs never waits for an unusable family)
 *   other than A/AAAA/CNAME   NODATA (TXT, NULL, MX… are the tunnelling carriers)
 *   otherwise            DNS_FORWARD
 * Returns 0 with *action set, -EINVAL (drop), or -ENOSPC (cap too small; 512 always fits a
 * local answer).  q receives the parsed query (kept by the caller for the response step).
 * *why (may be NULL) is a static reason for a local answer or a drop, NULL when forwarded. */
int dns_filter_query(const struct dns_filter_ops *ops, const uint8_t *in, size_t len,
                     struct dns_query *q, uint8_t *out, size_t cap, size_t *out_len,
                     enum dns_action *action, const char **why);

/* Filter the upstream response to q before it reaches the sandbox.  The response must carry
 * upstream_id (the id the forwarder sent; q->id if it did not change it) and q's question,
 * else -EINVAL (drop it: it may be spoofed, the real one may still come).  The output is
 * rebuilt from parsed records, never patched: header with q->id, the question as the sandbox
 * spelled it, then only the CNAME chain starting at the question name and the records of the
 * asked type (A or AAAA) owned by names on that chain; authority, additional, DNSSEC and
 * unrelated records are dropped.  Then:
 *   a CNAME target denied by check_name          REFUSED
 *   an address for which addr_denied is true     REFUSED (DNS rebinding to loopback/metadata)
 *   a CNAME loop, conflicting CNAMEs, a chain longer than 16   SERVFAIL
 *   AAAA records without IPv6                    removed, the rest kept
 *   TC from upstream, or no room within cap      TC=1 without records (the client retries
 *                                                over TCP)
 *   upstream rcode other than NOERROR/NXDOMAIN   passed on without records
 * REFUSED rather than NXDOMAIN for a policy refusal after forwarding: the name exists and the
 * client must not cache its non-existence; REFUSED also makes the violation visible.
 * cap is what the client accepts: dns_query_udp_limit(q) over UDP, DNS_TCP_MAX over TCP.
 * Returns 0 (out holds the response; *why is NULL when the answer passed, else the reason),
 * -EINVAL (drop) or -ENOSPC. */
/* The filter's own refusals of an upstream answer, as dns_filter_response's *why: a CNAME to a
 * denied name, an address in a denied class.  Every other why (an upstream error, a truncated
 * answer, AAAA removed) is not a policy decision. */
extern const char DNS_WHY_CNAME_DENIED[];
extern const char DNS_WHY_REBINDING[];
bool dns_filter_refused(const char *why);

int dns_filter_response(const struct dns_filter_ops *ops, const struct dns_query *q,
                        uint16_t upstream_id, const uint8_t *in, size_t len, uint8_t *out,
                        size_t cap, size_t *out_len, const char **why);

/* "localhost" or a name under it (RFC 6761 §6.3). */
bool dns_name_is_localhost(const char *name);

#endif
