/* Network rules and the allow/deny decision; see netrule.h.  Owns the rule syntax and the
 * order of the checks (docs/network-rules.md).  Never resolves names, never prints: a
 * verdict carries its reason for whoever logs it or answers the client. */
#include "net/rules/netrule.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

#define TARGET_MAX 300

static int rule_error(struct moat_error *err, const char *text, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* `"<rule>": <what is wrong>`, the shape every rule error has. */
static int rule_error(struct moat_error *err, const char *text, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return error_set(err, -EINVAL, "\"%s\": %s", text, why);
}

/* "tcp://" or "udp://" (any case); *rest is what follows.  -EINVAL for another scheme. */
static int parse_scheme(const char *text, enum rule_proto *proto, const char **rest)
{
    *proto = PROTO_ANY;
    *rest = text;
    if (strncasecmp(text, "tcp://", 6) == 0) {
        *proto = PROTO_TCP;
        *rest = text + 6;
    } else if (strncasecmp(text, "udp://", 6) == 0) {
        *proto = PROTO_UDP;
        *rest = text + 6;
    } else if (strstr(text, "://")) {
        return -EINVAL;
    }
    return 0;
}

/* Split s into the target and the port text (NULL when none).  The only colon-bearing
 * targets are IPv6: in brackets when a port follows ("[2001:db8::1]:443",
 * "[2001:db8::]/32:443"), bare otherwise, and then the whole string is the address. */
static int split_target(const char *s, char target[TARGET_MAX], const char **port,
                        const char **why)
{
    *port = NULL;
    size_t len = strlen(s), tlen = len;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close) {
            *why = "missing ']' after an IPv6 address";
            return -EINVAL;
        }
        if (memchr(s, '/', (size_t)(close - s))) {
            *why = "the prefix length goes after the brackets: [2001:db8::]/32:443";
            return -EINVAL;
        }
        const char *after = close + 1;
        if (*after == '/')
            after += 1 + strcspn(after + 1, ":");
        if (*after == ':')
            *port = after + 1;
        else if (*after != '\0') {
            *why = "unexpected text after ']'";
            return -EINVAL;
        }
        tlen = (size_t)(after - s);
    } else {
        const char *colon = strchr(s, ':');
        if (colon && !strchr(colon + 1, ':')) {
            tlen = (size_t)(colon - s);
            *port = colon + 1;
        }
    }
    memcpy(target, s, tlen);
    target[tlen] = '\0';
    return 0;
}

static int parse_address_target(const char *text, const char *target, bool has_port,
                                 struct net_rule *r, struct moat_error *err)
{
    const char *why;
    struct net_cidr c = {0};
    if (cidr_parse_explain(target, &c, &why) == 0) {
        r->cidr = c;
        return 0;
    }
    if (c.base.family != 0) { /* only host bits are wrong: c is the network they meant */
        char fixed[INET6_ADDRSTRLEN + 8] = "";
        cidr_format(&c, fixed, sizeof fixed);
        return rule_error(err, text, "host bits are set after the prefix; did you mean %s?",
                          fixed);
    }
    if (strchr(target, ':') && target[0] != '[' && !has_port)
        return rule_error(err, text,
                          "%s; an IPv6 address or CIDR with a port is written in brackets: "
                          "[2001:db8::1]:443, [2001:db8::]/32:443",
                          why);
    return rule_error(err, text, "%s", why);
}

