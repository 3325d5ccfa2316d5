/* The services hub; see services.h.  Dispatches readiness on listeners to
 * the service that owns them; decides nothing about traffic itself. */
#include "net/services.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/rules/addr.h"
#include "net/dns/dns_filter.h"
#include "net/firewall/names/fakeip.h"
#include "net/io/loopback.h"
#include "net/firewall/nflog.h"
#include "net/proxy/proxy_env.h"
#include "net/firewall/udp/udp_relay.h"
#include "util/fdpass.h"
#include "util/error.h"
#include "util/strv.h"

struct listener {
    struct loop_watch w;
    struct loop_timer resume;
    struct svc_desc d;
    bool host_side; /* an exposure listener on the host's loopback */
    bool full;      /* not accepting: its class or the total is full */
    struct net_services *ns;
    struct listener *next;
};

#define LISTENER_PAUSE_MS 100

static void log_rejected(void *ctx, const struct nflog_event *e)
{
    struct net_services *ns = ctx;
    char text[INET6_ADDRSTRLEN];
    struct net_addr c;
    addr_canonical(&e->dst, &c);
    addr_format(&c, text, sizeof text);
    const char *kind = e->proto == IPPROTO_TCP ? "connect" : e->proto == IPPROTO_UDP ? "udp" : "packet";
    vlog_denial(&ns->log, kind, text, text, e->port,
                ns->p->net.mode == MOAT_NET_PROXY
                    ? "direct connection: proxy mode serves only programs that use the proxy "
                      "variables (--network firewall serves the others)"
                    : "rejected by the firewall ruleset");
}

static int read_nflog(struct net_services *ns, int fd)
{
    for (int budget = 32; budget > 0; budget--) {
        char buf[8192];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0)
            return 0;
        nflog_parse(buf, (size_t)n, log_rejected, ns);
    }
    return 0;
}

static void on_resume(struct loop_timer *t)
{
    struct listener *li = t->data;
    loop_mod(li->ns->loop, &li->w, EPOLLIN);
}

/* --- what one sandbox can make the supervisor hold ------------------------ */

static const unsigned class_max[CONN_CLASSES] = {
    [CONN_DNS_TCP] = NET_DNS_TCP_MAX, [CONN_HTTP] = NET_HTTP_MAX,
    [CONN_SOCKS] = NET_SOCKS_MAX, [CONN_RELAYED] = NET_CONNS_MAX,
};

/* The class a listener's connections start in; -1 for datagram and log sockets. */
static int listener_class(const struct listener *li)
{
    if (li->host_side)
        return CONN_RELAYED;
    switch ((enum svc_kind)li->d.kind) {
    case SVC_DNS_TCP: return CONN_DNS_TCP;
    case SVC_HTTP_PROXY:
    case SVC_JVM_PROXY: return CONN_HTTP;
    case SVC_SOCKS_PROXY: return CONN_SOCKS;
    case SVC_INTERCEPT:
    case SVC_HOST_PORT: return CONN_RELAYED;
    case SVC_DNS_UDP:
    case SVC_NFLOG:
    case SVC_UDP_TPROXY:
    case SVC_UDP_RAW: break;
    }
    return -1;
}

static bool has_room(const struct net_services *ns, int c)
{
    return c < 0 || (ns->conns < NET_CONNS_MAX && ns->in_class[c] < class_max[c]);
}

bool net_services_admit(struct net_services *ns, enum conn_class c)
{
    if (!has_room(ns, (int)c))
        return false;
    ns->conns++;
    ns->in_class[c]++;
    return true;
}

/* A slot came free: listeners that stopped for want of one accept again. */
static void resume_listeners(struct net_services *ns)
{
    for (struct listener *li = ns->listeners; li; li = li->next)
        if (li->full && has_room(ns, listener_class(li))) {
            li->full = false;
            loop_mod(ns->loop, &li->w, EPOLLIN);
        }
}

void net_services_leave_class(struct net_services *ns, enum conn_class c)
{
    if (c != CONN_RELAYED && ns->in_class[c] > 0) {
        ns->in_class[c]--;
        ns->in_class[CONN_RELAYED]++;
        resume_listeners(ns);
    }
}

void net_services_release(struct net_services *ns, enum conn_class c)
{
    if (ns->in_class[c] > 0)
        ns->in_class[c]--;
    if (ns->conns > 0)
        ns->conns--;
    resume_listeners(ns);
}

