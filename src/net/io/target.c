/* Policy-checked outbound connections; see target.h. */
#include "net/io/target.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/rules/addr.h"
#include "net/io/dial.h"
#include "net/dns/resolver.h"

struct target {
    struct net_services *ns;
    struct authority a;
    int family;
    enum rule_proto proto; /* PROTO_TCP, or PROTO_UDP (firewall mode's relay) */
    char written[300];
    char attribution[256]; /* the command the proxy credential names, or "" */
    struct resolve *resolve;
    struct dial *dial;
    target_cb cb;
    void *ctx;
};

static void finish(struct target *t, int fd, int err, const char *reason)
{
    target_cb cb = t->cb;
    void *ctx = t->ctx;
    free(t);
    if (cb)
        cb(ctx, fd, err, reason);
}

static void deny(struct target *t, const char *canonical, const char *reason)
{
    vlog_denial_by(&t->ns->log, t->proto == PROTO_UDP ? "udp" : "connect", t->written,
                   canonical, t->a.port, reason, t->attribution);
    finish(t, -1, -EACCES, reason);
}

static void on_dialed(void *ctx, int fd, int err)
{
    struct target *t = ctx;
    t->dial = NULL;
    finish(t, fd, err, NULL);
}

/* UDP has no handshake to race: the first usable address is the peer. */
static void connect_udp(struct target *t, const struct sockaddr_storage *ss)
{
    int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in);
    if (fd >= 0 && connect(fd, (const struct sockaddr *)ss, len) == 0) {
        finish(t, fd, 0, NULL);
        return;
    }
    int err = -errno;
    if (fd >= 0)
        close(fd);
    finish(t, -1, err, NULL);
}

/* The family the host side cannot reach (no route: dns_upstream_family_usable), or NULL. */
static const char *family_missing(const struct net_services *ns)
{
    return !ns->v4_ok ? "IPv4" : !ns->v6_ok ? "IPv6" : NULL;
}

/* Nothing to dial in a family the host reaches: not a policy matter, but the person must
 * learn why (firewall mode's workload sees only a reset), so it is logged as well. */
static void unreachable(struct target *t, const char *canonical, const char *what)
{
    char reason[300];
    snprintf(reason, sizeof reason, "%s, and the host side has no %s route", what,
             family_missing(t->ns) ? family_missing(t->ns) : "such");
    vlog_denial_by(&t->ns->log, t->proto == PROTO_UDP ? "udp" : "connect", t->written,
                   canonical, t->a.port, reason, t->attribution);
    finish(t, -1, -ENETUNREACH, reason);
}

/* Judge each address; any in a denied class refuses the whole name. */
static void connect_checked(struct target *t, const struct net_addr *addrs, size_t n,
                            const char *hostname)
{
    struct sockaddr_storage ss[DIAL_MAX_ADDRS];
    size_t k = 0;
    char canon[INET6_ADDRSTRLEN + 8] = "";
    struct verdict v = { .allowed = false, .reason = "no address" };
    for (size_t i = 0; i < n; i++) {
        struct net_addr c;
        addr_canonical(&addrs[i], &c);
        addr_format(&c, canon, sizeof canon);
        netpolicy_check_addr(&t->ns->np, &c, t->a.port, t->proto, hostname, &v);
        if (!v.allowed) {
            if (hostname && addr_is_special(&c)) {
                char reason[400];
                snprintf(reason, sizeof reason, "%s resolves to a %s address (%s)", hostname,
                         addr_class_name(addr_classify(&c)), canon);
                deny(t, canon, reason);
                return;
            }
            continue;
        }
        bool usable = c.family == AF_INET6 ? t->ns->v6_ok : t->ns->v4_ok;
        if (usable && k < DIAL_MAX_ADDRS)
            addr_to_sockaddr(&c, t->a.port, &ss[k++]);
    }
    if (k == 0) {
        if (!v.allowed) {
            deny(t, canon[0] ? canon : NULL, v.reason);
            return;
        }
        char what[80];
        snprintf(what, sizeof what, "%s %s address%s", hostname ? "only" : "an",
                 family_missing(t->ns) ? family_missing(t->ns) : "unusable", hostname ? "es" : "");
        unreachable(t, canon[0] ? canon : NULL, what);
        return;
    }
    /* The family the workload chose first (firewall mode), the other one only when the
     * name has no usable address in it: a dual-stack client falls back the same way, and
     * behind the interception socket it cannot fall back on its own. */
    if (t->family != AF_UNSPEC) {
        size_t preferred = 0;
        for (size_t i = 0; i < k; i++)
            if (ss[i].ss_family == t->family)
                ss[preferred++] = ss[i];
        if (preferred)
            k = preferred;
    }
    if (t->proto == PROTO_UDP) {
        connect_udp(t, &ss[0]);
        return;
    }
    if (dial_start(t->ns->loop, ss, k, on_dialed, t, &t->dial) < 0)
        finish(t, -1, -ENOMEM, NULL);
}

