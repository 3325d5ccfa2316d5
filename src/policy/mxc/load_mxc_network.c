/* mxc's network section, both shapes (legacy defaultPolicy/allowedHosts/
 * proxy, and 0.8's directional egress/ingress), and runtimeConfig: their
 * contract checks and their mapping onto one moat network policy (mode,
 * allow/deny rules, hostPorts, proxy variables).  docs/compat-mxc.md has
 * the table.  Never resolves a name, prints or exits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/rules/addr.h"
#include "net/rules/netrule.h"
#include "policy/mxc/mxc.h"
#include "policy/mxc/mxc_cidr.h"
#include "policy/policy.h"
#include "util/strv.h"

/* Rules one configuration may expand to (port ranges times blocks): a
 * guard against "1-65535" becoming 65535 nftables rules. */
#define MXC_MAX_RULES 1024
/* Blocks one "cidr except [...]" may leave. */
#define MXC_MAX_BLOCKS 256

static const char *const legacy_keys[] = {"defaultPolicy", "enforcementMode", "allowedHosts",
                                          "blockedHosts",  "allowLocalNetwork", "proxy", NULL};

/* ---- checks ------------------------------------------------------------------ */

static int check_host(struct mxc_ctx *c, const json_t *v, bool for_allow)
{
    struct net_rule rule;
    struct moat_error rerr = {0};
    if (netrule_parse(json_string_value(v), for_allow, &rule, &rerr) < 0)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE, "%s", rerr.msg);
    return 0;
}

static int check_allowed_host(struct mxc_ctx *c, const json_t *v)
{
    return check_host(c, v, true);
}

static int check_blocked_host(struct mxc_ctx *c, const json_t *v)
{
    return check_host(c, v, false);
}

/* Exactly one of localhost, builtinTestServer (true) and url. */
static int check_proxy(struct mxc_ctx *c, const json_t *v)
{
    static const struct mxc_field variants[] = {
        {.key = "localhost", .versions = MXC_ALL, .kind = MXC_UINT, .min = 1, .max = 65535},
        {.key = "builtinTestServer", .versions = MXC_ALL, .kind = MXC_BOOL},
        {.key = "url", .versions = MXC_ALL, .kind = MXC_STRING},
        {0},
    };
    int r = mxc_check_object(c, v, variants);
    if (r < 0)
        return r;
    if (json_object_size(v) != 1)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "give exactly one of localhost, builtinTestServer and url");
    const json_t *b = json_object_get(v, "builtinTestServer");
    if (b && !json_is_true(b)) {
        json_where_push_key(&c->w, "builtinTestServer");
        r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE, "must be true");
        json_where_pop(&c->w);
    }
    return r;
}

static int check_cidr_text(struct mxc_ctx *c, const json_t *v)
{
    struct net_cidr cidr;
    const char *why = NULL;
    if (cidr_parse_explain(json_string_value(v), &cidr, &why) == 0)
        return 0;
    char fix[80] = "";
    if (why && strstr(why, "host bits")) {
        char n[INET6_ADDRSTRLEN + 8];
        if (cidr_format(&cidr, n, sizeof n) == 0)
            snprintf(fix, sizeof fix, "; did you mean %s?", n);
    }
    if (!why || strcmp(why, "not an IP address or CIDR") == 0)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "not an IP address or CIDR (rules here take addresses; host names go "
                        "in the legacy allowedHosts, up to 0.8.0-alpha)");
    return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE, "%s%s", why, fix);
}

static int check_cidr_field(struct mxc_ctx *c, const json_t *v)
{
    const struct mxc_field f = {.kind = MXC_STRING};
    int r = mxc_check_value(c, &f, v);
    return r < 0 ? r : check_cidr_text(c, v);
}

static const char *const protocols[] = {"tcp", "udp", "icmp", "any", NULL};
static const char *const actions[] = {"allow", "deny", NULL};
static const char *const policies[] = {"allow", "block", NULL};
static const char *const enforcements[] = {"capabilities", "firewall", "both", NULL};

