/* Firewall mode's routes; see firewall_routes.h. */
#include "net/firewall/firewall_routes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/firewall/netlink.h"
#include "util/error.h"

#define LOOPBACK_IFINDEX 1

static int request(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
    int r = netlink_request(nl, nlh);
    return r == -EEXIST ? 0 : r;
}

static struct nlmsghdr *header(char *buf, uint16_t type, unsigned seq)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    return nlh;
}

/* A default route through lo: in the main table a unicast one, so every
 * destination has a route; in the relay's table a local one.  IPv4 needs
 * the preferred source 127.0.0.1 on the unicast route: without it no
 * address on lo is eligible (127.0.0.1 is host-scoped), and the TCP reset
 * of a refused connection has nowhere to go, so connect(2) hangs instead of
 * failing at once. */
static int add_default_route(struct mnl_socket *nl, int family, bool local, unsigned seq)
{
    char buf[NETLINK_REQUEST_MAX];
    struct nlmsghdr *nlh = header(buf, RTM_NEWROUTE, seq);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (unsigned char)family;
    rtm->rtm_table = local ? FIREWALL_UDP_TABLE : RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_STATIC;
    rtm->rtm_scope = local ? RT_SCOPE_HOST : RT_SCOPE_LINK;
    rtm->rtm_type = local ? RTN_LOCAL : RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_OIF, LOOPBACK_IFINDEX);
    if (family == AF_INET && !local)
        mnl_attr_put_u32(nlh, RTA_PREFSRC, htonl(INADDR_LOOPBACK));
    return request(nl, nlh);
}

/* "ip rule add fwmark FIREWALL_UDP_MARK lookup FIREWALL_UDP_TABLE". */
static int add_mark_rule(struct mnl_socket *nl, int family, unsigned seq)
{
    char buf[NETLINK_REQUEST_MAX];
    struct nlmsghdr *nlh = header(buf, RTM_NEWRULE, seq);
    struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof *frh);
    frh->family = (unsigned char)family;
    frh->table = FIREWALL_UDP_TABLE;
    frh->action = FR_ACT_TO_TBL;
    mnl_attr_put_u32(nlh, FRA_FWMARK, FIREWALL_UDP_MARK);
    mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffffu);
    mnl_attr_put_u32(nlh, FRA_PRIORITY, 100);
    return request(nl, nlh);
}

static int install_family(struct mnl_socket *nl, int family, bool udp_relay, unsigned *seq,
                          const char **what)
{
    *what = "default route";
    int r = add_default_route(nl, family, false, (*seq)++);
    if (r < 0 || !udp_relay)
        return r;
    *what = "UDP relay's local route";
    if ((r = add_default_route(nl, family, true, (*seq)++)) < 0)
        return r;
    *what = "UDP relay's routing rule";
    return add_mark_rule(nl, family, (*seq)++);
}

int firewall_routes_install(bool udp_relay, struct moat_error *err)
{
    struct mnl_socket *nl = netlink_open(NETLINK_ROUTE);
    if (!nl)
        return error_set_errno(err, -errno, "firewall: cannot open a routing socket");
    unsigned seq = 1;
    const char *what;
    int r = install_family(nl, AF_INET, udp_relay, &seq, &what);
    if (r < 0) {
        mnl_socket_close(nl);
        return error_set_errno(err, r, "firewall: cannot add the IPv4 %s", what);
    }
    r = install_family(nl, AF_INET6, udp_relay, &seq, &what);
    mnl_socket_close(nl);
    /* No IPv6 in this kernel: nothing to route, and the DNS filter strips AAAA. */
    if (r < 0 && !(r == -EAFNOSUPPORT || r == -EOPNOTSUPP) )
        return error_set_errno(err, r, "firewall: cannot add the IPv6 %s", what);
    return 0;
}
