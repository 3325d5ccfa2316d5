/* Network allow/deny rules and the one decision every enforcement point asks for: the DNS
 * filter, the proxies, the firewall's interception socket and the violation log.  Never
 * resolves names, prints or exits; callers pass names and resolved addresses. */
#ifndef MOAT_NET_NETRULE_H
#define MOAT_NET_NETRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"
#include "net/rules/addr.h"
#include "net/rules/hostpat.h"

enum rule_kind { RULE_HOST, RULE_IP, RULE_CIDR };
enum rule_proto { PROTO_ANY, PROTO_TCP, PROTO_UDP };

/* One rule, "[tcp://|udp://]TARGET[:PORT]" (docs/network-rules.md):
 *   example.com   *.example.com:443   203.0.113.9   203.0.113.0/24:443
 *   2001:db8::1   [2001:db8::1]:443   2001:db8::/32   [2001:db8::]/32:443
 * No scheme is both protocols; no port is every port. */
struct net_rule {
    enum rule_kind kind;
    enum rule_proto proto;
    uint16_t port;          /* 0 = any */
    struct host_pattern host; /* RULE_HOST */
    struct net_cidr cidr;   /* RULE_IP (as /32 or /128) and RULE_CIDR; canonical */
    char text[300];         /* as written, for reasons and logs */
};

/* 0 or -EINVAL with err naming the rule and what is wrong with it. */
int netrule_parse(const char *text, bool for_allow, struct net_rule *out, struct moat_error *err);

struct netpolicy {
    struct net_rule *allow;
    size_t n_allow;
    struct net_rule *deny;
    size_t n_deny;
};

/* Parse every rule (either list may be NULL).  0; -EINVAL with err naming
 * "$.network.allow[i]" or "$.network.deny[i]"; -ENOMEM.  On failure out is empty. */
int netpolicy_build(const struct moat_strv *allow, const struct moat_strv *deny,
                    struct netpolicy *out, struct moat_error *err);
void netpolicy_free(struct netpolicy *np);

struct verdict {
    bool allowed;
    const struct net_rule *rule; /* the rule that decided, or NULL */
    char reason[160];            /* for logs and HTTP 403 bodies: `denied by rule "..."`,
                                  * "loopback address", "not in allow list", ... */
};

/* A connection to address a (any spelling), port, proto; hostname is the name it was resolved
 * from or asked for (DNS binding, CONNECT host, SNI), or NULL.  In order:
 *   1. deny rules, against the canonical address, every IPv4 embedded in it (mapped, compat,
 *      NAT64, 6to4) and the hostname;
 *   2. loopback, link-local, metadata, unspecified, multicast and broadcast addresses (also
 *      when embedded) are denied unless an allow rule lists the address, or a CIDR wholly
 *      inside that class, explicitly: a hostname rule never allows them (DNS rebinding);
 *   3. allow rules, by address or by hostname;
 *   4. otherwise denied: "not in allow list".
 * A rule with a port or protocol applies only to that port or protocol.  port 0 and
 * PROTO_ANY ask "some port / protocol": an allow rule for any port then counts, a deny rule
 * only when it covers every port.  A hostname that is not a valid name is denied; one that
 * is an IP literal is ignored (the address decides). */
void netpolicy_check_addr(const struct netpolicy *np, const struct net_addr *a, uint16_t port,
                          enum rule_proto proto, const char *hostname, struct verdict *out);

/* A name before resolution (DNS filter with port 0, proxy CONNECT by name): deny rules by
 * name, then allow rules by name; IP and CIDR rules never allow a name.  A name that is an
 * IP literal, in any spelling inet_aton(3) accepts, is judged as that address instead. */
void netpolicy_check_name(const struct netpolicy *np, const char *name, uint16_t port,
                          enum rule_proto proto, struct verdict *out);

const char *rule_proto_name(enum rule_proto p);

#endif