static const struct mxc_field peer_fields[] = {
    {.key = "cidr", .versions = MXC_ALL, .kind = MXC_CUSTOM, .required = true,
     .fn = check_cidr_field},
    {.key = "except", .versions = MXC_ALL, .kind = MXC_STRINGS, .fn = check_cidr_text},
    {0},
};
static const struct mxc_field port_fields[] = {
    {.key = "port", .versions = MXC_ALL, .kind = MXC_UINT, .min = 1, .max = 65535},
    {.key = "endPort", .versions = MXC_ALL, .kind = MXC_UINT, .min = 1, .max = 65535},
    {.key = "protocol", .versions = MXC_ALL, .kind = MXC_ENUM, .names = protocols},
    {0},
};
static const struct mxc_field rule_fields[] = {
    {.key = "to", .versions = MXC_ALL, .kind = MXC_OBJECTS, .nonempty = true, .sub = peer_fields},
    {.key = "ports", .versions = MXC_ALL, .kind = MXC_OBJECTS, .nonempty = true,
     .sub = port_fields},
    {0},
};
static const struct mxc_field egress_fields[] = {
    {.key = "default", .versions = MXC_ALL, .kind = MXC_ENUM, .names = actions},
    {.key = "allow", .versions = MXC_ALL, .kind = MXC_OBJECTS, .sub = rule_fields},
    {.key = "deny", .versions = MXC_ALL, .kind = MXC_OBJECTS, .sub = rule_fields},
    {0},
};
static const struct mxc_field ingress_fields[] = {
    {.key = "default", .versions = MXC_ALL, .kind = MXC_ENUM, .names = actions},
    {.key = "hostLoopback", .versions = MXC_ALL, .kind = MXC_ENUM, .names = actions},
    {0},
};

#define LEGACY MXC_UPTO(MXC_V08)
#define DIRECTIONAL MXC_FROM(MXC_V08)
const struct mxc_field mxc_network_fields[] = {
    {.key = "defaultPolicy", .versions = LEGACY, .kind = MXC_ENUM, .names = policies},
    {.key = "enforcementMode", .versions = LEGACY, .kind = MXC_ENUM, .names = enforcements},
    {.key = "allowedHosts", .versions = LEGACY, .kind = MXC_STRINGS, .fn = check_allowed_host},
    {.key = "blockedHosts", .versions = LEGACY, .kind = MXC_STRINGS, .fn = check_blocked_host},
    {.key = "allowLocalNetwork", .versions = LEGACY, .kind = MXC_BOOL},
    {.key = "proxy", .versions = LEGACY, .kind = MXC_CUSTOM, .fn = check_proxy},
    {.key = "egress", .versions = DIRECTIONAL, .kind = MXC_OBJECT, .sub = egress_fields},
    {.key = "ingress", .versions = DIRECTIONAL, .kind = MXC_OBJECT, .sub = ingress_fields},
    {0},
};

const struct mxc_field mxc_runtime_config_fields[] = {
    {.key = "networkProxy", .versions = MXC_ALL, .kind = MXC_STRING},
    {0},
};

/* ---- helpers ----------------------------------------------------------------- */

static const char *str_at(const json_t *o, const char *key, const char *dflt)
{
    const json_t *v = json_object_get(o, key);
    return v ? json_string_value(v) : dflt;
}

static int push_rule(struct mxc_ctx *c, struct moat_strv *list, const char *text)
{
    return strv_push(list, text) < 0 ? mxc_oom(c) : 0;
}

/* Every destination: every name, every IPv4 and every IPv6 address (the
 * address classes moat never opens by a broad rule stay closed). */
static int allow_everything(struct mxc_ctx *c, const char *scheme, uint16_t port)
{
    static const char *const targets[] = {"*", "0.0.0.0/0", "[::]/0"};
    struct moat_strv *allow = &c->req->policy->net.allow;
    for (size_t i = 0; i < 3; i++) {
        char rule[64];
        if (port)
            snprintf(rule, sizeof rule, "%s%s:%u", scheme, targets[i], port);
        else
            snprintf(rule, sizeof rule, "%s%s", scheme, i == 2 ? "::/0" : targets[i]);
        int r = push_rule(c, allow, rule);
        if (r < 0)
            return r;
    }
    return 0;
}

