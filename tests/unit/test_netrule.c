/* Unit tests for src/net/rules/netrule.c: rule syntax and the allow/deny decision, performed with
 * every spelling of the addresses an attacker would try. */
#include <errno.h>
#include <stdlib.h>

#include "net/rules/netrule.h"
#include "util/strv.h"
#include "unit.h"

static struct moat_strv strv_of(const char *const *items)
{
    struct moat_strv sv = {0};
    for (size_t i = 0; items && items[i]; i++)
        strv_push(&sv, items[i]);
    return sv;
}

/* A policy from NULL-terminated lists; the test fails if it does not build. */
static struct netpolicy policy(const char *const *allow, const char *const *deny)
{
    struct moat_strv a = strv_of(allow), d = strv_of(deny);
    struct netpolicy np = {0};
    struct moat_error err = {0};
    if (netpolicy_build(&a, &d, &np, &err) < 0) {
        fprintf(stderr, "  policy does not build: %s\n", err.msg);
        unit_current_failed = 1;
    }
    strv_free(&a);
    strv_free(&d);
    return np;
}

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_addr(const struct netpolicy *np, const char *addr, uint16_t port,
                        enum rule_proto proto, const char *hostname, bool allowed,
                        const char *reason, int line)
{
    struct net_addr a;
    if (addr_parse(addr, &a) < 0 && addr_parse_loose_ipv4(addr, &a) < 0) {
        fprintf(stderr, "  line %d: cannot parse %s\n", line, addr);
        unit_current_failed = 1;
        return;
    }
    struct verdict v;
    netpolicy_check_addr(np, &a, port, proto, hostname, &v);
    if (v.allowed != allowed || strcmp(v.reason, reason) != 0) {
        fprintf(stderr, "  line %d: %s port %u host %s: %s \"%s\", want %s \"%s\"\n", line,
                addr, port, hostname ? hostname : "-", v.allowed ? "allowed" : "denied",
                v.reason, allowed ? "allowed" : "denied", reason);
        unit_current_failed = 1;
    }
    if (v.allowed && !v.rule) {
        fprintf(stderr, "  line %d: allowed without a rule\n", line);
        unit_current_failed = 1;
    }
}
#define ADDR_OK(np, addr, port, proto, host, reason)                                          \
    expect_addr(np, addr, port, proto, host, true, reason, __LINE__)
#define ADDR_NO(np, addr, port, proto, host, reason)                                          \
    expect_addr(np, addr, port, proto, host, false, reason, __LINE__)

static void expect_name(const struct netpolicy *np, const char *name, uint16_t port,
                        enum rule_proto proto, bool allowed, const char *reason, int line)
{
    struct verdict v;
    netpolicy_check_name(np, name, port, proto, &v);
    if (v.allowed != allowed || strcmp(v.reason, reason) != 0) {
        fprintf(stderr, "  line %d: name %s port %u: %s \"%s\", want %s \"%s\"\n", line,
                name ? name : "(null)", port, v.allowed ? "allowed" : "denied", v.reason,
                allowed ? "allowed" : "denied", reason);
        unit_current_failed = 1;
    }
}
#define NAME_OK(np, name, port, proto, reason)                                                \
    expect_name(np, name, port, proto, true, reason, __LINE__)
#define NAME_NO(np, name, port, proto, reason)                                                \
    expect_name(np, name, port, proto, false, reason, __LINE__)

static struct net_rule rule(const char *text, bool for_allow)
{
    struct net_rule r = {0};
    struct moat_error err = {0};
    if (netrule_parse(text, for_allow, &r, &err) < 0) {
        fprintf(stderr, "  cannot parse rule %s: %s\n", text, err.msg);
        unit_current_failed = 1;
    }
    return r;
}

static const char *cidr_text(const struct net_cidr *c)
{
    static char buf[64];
    if (cidr_format(c, buf, sizeof buf) < 0)
        snprintf(buf, sizeof buf, "(bad)");
    return buf;
}

static void check_refused(const char *text, bool for_allow, const char *needle, int line)
{
    struct net_rule r;
    struct moat_error err = {0};
    int ret = netrule_parse(text, for_allow, &r, &err);
    if (ret != -EINVAL || !strstr(err.msg, needle)) {
        fprintf(stderr, "  line %d: rule \"%s\": %d \"%s\", want \"%s\"\n", line, text, ret,
                err.msg, needle);
        unit_current_failed = 1;
    }
}
#define RULE_REFUSED(text, for_allow, needle) check_refused(text, for_allow, needle, __LINE__)

