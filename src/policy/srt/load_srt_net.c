/* srt's network section: its domain patterns (validated as srt validates
 * them, then written as moat rules), the keys moat enforces (local binding,
 * unix sockets, resolved-address denies), external proxies (a port of the
 * host's loopback), the keys it refuses (TLS termination, MITM and parent
 * proxies, request filters, header stripping) and the network mode.  Never
 * resolves a name, prints or exits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/rules/addr.h"
#include "net/sandbox_sockets.h"
#include "policy/policy.h"
#include "policy/srt/srt.h"
#include "util/strv.h"

/* ---- srt's domain patterns (its domain-pattern.ts, as published) ------- */

struct srt_pattern {
    char host[300]; /* without brackets; an IPv6 literal compressed */
    unsigned port;  /* 0: every port */
    bool ipv6;
};

/* "host", "host:port", "[v6]", "[v6]:port"; a zone id is dropped, as srt
 * drops it.  false when the text does not split (srt keeps it whole, and
 * then refuses it). */
static bool pattern_split(const char *text, struct srt_pattern *out)
{
    *out = (struct srt_pattern){0};
    const char *port = NULL;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || (size_t)(close - text - 1) >= sizeof out->host)
            return false;
        snprintf(out->host, sizeof out->host, "%.*s", (int)(close - text - 1), text + 1);
        char *zone = strchr(out->host, '%');
        if (zone)
            *zone = '\0';
        struct net_addr a;
        if (addr_parse(out->host, &a) < 0 || a.family != AF_INET6)
            return false;
        out->ipv6 = true;
        if (close[1] == '\0')
            return true;
        if (close[1] != ':')
            return false;
        port = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon && strchr(text, ':') != colon)
            return false; /* two colons without brackets: ambiguous, refused */
        size_t n = colon ? (size_t)(colon - text) : strlen(text);
        if (n >= sizeof out->host)
            return false;
        snprintf(out->host, sizeof out->host, "%.*s", (int)n, text);
        if (!colon)
            return true;
        port = colon + 1;
    }
    /* 1-65535, no leading zero */
    size_t digits = strspn(port, "0123456789");
    if (digits == 0 || digits > 5 || port[digits] || port[0] == '0')
        return false;
    out->port = (unsigned)atoi(port);
    return out->port <= 65535;
}

/* isValidDomainPattern: a name with a dot, "localhost", "*.x.y", or a
 * bracketed IPv6 literal; never a scheme, path or bare "*". */
static bool host_valid(const struct srt_pattern *p)
{
    const char *h = p->host;
    if (p->ipv6)
        return true;
    if (strstr(h, "://") || strchr(h, '/') || strchr(h, ':'))
        return false;
    if (strcmp(h, "localhost") == 0)
        return true;
    if (strncmp(h, "*.", 2) == 0) {
        const char *d = h + 2;
        if (!strchr(d, '.') || d[0] == '.' || d[strlen(d) - 1] == '.' || strstr(d, ".."))
            return false;
        return !strchr(d, '*');
    }
    if (strchr(h, '*'))
        return false;
    return strchr(h, '.') && h[0] != '.' && h[strlen(h) - 1] != '.';
}

#define PATTERN_HELP                                                                          \
    "a domain (\"example.com\"), a wildcard (\"*.example.com\") or a bracketed IPv6 literal " \
    "(\"[::1]\", \"[2001:db8::1]:443\"), with an optional \":port\" (1-65535); patterns as "  \
    "broad as \"*.com\" or \"*\" are refused"

/* The moat rule for a pattern: the same text, an IPv6 literal bracketed. */
static void pattern_rule(const struct srt_pattern *p, char *buf, size_t size)
{
    if (p->ipv6)
        snprintf(buf, size, p->port ? "[%s]:%u" : "%s", p->host, p->port);
    else
        snprintf(buf, size, p->port ? "%s:%u" : "%s", p->host, p->port);
}

static bool is_loopback(const struct srt_pattern *p)
{
    size_t n = strlen(p->host);
    if (strcasecmp(p->host, "localhost") == 0 ||
        (n > 10 && strcasecmp(p->host + n - 10, ".localhost") == 0))
        return true;
    struct net_addr a;
    return addr_parse(p->host, &a) == 0 && addr_classify(&a) == ADDR_LOOPBACK;
}