/* "localhost", "127.0.0.1", "::1", "127.0.0.0/8", "*.localhost": the
 * sandbox's own loopback in moat (never the host's). */
static bool names_loopback(const char *entry)
{
    struct net_rule rule;
    struct moat_error e = {0};
    if (netrule_parse(entry, true, &rule, &e) < 0)
        return false;
    if (rule.kind == RULE_HOST)
        return strcmp(rule.host.name, "localhost") == 0 ||
               (strlen(rule.host.name) > 10 &&
                strcmp(rule.host.name + strlen(rule.host.name) - 10, ".localhost") == 0);
    return cidr_within_class(&rule.cidr, ADDR_LOOPBACK);
}

/* Copy a host list into allow or deny; loopback entries of an allow list
 * are left out with a warning (a deny list keeps them: harmless, and they
 * keep "defaultPolicy allow" from becoming mode host, where the host's
 * loopback would be open).  *count says how many went in. */
static int copy_hosts(struct mxc_ctx *c, const json_t *net, const char *key,
                      struct moat_strv *into, size_t *count)
{
    bool skip_loopback = into == &c->req->policy->net.allow;
    const json_t *list = json_object_get(net, key);
    *count = 0;
    if (!list)
        return 0;
    json_where_push_key(&c->w, key);
    size_t i;
    const json_t *e;
    int r = 0;
    json_array_foreach(list, i, e) {
        const char *s = json_string_value(e);
        json_where_push_index(&c->w, i);
        if (skip_loopback && names_loopback(s))
            r = mxc_warn(c, "\"%s\" is left out: in moat the sandbox's own loopback is always "
                            "reachable and the host's never is (mxc 0.8 likewise reaches only "
                            "its own loopback)", s);
        else if ((r = push_rule(c, into, s)) == 0)
            (*count)++;
        json_where_pop(&c->w);
        if (r < 0)
            break;
    }
    json_where_pop(&c->w);
    return r;
}

struct proxy_url {
    char url[1024];
    struct authority auth; /* host and port */
    bool loopback;         /* exactly localhost, 127.0.0.1 or ::1 */
};

/* "http(s)://[user[:pass]@]host:port[/path]", the port required; *why on
 * failure (static text). */
static int parse_proxy_url(const char *s, struct proxy_url *out, const char **why)
{
    *out = (struct proxy_url){0};
    const char *rest;
    if (strncasecmp(s, "http://", 7) == 0)
        rest = s + 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        rest = s + 8;
    else
        return *why = "the scheme must be http or https", -EINVAL;
    size_t n = strcspn(rest, "/?#");
    char hostport[512];
    if (n >= sizeof hostport || strlen(s) >= sizeof out->url)
        return *why = "too long", -EINVAL;
    memcpy(hostport, rest, n);
    hostport[n] = '\0';
    const char *at = strrchr(hostport, '@');
    const char *hp = at ? at + 1 : hostport;
    if (authority_parse(hp, false, &out->auth) < 0)
        return *why = "expected http(s)://HOST:PORT (the port is required)", -EINVAL;
    struct net_addr v4lo, v6lo;
    addr_parse("127.0.0.1", &v4lo);
    addr_parse("::1", &v6lo);
    out->loopback = out->auth.is_ip ? addr_equal(&out->auth.ip, &v4lo) ||
                                          addr_equal(&out->auth.ip, &v6lo)
                                    : strcmp(out->auth.host, "localhost") == 0;
    /* Only these three are forwarded to the host (hostPorts); another
     * loopback address would name the sandbox's own loopback. */
    if (!out->loopback && out->auth.is_ip && addr_classify(&out->auth.ip) == ADDR_LOOPBACK)
        return *why = "on the loopback, the proxy must be localhost, 127.0.0.1 or [::1]",
               -EINVAL;
    snprintf(out->url, sizeof out->url, "%s", s);
    return 0;
}