TEST(rule_syntax_forms)
{
    static const struct {
        const char *text;
        enum rule_kind kind;
        enum rule_proto proto;
        uint16_t port;
        const char *target; /* CIDR text, or host pattern name */
    } cases[] = {
        {"example.com", RULE_HOST, PROTO_ANY, 0, "example.com"},
        {"*.example.com:443", RULE_HOST, PROTO_ANY, 443, "example.com"},
        {"tcp://example.com:443", RULE_HOST, PROTO_TCP, 443, "example.com"},
        {"UDP://Example.com.:53", RULE_HOST, PROTO_UDP, 53, "example.com"},
        {"tcp://bücher.example", RULE_HOST, PROTO_TCP, 0, "xn--bcher-kva.example"},
        {"203.0.113.9", RULE_IP, PROTO_ANY, 0, "203.0.113.9/32"},
        {"203.0.113.9:443", RULE_IP, PROTO_ANY, 443, "203.0.113.9/32"},
        {"udp://203.0.113.9:53", RULE_IP, PROTO_UDP, 53, "203.0.113.9/32"},
        {"203.0.113.0/24", RULE_CIDR, PROTO_ANY, 0, "203.0.113.0/24"},
        {"203.0.113.0/24:443", RULE_CIDR, PROTO_ANY, 443, "203.0.113.0/24"},
        {"2001:db8::1", RULE_IP, PROTO_ANY, 0, "2001:db8::1/128"},
        {"[2001:db8::1]", RULE_IP, PROTO_ANY, 0, "2001:db8::1/128"},
        {"[2001:db8::1]:443", RULE_IP, PROTO_ANY, 443, "2001:db8::1/128"},
        {"tcp://[::1]:8080", RULE_IP, PROTO_TCP, 8080, "::1/128"},
        {"2001:db8::/32", RULE_CIDR, PROTO_ANY, 0, "2001:db8::/32"},
        {"[2001:db8::]/32", RULE_CIDR, PROTO_ANY, 0, "2001:db8::/32"},
        {"[2001:db8::]/32:443", RULE_CIDR, PROTO_ANY, 443, "2001:db8::/32"},
        {"tcp://[2001:db8::]/32:443", RULE_CIDR, PROTO_TCP, 443, "2001:db8::/32"},
        {"::ffff:203.0.113.9", RULE_IP, PROTO_ANY, 0, "203.0.113.9/32"},
        {"[::ffff:203.0.113.0]/120:443", RULE_CIDR, PROTO_ANY, 443, "203.0.113.0/24"},
        {"0.0.0.0/0", RULE_CIDR, PROTO_ANY, 0, "0.0.0.0/0"},
        {"::/0", RULE_CIDR, PROTO_ANY, 0, "::/0"},
        /* Without brackets a colon-rich target is one address, never address + port. */
        {"2001:db8::1:443", RULE_IP, PROTO_ANY, 0, "2001:db8::1:443/128"},
        {"example.com:65535", RULE_HOST, PROTO_ANY, 65535, "example.com"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct net_rule r = rule(cases[i].text, true);
        CHECK_STR(r.text, cases[i].text);
        CHECK_INT(r.kind, cases[i].kind);
        CHECK_INT(r.proto, cases[i].proto);
        CHECK_INT(r.port, cases[i].port);
        CHECK_STR(r.kind == RULE_HOST ? r.host.name : cidr_text(&r.cidr), cases[i].target);
    }
    struct net_rule w = rule("*.example.com:443", true);
    CHECK(w.host.wildcard);
    CHECK_STR(rule_proto_name(PROTO_TCP), "tcp");
}

TEST(rule_syntax_refusals)
{
    RULE_REFUSED("", true, "empty");
    RULE_REFUSED("http://example.com", true, "unknown scheme");
    RULE_REFUSED("tcp://", true, "no host or address");
    RULE_REFUSED("example.com:0", true, "port must be 1-65535");
    RULE_REFUSED("example.com:65536", true, "port must be 1-65535");
    RULE_REFUSED("example.com:", true, "port must be 1-65535");
    RULE_REFUSED("example.com:http", true, "port must be 1-65535");
    RULE_REFUSED("example.com:0443", true, "port must be 1-65535");
    RULE_REFUSED("2001:db8::/32:443", true, "[2001:db8::]/32:443");
    RULE_REFUSED("2001:db8::1::443", true, "[2001:db8::1]:443");
    RULE_REFUSED("[2001:db8::/32]:443", true, "[2001:db8::]/32:443");
    RULE_REFUSED("[2001:db8::1]443", true, "after ']'");
    RULE_REFUSED("[2001:db8::1", true, "missing ']'");
    RULE_REFUSED("[203.0.113.9]:443", true, "brackets are for IPv6 addresses only");
    RULE_REFUSED("203.0.113.9/24", true, "did you mean 203.0.113.0/24?");
    RULE_REFUSED("[2001:db8::1]/32:443", true, "did you mean 2001:db8::/32?");
    RULE_REFUSED("203.0.113.0/33", true, "prefix length must be 0-32");
    RULE_REFUSED("fe80::1%eth0", true, "zone ids");
    RULE_REFUSED("[fe80::1%25eth0]:80", true, "zone ids");
    RULE_REFUSED("0x7f.1", false, "write 127.0.0.1");
    RULE_REFUSED("127.1", false, "write 127.0.0.1");
    RULE_REFUSED("010.0.0.1", false, "write 8.0.0.1");
    RULE_REFUSED("1.2.3", true, "write 1.2.0.3");
    RULE_REFUSED("256.1.1.1", true, "not a valid IPv4 address");
    RULE_REFUSED("1.2.3.4.5", true, "not a valid IPv4 address");
    RULE_REFUSED("exa mple.com", true, "whitespace");
    RULE_REFUSED(" example.com", true, "whitespace");
    RULE_REFUSED("example.com\n", true, "control character");
    RULE_REFUSED("*.com", true, "top-level domain");
    RULE_REFUSED("bad_host.example", true, "a-z, 0-9 and '-'");
    RULE_REFUSED("example.com:443:80", true, "brackets");
    RULE_REFUSED("example.com/24", true, "not an IP address");
    RULE_REFUSED("tcp://example.com/path", true, "not an IP address");
    RULE_REFUSED("a.*.example", false, "first label");
    RULE_REFUSED("::/96", true, "ambiguous");
    char long_rule[400];
    memset(long_rule, 'a', sizeof long_rule - 1);
    long_rule[sizeof long_rule - 1] = '\0';
    RULE_REFUSED(long_rule, true, "longer than 299");
    /* The same wildcards are fine to deny. */
    struct net_rule r = rule("*.com", false);
    CHECK(r.host.wildcard);
    r = rule("*", false);
    CHECK(r.host.wildcard && r.host.name[0] == '\0');
    struct moat_error err = {0};
    CHECK_INT(netrule_parse("203.0.113.9/24", true, &r, &err), -EINVAL);
    CHECK_STR(err.msg, "\"203.0.113.9/24\": host bits are set after the prefix; did you mean "
                       "203.0.113.0/24?");
}

TEST(policy_build_names_the_bad_entry)
{
    struct moat_strv allow = strv_of(LIST("example.com", "*.com")), deny = {0};
    struct netpolicy np = {(struct net_rule *)1, 7, NULL, 0};
    struct moat_error err = {0};
    CHECK_INT(netpolicy_build(&allow, &deny, &np, &err), -EINVAL);
    CHECK(strstr(err.msg, "$.network.allow[1]: ") == err.msg);
    CHECK(strstr(err.msg, "\"*.com\"") != NULL);
    CHECK(np.allow == NULL && np.n_allow == 0 && np.deny == NULL && np.n_deny == 0);
    strv_free(&allow);

    struct moat_strv d = strv_of(LIST("10.0.0.0/8", "0x7f.1"));
    CHECK_INT(netpolicy_build(NULL, &d, &np, &err), -EINVAL);
    CHECK(strstr(err.msg, "$.network.deny[1]: \"0x7f.1\"") == err.msg);
    strv_free(&d);

    CHECK_INT(netpolicy_build(NULL, NULL, &np, &err), 0);
    CHECK(np.n_allow == 0 && np.n_deny == 0);
    ADDR_NO(&np, "203.0.113.9", 443, PROTO_TCP, NULL, "not in allow list");
    NAME_NO(&np, "example.com", 0, PROTO_ANY, "not in allow list");
    netpolicy_free(&np);
    netpolicy_free(&np); /* idempotent */
}

TEST(every_spelling_of_loopback_is_denied)
{
    /* Everything global is allowed, so only the loopback rule can deny. */
    struct netpolicy np = policy(LIST("0.0.0.0/0", "::/0", "*.example.com"), NULL);
    const char *spellings[] = {
        "127.0.0.1",      "::ffff:127.0.0.1",      "[::ffff:127.0.0.1]", "::ffff:7f00:1",
        "0:0:0:0:0:ffff:7f00:1", "::127.0.0.1",    "64:ff9b::7f00:1",    "64:ff9b::127.0.0.1",
        "64:ff9b:1:7f00:0:100::", "2002:7f00:1::", "2002:7f00:1:ffff::1", "::ffff:0:7f00:1",
        "0x7f.1",         "0177.0.0.1",            "2130706433",         "127.1",
        "127.255.255.254", "::1",                  "[::1]",              "0:0:0:0:0:0:0:1",
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        ADDR_NO(&np, spellings[i], 80, PROTO_TCP, NULL, "loopback address");
        ADDR_NO(&np, spellings[i], 443, PROTO_TCP, "api.example.com", "loopback address");
        /* The same strings arriving as a name (CONNECT host, DNS query). */
        NAME_NO(&np, spellings[i], 80, PROTO_TCP, "loopback address");
    }
    const char *authorities[] = {"0x7f.1:80", "127.1:80", "2130706433:80", "[::ffff:7f00:1]:80",
                                 "127.1.:80", "１２７.０.０.１:80", "[64:ff9b::7f00:1]:80"};
    for (size_t i = 0; i < sizeof authorities / sizeof authorities[0]; i++) {
        struct authority au;
        CHECK_INT(authority_parse(authorities[i], false, &au), 0);
        CHECK(au.is_ip);
        struct verdict v;
        netpolicy_check_addr(&np, &au.ip, au.port, PROTO_TCP, au.host, &v);
        CHECK(!v.allowed);
        CHECK_STR(v.reason, "loopback address");
    }
    ADDR_OK(&np, "203.0.113.9", 80, PROTO_TCP, NULL, "allowed by rule \"0.0.0.0/0\"");
    netpolicy_free(&np);
}

/* The forms a denied IPv4 address can take; index 0 is the plain one. */
static const char *forms_of_203_0_113_9[] = {
    "203.0.113.9",          "::ffff:203.0.113.9",      "[::ffff:203.0.113.9]",
    "::ffff:cb00:7109",     "::203.0.113.9",           "::cb00:7109",
    "64:ff9b::cb00:7109",   "64:ff9b::203.0.113.9",    "64:ff9b:1:cb00:71:900::",
    "2002:cb00:7109::",     "2002:cb00:7109:1::1",     "::ffff:0:203.0.113.9",
    "0xcb.0.0x71.9",        "3405803785",
};

TEST(denied_ipv4_in_every_ipv6_form)
{
    struct netpolicy np = policy(LIST("0.0.0.0/0", "::/0"), LIST("203.0.113.9"));
    for (size_t i = 0; i < sizeof forms_of_203_0_113_9 / sizeof forms_of_203_0_113_9[0]; i++) {
        ADDR_NO(&np, forms_of_203_0_113_9[i], 443, PROTO_TCP, NULL,
                "denied by rule \"203.0.113.9\"");
        NAME_NO(&np, forms_of_203_0_113_9[i], 443, PROTO_TCP, "denied by rule \"203.0.113.9\"");
    }
    /* Its neighbour, in the same forms, is allowed by the broad rules. */
    ADDR_OK(&np, "203.0.113.10", 443, PROTO_TCP, NULL, "allowed by rule \"0.0.0.0/0\"");
    ADDR_OK(&np, "::ffff:203.0.113.10", 443, PROTO_TCP, NULL, "allowed by rule \"0.0.0.0/0\"");
    ADDR_OK(&np, "64:ff9b::cb00:710a", 443, PROTO_TCP, NULL, "allowed by rule \"::/0\"");
    ADDR_OK(&np, "2002:cb00:710a::", 443, PROTO_TCP, NULL, "allowed by rule \"::/0\"");
    netpolicy_free(&np);

    np = policy(LIST("0.0.0.0/0", "::/0"), LIST("203.0.113.0/24"));
    for (size_t i = 0; i < sizeof forms_of_203_0_113_9 / sizeof forms_of_203_0_113_9[0]; i++)
        ADDR_NO(&np, forms_of_203_0_113_9[i], 443, PROTO_TCP, NULL,
                "denied by rule \"203.0.113.0/24\"");
    ADDR_NO(&np, "64:ff9b::cb00:71ff", 80, PROTO_UDP, NULL, "denied by rule \"203.0.113.0/24\"");
    ADDR_OK(&np, "203.0.114.1", 443, PROTO_TCP, NULL, "allowed by rule \"0.0.0.0/0\"");
    netpolicy_free(&np);

    /* Written as a mapped CIDR, it is the IPv4 CIDR. */
    np = policy(LIST("0.0.0.0/0", "::/0"), LIST("::ffff:203.0.113.0/120"));
    ADDR_NO(&np, "203.0.113.9", 443, PROTO_TCP, NULL, "denied by rule \"::ffff:203.0.113.0/120\"");
    ADDR_NO(&np, "64:ff9b::cb00:7109", 443, PROTO_TCP, NULL,
            "denied by rule \"::ffff:203.0.113.0/120\"");
    netpolicy_free(&np);
}

TEST(allowed_ipv4_in_mapped_and_compat_forms)
{
    struct netpolicy np = policy(LIST("198.51.100.10"), NULL);
    const char *forms[] = {"198.51.100.10", "::ffff:198.51.100.10", "[::ffff:198.51.100.10]",
                           "::ffff:c633:640a", "::198.51.100.10"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        ADDR_OK(&np, forms[i], 443, PROTO_TCP, NULL, "allowed by rule \"198.51.100.10\"");
        NAME_OK(&np, forms[i], 443, PROTO_TCP, "allowed by rule \"198.51.100.10\"");
    }
    ADDR_NO(&np, "198.51.100.11", 443, PROTO_TCP, NULL, "not in allow list");
    /* Allow rules do not unwrap: a NAT64 or 6to4 address is a different destination. */
    ADDR_NO(&np, "64:ff9b::c633:640a", 443, PROTO_TCP, NULL, "not in allow list");
    ADDR_NO(&np, "2002:c633:640a::", 443, PROTO_TCP, NULL, "not in allow list");
    /* An address rule never allows a name. */
    NAME_NO(&np, "example.com", 443, PROTO_TCP, "not in allow list");
    struct authority au;
    CHECK_INT(authority_parse("[::ffff:198.51.100.10]:443", false, &au), 0);
    struct verdict v;
    netpolicy_check_addr(&np, &au.ip, au.port, PROTO_TCP, au.host, &v);
    CHECK(v.allowed);
    netpolicy_free(&np);
}

TEST(metadata_addresses)
{
    struct netpolicy np = policy(LIST("0.0.0.0/0", "::/0", "169.254.0.0/16", "fe80::/10",
                                      "100.64.0.0/10", "*.example.com"),
                                 NULL);
    const char *forms[] = {"169.254.169.254", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe",
                           "::169.254.169.254", "64:ff9b::a9fe:a9fe", "64:ff9b:1:a9fe:a9:fe00::",
                           "2002:a9fe:a9fe::", "fd00:ec2::254", "100.100.100.200",
                           "168.63.129.16", "::ffff:168.63.129.16", "0xa9fea9fe", "169.254.43518"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        ADDR_NO(&np, forms[i], 80, PROTO_TCP, NULL, "metadata address");
        ADDR_NO(&np, forms[i], 80, PROTO_TCP, "metadata.example.com", "metadata address");
        NAME_NO(&np, forms[i], 80, PROTO_TCP, "metadata address");
    }
    /* Its neighbours are link-local, opened here by the explicit link-local CIDRs. */
    ADDR_OK(&np, "169.254.169.253", 80, PROTO_TCP, NULL, "allowed by rule \"169.254.0.0/16\"");
    ADDR_OK(&np, "fe80::1", 80, PROTO_TCP, NULL, "allowed by rule \"fe80::/10\"");
    netpolicy_free(&np);

    np = policy(LIST("169.254.169.254:80", "fd00:ec2::254"), NULL);
    ADDR_OK(&np, "169.254.169.254", 80, PROTO_TCP, NULL, "allowed by rule \"169.254.169.254:80\"");
    ADDR_OK(&np, "::ffff:169.254.169.254", 80, PROTO_TCP, NULL,
            "allowed by rule \"169.254.169.254:80\"");
    ADDR_NO(&np, "169.254.169.254", 8080, PROTO_TCP, NULL, "metadata address");
    ADDR_OK(&np, "fd00:ec2::254", 80, PROTO_TCP, NULL, "allowed by rule \"fd00:ec2::254\"");
    ADDR_NO(&np, "100.100.100.200", 80, PROTO_TCP, NULL, "metadata address");
    netpolicy_free(&np);
}

TEST(special_classes_need_explicit_rules)
{
    struct netpolicy np = policy(LIST("0.0.0.0/0", "::/0", "*.example.com"), NULL);
    ADDR_NO(&np, "fe80::1", 443, PROTO_TCP, NULL, "link-local address");
    ADDR_NO(&np, "169.254.1.1", 443, PROTO_TCP, NULL, "link-local address");
    ADDR_NO(&np, "::ffff:169.254.1.1", 443, PROTO_TCP, NULL, "link-local address");
    ADDR_NO(&np, "::", 443, PROTO_TCP, NULL, "unspecified address");
    ADDR_NO(&np, "0.0.0.0", 443, PROTO_TCP, NULL, "unspecified address");
    ADDR_NO(&np, "::ffff:0.0.0.0", 443, PROTO_TCP, NULL, "unspecified address");
    ADDR_NO(&np, "0", 443, PROTO_TCP, NULL, "unspecified address");
    ADDR_NO(&np, "224.0.0.251", 5353, PROTO_UDP, NULL, "multicast address");
    ADDR_NO(&np, "ff02::fb", 5353, PROTO_UDP, NULL, "multicast address");
    ADDR_NO(&np, "64:ff9b::e000:fb", 5353, PROTO_UDP, NULL, "multicast address");
    ADDR_NO(&np, "255.255.255.255", 67, PROTO_UDP, NULL, "broadcast address");
    ADDR_NO(&np, "fe80::1", 443, PROTO_TCP, "www.example.com", "link-local address");
    /* Private ranges are not a denied class: the allow list decides. */
    ADDR_OK(&np, "10.0.0.5", 443, PROTO_TCP, NULL, "allowed by rule \"0.0.0.0/0\"");
    ADDR_OK(&np, "fd12::5", 443, PROTO_TCP, NULL, "allowed by rule \"::/0\"");
    netpolicy_free(&np);

    np = policy(LIST("fe80::/64", "169.254.0.0/16", "ff02::fb", "224.0.0.0/4"), NULL);
    ADDR_OK(&np, "fe80::1", 443, PROTO_TCP, NULL, "allowed by rule \"fe80::/64\"");
    ADDR_NO(&np, "fe80:1::1", 443, PROTO_TCP, NULL, "link-local address");
    ADDR_OK(&np, "169.254.1.1", 443, PROTO_TCP, NULL, "allowed by rule \"169.254.0.0/16\"");
    ADDR_NO(&np, "169.254.169.254", 80, PROTO_TCP, NULL, "metadata address");
    ADDR_OK(&np, "ff02::fb", 5353, PROTO_UDP, NULL, "allowed by rule \"ff02::fb\"");
    ADDR_OK(&np, "224.0.0.251", 5353, PROTO_UDP, NULL, "allowed by rule \"224.0.0.0/4\"");
    netpolicy_free(&np);
}

TEST(explicit_loopback_allow_is_exact)
{
    struct netpolicy np = policy(LIST("127.0.0.1", "*.example.com", "0.0.0.0/0"), NULL);
    ADDR_OK(&np, "127.0.0.1", 8080, PROTO_TCP, NULL, "allowed by rule \"127.0.0.1\"");
    ADDR_OK(&np, "::ffff:127.0.0.1", 8080, PROTO_TCP, NULL, "allowed by rule \"127.0.0.1\"");
    ADDR_OK(&np, "::127.0.0.1", 8080, PROTO_TCP, NULL, "allowed by rule \"127.0.0.1\"");
    ADDR_OK(&np, "127.1", 8080, PROTO_TCP, NULL, "allowed by rule \"127.0.0.1\"");
    ADDR_NO(&np, "127.0.0.2", 8080, PROTO_TCP, NULL, "loopback address");
    ADDR_NO(&np, "::1", 8080, PROTO_TCP, NULL, "loopback address");
    ADDR_NO(&np, "64:ff9b::7f00:1", 8080, PROTO_TCP, NULL, "loopback address");
    netpolicy_free(&np);

    np = policy(LIST("tcp://127.0.0.1:8080"), NULL);
    ADDR_OK(&np, "127.0.0.1", 8080, PROTO_TCP, NULL, "allowed by rule \"tcp://127.0.0.1:8080\"");
    ADDR_NO(&np, "127.0.0.1", 8081, PROTO_TCP, NULL, "loopback address");
    ADDR_NO(&np, "127.0.0.1", 8080, PROTO_UDP, NULL, "loopback address");
    netpolicy_free(&np);

    np = policy(LIST("127.0.0.0/8", "[::1]:631"), NULL);
    ADDR_OK(&np, "127.0.0.2", 80, PROTO_TCP, NULL, "allowed by rule \"127.0.0.0/8\"");
    ADDR_OK(&np, "::1", 631, PROTO_TCP, NULL, "allowed by rule \"[::1]:631\"");
    ADDR_NO(&np, "::1", 80, PROTO_TCP, NULL, "loopback address");
    netpolicy_free(&np);

    /* A CIDR that merely contains loopback does not list it. */
    np = policy(LIST("0.0.0.0/1", "::/0"), NULL);
    ADDR_NO(&np, "127.0.0.1", 80, PROTO_TCP, NULL, "loopback address");
    ADDR_NO(&np, "::1", 80, PROTO_TCP, NULL, "loopback address");
    netpolicy_free(&np);
}

TEST(hostname_rules_never_allow_special_addresses)
{
    /* DNS rebinding: an allowed name answering with a loopback or metadata address. */
    struct netpolicy np = policy(LIST("*.example.com", "api.example.org"), NULL);
    const char *targets[][2] = {{"127.0.0.1", "loopback address"},
                                {"::1", "loopback address"},
                                {"::ffff:127.0.0.1", "loopback address"},
                                {"169.254.169.254", "metadata address"},
                                {"fd00:ec2::254", "metadata address"},
                                {"fe80::1", "link-local address"},
                                {"0.0.0.0", "unspecified address"}};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        ADDR_NO(&np, targets[i][0], 443, PROTO_TCP, "rebind.example.com", targets[i][1]);
        ADDR_NO(&np, targets[i][0], 443, PROTO_TCP, "api.example.org", targets[i][1]);
    }
    ADDR_OK(&np, "93.184.216.34", 443, PROTO_TCP, "www.example.com",
            "allowed by rule \"*.example.com\"");
    ADDR_OK(&np, "2606:2800:220:1::", 443, PROTO_TCP, "API.Example.ORG.",
            "allowed by rule \"api.example.org\"");
    ADDR_NO(&np, "93.184.216.34", 443, PROTO_TCP, NULL, "not in allow list");
    ADDR_NO(&np, "93.184.216.34", 443, PROTO_TCP, "example.com", "not in allow list");
    ADDR_NO(&np, "93.184.216.34", 443, PROTO_TCP, "evil.test", "not in allow list");
    ADDR_NO(&np, "93.184.216.34", 443, PROTO_TCP, "bad name.example.com", "invalid host name");
    /* A literal in the hostname slot is not a name: the address alone decides. */
    ADDR_NO(&np, "93.184.216.34", 443, PROTO_TCP, "93.184.216.34", "not in allow list");
    /* Private addresses are not a special class: a name rule reaches them; deny the LAN
     * explicitly where that matters. */
    ADDR_OK(&np, "10.0.0.5", 443, PROTO_TCP, "git.example.com",
            "allowed by rule \"*.example.com\"");
    netpolicy_free(&np);
    np = policy(LIST("*.example.com"), LIST("10.0.0.0/8"));
    ADDR_NO(&np, "10.0.0.5", 443, PROTO_TCP, "git.example.com", "denied by rule \"10.0.0.0/8\"");
    netpolicy_free(&np);
}

