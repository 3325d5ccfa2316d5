/* Firewall mode's routes and ruleset; see firewall.h.  The ruleset is
 * static: names are never resolved into it.  Allowed names are answered by
 * the DNS filter with addresses from moat's own pools (fakeip.h), which the
 * ruleset sends to the interception socket; the supervisor maps each
 * connection back to its name and decides (DESIGN §3, "fake-IP"). */
#include "net/firewall.h"

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

#include "net/addr.h"
#include "net/fakeip.h"
#include "net/firewall_routes.h"
#include "net/netrule.h"
#include "net/nflog.h"
#include "net/nftbatch.h"
#include "net/sandbox_sockets.h"
#include "net/udp_relay.h"
#include "util/error.h"

static void parse_cidr(const char *text, struct net_cidr *out)
{
    int r = cidr_parse(text, out);
    (void)r; /* only moat's own constants: test_nftbatch lists them back */
}

/* nat_out: DNS to the filter, TCP to moat's pools and to the policy's
 * literal addresses to the interception socket.  Loopback is left alone. */
static void add_nat_rules(struct nftbatch *b, const struct netpolicy *np,
                          const struct net_cidr loopback[2])
{
    nftbatch_chain(b, "nat_out", "nat", NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST);
    for (int i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(b, "nat_out");
        nftbatch_match_prefix(r, &loopback[i]);
        nftbatch_verdict(r, NFT_RETURN);
        nftbatch_add(b, r, "nat_out: loopback");
    }
    /* All DNS, to any address, goes to the DNS filter. */
    const uint8_t dns_protos[] = { IPPROTO_TCP, IPPROTO_UDP };
    for (size_t i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(b, "nat_out");
        nftbatch_match_l4proto(r, dns_protos[i]);
        nftbatch_match_dport(r, 53);
        nftbatch_redirect(r, MOAT_DNS_PORT);
        nftbatch_add(b, r, "nat_out: DNS to the filter");
    }
    struct net_cidr pools[2];
    parse_cidr(FAKEIP_POOL4, &pools[0]);
    parse_cidr(FAKEIP_POOL6, &pools[1]);
    for (int i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(b, "nat_out");
        nftbatch_match_prefix(r, &pools[i]);
        nftbatch_match_l4proto(r, IPPROTO_TCP);
        nftbatch_redirect(r, MOAT_INTERCEPT_PORT);
        nftbatch_add(b, r, "nat_out: moat's address pool");
    }
    /* The policy's literal allow rules; the supervisor still judges each
     * connection (ports, deny rules) with the address module. */
    for (size_t i = 0; i < np->n_allow; i++) {
        const struct net_rule *rule = &np->allow[i];
        if ((rule->kind != RULE_IP && rule->kind != RULE_CIDR) || rule->proto == PROTO_UDP)
            continue;
        struct nftbatch_rule *r = nftbatch_rule(b, "nat_out");
        nftbatch_match_prefix(r, &rule->cidr);
        nftbatch_match_l4proto(r, IPPROTO_TCP);
        nftbatch_redirect(r, MOAT_INTERCEPT_PORT);
        char what[sizeof rule->text + 32];
        snprintf(what, sizeof what, "nat_out: allow rule %s", rule->text);
        nftbatch_add(b, r, what);
    }
}

static bool relays_udp_to(const struct net_rule *r)
{
    return r->proto != PROTO_TCP;
}

/* UDP to moat's pools (when some name may be reached over UDP) and to the
 * policy's literal UDP destinations: marked here, which reroutes it to the
 * relay's local table (firewall_routes.h); DNS stays with the filter. */
