/* Firewall mode's routes and ruleset; see firewall.h.  The ruleset is
 * static: names are never resolved into it.  Allowed names are answered by
 * the DNS filter with addresses from moat's own pools (fakeip.h), which the
 * ruleset sends to the interception socket; the supervisor maps each
 * connection back to its name and decides (the "fake-IP" design, docs/network.md). */
#include "net/firewall/firewall.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/rules/addr.h"
#include "net/firewall/names/fakeip.h"
#include "net/firewall/firewall_routes.h"
#include "net/rules/netrule.h"
#include "net/firewall/nflog.h"
#include "net/firewall/nftbatch.h"
#include "net/sandbox_sockets.h"
#include "net/firewall/udp/udp_relay.h"
#include "util/error.h"

/* What every chain is built from: the policy and the address ranges moat
 * itself names. */
struct ruleset {
    struct nftbatch *b;
    const struct netpolicy *np;
    struct net_cidr loopback[2]; /* 127.0.0.0/8, ::1 */
    struct net_cidr pools[2];    /* fakeip.h */
};

static void parse_cidr(const char *text, struct net_cidr *out)
{
    int r = cidr_parse(text, out);
    (void)r; /* only moat's own constants: test_nftbatch lists them back */
}

/* Does this allow rule admit proto (IPPROTO_TCP or IPPROTO_UDP)? */
static bool admits(const struct net_rule *r, uint8_t proto)
{
    return r->proto == PROTO_ANY || r->proto == (proto == IPPROTO_TCP ? PROTO_TCP : PROTO_UDP);
}

static bool relays_udp(const struct netpolicy *np)
{
    for (size_t i = 0; i < np->n_allow; i++)
        if (admits(&np->allow[i], IPPROTO_UDP))
            return true;
    return false;
}

/* "ip daddr 127.0.0.0/8 VERDICT" and "ip6 daddr ::1 VERDICT". */
static void loopback_verdict(const struct ruleset *rs, const char *chain, int verdict)
{
    for (int i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(rs->b, chain);
        nftbatch_match_prefix(r, &rs->loopback[i]);
        nftbatch_verdict(r, verdict);
        char what[64];
        snprintf(what, sizeof what, "%s: loopback", chain);
        nftbatch_add(rs->b, r, what);
    }
}

enum handover { TO_INTERCEPTION, TO_UDP_RELAY };

static void hand_over_one(const struct ruleset *rs, const char *chain, uint8_t proto,
                          enum handover how, const struct net_cidr *dst, const char *what)
{
    struct nftbatch_rule *r = nftbatch_rule(rs->b, chain);
    nftbatch_match_prefix(r, dst);
    nftbatch_match_l4proto(r, proto);
    if (how == TO_INTERCEPTION)
        nftbatch_redirect(r, MOAT_INTERCEPT_PORT);
    else
        nftbatch_set_mark(r, FIREWALL_UDP_MARK);
    nftbatch_add(rs->b, r, what);
}

/* proto to moat's pools and to every literal
 * address or CIDR the policy allows for proto: redirected to the
 * interception socket, or marked for the UDP relay.  The supervisor still
 * judges each connection or flow (ports, deny rules) with the address
 * module.  TCP to the pools is always intercepted, so a refusal is logged
 * with the name; UDP only when some name admits UDP (else the kernel
 * rejects it). */
static void hand_over(const struct ruleset *rs, const char *chain, uint8_t proto,
                      enum handover how)
{
    const struct netpolicy *np = rs->np;
    bool names = proto == IPPROTO_TCP;
    for (size_t i = 0; i < np->n_allow; i++)
        names |= np->allow[i].kind == RULE_HOST && admits(&np->allow[i], proto);
    char what[sizeof np->allow->text + 32];
    snprintf(what, sizeof what, "%s: moat's address pool", chain);
    for (int i = 0; names && i < 2; i++)
        hand_over_one(rs, chain, proto, how, &rs->pools[i], what);
    for (size_t i = 0; i < np->n_allow; i++) {
        const struct net_rule *rule = &np->allow[i];
        if (rule->kind == RULE_HOST || !admits(rule, proto))
            continue;
        snprintf(what, sizeof what, "%s: allow rule %s", chain, rule->text);
        hand_over_one(rs, chain, proto, how, &rule->cidr, what);
        /* One verdict per destination: ::a.b.c.d is a.b.c.d to the supervisor (and to the
         * proxies), so it must reach the supervisor too (docs/network-rules.md). */
        struct net_cidr compat;
        if (cidr_ipv4_compat(&rule->cidr, &compat)) {
            snprintf(what, sizeof what, "%s: allow rule %s, IPv4-compatible", chain, rule->text);
            hand_over_one(rs, chain, proto, how, &compat, what);
        }
    }
}