TEST(ports_and_protocols)
{
    struct netpolicy np = policy(LIST("tcp://example.com:443", "udp://dns.example:53"), NULL);
    NAME_OK(&np, "example.com", 443, PROTO_TCP, "allowed by rule \"tcp://example.com:443\"");
    NAME_NO(&np, "example.com", 80, PROTO_TCP, "not in allow list");
    NAME_NO(&np, "example.com", 443, PROTO_UDP, "not in allow list");
    NAME_OK(&np, "example.com", 0, PROTO_ANY, "allowed by rule \"tcp://example.com:443\"");
    NAME_OK(&np, "dns.example", 53, PROTO_UDP, "allowed by rule \"udp://dns.example:53\"");
    NAME_NO(&np, "dns.example", 53, PROTO_TCP, "not in allow list");
    ADDR_OK(&np, "203.0.113.9", 443, PROTO_TCP, "example.com",
            "allowed by rule \"tcp://example.com:443\"");
    ADDR_NO(&np, "203.0.113.9", 8443, PROTO_TCP, "example.com", "not in allow list");
    netpolicy_free(&np);

    /* A port-specific deny does not stop the name resolving, only that port. */
    np = policy(LIST("example.com"), LIST("example.com:25", "udp://example.com"));
    NAME_OK(&np, "example.com", 0, PROTO_ANY, "allowed by rule \"example.com\"");
    NAME_NO(&np, "example.com", 25, PROTO_TCP, "denied by rule \"example.com:25\"");
    NAME_OK(&np, "example.com", 443, PROTO_TCP, "allowed by rule \"example.com\"");
    NAME_NO(&np, "example.com", 443, PROTO_UDP, "denied by rule \"udp://example.com\"");
    ADDR_NO(&np, "203.0.113.9", 25, PROTO_TCP, "example.com", "denied by rule \"example.com:25\"");
    netpolicy_free(&np);

    np = policy(LIST("203.0.113.0/24:443", "[2001:db8::]/32:443"), NULL);
    ADDR_OK(&np, "203.0.113.9", 443, PROTO_TCP, NULL, "allowed by rule \"203.0.113.0/24:443\"");
    ADDR_NO(&np, "203.0.113.9", 80, PROTO_TCP, NULL, "not in allow list");
    ADDR_OK(&np, "2001:db8::9", 443, PROTO_UDP, NULL, "allowed by rule \"[2001:db8::]/32:443\"");
    ADDR_NO(&np, "2001:db8::9", 444, PROTO_UDP, NULL, "not in allow list");
    netpolicy_free(&np);
}