void net_services_relay_done(void *ns)
{
    net_services_release(ns, CONN_RELAYED);
}

/* --- the DNS policy, for the filter and the resolver ---------------------- */

static enum dns_name_verdict check_name(void *ctx, const char *name)
{
    struct net_services *ns = ctx;
    struct verdict v;
    netpolicy_check_name(&ns->np, name, 0, PROTO_ANY, &v);
    return v.allowed ? DNS_NAME_ALLOW : DNS_NAME_DENY;
}

/* Addresses a name may never resolve to inside the sandbox (DNS
 * rebinding), whatever IPv6 spelling hides them. */
static bool addr_denied(void *ctx, int family, const uint8_t *bytes)
{
    (void)ctx;
    struct net_addr a = { .family = (sa_family_t)family };
    memcpy(a.b, bytes, family == AF_INET6 ? 16 : 4);
    return addr_is_special(&a);
}

void net_services_dns_ops(struct net_services *ns, struct dns_filter_ops *ops)
{
    *ops = (struct dns_filter_ops){ .check_name = check_name, .addr_denied = addr_denied,
                                    .ctx = ns, .ipv6_available = ns->v6_ok };
}

static void on_listener(struct loop_watch *w, uint32_t events)
{
    struct listener *li = w->data;
    struct net_services *ns = li->ns;
    (void)events;
    int r = 0, c = listener_class(li);
    if (!has_room(ns, c)) { /* the connection waits in the backlog for a free slot */
        li->full = true;
        loop_mod(ns->loop, w, 0);
        return;
    }
    if (li->host_side) {
        r = forward_expose_accept(ns, w->fd, li->d.port);
    } else {
        switch ((enum svc_kind)li->d.kind) {
        case SVC_DNS_UDP: r = dns_server_udp(ns, w->fd); break;
        case SVC_DNS_TCP: r = dns_server_tcp_accept(ns, w->fd); break;
        case SVC_HTTP_PROXY: r = proxy_http_accept(ns, w->fd, true); break;
        case SVC_JVM_PROXY: r = proxy_http_accept(ns, w->fd, false); break;
        case SVC_INTERCEPT:
            r = intercept_accept(ns, w->fd, li->d.family == 6 ? AF_INET6 : AF_INET);
            break;
        case SVC_SOCKS_PROXY: r = proxy_socks_accept(ns, w->fd); break;
        case SVC_HOST_PORT:
            r = forward_host_port_accept(ns, w->fd, li->d.family == 6 ? AF_INET6 : AF_INET,
                                         li->d.port);
            break;
        case SVC_NFLOG: r = read_nflog(ns, w->fd); break;
        case SVC_UDP_TPROXY: r = udp_relay_read(ns->udp, w->fd); break;
        case SVC_UDP_RAW: break; /* adopted by the relay (on_chan), never a listener */
        }
    }
    /* Out of descriptors or memory: the pending connection stays queued and
     * the listener stays readable, so pause it rather than spin. */
    if (r == -EMFILE || r == -ENFILE || r == -ENOMEM || r == -ENOBUFS) {
        loop_mod(ns->loop, w, 0);
        loop_timer_arm(ns->loop, &li->resume, LISTENER_PAUSE_MS);
    }
}

static int add_listener(struct net_services *ns, int fd, struct svc_desc d, bool host_side)
{
    struct listener *li = calloc(1, sizeof *li);
    if (!li) {
        close(fd);
        return -ENOMEM;
    }
    *li = (struct listener){ .w = { .fd = fd, .cb = on_listener, .data = li },
                             .resume = { .cb = on_resume, .data = li }, .d = d,
                             .host_side = host_side, .ns = ns, .next = ns->listeners };
    ns->listeners = li;
    return loop_add(ns->loop, &li->w, EPOLLIN);
}