static int parse_target(const char *text, const char *target, bool has_port, bool for_allow,
                        struct net_rule *r, struct moat_error *err)
{
    if (!*target)
        return rule_error(err, text, "no host or address");
    if (strchr(target, '%'))
        return rule_error(err, text, "zone ids (%%) are not allowed");
    struct net_addr a;
    if (strchr(target, '/') || strchr(target, ':') || target[0] == '[' ||
        addr_parse(target, &a) == 0) {
        r->kind = strchr(target, '/') ? RULE_CIDR : RULE_IP;
        return parse_address_target(text, target, has_port, r, err);
    }
    if (addr_parse_loose_ipv4(target, &a) == 0) {
        /* inet_aton(3) reads "0x7f.1" and "010.0.0.1" as addresses; make the writer say
         * which one they mean instead of guessing with them. */
        char fixed[INET6_ADDRSTRLEN];
        addr_format(&a, fixed, sizeof fixed);
        return rule_error(err, text,
                          "ambiguous IPv4 spelling (octal, hex or fewer than four parts); "
                          "write %s",
                          fixed);
    }
    if (strspn(target, "0123456789.") == strlen(target))
        return rule_error(err, text, "not a valid IPv4 address (four decimal parts 0-255)");
    r->kind = RULE_HOST;
    struct moat_error herr = {0};
    if (hostpat_parse(target, for_allow, &r->host, &herr) < 0)
        return rule_error(err, text, "%s", herr.msg);
    return 0;
}

int netrule_parse(const char *text, bool for_allow, struct net_rule *out, struct moat_error *err)
{
    if (!text || !*text)
        return error_set(err, -EINVAL, "empty network rule");
    struct net_rule r = {0};
    size_t len = strnlen(text, sizeof r.text);
    if (len >= sizeof r.text)
        return error_set(err, -EINVAL, "network rule longer than %zu characters",
                         sizeof r.text - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] <= ' ' || text[i] == 0x7f)
            return rule_error(err, text, "contains whitespace or a control character");
    memcpy(r.text, text, len + 1);

    const char *s;
    if (parse_scheme(text, &r.proto, &s) < 0)
        return rule_error(err, text, "unknown scheme; use tcp:// or udp://, or none for both");
    char target[TARGET_MAX];
    const char *port, *why;
    if (split_target(s, target, &port, &why) < 0)
        return rule_error(err, text, "%s", why);
    if (port && addr_port_parse(port, strlen(port), &r.port) < 0)
        return rule_error(err, text, "port must be 1-65535 (leave it out for every port)");
    int ret = parse_target(text, target, port != NULL, for_allow, &r, err);
    if (ret < 0)
        return ret;
    *out = r;
    return 0;
}

static void netpolicy_freep(struct netpolicy *np)
{
    netpolicy_free(np);
}

static int parse_list(const struct moat_strv *sv, bool for_allow, struct net_rule **out,
                      size_t *n_out, struct moat_error *err)
{
    if (!sv || sv->n == 0)
        return 0;
    struct net_rule *rules = calloc(sv->n, sizeof *rules);
    if (!rules)
        return error_set(err, -ENOMEM, "out of memory for %zu network rules", sv->n);
    *out = rules; /* owned by the caller's netpolicy from here, also on failure */
    for (size_t i = 0; i < sv->n; i++) {
        int r = netrule_parse(sv->v[i], for_allow, &rules[i], err);
        if (r < 0) {
            error_prefix(err, "$.network.%s[%zu]", for_allow ? "allow" : "deny", i);
            return r;
        }
        (*n_out)++;
    }
    return 0;
}

int netpolicy_build(const struct moat_strv *allow, const struct moat_strv *deny,
                    struct netpolicy *out, struct moat_error *err)
{
    __attribute__((cleanup(netpolicy_freep))) struct netpolicy np = {0};
    int r;
    if ((r = parse_list(allow, true, &np.allow, &np.n_allow, err)) < 0 ||
        (r = parse_list(deny, false, &np.deny, &np.n_deny, err)) < 0) {
        *out = (struct netpolicy){0};
        return r;
    }
    *out = np;
    np = (struct netpolicy){0};
    return 0;
}

void netpolicy_free(struct netpolicy *np)
{
    free(np->allow);
    free(np->deny);
    *np = (struct netpolicy){0};
}