TEST(deny_wins_over_allow)
{
    struct netpolicy np = policy(LIST("*.example.com", "203.0.113.0/24"),
                                 LIST("bad.example.com", "203.0.113.66"));
    NAME_NO(&np, "bad.example.com", 443, PROTO_TCP, "denied by rule \"bad.example.com\"");
    NAME_NO(&np, "BAD.Example.Com.", 0, PROTO_ANY, "denied by rule \"bad.example.com\"");
    NAME_OK(&np, "good.example.com", 443, PROTO_TCP, "allowed by rule \"*.example.com\"");
    NAME_OK(&np, "x.bad.example.com", 443, PROTO_TCP, "allowed by rule \"*.example.com\"");
    ADDR_NO(&np, "203.0.113.66", 443, PROTO_TCP, NULL, "denied by rule \"203.0.113.66\"");
    ADDR_NO(&np, "203.0.113.66", 443, PROTO_TCP, "good.example.com",
            "denied by rule \"203.0.113.66\"");
    /* Allowed by address, denied by the name it came from. */
    ADDR_NO(&np, "203.0.113.5", 443, PROTO_TCP, "bad.example.com",
            "denied by rule \"bad.example.com\"");
    ADDR_OK(&np, "203.0.113.5", 443, PROTO_TCP, NULL, "allowed by rule \"203.0.113.0/24\"");
    netpolicy_free(&np);

    np = policy(LIST("api.example.com"), LIST("*.example.com"));
    NAME_NO(&np, "api.example.com", 443, PROTO_TCP, "denied by rule \"*.example.com\"");
    netpolicy_free(&np);

    np = policy(LIST("198.51.100.0/24"), LIST("*"));
    NAME_NO(&np, "anything.example", 0, PROTO_ANY, "denied by rule \"*\"");
    ADDR_OK(&np, "198.51.100.7", 443, PROTO_TCP, NULL, "allowed by rule \"198.51.100.0/24\"");
    ADDR_NO(&np, "198.51.100.7", 443, PROTO_TCP, "x.example", "denied by rule \"*\"");
    netpolicy_free(&np);
}