/* The variables mxc sets for a proxy (HTTP, HTTPS, ALL and FTP, both
 * cases), replacing what process.env gave for them; NO_PROXY from
 * process.env is dropped, as mxc drops it. */
static int set_proxy_env(struct mxc_ctx *c, const char *url)
{
    static const char *const keys[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY",
                                       "http_proxy", "https_proxy", "all_proxy", "ftp_proxy"};
    struct moat_policy *p = c->req->policy;
    for (size_t i = 0; i < 8; i++)
        if (policy_set_env(p, keys[i], url) < 0)
            return mxc_oom(c);
    struct moat_strv *env = &p->proc.set_env;
    size_t o = 0;
    int r = 0;
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->v[i], "NO_PROXY=", 9) == 0 || strncmp(env->v[i], "no_proxy=", 9) == 0) {
            if (r == 0)
                r = mxc_warn(c, "%.8s from process.env is dropped while a proxy is set (as mxc "
                                "does)", env->v[i]);
            free(env->v[i]);
        } else {
            env->v[o++] = env->v[i];
        }
    }
    env->n = o;
    if (env->v)
        env->v[o] = NULL;
    return r;
}

/* Inbound: nothing outside the sandbox can connect in, except in mode
 * host; inside, binding is allowed as under mxc's Linux backends. */
static int map_local_binding(struct mxc_ctx *c, bool inbound)
{
    struct moat_policy *p = c->req->policy;
    if (p->net.mode == MOAT_NET_HOST) {
        p->net.allow_local_binding = inbound;
        return 0;
    }
    p->net.allow_local_binding = true;
    if (!inbound)
        return 0;
    return mxc_warn(c, "inbound connections are not possible: nothing outside the sandbox "
                       "can connect in with moat's network mode \"%s\" (servers in the "
                       "sandbox are reachable from inside it only)",
                    moat_net_mode_name(p->net.mode));
}

/* ---- the legacy shape (0.6.0-alpha to 0.8.0-alpha) ---------------------------- */

/* The external proxy of the legacy shape (localhost or url), or none. */
static int legacy_proxy(struct mxc_ctx *c, const json_t *proxy, struct proxy_url *px, bool *have)
{
    *have = false;
    if (!proxy || json_object_get(proxy, "builtinTestServer"))
        return 0;
    const json_t *port = json_object_get(proxy, "localhost");
    const char *why = NULL;
    int r = 0;
    json_where_push_key(&c->w, "proxy");
    json_where_push_key(&c->w, port ? "localhost" : "url");
    if (port) {
        *px = (struct proxy_url){.loopback = true};
        px->auth.port = (uint16_t)json_integer_value(port);
        snprintf(px->url, sizeof px->url, "http://127.0.0.1:%u", px->auth.port);
    } else if (parse_proxy_url(str_at(proxy, "url", ""), px, &why) < 0) {
        r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE, "%s", why);
    }
    json_where_pop(&c->w);
    json_where_pop(&c->w);
    *have = r == 0;
    return r;
}

/* The workload is told to use an external proxy: the variables, and a way
 * to it on top of the policy already mapped.  On the host's loopback it is
 * reached through hostPorts (the sandbox's 127.0.0.1:PORT and [::1]:PORT
 * forward to it, and nothing else of the host's loopback is reachable);
 * elsewhere through firewall mode with one rule for it. */
static int add_external_proxy(struct mxc_ctx *c, const struct proxy_url *px)
{
    struct moat_policy *p = c->req->policy;
    int r = set_proxy_env(c, px->url);
    if (r < 0 || p->net.mode == MOAT_NET_HOST)
        return r;
    if (px->loopback)
        return policy_add_port(&p->net.host_ports, &p->net.n_host_ports, px->auth.port) < 0
                   ? mxc_oom(c)
                   : 0;
    char rule[300];
    if (px->auth.is_ip && px->auth.ip.family == AF_INET6)
        snprintf(rule, sizeof rule, "tcp://[%s]:%u", px->auth.host, px->auth.port);
    else
        snprintf(rule, sizeof rule, "tcp://%s:%u", px->auth.host, px->auth.port);
    p->net.mode = MOAT_NET_FIREWALL;
    return push_rule(c, &p->net.allow, rule);
}