const char *rule_proto_name(enum rule_proto p)
{
    switch (p) {
    case PROTO_ANY:
        return "any";
    case PROTO_TCP:
        return "tcp";
    case PROTO_UDP:
        return "udp";
    }
    return "unknown";
}

/* ---- the decision ---- */

/* A deny rule must cover the whole question: "port 0" (some port) is denied only by a rule
 * for every port, so "deny evil.test:25" does not stop the name from being resolved. */
static bool deny_applies(const struct net_rule *r, uint16_t port, enum rule_proto proto)
{
    return (r->port == 0 || (port != 0 && r->port == port)) &&
           (r->proto == PROTO_ANY || (proto != PROTO_ANY && r->proto == proto));
}

/* An allow rule needs to cover only part of it. */
static bool allow_applies(const struct net_rule *r, uint16_t port, enum rule_proto proto)
{
    return (r->port == 0 || port == 0 || r->port == port) &&
           (r->proto == PROTO_ANY || proto == PROTO_ANY || r->proto == proto);
}

/* What decided, before it is formatted into a verdict. */
struct judgement {
    bool allowed;
    const struct net_rule *rule;
    const char *reason;
};

static struct judgement judged(bool allowed, const struct net_rule *rule, const char *reason)
{
    return (struct judgement){.allowed = allowed, .rule = rule, .reason = reason};
}

static void verdict_fill(struct verdict *v, struct judgement j)
{
    v->allowed = j.allowed;
    v->rule = j.rule;
    if (!j.rule) {
        snprintf(v->reason, sizeof v->reason, "%s", j.reason);
        return;
    }
    /* A long rule text is cut, never the verb: the reason must still say which way. */
    int room = (int)sizeof v->reason - (int)strlen(j.reason) - 8;
    int tl = (int)strnlen(j.rule->text, sizeof j.rule->text);
    snprintf(v->reason, sizeof v->reason, "%s \"%.*s%s\"", j.reason, tl > room ? room : tl,
             j.rule->text, tl > room ? "..." : "");
}

static bool is_ip_literal(const char *text, struct net_addr *a)
{
    char norm[HOSTNAME_MAX + 1];
    if (addr_parse(text, a) == 0 || addr_parse_loose_ipv4(text, a) == 0)
        return true;
    /* "１２７.０.０.１" and "127.1." become literals once normalised. */
    return hostname_normalize(text, norm, sizeof norm) == 0 &&
           (addr_parse(norm, a) == 0 || addr_parse_loose_ipv4(norm, a) == 0);
}

static const char *class_reason(enum addr_class c)
{
    switch (c) {
    case ADDR_LOOPBACK:
        return "loopback address";
    case ADDR_LINK_LOCAL:
        return "link-local address";
    case ADDR_METADATA:
        return "metadata address";
    case ADDR_UNSPECIFIED:
        return "unspecified address";
    case ADDR_MULTICAST:
        return "multicast address";
    case ADDR_BROADCAST:
        return "broadcast address";
    case ADDR_GLOBAL:
    case ADDR_PRIVATE:
        break;
    }
    return "address not allowed";
}