/* moat's own listeners inside the sandbox, which a host port must not take. */
static bool port_is_moats(unsigned port)
{
    return port == MOAT_HTTP_PROXY_PORT || port == MOAT_JVM_PROXY_PORT ||
           port == MOAT_SOCKS_PROXY_PORT || port == MOAT_DNS_PORT || port == 3130 ||
           port == 3131;
}

static int add_rule(struct srt_ctx *c, struct moat_strv *list, const struct srt_pattern *p)
{
    char rule[320];
    pattern_rule(p, rule, sizeof rule);
    if (strv_contains(list, rule))
        return 0;
    const char *why = policy_net_rule_problem(rule);
    if (why)
        return srt_fail(c, JSON_LOCATE_VALUE, "%s", why);
    return strv_push(list, rule) < 0 ? srt_oom(c) : 0;
}

static int map_allowed_entry(struct srt_ctx *c, const json_t *e)
{
    int r = srt_want_string(c, e, false);
    if (r < 0)
        return r;
    struct srt_pattern p;
    if (!pattern_split(json_string_value(e), &p) || !host_valid(&p))
        return srt_fail(c, JSON_LOCATE_VALUE, "invalid domain pattern: expected " PATTERN_HELP);
    if (!is_loopback(&p))
        return add_rule(c, &c->s->policy->net.allow, &p);
    /* srt's proxy dials the host's own loopback for these. */
    if (!p.port)
        return srt_warn(c, "left out: the host's loopback is reachable through moat only on "
                           "listed ports (write \"%s%s%s:PORT\"); the command's own loopback "
                           "is always its own", p.ipv6 ? "[" : "", p.host, p.ipv6 ? "]" : "");
    if (policy_add_port(&c->s->policy->net.host_ports, &c->s->policy->net.n_host_ports,
                        (uint16_t)p.port) < 0)
        return srt_oom(c);
    return srt_note(c, "the host's loopback port %u: the command reaches it at 127.0.0.1:%u "
                       "and [::1]:%u (moat's hostPorts), not through the proxy",
                    p.port, p.port, p.port);
}

static int map_denied_entry(struct srt_ctx *c, const json_t *e)
{
    int r = srt_want_string(c, e, false);
    if (r < 0)
        return r;
    struct srt_pattern p;
    if (!pattern_split(json_string_value(e), &p) ||
        (strcmp(p.host, "*") != 0 && !host_valid(&p)))
        return srt_fail(c, JSON_LOCATE_VALUE, "invalid domain pattern: expected " PATTERN_HELP
                        " (here a bare \"*\" or \"*:port\" denies every host)");
    return add_rule(c, &c->s->policy->net.deny, &p);
}

static int map_allowed(struct srt_ctx *c, const json_t *v)
{
    return srt_want_array(c, v, map_allowed_entry);
}

static int map_denied(struct srt_ctx *c, const json_t *v)
{
    return srt_want_array(c, v, map_denied_entry);
}

static int map_denied_reasons(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_string_record(c, v, true);
    return r < 0 || json_object_size(v) == 0
               ? r
               : srt_warn(c, "not shown: a denied request is answered with srt's \"Connection "
                             "blocked by network allowlist\", and moat's violation log names "
                             "the deny rule that refused it");
}

static int map_strict(struct srt_ctx *c, const json_t *v)
{
    return srt_want_bool(c, v); /* moat never asks: what is not allowed is denied */
}

static int map_resolved_entry(struct srt_ctx *c, const json_t *e)
{
    int r = srt_want_string(c, e, false);
    if (r < 0)
        return r;
    struct net_cidr cidr;
    const char *why = NULL;
    if (cidr_parse_explain(json_string_value(e), &cidr, &why) < 0)
        return srt_fail(c, JSON_LOCATE_VALUE, "invalid IP address or CIDR range (%s); use an "
                        "IPv4/IPv6 literal or CIDR, e.g. \"10.0.0.0/8\", \"fc00::/7\"",
                        why ? why : "not an address");
    char rule[INET6_ADDRSTRLEN + 8];
    if (cidr_format(&cidr, rule, sizeof rule) < 0)
        return srt_oom(c);
    if (!strv_contains(&c->s->policy->net.deny, rule) &&
        strv_push(&c->s->policy->net.deny, rule) < 0)
        return srt_oom(c);
    return 0;
}