static int map_legacy(struct mxc_ctx *c, const json_t *net)
{
    struct moat_policy *p = c->req->policy;
    bool open = strcmp(str_at(net, "defaultPolicy", "block"), "allow") == 0;
    const char *em = str_at(net, "enforcementMode", "capabilities");
    const json_t *proxy = json_object_get(net, "proxy");
    size_t n_allowed = 0, n_blocked = 0;
    struct proxy_url px;
    bool external;
    int r = legacy_proxy(c, proxy, &px, &external);
    if (r < 0)
        return r;

    if (proxy && !external) {
        /* mxc's test proxy filters by exact host name; moat's proxy is the
         * production version of the same idea. */
        p->net.mode = strcmp(em, "capabilities") == 0 ? MOAT_NET_PROXY : MOAT_NET_FIREWALL;
        if ((r = copy_hosts(c, net, "allowedHosts", &p->net.allow, &n_allowed)) < 0 ||
            (r = copy_hosts(c, net, "blockedHosts", &p->net.deny, &n_blocked)) < 0)
            return r;
        /* mxc's test proxy passes every host when no allow list is given. */
        const json_t *al = json_object_get(net, "allowedHosts");
        if ((!al || json_array_size(al) == 0) && (r = allow_everything(c, "", 0)) < 0)
            return r;
    } else {
        if ((r = copy_hosts(c, net, open ? "blockedHosts" : "allowedHosts",
                            open ? &p->net.deny : &p->net.allow,
                            open ? &n_blocked : &n_allowed)) < 0)
            return r;
        const char *unused = open ? "allowedHosts" : "blockedHosts";
        const json_t *other = json_object_get(net, unused);
        if (open && other && json_array_size(other)) {
            json_where_push_key(&c->w, unused);
            r = mxc_warn(c, "has no effect: defaultPolicy \"allow\" already allows every host");
            json_where_pop(&c->w);
        } else if (!open && other && json_array_size(other)) {
            /* Under "block" a blocked host matters only inside an allowed one
             * (a CIDR): keep them as deny rules, which win. */
            size_t n;
            r = copy_hosts(c, net, unused, &p->net.deny, &n);
        }
        if (r < 0)
            return r;
        if (open && n_blocked == 0) {
            p->net.mode = MOAT_NET_HOST;
            json_where_push_key(&c->w, "defaultPolicy");
            r = mxc_warn(c, "\"allow\" in the legacy shape is the host's network, unfiltered "
                            "(as under mxc, host loopback services included); the directional "
                            "egress.default \"allow\" keeps the host's loopback out");
            json_where_pop(&c->w);
        } else if (open) {
            p->net.mode = MOAT_NET_FIREWALL;
            r = allow_everything(c, "", 0);
        } else {
            p->net.mode = n_allowed ? MOAT_NET_FIREWALL : MOAT_NET_NONE;
        }
        if (r == 0 && !external && (n_allowed || n_blocked) &&
            strcmp(em, "capabilities") == 0) {
            json_where_push_key(&c->w, json_object_get(net, "enforcementMode")
                                           ? "enforcementMode"
                                           : (n_allowed ? "allowedHosts" : "blockedHosts"));
            r = mxc_warn(c, "the host lists are enforced (moat's firewall mode) although "
                            "enforcementMode is \"capabilities\", which mxc's Linux backends "
                            "leave unenforced (0.6, 0.7) or refuse (0.8)");
            json_where_pop(&c->w);
        }
        if (r == 0 && external && (n_allowed || n_blocked)) {
            json_where_push_key(&c->w, n_allowed ? "allowedHosts" : "blockedHosts");
            r = mxc_warn(c, "applies to direct connections only: where the external proxy "
                            "(network.proxy) connects is the proxy's decision (mxc refuses "
                            "this combination)");
            json_where_pop(&c->w);
        }
        if (r == 0 && external)
            r = add_external_proxy(c, &px);
        if (r < 0)
            return r;
    }
    const json_t *local = json_object_get(net, "allowLocalNetwork");
    if (local)
        json_where_push_key(&c->w, "allowLocalNetwork");
    r = map_local_binding(c, json_is_true(local));
    if (local)
        json_where_pop(&c->w);
    return r;
}