/* nat_out: DNS to the filter, TCP to the interception socket. */
static void add_nat_rules(const struct ruleset *rs)
{
    nftbatch_chain(rs->b, "nat_out", "nat", NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST);
    loopback_verdict(rs, "nat_out", NFT_RETURN);
    /* All DNS, to any address, goes to the DNS filter. */
    const uint8_t dns_protos[] = { IPPROTO_TCP, IPPROTO_UDP };
    for (size_t i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(rs->b, "nat_out");
        nftbatch_match_l4proto(r, dns_protos[i]);
        nftbatch_match_dport(r, 53);
        nftbatch_redirect(r, MOAT_DNS_PORT);
        nftbatch_add(rs->b, r, "nat_out: DNS to the filter");
    }
    hand_over(rs, "nat_out", IPPROTO_TCP, TO_INTERCEPTION);
}

/* udp_mark: UDP for the relay is marked here, which reroutes it to the
 * relay's local table (firewall_routes.h); DNS stays with the filter. */
static void add_udp_rules(const struct ruleset *rs)
{
    nftbatch_chain(rs->b, "udp_mark", "route", NF_INET_LOCAL_OUT, NF_IP_PRI_MANGLE);
    loopback_verdict(rs, "udp_mark", NFT_RETURN);
    struct nftbatch_rule *r = nftbatch_rule(rs->b, "udp_mark");
    nftbatch_match_l4proto(r, IPPROTO_UDP);
    nftbatch_match_dport(r, 53);
    nftbatch_verdict(r, NFT_RETURN);
    nftbatch_add(rs->b, r, "udp_mark: DNS");
    hand_over(rs, "udp_mark", IPPROTO_UDP, TO_UDP_RELAY);
    /* Looped back through lo, a marked datagram is handed to the relay's
     * transparent socket before routing would deliver it to no one. */
    nftbatch_chain(rs->b, "udp_in", "filter", NF_INET_PRE_ROUTING, NF_IP_PRI_MANGLE);
    r = nftbatch_rule(rs->b, "udp_in");
    nftbatch_match_mark(r, FIREWALL_UDP_MARK);
    nftbatch_match_l4proto(r, IPPROTO_UDP);
    nftbatch_tproxy(r, MOAT_UDP_TPROXY_PORT);
    nftbatch_add(rs->b, r, "udp_in: to the relay");
}

/* filter_out: what reaches here for loopback was redirected, or is the
 * sandbox's own loopback traffic; everything else fails at once, never a
 * silent drop, and the supervisor hears of it through NFLOG (rate-limited). */
static void add_filter_rules(const struct ruleset *rs, bool udp)
{
    nftbatch_chain(rs->b, "filter_out", "filter", NF_INET_LOCAL_OUT, NF_IP_PRI_FILTER);
    loopback_verdict(rs, "filter_out", NF_ACCEPT);
    struct nftbatch_rule *r;
    if (udp) { /* the workload cannot set a mark: SO_MARK needs CAP_NET_ADMIN */
        r = nftbatch_rule(rs->b, "filter_out");
        nftbatch_match_mark(r, FIREWALL_UDP_MARK);
        nftbatch_verdict(r, NF_ACCEPT);
        nftbatch_add(rs->b, r, "filter_out: UDP for the relay");
    }
    r = nftbatch_rule(rs->b, "filter_out");
    nftbatch_log_limited(r, MOAT_NFLOG_GROUP, 20, 50);
    nftbatch_add(rs->b, r, "filter_out: log");
    r = nftbatch_rule(rs->b, "filter_out");
    nftbatch_reject_tcp_reset(r);
    nftbatch_add(rs->b, r, "filter_out: reject TCP");
    r = nftbatch_rule(rs->b, "filter_out");
    nftbatch_reject_admin_prohibited(r);
    nftbatch_add(rs->b, r, "filter_out: reject the rest");
}

struct firewall {
    struct nftbatch *batch; /* sealed */
    bool udp;
    bool trace_only; /* proxy mode's: a diagnostic, not an enforcement */
};