static int map_resolved(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_array(c, v, map_resolved_entry);
    return r < 0 || json_array_size(v) == 0
               ? r
               : srt_note(c, "deny rules: a name resolving into them is refused, as in srt, "
                             "and so are the addresses themselves, even when allowedDomains "
                             "lists one (srt lets an allowed literal through)");
}

static int map_unix_entry(struct srt_ctx *c, const json_t *e)
{
    int r = srt_want_string(c, e, false);
    if (r < 0)
        return r;
    char *norm = NULL;
    if ((r = srt_path_normalize(c, json_string_value(e), &norm)) < 0)
        return r;
    return strv_push_owned(&c->s->policy->net.unix_sockets, norm) < 0 ? srt_oom(c) : 0;
}

static int map_unix_sockets(struct srt_ctx *c, const json_t *v)
{
    return srt_want_array(c, v, map_unix_entry);
}

static int map_all_unix(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    if (r == 0)
        c->s->policy->net.allow_unix_sockets = json_is_true(v);
    return r;
}

static int map_local_binding(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    if (r == 0)
        c->s->policy->net.allow_local_binding = json_is_true(v);
    return r;
}

static int map_mach_entry(struct srt_ctx *c, const json_t *e)
{
    int r = srt_want_string(c, e, false);
    if (r < 0)
        return r;
    const char *s = json_string_value(e);
    const char *star = strchr(s, '*');
    if (star && star[1] != '\0')
        return srt_fail(c, JSON_LOCATE_VALUE, "wildcards are only allowed as a single "
                        "trailing \"*\" (e.g. \"com.example.*\" or \"*\")");
    return 0;
}

static int map_mach(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_array(c, v, map_mach_entry);
    return r < 0 ? r : srt_note(c, "macOS only (XPC services); nothing to do on Linux, as in srt");
}

static int map_proxy_port(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_int(c, v, 1, 65535);
    if (r < 0)
        return r;
    unsigned port = (unsigned)json_number_value(v);
    bool http = strcmp(c->w.path[c->w.depth - 1].key, "httpProxyPort") == 0;
    if (http)
        c->http_proxy_port = port;
    else
        c->socks_proxy_port = port;
    return srt_note(c, "an external %s proxy on the host's loopback port %u: the command "
                       "reaches that port (and no other of the host) at 127.0.0.1:%u, and %s "
                       "point%s there; that proxy does its own filtering, as with srt",
                    http ? "HTTP" : "SOCKS", port, port,
                    http ? "HTTP_PROXY, HTTPS_PROXY and GRPC_PROXY" : "ALL_PROXY",
                    http ? "" : "s");
}

/* Keys that change what leaves the machine, or how: not supported. */
static int refuse_key(struct srt_ctx *c, const char *why)
{
    return srt_fail(c, JSON_LOCATE_KEY, "not supported: %s", why);
}

static int map_tls(struct srt_ctx *c, const json_t *v)
{
    (void)v;
    return refuse_key(c, "moat does not terminate TLS (its proxies pass encrypted bytes "
                         "through untouched); remove it");
}

static int map_mitm(struct srt_ctx *c, const json_t *v)
{
    (void)v;
    return refuse_key(c, "moat does not route requests through another proxy's unix socket");
}

static int map_parent(struct srt_ctx *c, const json_t *v)
{
    (void)v;
    return refuse_key(c, "moat's proxies connect directly; they cannot chain through an "
                         "upstream proxy");
}

static int map_filter(struct srt_ctx *c, const json_t *v)
{
    (void)v;
    return refuse_key(c, "a library callback (a function), which a settings file cannot hold "
                         "(srt refuses it here too)");
}

static int map_opaque(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    return r < 0 || !json_is_true(v)
               ? r
               : refuse_key(c, "true would refuse every HTTPS request and every SOCKS "
                               "connection: moat cannot look inside a tunnel (no TLS "
                               "termination)");
}