/* Allow "*" with 0.0.0.0/0 and ::/0 is "everything", as mxc's egress default allow asks:
 * deny rules still win, and a name never opens loopback, link-local or metadata. */
TEST(allow_everything_keeps_denials)
{
    struct netpolicy np =
        policy(LIST("*", "0.0.0.0/0", "::/0"), LIST("bad.example", "203.0.113.0/24"));
    NAME_OK(&np, "anything.example", 443, PROTO_TCP, "allowed by rule \"*\"");
    NAME_NO(&np, "bad.example", 443, PROTO_TCP, "denied by rule \"bad.example\"");
    ADDR_OK(&np, "198.51.100.7", 80, PROTO_TCP, NULL, "allowed by rule \"0.0.0.0/0\"");
    ADDR_OK(&np, "2001:db8::7", 80, PROTO_UDP, NULL, "allowed by rule \"::/0\"");
    ADDR_NO(&np, "203.0.113.9", 443, PROTO_TCP, "good.example",
            "denied by rule \"203.0.113.0/24\"");
    ADDR_NO(&np, "::ffff:203.0.113.9", 443, PROTO_TCP, NULL,
            "denied by rule \"203.0.113.0/24\"");
    ADDR_NO(&np, "127.0.0.1", 80, PROTO_TCP, NULL, "loopback address");
    ADDR_NO(&np, "127.0.0.1", 80, PROTO_TCP, "rebound.example", "loopback address");
    ADDR_NO(&np, "169.254.169.254", 80, PROTO_TCP, "x.example", "metadata address");
    ADDR_NO(&np, "::1", 80, PROTO_TCP, NULL, "loopback address");
    netpolicy_free(&np);
}