static void on_resolved(void *ctx, const struct net_addr *addrs, size_t n, int err,
                        const char *why)
{
    struct target *t = ctx;
    t->resolve = NULL;
    if (err == -EACCES) {
        char reason[400];
        snprintf(reason, sizeof reason, "%s: %s", t->a.host, why ? why : "refused by the DNS filter");
        deny(t, NULL, reason);
        return;
    }
    if ((err == -ENOENT || n == 0) && family_missing(t->ns)) {
        /* The missing family was not even asked: the name may have addresses there. */
        unreachable(t, NULL, family_missing(t->ns)[3] == '4' ? "no IPv6 address (IPv4 was not asked)"
                                                             : "no IPv4 address (IPv6 was not asked)");
        return;
    }
    if (err < 0 || n == 0) {
        char reason[320];
        bool failed = err < 0 && err != -ENOENT;
        const char *upstream = why ? why : strerror(-err);
        snprintf(reason, sizeof reason, "%s%s", failed ? "the name's lookups failed: " : "",
                 failed ? upstream : "no such name, or no address");
        if (failed) /* said on moat's side too, as the DNS filter says its own */
            vlog_denial(&t->ns->log, "dns-failure", t->a.host, NULL, 53, upstream);
        finish(t, -1, err < 0 ? err : -ENOENT, reason);
        return;
    }
    connect_checked(t, addrs, n, t->a.host);
}

static int open_target(struct net_services *ns, const char *authority, int family,
                       enum rule_proto proto, const char *attribution, target_cb cb, void *ctx,
                       struct target **out)
{
    struct target *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    *t = (struct target){ .ns = ns, .cb = cb, .ctx = ctx, .family = family, .proto = proto };
    snprintf(t->written, sizeof t->written, "%s", authority);
    snprintf(t->attribution, sizeof t->attribution, "%s", attribution ? attribution : "");
    if (out)
        *out = t;
    if (authority_parse(authority, false, &t->a) < 0) {
        snprintf(t->a.host, sizeof t->a.host, "%s", authority);
        deny(t, NULL, "not a valid host:port");
        return 0;
    }
    if (t->a.is_ip) {
        connect_checked(t, &t->a.ip, 1, NULL);
        return 0;
    }
    struct verdict v;
    netpolicy_check_name(&ns->np, t->a.host, t->a.port, proto, &v);
    if (!v.allowed) {
        deny(t, NULL, v.reason);
        return 0;
    }
    /* Both families, whatever the workload connected with: one verdict for the name in
     * every mode (name_answer.h).  The family is a preference for the dial. */
    int r = resolve_start(ns->loop, ns->up, ns->dns_ops, ns->answers, t->a.host, ns->v4_ok, ns->v6_ok,
                          on_resolved, t, &t->resolve);
    if (r < 0)
        finish(t, -1, r, "cannot resolve");
    return 0;
}

int target_open(struct net_services *ns, const char *authority, int family, target_cb cb,
                void *ctx, struct target **out)
{
    return open_target(ns, authority, family, PROTO_TCP, NULL, cb, ctx, out);
}

int target_open_as(struct net_services *ns, const char *authority, int family,
                   const char *attribution, target_cb cb, void *ctx, struct target **out)
{
    return open_target(ns, authority, family, PROTO_TCP, attribution, cb, ctx, out);
}

int target_open_udp(struct net_services *ns, const char *authority, int family, target_cb cb,
                    void *ctx, struct target **out)
{
    return open_target(ns, authority, family, PROTO_UDP, NULL, cb, ctx, out);
}

void target_cancel(struct target *t)
{
    if (!t)
        return;
    t->cb = NULL;
    if (t->resolve) {
        resolve_cancel(t->resolve);
        t->resolve = NULL;
        free(t);
    } else if (t->dial) {
        dial_cancel(t->dial);
        t->dial = NULL;
        free(t);
    }
}
