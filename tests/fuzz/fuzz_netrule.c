/* Fuzz target: network rules (src/net/rules/netrule.c).  The input is one rule as a policy
 * writes it ("[tcp://|udp://]TARGET[:PORT]").  Checks that a rule good enough to allow is
 * good enough to deny and means the same, that a deny rule always refuses what it names
 * (whatever an allow rule says), and that an allow rule opens what it names unless the
 * address is one no rule but an explicit address may open. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "moat.h"
#include "net/rules/addr.h"
#include "net/rules/netrule.h"
#include "util/cleanup.h"

static bool same_rule(const struct net_rule *a, const struct net_rule *b)
{
    return a->kind == b->kind && a->proto == b->proto && a->port == b->port &&
           strcmp(a->text, b->text) == 0 &&
           (a->kind == RULE_HOST
                ? a->host.wildcard == b->host.wildcard && strcmp(a->host.name, b->host.name) == 0
                : a->cidr.prefix == b->cidr.prefix && addr_equal(&a->cidr.base, &b->cidr.base));
}

/* A name the rule speaks about, or NULL (deny "*" speaks about every name). */
static const char *rule_name(const struct net_rule *r, char *buf, size_t size)
{
    if (!r->host.wildcard)
        return r->host.name;
    snprintf(buf, size, "%s%s", "x.", r->host.name);
    return strlen(buf) <= 253 ? buf : NULL;
}

/* allowable: the rule also parsed as an allow rule ("*" and "*.tld" only deny). */
static void check_verdicts(const struct net_rule *r, bool allowable)
{
    uint16_t port = r->port ? r->port : 443;
    enum rule_proto proto = r->proto == PROTO_ANY ? PROTO_TCP : r->proto;
    struct net_rule copy = *r;
    struct netpolicy allow = {.allow = &copy, .n_allow = 1};
    struct netpolicy deny = {.deny = &copy, .n_deny = 1};
    struct netpolicy both = {.allow = &copy, .n_allow = 1, .deny = &copy, .n_deny = 1};
    struct verdict v;

    if (r->kind == RULE_HOST) {
        char buf[300];
        const char *name = rule_name(r, buf, sizeof buf);
        if (!name)
            return;
        netpolicy_check_name(&deny, name, port, proto, &v);
        FUZZ_CHECKF(!v.allowed && v.rule == &copy, "deny \"%s\" lets \"%s\" through: %s",
                    r->text, name, v.reason);
        netpolicy_check_name(&both, name, port, proto, &v);
        FUZZ_CHECK(!v.allowed);
        if (!allowable)
            return;
        netpolicy_check_name(&allow, name, port, proto, &v);
        FUZZ_CHECKF(v.allowed && v.rule == &copy, "allow \"%s\" refuses \"%s\": %s", r->text,
                    name, v.reason);
        /* A name rule never opens an address, whatever name it came from. */
        struct net_addr a;
        FUZZ_CHECK(addr_parse("203.0.113.7", &a) == 0);
        netpolicy_check_addr(&allow, &a, port, proto, NULL, &v);
        FUZZ_CHECK(!v.allowed);
        FUZZ_CHECK(addr_parse("127.0.0.1", &a) == 0);
        netpolicy_check_addr(&allow, &a, port, proto, name, &v);
        FUZZ_CHECK(!v.allowed);
        return;
    }

    const struct net_addr *a = &r->cidr.base;
    netpolicy_check_addr(&deny, a, port, proto, NULL, &v);
    FUZZ_CHECKF(!v.allowed && v.rule == &copy, "deny \"%s\" lets its address through: %s",
                r->text, v.reason);
    netpolicy_check_addr(&both, a, port, proto, "example.com", &v);
    FUZZ_CHECK(!v.allowed);
    if (!allowable)
        return;
    netpolicy_check_addr(&allow, a, port, proto, NULL, &v);
    if (r->kind == RULE_IP || !addr_is_special(a))
        FUZZ_CHECKF(v.allowed && v.rule == &copy, "allow \"%s\" refuses its address: %s",
                    r->text, v.reason);
    /* Another port or protocol than the rule's own is not covered by it. */
    if (r->port) {
        netpolicy_check_addr(&allow, a, (uint16_t)(r->port == 1 ? 2 : r->port - 1), proto,
                             NULL, &v);
        FUZZ_CHECK(!v.allowed);
    }
    if (r->proto != PROTO_ANY) {
        netpolicy_check_addr(&allow, a, port, r->proto == PROTO_TCP ? PROTO_UDP : PROTO_TCP,
                             NULL, &v);
        FUZZ_CHECK(!v.allowed);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_cstr(data, size);
    struct net_rule ra, rd;
    struct moat_error ea = {0}, ed = {0};
    int a = netrule_parse(text, true, &ra, &ea);
    int d = netrule_parse(text, false, &rd, &ed);
    FUZZ_CHECK(a == 0 || (a == -EINVAL && ea.msg[0]));
    FUZZ_CHECK(d == 0 || (d == -EINVAL && ed.msg[0]));
    if (a == 0)
        FUZZ_CHECKF(d == 0 && same_rule(&ra, &rd), "\"%s\" allows but does not deny: %s", text,
                    ed.msg);
    if (d < 0)
        return 0;
    FUZZ_CHECK(strcmp(rd.text, text) == 0);
    FUZZ_CHECK(rd.kind == RULE_HOST || rd.cidr.base.family == AF_INET ||
               rd.cidr.base.family == AF_INET6);
    if (rd.kind == RULE_IP)
        FUZZ_CHECK(rd.cidr.prefix == (rd.cidr.base.family == AF_INET ? 32u : 128u));
    check_verdicts(&rd, a == 0);

    /* Through the policy builder, as a one-rule list on either side. */
    char *v[] = {text};
    struct moat_strv list = {v, 1};
    struct netpolicy np;
    struct moat_error err = {0};
    FUZZ_CHECK(netpolicy_build(NULL, &list, &np, &err) == 0 && np.n_deny == 1);
    netpolicy_free(&np);
    int r = netpolicy_build(&list, NULL, &np, &err);
    FUZZ_CHECK((r == 0) == (a == 0));
    FUZZ_CHECK(r == 0 || strstr(err.msg, "$.network.allow[0]"));
    netpolicy_free(&np);
    return 0;
}