int firewall_prepare(const struct netpolicy *np, struct firewall **out, struct moat_error *err)
{
    *out = NULL;
    struct firewall *fw = calloc(1, sizeof *fw);
    struct ruleset rs = { .b = nftbatch_new(MOAT_FIREWALL_TABLE), .np = np };
    if (!fw || !rs.b) {
        free(fw);
        nftbatch_free(rs.b);
        return error_set(err, -ENOMEM, "firewall: out of memory");
    }
    fw->udp = relays_udp(np);
    parse_cidr("127.0.0.0/8", &rs.loopback[0]);
    parse_cidr("::1", &rs.loopback[1]);
    parse_cidr(FAKEIP_POOL4, &rs.pools[0]);
    parse_cidr(FAKEIP_POOL6, &rs.pools[1]);
    add_nat_rules(&rs);
    if (fw->udp)
        add_udp_rules(&rs);
    add_filter_rules(&rs, fw->udp);
    fw->batch = rs.b;
    int r = nftbatch_seal(fw->batch, err);
    if (r < 0) {
        firewall_free(fw);
        return r;
    }
    *out = fw;
    return 0;
}

int firewall_prepare_trace(struct firewall **out, struct moat_error *err)
{
    *out = NULL;
    struct firewall *fw = calloc(1, sizeof *fw);
    struct ruleset rs = { .b = nftbatch_new(MOAT_FIREWALL_TABLE) };
    if (!fw || !rs.b) {
        free(fw);
        nftbatch_free(rs.b);
        return error_set(err, -ENOMEM, "firewall: out of memory");
    }
    parse_cidr("127.0.0.0/8", &rs.loopback[0]);
    parse_cidr("::1", &rs.loopback[1]);
    /* The sandbox's own loopback (its proxies and DNS filter) as before; anything else
     * fails at once, as in firewall mode (TCP reset, ICMP admin-prohibited: an ICMP "no
     * route" is a soft error to IPv4 TCP, which would retry for minutes), logged first. */
    nftbatch_chain(rs.b, "filter_out", "filter", NF_INET_LOCAL_OUT, NF_IP_PRI_FILTER);
    loopback_verdict(&rs, "filter_out", NF_ACCEPT);
    struct nftbatch_rule *r = nftbatch_rule(rs.b, "filter_out");
    nftbatch_log_limited(r, MOAT_NFLOG_GROUP, 20, 50);
    nftbatch_add(rs.b, r, "filter_out: log");
    r = nftbatch_rule(rs.b, "filter_out");
    nftbatch_reject_tcp_reset(r);
    nftbatch_add(rs.b, r, "filter_out: reject TCP");
    r = nftbatch_rule(rs.b, "filter_out");
    nftbatch_reject_admin_prohibited(r);
    nftbatch_add(rs.b, r, "filter_out: reject the rest");
    fw->batch = rs.b;
    fw->trace_only = true;
    int ret = nftbatch_seal(fw->batch, err);
    if (ret < 0) {
        firewall_free(fw);
        return ret;
    }
    *out = fw;
    return 0;
}

bool firewall_relays_udp(const struct firewall *fw)
{
    return fw->udp;
}

int firewall_install(const struct firewall *fw, struct moat_error *err)
{
    if (fw->trace_only) {
        /* Proxy mode's trace: the table first, and the routes only once it is in place
         * (routes without it would send direct connections nowhere, to hang instead of
         * failing).  A kernel without nf_tables keeps proxy mode as it was without the
         * trace: no route, ENETUNREACH at once, nothing logged. */
        struct moat_error why = { 0 };
        int r = nftbatch_commit(fw->batch, &why);
        if (r == -EOPNOTSUPP || r == -ENOENT || r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT)
            return 0;
        if (r < 0) {
            *err = why;
            return r;
        }
        return firewall_routes_install(false, err);
    }
    int r = firewall_routes_install(fw->udp, err);
    /* One transaction: all of it or nothing, so success means the whole
     * table is in place.  (A namespace without the capability, e.g. under
     * Ubuntu's AppArmor restriction, fails here with EPERM.) */
    return r < 0 ? r : nftbatch_commit(fw->batch, err);
}

void firewall_free(struct firewall *fw)
{
    if (!fw)
        return;
    nftbatch_free(fw->batch);
    free(fw);
}
