/* Firewall mode's interception socket: connections the ruleset redirected
 * (net/firewall/firewall.h).  The original destination (SO_ORIGINAL_DST,
 * IP6T_SO_ORIGINAL_DST — separate IPv4 and IPv6 listeners, so it is never
 * ambiguous) is either one of moat's pool addresses, mapped back to the name
 * it was handed out for, or a literal address from the policy; either way the
 * decision is target_open's, the same as for the proxies.  Refusals are a
 * TCP reset (SO_LINGER 0), never a hang.
 *
 * A connection to a pool address is for one name, and is dialled by that
 * name; if its bytes claim another one (TLS server name, HTTP Host, HTTP/2
 * :authority), or none, it is refused (net/firewall/names/name_gate.h): otherwise a
 * server shared by many names (a CDN) could be asked for a name the policy
 * does not allow ("domain fronting").  The proxies' tunnels to a name are
 * judged the same way (tunnel_start_named): one verdict in every mode. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/firewall/names/fakeip.h"
#include "net/rules/hostpat.h"
#include "net/io/relay.h"
#include "net/firewall/names/name_gate.h"
#include "net/services.h"
#include "net/io/target.h"

struct intercepted {
    struct net_services *ns;
    int client;
    uint16_t port;
    char name[HOSTNAME_MAX + 1]; /* the pool address's name, or "" for a literal */
    struct name_gate *gate;      /* for a name: what the connection's bytes claim */
};

static void reset(int fd)
{
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/* The relay's gate for a connection to a pool address (name_gate.h). */
static enum relay_gate check_claimed_name(const uint8_t *next, size_t n, size_t *pass, void *ctx)
{
    struct intercepted *ic = ctx;
    struct name_gate_refusal why;
    enum relay_gate g = name_gate_judge(ic->gate, next, n, pass, &why);
    if (g == RELAY_GATE_REFUSE)
        vlog_denial(&ic->ns->log, "connect", why.claimed[0] ? why.claimed : ic->name, NULL,
                    ic->port, why.reason);
    return g;
}

/* The connection is over: its slot is free again. */
static void intercepted_free(void *ctx)
{
    struct intercepted *ic = ctx;
    net_services_release(ic->ns, CONN_RELAYED);
    name_gate_free(ic->gate);
    free(ic);
}

static void on_target(void *ctx, int fd, int err, const char *reason)
{
    struct intercepted *ic = ctx;
    (void)err;
    (void)reason;
    if (fd < 0) {
        reset(ic->client);
        intercepted_free(ic);
    } else if (ic->gate) {
        /* The relay owns ic from here and frees it when done, or if it cannot start. */
        relay_start_gated(ic->ns->loop, ic->client, fd, NULL, 0, check_claimed_name,
                          intercepted_free, ic);
    } else {
        relay_start(ic->ns->loop, ic->client, fd, NULL, 0, intercepted_free, ic);
    }
}

static int original_destination(int fd, int family, struct net_addr *a, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int r = family == AF_INET ? getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &ss, &len)
                              : getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &ss, &len);
    if (r < 0)
        return -errno;
    addr_from_sockaddr(&ss, a, port);
    return 0;
}

int intercept_authority(struct net_services *ns, const struct net_addr *orig, uint16_t port,
                        const char *kind, struct intercept_dest *out)
{
    struct net_addr canon;
    char text[INET6_ADDRSTRLEN];
    addr_canonical(orig, &canon);
    addr_format(&canon, text, sizeof text);
    const char *name = NULL, *why = NULL;
    bool in_pool = false;
    /* Traffic to the sandbox's own loopback was never redirected: refuse
     * whatever claims to be such (it would be the listener itself). */
    if (addr_is_special(&canon) || !ns->fake)
        why = "not a redirected destination";
    else if (!(name = fakeip_lookup(ns->fake, &canon, &in_pool)) && in_pool)
        why = "address from an expired or unknown DNS answer";
    if (why) {
        vlog_denial(&ns->log, kind, text, text, port, why);
        return -EACCES;
    }
    *out = (struct intercept_dest){ .family = AF_UNSPEC };
    if (name) {
        snprintf(out->authority, sizeof out->authority, "%s:%u", name, (unsigned)port);
        snprintf(out->name, sizeof out->name, "%s", name);
        out->family = canon.family; /* the family the workload chose */
    } else {
        snprintf(out->authority, sizeof out->authority,
                 canon.family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
    }
    return 0;
}

int intercept_accept(struct net_services *ns, int listen_fd, int family)
{
    int client = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0)
        return -errno;
    struct net_addr orig;
    uint16_t port = 0;
    struct intercept_dest dest;
    if (original_destination(client, family, &orig, &port) < 0 ||
        intercept_authority(ns, &orig, port, "connect", &dest) < 0) {
        reset(client);
        return 0;
    }
    struct intercepted *ic = malloc(sizeof *ic);
    if (!ic || !net_services_admit(ns, CONN_RELAYED)) {
        free(ic);
        reset(client);
        return ic ? 0 : -ENOMEM;
    }
    *ic = (struct intercepted){ .ns = ns, .client = client, .port = port };
    memcpy(ic->name, dest.name, sizeof ic->name);
    if (ic->name[0] && !(ic->gate = name_gate_new(ic->name, "the address was handed out for"))) {
        reset(client);
        intercepted_free(ic);
        return -ENOMEM;
    }
    if (target_open(ns, dest.authority, dest.family, on_target, ic, NULL) < 0) {
        reset(client);
        intercepted_free(ic);
    }
    return 0;
}

int tunnel_start_named(struct net_services *ns, int client, int fd, const void *pending,
                       size_t n, const char *authority)
{
    struct authority a;
    if (authority_parse(authority, false, &a) < 0 || a.is_ip) {
        relay_start(ns->loop, client, fd, pending, n, net_services_relay_done, ns);
        return 0; /* an address names no site: nothing to compare */
    }
    struct intercepted *ic = malloc(sizeof *ic);
    if (ic)
        *ic = (struct intercepted){ .ns = ns, .client = client, .port = a.port,
                                    .gate = name_gate_new(a.host, "the tunnel was opened to") };
    if (!ic || !ic->gate) {
        if (ic)
            free(ic);
        reset(client);
        close(fd);
        net_services_release(ns, CONN_RELAYED);
        return -ENOMEM;
    }
    snprintf(ic->name, sizeof ic->name, "%.*s", (int)sizeof ic->name - 1, a.host);
    relay_start_gated(ns->loop, client, fd, pending, n, check_claimed_name, intercepted_free, ic);
    return 0;
}