static int map_strip(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_strings(c, v, true);
    return r < 0 || json_array_size(v) == 0
               ? r
               : refuse_key(c, "moat passes responses through unchanged; it cannot remove "
                               "headers from them");
}

static int map_host_match(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    return r < 0 || !json_is_true(v)
               ? r
               : srt_warn(c, "partly: moat rewrites every plain-HTTP request's Host to its "
                             "URL's authority, so the two always match; a TLS server name is "
                             "checked only on connections firewall mode intercepts (moat's "
                             "networkMode), not inside a CONNECT tunnel, and nothing is "
                             "answered 421");
}

static int map_inert_bool(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    return r < 0 || !json_is_true(v)
               ? r
               : srt_note(c, "inert: it applies only with filterRequest (a library callback)");
}

static int map_ambiguous(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_string(c, v, false);
    if (r < 0)
        return r;
    const char *s = json_string_value(v);
    if (strcmp(s, "refuse") != 0 && strcmp(s, "asSpelled") != 0 && strcmp(s, "normalize") != 0)
        return srt_fail(c, JSON_LOCATE_VALUE, "expected \"refuse\", \"asSpelled\" or "
                        "\"normalize\"");
    return srt_note(c, "inert: it applies only with filterRequest (a library callback)");
}

int srt_map_network(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"allowedDomains", true, map_allowed},
        {"deniedDomains", true, map_denied},
        {"deniedDomainReasons", false, map_denied_reasons},
        {"strictAllowlist", false, map_strict},
        {"deniedResolvedAddresses", false, map_resolved},
        {"allowUnixSockets", false, map_unix_sockets},
        {"allowAllUnixSockets", false, map_all_unix},
        {"allowLocalBinding", false, map_local_binding},
        {"allowMachLookup", false, map_mach},
        {"httpProxyPort", false, map_proxy_port},
        {"socksProxyPort", false, map_proxy_port},
        {"mitmProxy", false, map_mitm},
        {"filterRequest", false, map_filter},
        {"allowPlaintextHeaderSet", false, map_inert_bool},
        {"stripResponseHeaders", false, map_strip},
        {"refuseOpaqueTunnels", false, map_opaque},
        {"requireHostMatch", false, map_host_match},
        {"ambiguousRequestTarget", false, map_ambiguous},
        {"tlsTerminate", false, map_tls},
        {"parentProxy", false, map_parent},
        {NULL, false, NULL},
    };
    return srt_walk(c, v, keys);
}

/* ---- credentials' injectHosts, checked as srt checks them -------------- */

static bool pattern_matches(const char *host, const char *pattern)
{
    if (strcmp(pattern, "*") == 0)
        return true;
    if (strncmp(pattern, "*.", 2) == 0) {
        size_t h = strlen(host), b = strlen(pattern + 1);
        return h > b && strcasecmp(host + h - b, pattern + 1) == 0;
    }
    return strcasecmp(host, pattern) == 0;
}

/* Is every host an injectHosts entry can name allowed by allowedDomains
 * (ports ignored)? */
static bool inject_host_covered(const char *inject, const json_t *allowed)
{
    size_t i;
    const json_t *e;
    json_array_foreach(allowed, i, e) {
        struct srt_pattern p;
        if (!json_is_string(e) || !pattern_split(json_string_value(e), &p))
            continue;
        if (strncmp(inject, "*.", 2) != 0) {
            if (pattern_matches(inject, p.host))
                return true;
        } else if (strncmp(p.host, "*.", 2) == 0) {
            const char *ib = inject + 2, *ab = p.host + 2;
            size_t il = strlen(ib), al = strlen(ab);
            if (strcasecmp(ib, ab) == 0 ||
                (il > al && ib[il - al - 1] == '.' && strcasecmp(ib + il - al, ab) == 0))
                return true;
        }
    }
    return false;
}