static void on_chan(struct loop_watch *w, uint32_t events)
{
    struct net_services *ns = w->data;
    (void)events;
    if (!ns->have_listeners) {
        struct svc_desc desc[FDPASS_MAX];
        int fds[FDPASS_MAX];
        size_t n = 0;
        int r = sandbox_sockets_receive(w->fd, desc, fds, FDPASS_MAX, &n);
        if (r < 0) { /* the init died before handing them over: its report says why */
            loop_del(ns->loop, w);
            return;
        }
        ns->have_listeners = true;
        for (size_t i = 0; i < n; i++) {
            /* The relay's sockets come only in firewall mode, which has ns->udp. */
            if (desc[i].kind == SVC_UDP_RAW)
                udp_relay_adopt_raw(ns->udp, desc[i].family == 6 ? AF_INET6 : AF_INET, fds[i]);
            else
                add_listener(ns, fds[i], desc[i], false);
        }
        return;
    }
    int fd = -1;
    int r = sandbox_socket_receive(w->fd, &fd);
    if (r == -EPIPE || r == -ECONNRESET || r == -EPROTO) {
        loop_del(ns->loop, w);
        forward_expose_socket_ready(ns, -1, r);
        return;
    }
    forward_expose_socket_ready(ns, r < 0 ? -1 : fd, r);
}

static int open_expose_listeners(struct net_services *ns, struct moat_error *err)
{
    for (size_t i = 0; i < ns->p->net.n_expose; i++) {
        uint16_t port = ns->p->net.expose[i];
        int got = 0;
        for (int family = AF_INET; family != -1; family = family == AF_INET ? AF_INET6 : -1) {
            /* On the host's 127.0.0.1 and ::1. */
            int fd = loopback_listen(family, SOCK_STREAM, port);
            if (fd == -EAFNOSUPPORT || (family == AF_INET6 && fd == -EADDRNOTAVAIL))
                continue;
            if (fd < 0)
                return error_set_errno(err, fd, "network.expose: cannot listen on %s port %u",
                                       family == AF_INET6 ? "[::1]" : "127.0.0.1", (unsigned)port);
            struct svc_desc d = { .kind = 0, .family = family == AF_INET6 ? 6 : 4, .port = port };
            if (add_listener(ns, fd, d, true) < 0)
                return error_set(err, -ENOMEM, "out of memory");
            got++;
        }
        if (!got)
            return error_set(err, -EADDRNOTAVAIL, "network.expose: no loopback address for port %u",
                             (unsigned)port);
    }
    return 0;
}

