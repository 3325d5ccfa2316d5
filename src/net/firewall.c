/* Firewall mode's routes and ruleset; see firewall.h.  The ruleset is
 * static: names are never resolved into it.  Allowed names are answered by
 * the DNS filter with addresses from moat's own pools (fakeip.h), which the
 * ruleset sends to the interception socket; the supervisor maps each
 * connection back to its name and decides (DESIGN §3, "fake-IP"). */
#include "net/firewall.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
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
#include "net/netrule.h"
#include "net/nflog.h"
#include "net/nftbatch.h"
#include "net/sandbox_sockets.h"
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

/* filter_out: what reaches here for loopback was redirected, or is the
 * sandbox's own loopback traffic; everything else fails at once, never a
 * silent drop, and the supervisor hears of it through NFLOG (rate-limited). */
static void add_filter_rules(struct nftbatch *b, const struct net_cidr loopback[2])
{
    nftbatch_chain(b, "filter_out", "filter", NF_INET_LOCAL_OUT, NF_IP_PRI_FILTER);
    for (int i = 0; i < 2; i++) {
        struct nftbatch_rule *r = nftbatch_rule(b, "filter_out");
        nftbatch_match_prefix(r, &loopback[i]);
        nftbatch_verdict(r, NF_ACCEPT);
        nftbatch_add(b, r, "filter_out: loopback");
    }
    struct nftbatch_rule *r = nftbatch_rule(b, "filter_out");
    nftbatch_log_limited(r, MOAT_NFLOG_GROUP, 20, 50);
    nftbatch_add(b, r, "filter_out: log");
    r = nftbatch_rule(b, "filter_out");
    nftbatch_reject_tcp_reset(r);
    nftbatch_add(b, r, "filter_out: reject TCP");
    r = nftbatch_rule(b, "filter_out");
    nftbatch_reject_admin_prohibited(r);
    nftbatch_add(b, r, "filter_out: reject the rest");
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
        add_nat_rules(b, &np, loopback);
        add_filter_rules(b, loopback);
        /* One transaction: all of it or nothing, so success means the whole
         * table is in place.  (A namespace without the capability, e.g.
         * under Ubuntu's AppArmor restriction, fails here with EPERM.) */
        r = nftbatch_commit(b, err);
    }
    nftbatch_free(b);
    netpolicy_free(&np);
    return r;
}

/* One default route through lo (RTM_NEWROUTE).  IPv4 needs the preferred
 * source 127.0.0.1: without it no address on lo is eligible (127.0.0.1 is
 * host-scoped), and the TCP reset of a refused connection has nowhere to go,
 * so connect(2) hangs instead of failing at once. */
static int add_default_route(struct mnl_socket *nl, int family, unsigned seq)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (unsigned char)family;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_STATIC;
    rtm->rtm_scope = RT_SCOPE_LINK;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_OIF, 1 /* lo */);
    if (family == AF_INET)
        mnl_attr_put_u32(nlh, RTA_PREFSRC, htonl(INADDR_LOOPBACK));
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n < 0)
        return -errno;
    int r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL);
    return r < 0 && errno != EEXIST ? -errno : 0;
}

static int add_default_routes(struct moat_error *err)
{
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int r = -errno;
        if (nl)
            mnl_socket_close(nl);
        return error_set_errno(err, r, "firewall: cannot open a routing socket");
    }
    int r = add_default_route(nl, AF_INET, 1);
    if (r < 0) {
        mnl_socket_close(nl);
        return error_set_errno(err, r, "firewall: cannot add the IPv4 default route");
    }
    r = add_default_route(nl, AF_INET6, 2);
    mnl_socket_close(nl);
    /* No IPv6 in this kernel: nothing to route, and the DNS filter strips AAAA. */
    if (r < 0 && r != -EAFNOSUPPORT && r != -EOPNOTSUPP)
        return error_set_errno(err, r, "firewall: cannot add the IPv6 default route");
    return 0;
}

int firewall_install(const struct moat_policy *p, struct moat_error *err)
{
    int r = add_default_routes(err);
    return r < 0 ? r : load_ruleset(p, err);
}