static int check_inject_hosts(struct srt_ctx *c)
{
    const json_t *creds = json_object_get(c->root, "credentials");
    const json_t *allowed = json_object_get(json_object_get(c->root, "network"),
                                            "allowedDomains");
    static const char *const lists[] = {"files", "envVars"};
    for (size_t l = 0; l < 2 && creds; l++) {
        const json_t *list = json_object_get(creds, lists[l]);
        size_t i;
        const json_t *e;
        json_array_foreach(list, i, e) {
            const json_t *hosts = json_object_get(e, "injectHosts");
            size_t j;
            const json_t *h;
            json_array_foreach(hosts, j, h) {
                if (inject_host_covered(json_string_value(h), allowed))
                    continue;
                const char *path[] = {"credentials", lists[l]};
                for (size_t k = 0; k < 2; k++)
                    json_where_push_key(&c->w, path[k]);
                json_where_push_index(&c->w, i);
                json_where_push_key(&c->w, "injectHosts");
                json_where_push_index(&c->w, j);
                return srt_fail(c, JSON_LOCATE_VALUE,
                                "\"%s\" is not reachable via network.allowedDomains; add it "
                                "(or a covering wildcard) there, or remove it here",
                                json_string_value(h));
            }
        }
    }
    return 0;
}

/* ---- after the walk ---------------------------------------------------- */

static int set_proxy_vars(struct srt_ctx *c, const char *const *names, const char *url)
{
    for (const char *const *n = names; *n; n++)
        if (policy_set_env(c->s->policy, *n, url) < 0)
            return srt_oom(c);
    return 0;
}

int srt_finish_network(struct srt_ctx *c)
{
    int r = check_inject_hosts(c);
    if (r < 0)
        return r;
    struct moat_policy *p = c->s->policy;
    /* srt's command reaches the network only through its proxies, and only
     * when something is allowed. */
    p->net.mode = p->net.allow.n == 0 ? MOAT_NET_NONE
                  : c->want_firewall  ? MOAT_NET_FIREWALL
                                      : MOAT_NET_PROXY;
    if (p->net.allow_unix_sockets && p->net.unix_sockets.n) {
        /* srt: allowAllUnixSockets switches the filter off, list or not. */
        strv_free(&p->net.unix_sockets);
        json_where_push_key(&c->w, "network");
        json_where_push_key(&c->w, "allowUnixSockets");
        r = srt_note(c, "superseded by allowAllUnixSockets, which allows every unix socket");
        json_where_pop(&c->w);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    unsigned ports[] = {c->http_proxy_port, c->socks_proxy_port};
    for (size_t i = 0; i < 2; i++)
        if (ports[i] && policy_add_port(&p->net.host_ports, &p->net.n_host_ports,
                                        (uint16_t)ports[i]) < 0)
            return srt_oom(c);
    if (p->net.mode != MOAT_NET_NONE) {
        for (size_t i = 0; i < p->net.n_host_ports; i++) {
            if (!port_is_moats(p->net.host_ports[i]))
                continue;
            json_where_push_key(&c->w, "network");
            r = srt_fail(c, JSON_LOCATE_KEY, "the host's port %u would take the place of one "
                         "of moat's own services inside the sandbox (DNS 53, SOCKS 1080, HTTP "
                         "3128-3131); pick another port", (unsigned)p->net.host_ports[i]);
            json_where_pop(&c->w);
            return r;
        }
        /* git sends the credential up front instead of waiting for a 407. */
        if (policy_set_env(p, "GIT_CONFIG_PARAMETERS", "'http.proxyAuthMethod=basic'") < 0)
            return srt_oom(c);
    }
    char url[64];
    if (c->http_proxy_port) {
        static const char *const names[] = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                                            "https_proxy", "GRPC_PROXY", "grpc_proxy", NULL};
        snprintf(url, sizeof url, "http://127.0.0.1:%u", c->http_proxy_port);
        if ((r = set_proxy_vars(c, names, url)) < 0)
            return r;
    }
    if (c->socks_proxy_port) {
        static const char *const names[] = {"ALL_PROXY", "all_proxy", NULL};
        snprintf(url, sizeof url, "socks5h://127.0.0.1:%u", c->socks_proxy_port);
        if ((r = set_proxy_vars(c, names, url)) < 0)
            return r;
    }
    if (c->http_proxy_port || c->socks_proxy_port) {
        static const char *const names[] = {"NO_PROXY", "no_proxy", NULL};
        if ((r = set_proxy_vars(c, names, "localhost,127.0.0.1,::1")) < 0)
            return r;
    }
    return 0;
}