TEST(names_and_idn)
{
    struct netpolicy np = policy(LIST("bücher.example", "*.wild.test"), LIST("evil.wild.test"));
    NAME_OK(&np, "xn--bcher-kva.example", 443, PROTO_TCP, "allowed by rule \"bücher.example\"");
    NAME_OK(&np, "BÜCHER.example.", 443, PROTO_TCP, "allowed by rule \"bücher.example\"");
    NAME_NO(&np, "bucher.example", 443, PROTO_TCP, "not in allow list");
    NAME_OK(&np, "a.wild.test", 443, PROTO_TCP, "allowed by rule \"*.wild.test\"");
    NAME_OK(&np, "a.b.wild.test", 443, PROTO_TCP, "allowed by rule \"*.wild.test\"");
    NAME_NO(&np, "wild.test", 443, PROTO_TCP, "not in allow list");
    NAME_NO(&np, "xwild.test", 443, PROTO_TCP, "not in allow list");
    NAME_NO(&np, "evilwild.test", 443, PROTO_TCP, "not in allow list");
    NAME_NO(&np, "evil.wild.test", 443, PROTO_TCP, "denied by rule \"evil.wild.test\"");
    NAME_NO(&np, "EVIL.wild.test.", 443, PROTO_TCP, "denied by rule \"evil.wild.test\"");
    NAME_NO(&np, "evil。wild。test", 443, PROTO_TCP, "denied by rule \"evil.wild.test\"");
    NAME_NO(&np, "bad name.wild.test", 443, PROTO_TCP, "invalid host name");
    NAME_NO(&np, "\xff.wild.test", 443, PROTO_TCP, "invalid host name");
    NAME_NO(&np, "", 443, PROTO_TCP, "invalid host name");
    NAME_NO(&np, NULL, 443, PROTO_TCP, "invalid host name");
    netpolicy_free(&np);
}