static struct judgement judge_addr(const struct netpolicy *np, const struct net_addr *a,
                                   uint16_t port, enum rule_proto proto, const char *hostname)
{
    struct net_addr canon, embedded, ignored;
    addr_canonical(a, &canon);
    if (canon.family != AF_INET && canon.family != AF_INET6)
        return judged(false, NULL, "not an IP address");
    bool has_embedded = addr_unwrap_embedded_ipv4(&canon, &embedded);

    char name[HOSTNAME_MAX + 1];
    bool has_name = false;
    if (hostname && *hostname && !is_ip_literal(hostname, &ignored)) {
        /* A name we cannot read cannot be checked against deny rules: refuse it rather
         * than let an address rule allow what a name rule might have denied. */
        if (hostname_normalize(hostname, name, sizeof name) < 0)
            return judged(false, NULL, "invalid host name");
        has_name = true;
    }

    /* 1. Deny rules: on every address this one can stand for, and on the name. */
    for (size_t i = 0; i < np->n_deny; i++) {
        const struct net_rule *r = &np->deny[i];
        if (!deny_applies(r, port, proto))
            continue;
        bool hit = r->kind == RULE_HOST
                       ? has_name && hostpat_match_normalized(&r->host, name)
                       : cidr_contains(&r->cidr, &canon) ||
                             (has_embedded && cidr_contains(&r->cidr, &embedded));
        if (hit)
            return judged(false, r, "denied by rule");
    }

    /* 2. Special-purpose addresses, also when embedded in NAT64/6to4 (a translator or relay
     * would deliver to the IPv4 one).  Only an address rule that lists the address, or a
     * CIDR wholly inside the class, opens them: never a hostname (a name can be made to
     * resolve anywhere: DNS rebinding) and never 0.0.0.0/0. */
    enum addr_class cls = addr_classify(&canon);
    if (!addr_class_is_special(cls) && has_embedded && addr_class_is_special(addr_classify(&embedded)))
        cls = addr_classify(&embedded);
    if (addr_class_is_special(cls)) {
        for (size_t i = 0; i < np->n_allow; i++) {
            const struct net_rule *r = &np->allow[i];
            if (r->kind != RULE_HOST && allow_applies(r, port, proto) &&
                cidr_contains(&r->cidr, &canon) &&
                (r->kind == RULE_IP || cidr_within_class(&r->cidr, cls)))
                return judged(true, r, "allowed by rule");
        }
        return judged(false, NULL, class_reason(cls));
    }

    /* 3. Allow rules, by address or by name.  Embedded IPv4 is not unwrapped here: a rule
     * for 198.51.100.10 allows that host, not whatever a NAT64 prefix leads to. */
    for (size_t i = 0; i < np->n_allow; i++) {
        const struct net_rule *r = &np->allow[i];
        if (!allow_applies(r, port, proto))
            continue;
        bool hit = r->kind == RULE_HOST ? has_name && hostpat_match_normalized(&r->host, name)
                                        : cidr_contains(&r->cidr, &canon);
        if (hit)
            return judged(true, r, "allowed by rule");
    }
    /* 4. Default deny. */
    return judged(false, NULL, "not in allow list");
}

void netpolicy_check_addr(const struct netpolicy *np, const struct net_addr *a, uint16_t port,
                          enum rule_proto proto, const char *hostname, struct verdict *out)
{
    verdict_fill(out, judge_addr(np, a, port, proto, hostname));
}

static struct judgement judge_name(const struct netpolicy *np, const char *name, uint16_t port,
                                   enum rule_proto proto)
{
    struct net_addr a;
    if (name && is_ip_literal(name, &a))
        return judge_addr(np, &a, port, proto, NULL);
    char norm[HOSTNAME_MAX + 1];
    if (!name || hostname_normalize(name, norm, sizeof norm) < 0)
        return judged(false, NULL, "invalid host name");
    for (size_t i = 0; i < np->n_deny; i++) {
        const struct net_rule *r = &np->deny[i];
        if (r->kind == RULE_HOST && deny_applies(r, port, proto) &&
            hostpat_match_normalized(&r->host, norm))
            return judged(false, r, "denied by rule");
    }
    for (size_t i = 0; i < np->n_allow; i++) {
        const struct net_rule *r = &np->allow[i];
        if (r->kind == RULE_HOST && allow_applies(r, port, proto) &&
            hostpat_match_normalized(&r->host, norm))
            return judged(true, r, "allowed by rule");
    }
    return judged(false, NULL, "not in allow list");
}

void netpolicy_check_name(const struct netpolicy *np, const char *name, uint16_t port,
                          enum rule_proto proto, struct verdict *out)
{
    verdict_fill(out, judge_name(np, name, port, proto));
}