int net_services_new(struct loop *l, const struct moat_policy *p,
                     const struct net_services_config *cfg, struct net_services **out,
                     struct moat_error *err)
{
    struct net_services *ns = calloc(1, sizeof *ns);
    if (!ns)
        return error_set(err, -ENOMEM, "out of memory");
    ns->loop = l;
    ns->p = p;
    ns->chan = -1;
    int r = netpolicy_build(&p->net.allow, &p->net.deny, &ns->np, err);
    if (r < 0)
        goto fail;
    ns->v4_ok = dns_upstream_family_usable(AF_INET);
    ns->v6_ok = dns_upstream_family_usable(AF_INET6);
    if (!(ns->dns_ops = malloc(sizeof *ns->dns_ops))) {
        r = error_set(err, -ENOMEM, "out of memory");
        goto fail;
    }
    net_services_dns_ops(ns, ns->dns_ops);
    if (p->net.mode == MOAT_NET_FIREWALL &&
        (!(ns->fake = fakeip_new(p->debug_fakeip_lifetime_s ? p->debug_fakeip_lifetime_s
                                                            : FAKEIP_FLOOR_S)) ||
         !(ns->udp = udp_relay_new(ns)))) {
        r = error_set(err, -ENOMEM, "out of memory");
        goto fail;
    }
    if ((r = dns_upstream_new(l, "/etc/resolv.conf", &ns->up, err)) < 0)
        goto fail;
    if (!(ns->answers = answer_cache_new())) {
        r = error_set(err, -ENOMEM, "out of memory");
        goto fail;
    }
    uint8_t raw[16];
    if (getrandom(raw, sizeof raw, 0) != sizeof raw) {
        r = error_set_errno(err, -EIO, "cannot draw the proxy credential");
        goto fail;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(ns->token + 2 * i, 3, "%02x", raw[i]);
    if (cfg->log_path && (r = vlog_open(cfg->log_path, p, &ns->log.file, err)) < 0)
        goto fail;
    ns->log.fn = cfg->fn;
    ns->log.ctx = cfg->ctx;
    ns->proxy_style = cfg->proxy_style;
    snprintf(ns->proxy_user, sizeof ns->proxy_user, "%s",
             cfg->proxy_user && *cfg->proxy_user ? cfg->proxy_user : PROXY_USER);
    /* It goes into URLs and a shell-quoted ProxyCommand: letters, digits and base64's. */
    if (strspn(ns->proxy_user, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789._~+/=-") != strlen(ns->proxy_user) ||
        ns->proxy_user[0] == '.' || (cfg->proxy_user && strlen(cfg->proxy_user) > 255)) {
        r = error_set(err, -EINVAL, "proxy user name \"%s\": only letters, digits and "
                      "\"._~+/=-\", at most 255 bytes, not starting with '.'", ns->proxy_user);
        goto fail;
    }
    snprintf(ns->proxy_base, sizeof ns->proxy_base, "%.*s",
             (int)strcspn(ns->proxy_user, "."), ns->proxy_user);
    if ((r = open_expose_listeners(ns, err)) < 0)
        goto fail;
    *out = ns;
    return 0;
fail:
    net_services_free(ns);
    return r;
}

int net_services_listen_host(struct net_services *ns, uint16_t *http, uint16_t *socks,
                             struct moat_error *err)
{
    const enum svc_kind kinds[] = { SVC_HTTP_PROXY, SVC_SOCKS_PROXY };
    uint16_t *ports[] = { &ns->host_http_port, &ns->host_socks_port };
    for (size_t i = 0; i < 2; i++) {
        int fd = loopback_listen(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        if (fd < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
            int e = fd < 0 ? fd : -errno;
            if (fd >= 0)
                close(fd);
            return error_set_errno(err, e, "cannot listen on the host's 127.0.0.1 for the proxy");
        }
        *ports[i] = ntohs(sa.sin_port);
        struct svc_desc d = { .kind = (uint8_t)kinds[i], .family = 4, .port = *ports[i] };
        if (add_listener(ns, fd, d, false) < 0)
            return error_set(err, -ENOMEM, "out of memory");
    }
    ns->have_listeners = true;
    *http = ns->host_http_port;
    *socks = ns->host_socks_port;
    return 0;
}

int net_services_attach(struct net_services *ns, int chan, pid_t init_pid, char *const argv[])
{
    /* ns owns chan from here on (-1: landlock isolation has none). */
    ns->chan = chan;
    ns->log.pid = init_pid;
    size_t off = 0;
    for (char *const *a = argv; *a && off < sizeof ns->log.command - 1; a++)
        off += (size_t)snprintf(ns->log.command + off, sizeof ns->log.command - off, "%s%s",
                                a == argv ? "" : " ", *a);
    if (chan < 0)
        return 0;
    ns->chan_w = (struct loop_watch){ .fd = chan, .cb = on_chan, .data = ns };
    return loop_add(ns->loop, &ns->chan_w, EPOLLIN);
}

void net_services_drain(struct net_services *ns)
{
    for (struct listener *li = ns ? ns->listeners : NULL; li; li = li->next)
        if (!li->host_side && li->d.kind == SVC_NFLOG)
            read_nflog(ns, li->w.fd);
}

void net_services_free(struct net_services *ns)
{
    if (!ns)
        return;
    while (ns->listeners) {
        struct listener *li = ns->listeners;
        ns->listeners = li->next;
        loop_timer_disarm(ns->loop, &li->resume);
        loop_del(ns->loop, &li->w);
        close(li->w.fd);
        free(li);
    }
    udp_relay_free(ns->udp);
    if (ns->chan >= 0) {
        loop_del(ns->loop, &ns->chan_w);
        close(ns->chan);
    }
    dns_upstream_free(ns->up);
    answer_cache_free(ns->answers);
    netpolicy_free(&ns->np);
    free(ns->dns_ops);
    fakeip_free(ns->fake);
    if (ns->log.file)
        fclose(ns->log.file);
    free(ns);
}

int net_services_env(const struct net_services *ns, struct moat_strv *env)
{
    if (ns->p->net.mode != MOAT_NET_PROXY && ns->p->net.mode != MOAT_NET_FIREWALL)
        return 0;
    if (ns->host_http_port)
        return proxy_env_add_ports(env, ns->proxy_user, ns->token, ns->host_http_port,
                                   ns->host_socks_port, 0);
    return proxy_env_add(env, ns->proxy_user, ns->token);
}