static void add_udp_rules(struct nftbatch *b, const struct netpolicy *np,
                          const struct net_cidr loopback[2])
{
    nftbatch_chain(b, "udp_mark", "route", NF_INET_LOCAL_OUT, NF_IP_PRI_MANGLE);
    for (int i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(b, "udp_mark");
        nftbatch_match_prefix(r, &loopback[i]);
        nftbatch_verdict(r, NFT_RETURN);
        nftbatch_add(b, r, "udp_mark: loopback");
    }
    struct nftbatch_rule *r = nftbatch_rule(b, "udp_mark");
    nftbatch_match_l4proto(r, IPPROTO_UDP);
    nftbatch_match_dport(r, 53);
    nftbatch_verdict(r, NFT_RETURN);
    nftbatch_add(b, r, "udp_mark: DNS");
    bool names = false;
    for (size_t i = 0; i < np->n_allow; i++)
        names |= np->allow[i].kind == RULE_HOST && relays_udp_to(&np->allow[i]);
    struct net_cidr pools[2];
    parse_cidr(FAKEIP_POOL4, &pools[0]);
    parse_cidr(FAKEIP_POOL6, &pools[1]);
    for (int i = 0; names && i < 2; i++) {
        r = nftbatch_rule(b, "udp_mark");
        nftbatch_match_prefix(r, &pools[i]);
        nftbatch_match_l4proto(r, IPPROTO_UDP);
        nftbatch_set_mark(r, FIREWALL_UDP_MARK);
        nftbatch_add(b, r, "udp_mark: moat's address pool");
    }
    for (size_t i = 0; i < np->n_allow; i++) {
        const struct net_rule *rule = &np->allow[i];
        if (rule->kind == RULE_HOST || !relays_udp_to(rule))
            continue;
        r = nftbatch_rule(b, "udp_mark");
        nftbatch_match_prefix(r, &rule->cidr);
        nftbatch_match_l4proto(r, IPPROTO_UDP);
        nftbatch_set_mark(r, FIREWALL_UDP_MARK);
        char what[sizeof rule->text + 32];
        snprintf(what, sizeof what, "udp_mark: allow rule %s", rule->text);
        nftbatch_add(b, r, what);
    }
    /* Looped back through lo, a marked datagram is handed to the relay's
     * transparent socket before routing would deliver it to no one. */
    nftbatch_chain(b, "udp_in", "filter", NF_INET_PRE_ROUTING, NF_IP_PRI_MANGLE);
    r = nftbatch_rule(b, "udp_in");
    nftbatch_match_mark(r, FIREWALL_UDP_MARK);
    nftbatch_match_l4proto(r, IPPROTO_UDP);
    nftbatch_tproxy(r, MOAT_UDP_TPROXY_PORT);
    nftbatch_add(b, r, "udp_in: to the relay");
}

/* filter_out: what reaches here for loopback was redirected, or is the
 * sandbox's own loopback traffic; everything else fails at once, never a
 * silent drop, and the supervisor hears of it through NFLOG (rate-limited). */
static void add_filter_rules(struct nftbatch *b, const struct net_cidr loopback[2], bool udp)
{
    nftbatch_chain(b, "filter_out", "filter", NF_INET_LOCAL_OUT, NF_IP_PRI_FILTER);
    for (int i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(b, "filter_out");
        nftbatch_match_prefix(r, &loopback[i]);
        nftbatch_verdict(r, NF_ACCEPT);
        nftbatch_add(b, r, "filter_out: loopback");
    }
    struct nftbatch_rule *r;
    if (udp) { /* the workload cannot set a mark: SO_MARK needs CAP_NET_ADMIN */
        r = nftbatch_rule(b, "filter_out");
        nftbatch_match_mark(r, FIREWALL_UDP_MARK);
        nftbatch_verdict(r, NF_ACCEPT);
        nftbatch_add(b, r, "filter_out: UDP for the relay");
    }
    r = nftbatch_rule(b, "filter_out");
    nftbatch_log_limited(r, MOAT_NFLOG_GROUP, 20, 50);
    nftbatch_add(b, r, "filter_out: log");
    r = nftbatch_rule(b, "filter_out");
    nftbatch_reject_tcp_reset(r);
    nftbatch_add(b, r, "filter_out: reject TCP");
    r = nftbatch_rule(b, "filter_out");
    nftbatch_reject_admin_prohibited(r);
    nftbatch_add(b, r, "filter_out: reject the rest");
}

static bool relays_udp(const struct netpolicy *np)
{
    for (size_t i = 0; i < np->n_allow; i++)
        if (relays_udp_to(&np->allow[i]))
            return true;
    return false;
}

bool firewall_relays_udp(const struct moat_policy *p)
{
    struct netpolicy np;
    if (p->net.mode != MOAT_NET_FIREWALL || netpolicy_build(&p->net.allow, &p->net.deny, &np, NULL) < 0)
        return false;
    bool udp = relays_udp(&np);
    netpolicy_free(&np);
    return udp;
}

static int load_ruleset(const struct moat_policy *p, struct moat_error *err)
{
    struct netpolicy np;
    if (netpolicy_build(&p->net.allow, &p->net.deny, &np, err) < 0)
        return err->code;
    struct net_cidr loopback[2];
    parse_cidr("127.0.0.0/8", &loopback[0]);
    parse_cidr("::1", &loopback[1]);
    struct nftbatch *b = nftbatch_new(MOAT_FIREWALL_TABLE);
    int r;
    if (!b) {
        r = error_set(err, -ENOMEM, "firewall: out of memory");
    } else {
        bool udp = relays_udp(&np);
        add_nat_rules(b, &np, loopback);
        if (udp)
            add_udp_rules(b, &np, loopback);
        add_filter_rules(b, loopback, udp);
        /* One transaction: all of it or nothing, so success means the whole
         * table is in place.  (A namespace without the capability, e.g.
         * under Ubuntu's AppArmor restriction, fails here with EPERM.) */
        r = nftbatch_commit(b, err);
    }
    nftbatch_free(b);
    netpolicy_free(&np);
    return r;
}

int firewall_install(const struct moat_policy *p, struct moat_error *err)
{
    int r = firewall_routes_install(firewall_relays_udp(p), err);
    return r < 0 ? r : load_ruleset(p, err);
}