/* ---- the directional shape (0.8.0-alpha and later) ----------------------------- */

struct expansion {
    size_t rules; /* generated so far, against MXC_MAX_RULES */
    bool warned_icmp;
};

/* The blocks one "to" entry names, into blocks[]; returns the count. */
static int peer_blocks(struct mxc_ctx *c, const json_t *peer, struct net_cidr *blocks)
{
    struct net_cidr base, except[MXC_MAX_BLOCKS];
    cidr_parse(json_string_value(json_object_get(peer, "cidr")), &base);
    const json_t *ex = json_object_get(peer, "except");
    size_t n_ex = 0, i;
    const json_t *e;
    json_where_push_key(&c->w, "except");
    json_array_foreach(ex, i, e) {
        int r = 0;
        json_where_push_index(&c->w, i);
        if (n_ex == MXC_MAX_BLOCKS)
            r = mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                         "more than %d exceptions", MXC_MAX_BLOCKS);
        else if (cidr_parse(json_string_value(e), &except[n_ex]), !cidr_within(&except[n_ex], &base))
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "must lie within the rule's cidr \"%s\"",
                         json_string_value(json_object_get(peer, "cidr")));
        n_ex++;
        json_where_pop(&c->w);
        if (r < 0) {
            json_where_pop(&c->w);
            return r;
        }
    }
    json_where_pop(&c->w);
    int n = mxc_cidr_subtract(&base, except, n_ex, blocks, MXC_MAX_BLOCKS);
    if (n < 0)
        return mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                        "the exceptions split this block into more than %d blocks",
                        MXC_MAX_BLOCKS);
    return n;
}

/* One rule: every destination block (every name too when "to" is absent)
 * with every port selector, as moat rules into `into`. */