TEST(reason_text)
{
    struct netpolicy np = policy(LIST("0.0.0.0/0"), LIST("10.0.0.0/8"));
    struct net_addr a;
    struct verdict v;
    CHECK_INT(addr_parse("10.1.2.3", &a), 0);
    netpolicy_check_addr(&np, &a, 22, PROTO_TCP, NULL, &v);
    CHECK(!v.allowed);
    CHECK_STR(v.reason, "denied by rule \"10.0.0.0/8\"");
    CHECK(v.rule == &np.deny[0]);
    CHECK_INT(addr_parse("192.0.2.1", &a), 0);
    netpolicy_check_addr(&np, &a, 22, PROTO_TCP, NULL, &v);
    CHECK(v.allowed && v.rule == &np.allow[0]);
    netpolicy_free(&np);

    np = policy(NULL, NULL);
    netpolicy_check_addr(&np, &a, 22, PROTO_TCP, NULL, &v);
    CHECK(!v.allowed && v.rule == NULL);
    CHECK_STR(v.reason, "not in allow list");
    struct net_addr none = {0};
    netpolicy_check_addr(&np, &none, 22, PROTO_TCP, NULL, &v);
    CHECK(!v.allowed);
    CHECK_STR(v.reason, "not an IP address");
    netpolicy_free(&np);

    /* A long rule is cut inside the quotes; the verdict still reads. */
    char longname[260] = "";
    for (int i = 0; i < 3; i++)
        strcat(longname, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789.");
    strcat(longname, "example");
    np = policy(NULL, (const char *const[]){longname, NULL});
    netpolicy_check_name(&np, longname, 443, PROTO_TCP, &v);
    CHECK(strncmp(v.reason, "denied by rule \"abcdefghij", 26) == 0);
    CHECK(strlen(v.reason) < sizeof v.reason);
    CHECK(strstr(v.reason, "...\"") != NULL);
    netpolicy_free(&np);
}

int main(void)
{
    RUN(rule_syntax_forms);
    RUN(rule_syntax_refusals);
    RUN(policy_build_names_the_bad_entry);
    RUN(every_spelling_of_loopback_is_denied);
    RUN(denied_ipv4_in_every_ipv6_form);
    RUN(allowed_ipv4_in_mapped_and_compat_forms);
    RUN(metadata_addresses);
    RUN(special_classes_need_explicit_rules);
    RUN(explicit_loopback_allow_is_exact);
    RUN(hostname_rules_never_allow_special_addresses);
    RUN(ports_and_protocols);
    RUN(deny_wins_over_allow);
    RUN(allow_everything_keeps_denials);
    RUN(names_and_idn);
    RUN(reason_text);
    return UNIT_DONE();
}
