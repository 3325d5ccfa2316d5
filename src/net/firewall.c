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
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/addr.h"
#include "net/fakeip.h"
#include "net/netrule.h"
#include "net/nflog.h"
#include "net/sandbox_sockets.h"
#include "util/cleanup.h"
#include "util/error.h"

struct text {
    char *s;
    size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = t->s ? vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap) : -1;
        va_end(ap);
        if (n >= 0 && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? 2 * t->cap + (size_t)(n > 0 ? n : 0) : 4096;
        char *grown = realloc(t->s, cap);
        if (!grown)
            return; /* the caller sees a truncated ruleset and nft refuses it */
        t->s = grown;
        t->cap = cap;
    }
}

/* The policy's literal allow rules (addresses and CIDRs) of one family. */
static void put_static_set(struct text *t, const struct netpolicy *np, int family)
{
    put(t, "  set static%d { type %s; flags interval; ", family == AF_INET ? 4 : 6,
        family == AF_INET ? "ipv4_addr" : "ipv6_addr");
    bool any = false;
    for (size_t i = 0; i < np->n_allow; i++) {
        const struct net_rule *r = &np->allow[i];
        if ((r->kind != RULE_IP && r->kind != RULE_CIDR) || r->cidr.base.family != family ||
            r->proto == PROTO_UDP)
            continue;
        char buf[INET6_ADDRSTRLEN + 8];
        if (cidr_format(&r->cidr, buf, sizeof buf) < 0)
            continue;
        put(t, "%s%s", any ? ", " : "elements = { ", buf);
        any = true;
    }
    put(t, "%s}\n", any ? " } " : "");
}

char *firewall_ruleset(const struct moat_policy *p, struct moat_error *err)
{
    struct netpolicy np;
    if (netpolicy_build(&p->net.allow, &p->net.deny, &np, err) < 0)
        return NULL;
    struct text t = { 0 };
    put(&t, "table inet moat {\n");
    put_static_set(&t, &np, AF_INET);
    put_static_set(&t, &np, AF_INET6);
    put(&t,
        "  chain nat_out {\n"
        "    type nat hook output priority -100; policy accept;\n"
        "    ip daddr 127.0.0.0/8 return\n"
        "    ip6 daddr ::1 return\n"
        /* All DNS, to any address, goes to the DNS filter. */
        "    meta l4proto { tcp, udp } th dport 53 redirect to :%d\n"
        "    ip daddr %s meta l4proto tcp redirect to :%d\n"
        "    ip6 daddr %s meta l4proto tcp redirect to :%d\n"
        "    ip daddr @static4 meta l4proto tcp redirect to :%d\n"
        "    ip6 daddr @static6 meta l4proto tcp redirect to :%d\n"
        "  }\n"
        "  chain filter_out {\n"
        "    type filter hook output priority 0; policy accept;\n"
        /* What reaches here for loopback was redirected, or is the
         * sandbox's own loopback traffic. */
        "    ip daddr 127.0.0.0/8 accept\n"
        "    ip6 daddr ::1 accept\n"
        /* Everything else fails at once, never a silent drop; the
         * supervisor hears of it through NFLOG (rate-limited). */
        "    limit rate 20/second burst 50 packets log group %d\n"
        "    meta l4proto tcp reject with tcp reset\n"
        "    reject with icmpx admin-prohibited\n"
        "  }\n"
        "}\n",
        MOAT_DNS_PORT, FAKEIP_POOL4, MOAT_INTERCEPT_PORT, FAKEIP_POOL6, MOAT_INTERCEPT_PORT,
        MOAT_INTERCEPT_PORT, MOAT_INTERCEPT_PORT, MOAT_NFLOG_GROUP);
    netpolicy_free(&np);
    if (!t.s)
        error_set(err, -ENOMEM, "out of memory");
    return t.s;
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
    if (r < 0)
        return r;
    _cleanup_free_ char *rules = firewall_ruleset(p, err);
    if (!rules)
        return err->code ? err->code : -ENOMEM;
    struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!nft)
        return error_set(err, -ENOMEM, "firewall: cannot create an nftables context");
    nft_ctx_buffer_error(nft);
    /* One buffer, one transaction: all of it or nothing, so success means
     * the whole table is in place.  (Reading it back cost 5-18 ms of
     * start-up; a namespace without the capability, e.g. under Ubuntu's
     * AppArmor restriction, fails here with EPERM instead.) */
    r = 0;
    if (nft_run_cmd_from_buffer(nft, rules) != 0)
        r = error_set(err, -EPERM, "firewall: nftables refused the ruleset (see `moat doctor`): %s",
                      nft_ctx_get_error_buffer(nft));
    nft_ctx_free(nft);
    return r;
}