static int expand_rule(struct mxc_ctx *c, const json_t *rule, bool allow, struct moat_strv *into,
                       struct expansion *x)
{
    struct net_cidr blocks[2 * MXC_MAX_BLOCKS];
    const json_t *to = json_object_get(rule, "to"), *ports = json_object_get(rule, "ports");
    size_t n_blocks = 0, i;
    const json_t *e;
    bool any_name = !to;
    if (!to) {
        cidr_parse("0.0.0.0/0", &blocks[0]);
        cidr_parse("::/0", &blocks[1]);
        n_blocks = 2;
    }
    json_where_push_key(&c->w, "to");
    json_array_foreach(to, i, e) {
        json_where_push_index(&c->w, i);
        int n = n_blocks + MXC_MAX_BLOCKS <= 2 * MXC_MAX_BLOCKS
                    ? peer_blocks(c, e, blocks + n_blocks)
                    : mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                               "too many destination blocks in one rule (at most %d)",
                               2 * MXC_MAX_BLOCKS);
        json_where_pop(&c->w);
        if (n < 0) {
            json_where_pop(&c->w);
            return n;
        }
        n_blocks += (size_t)n;
    }
    json_where_pop(&c->w);

    size_t n_sel = ports ? json_array_size(ports) : 1;
    for (size_t s = 0; s < n_sel; s++) {
        const json_t *sel = ports ? json_array_get(ports, s) : NULL;
        const char *proto = sel ? str_at(sel, "protocol", "any") : "any";
        const json_t *pj = sel ? json_object_get(sel, "port") : NULL;
        const json_t *ej = sel ? json_object_get(sel, "endPort") : NULL;
        unsigned lo = pj ? (unsigned)json_integer_value(pj) : 0;
        unsigned hi = ej ? (unsigned)json_integer_value(ej) : lo;
        int r = 0;
        if (ports) {
            json_where_push_key(&c->w, "ports");
            json_where_push_index(&c->w, s);
        }
        if (ej && !pj)
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "endPort requires port");
        else if (hi < lo)
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "endPort %u is below port %u", hi, lo);
        else if (strcmp(proto, "icmp") == 0 && pj)
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "protocol \"icmp\" takes no port");
        else if (strcmp(proto, "icmp") == 0) {
            if (allow && !x->warned_icmp)
                r = mxc_warn(c, "ICMP is not allowed: moat refuses ICMP from the sandbox "
                                "whatever the policy (it relays TCP and UDP only)");
            x->warned_icmp = x->warned_icmp || allow;
        } else {
            const char *scheme = strcmp(proto, "tcp") == 0   ? "tcp://"
                                 : strcmp(proto, "udp") == 0 ? "udp://"
                                                             : "";
            size_t count = (size_t)(hi - lo + 1) * (n_blocks + any_name);
            if (x->rules + count > MXC_MAX_RULES)
                r = mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                             "the rules would expand to more than %d moat rules (moat rules "
                             "take one port each, not ranges): narrow the port range or the "
                             "destinations", MXC_MAX_RULES);
            x->rules += count;
            for (unsigned port = lo; r == 0 && port <= hi; port++) {
                char text[300];
                for (size_t b = 0; r == 0 && b < n_blocks; b++) {
                    if (mxc_cidr_rule(&blocks[b], scheme, (uint16_t)port, text, sizeof text) < 0)
                        r = mxc_oom(c);
                    else
                        r = push_rule(c, into, text);
                }
                if (r == 0 && any_name) {
                    if (port)
                        snprintf(text, sizeof text, "%s*:%u", scheme, port);
                    else
                        snprintf(text, sizeof text, "%s*", scheme);
                    r = push_rule(c, into, text);
                }
                if (port == 0)
                    break;
            }
        }
        if (ports) {
            json_where_pop(&c->w);
            json_where_pop(&c->w);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

static int expand_rules(struct mxc_ctx *c, const json_t *egress, const char *key, bool allow,
                        struct moat_strv *into, struct expansion *x)
{
    const json_t *rules = json_object_get(egress, key);
    size_t i;
    const json_t *e;
    int r = 0;
    json_where_push_key(&c->w, key);
    json_array_foreach(rules, i, e) {
        json_where_push_index(&c->w, i);
        r = expand_rule(c, e, allow, into, x);
        json_where_pop(&c->w);
        if (r < 0)
            break;
    }
    json_where_pop(&c->w);
    return r;
}

static int map_directional(struct mxc_ctx *c, const json_t *net)
{
    struct moat_policy *p = c->req->policy;
    const json_t *egress = json_object_get(net, "egress");
    const json_t *ingress = json_object_get(net, "ingress");
    bool open = strcmp(str_at(egress, "default", "deny"), "allow") == 0;
    bool inbound = strcmp(str_at(ingress, "default", "deny"), "allow") == 0;
    bool host_loopback = strcmp(str_at(ingress, "hostLoopback", "deny"), "allow") == 0;
    size_t n_allow = json_array_size(json_object_get(egress, "allow"));
    size_t n_deny = json_array_size(json_object_get(egress, "deny"));
    const json_t *rc = json_object_get(c->root, "runtimeConfig");
    const json_t *proxy = rc ? json_object_get(rc, "networkProxy") : NULL;
    struct expansion x = {0};
    int r = 0;

    json_where_push_key(&c->w, "network");
    if (proxy) {
        json_where_pop(&c->w);
        json_where_push_key(&c->w, "runtimeConfig");
        json_where_push_key(&c->w, "networkProxy");
        struct proxy_url px;
        const char *why = NULL;
        if (parse_proxy_url(json_string_value(proxy), &px, &why) < 0)
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE, "%s", why);
        else if (!px.loopback)
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "the proxy must be on this host's loopback: localhost, 127.0.0.1 or "
                         "[::1]");
        else if (open || n_allow || n_deny)
            r = mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                         "requires network.egress.default \"deny\" with no allow or deny rules "
                         "(the proxy is the only way out, as in mxc)");
        else
            p->net.mode = MOAT_NET_NONE, r = add_external_proxy(c, &px);
        json_where_pop(&c->w);
        json_where_pop(&c->w);
        json_where_push_key(&c->w, "network");
    } else if (open && n_deny == 0 && host_loopback) {
        /* Everything, the host's loopback included: that is the host's
         * network. */
        p->net.mode = MOAT_NET_HOST;
    } else if (open) {
        p->net.mode = MOAT_NET_FIREWALL;
        json_where_push_key(&c->w, "egress");
        if ((r = allow_everything(c, "", 0)) == 0)
            r = expand_rules(c, egress, "deny", false, &p->net.deny, &x);
        json_where_pop(&c->w);
    } else if (n_allow) {
        json_where_push_key(&c->w, "egress");
        if ((r = expand_rules(c, egress, "allow", true, &p->net.allow, &x)) == 0)
            r = expand_rules(c, egress, "deny", false, &p->net.deny, &x);
        json_where_pop(&c->w);
        p->net.mode = p->net.allow.n ? MOAT_NET_FIREWALL : MOAT_NET_NONE;
    } else {
        p->net.mode = MOAT_NET_NONE;
    }
    if (r == 0 && ingress) {
        json_where_push_key(&c->w, "ingress");
        if (host_loopback && p->net.mode != MOAT_NET_HOST) {
            json_where_push_key(&c->w, "hostLoopback");
            r = mxc_warn(c, "\"allow\" is not honoured: moat reaches the host's loopback only "
                            "through hostPorts, which the mxc contract cannot name");
            json_where_pop(&c->w);
        }
        if (r == 0 && inbound)
            json_where_push_key(&c->w, "default");
        if (r == 0)
            r = map_local_binding(c, inbound);
        if (r == 0 && inbound)
            json_where_pop(&c->w);
        json_where_pop(&c->w);
    } else if (r == 0) {
        r = map_local_binding(c, false);
    }
    json_where_pop(&c->w);
    return r;
}

/* ---- the section ------------------------------------------------------------------ */

/* The two shapes cannot be mixed, and the directional one (with
 * runtimeConfig and processContainer.network) starts at 0.8.0-alpha (the
 * contract tables already refuse it earlier and the legacy one later). */
static int refuse_mixed_shapes(struct mxc_ctx *c, const json_t *net)
{
    const char *legacy = NULL, *directional = NULL;
    for (const char *const *k = legacy_keys; *k && !legacy; k++)
        if (net && json_object_get(net, *k))
            legacy = *k;
    if (!legacy)
        return 0;
    const json_t *pc = json_object_get(c->root, "processContainer");
    if (!pc)
        pc = json_object_get(c->root, "appContainer");
    if (net && json_object_get(net, "egress"))
        directional = "network.egress";
    else if (net && json_object_get(net, "ingress"))
        directional = "network.ingress";
    else if (json_object_get(c->root, "runtimeConfig"))
        directional = "runtimeConfig";
    else if (pc && json_object_get(pc, "network"))
        directional = "processContainer.network";
    if (!directional)
        return 0;
    json_where_push_key(&c->w, "network");
    json_where_push_key(&c->w, legacy);
    int r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_KEY,
                     "the legacy network shape (defaultPolicy, enforcementMode, allowedHosts, "
                     "blockedHosts, allowLocalNetwork, proxy) cannot be mixed with %s",
                     directional);
    json_where_pop(&c->w);
    json_where_pop(&c->w);
    return r;
}

int mxc_map_network(struct mxc_ctx *c)
{
    const json_t *net = json_object_get(c->root, "network");
    int r = refuse_mixed_shapes(c, net);
    if (r < 0)
        return r;
    bool legacy = false;
    for (const char *const *k = legacy_keys; *k && !legacy; k++)
        legacy = net && json_object_get(net, *k);
    if (!legacy)
        return map_directional(c, net); /* absent: egress and ingress "deny" */
    json_where_push_key(&c->w, "network");
    r = map_legacy(c, net);
    json_where_pop(&c->w);
    return r;
}
