/* Unit tests for src/net/rules/addr.c: every spelling of an address, CIDRs, authorities. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "net/rules/addr.h"
#include "unit.h"

/* The address text parses; the test fails (and a zero address is returned) otherwise. */
static struct net_addr parsed(const char *text)
{
    struct net_addr a = {0};
    if (addr_parse(text, &a) < 0) {
        fprintf(stderr, "  cannot parse %s\n", text);
        unit_current_failed = 1;
    }
    return a;
}

static struct net_addr loose(const char *text)
{
    struct net_addr a = {0};
    if (addr_parse_loose_ipv4(text, &a) < 0) {
        fprintf(stderr, "  cannot loose-parse %s\n", text);
        unit_current_failed = 1;
    }
    return a;
}

static const char *fmt(const struct net_addr *a)
{
    static char buf[4][INET6_ADDRSTRLEN];
    static int k;
    char *b = buf[k++ % 4];
    if (addr_format(a, b, INET6_ADDRSTRLEN) < 0)
        snprintf(b, INET6_ADDRSTRLEN, "(family %d)", a->family);
    return b;
}

static const char *canon_text(const char *text)
{
    struct net_addr a = parsed(text), c;
    addr_canonical(&a, &c);
    return fmt(&c);
}

static const char *cidr_text(const struct net_cidr *c)
{
    static char buf[4][INET6_ADDRSTRLEN + 8];
    static int k;
    char *b = buf[k++ % 4];
    if (cidr_format(c, b, INET6_ADDRSTRLEN + 8) < 0)
        snprintf(b, 8, "(bad)");
    return b;
}

TEST(ipv4_strict_accepts_dotted_quads)
{
    struct net_addr a = parsed("203.0.113.9");
    CHECK_INT(a.family, AF_INET);
    CHECK(a.b[0] == 203 && a.b[1] == 0 && a.b[2] == 113 && a.b[3] == 9);
    CHECK(a.b[4] == 0 && a.b[15] == 0);
    CHECK_STR(fmt(&a), "203.0.113.9");
    const char *ok[] = {"0.0.0.0", "255.255.255.255", "10.0.0.1", "1.2.3.4", "100.64.0.0"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        a = parsed(ok[i]);
        CHECK_STR(fmt(&a), ok[i]);
    }
}

TEST(ipv4_strict_refuses_other_spellings)
{
    const char *bad[] = {
        "1.2.3", "01.2.3.4", "256.1.1.1", "1.2.3.4.5", "1.2.3.04", "1.2.3.", ".1.2.3",
        "1..2.3", "0x7f.0.0.1", "2130706433", "127.1", " 1.2.3.4", "1.2.3.4 ", "+1.2.3.4",
        "1.2.3.4/32", "", "1.2.3.-1", "1.2.3.4a", "1234.1.1.1", "[1.2.3.4]", "00.0.0.0",
        "1.2.3.0x4", "1.2.3.4\n", "017700000001", "0177.0.0.1", "1.2.3.256", "1,2,3,4",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct net_addr a;
        if (addr_parse(bad[i], &a) != -EINVAL) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
            unit_current_failed = 1;
        }
    }
    CHECK_INT(addr_parse(NULL, &(struct net_addr){0}), -EINVAL);
}

TEST(ipv6_agrees_with_inet_pton)
{
    const char *ok[] = {
        "::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:8:800:200C:417A", "ff01::101",
        "::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:ffff:7f00:1", "::127.0.0.1",
        "64:ff9b::7f00:1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:1.2.3.4", "fe80::1", "1:0:0:0:0:0:0:8", "0000:0000::0001", "a:b::c:d",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct net_addr a = parsed(ok[i]);
        uint8_t want[16];
        CHECK_INT(inet_pton(AF_INET6, ok[i], want), 1);
        CHECK_INT(a.family, AF_INET6);
        if (memcmp(a.b, want, 16) != 0) {
            fprintf(stderr, "  %s parsed as %s\n", ok[i], fmt(&a));
            unit_current_failed = 1;
        }
    }
    struct net_addr a = parsed("[2001:db8::1]");
    CHECK_STR(fmt(&a), "2001:db8::1");
}

TEST(ipv6_refuses_malformed)
{
    const char *bad[] = {
        ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:", ":1", "1:2:3:4:5:6:7:8::",
        "::1.2.3", "::01.2.3.4", "::1.2.3.4:5", "g::1", "[::1", "::1]", "[[::1]]",
        "1:2:3:4:5:6:7:1.2.3.4", "::ffff:256.1.1.1", "[::1]:80", "[]", "[", "1:2:3:4:5:6:7",
        "::1 ", "::1/128", "::ffff:1.2.3.4.5", "1.2.3.4::", "::0x1", "::-1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct net_addr a;
        if (addr_parse(bad[i], &a) != -EINVAL) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
            unit_current_failed = 1;
        }
    }
}

TEST(zone_ids_refused)
{
    const char *bad[] = {"fe80::1%eth0", "fe80::1%25eth0", "[fe80::1%25eth0]", "[fe80::1%eth0]",
                         "fe80::1%", "1.2.3.4%eth0", "fe80::1%1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct net_addr a;
        CHECK_INT(addr_parse(bad[i], &a), -EINVAL);
        struct net_cidr c;
        CHECK_INT(cidr_parse(bad[i], &c), -EINVAL);
    }
}

TEST(loose_ipv4_reads_what_inet_aton_reads)
{
    const char *spellings[][2] = {
        {"0x7f.1", "127.0.0.1"},        {"0177.0.0.1", "127.0.0.1"},
        {"2130706433", "127.0.0.1"},    {"127.1", "127.0.0.1"},
        {"017700000001", "127.0.0.1"},  {"0x7f000001", "127.0.0.1"},
        {"0X7F.0.0.01", "127.0.0.1"},   {"127.0.1", "127.0.0.1"},
        {"127.0.0.1", "127.0.0.1"},     {"0", "0.0.0.0"},
        {"4294967295", "255.255.255.255"},
        {"169.254.43518", "169.254.169.254"}, {"0xa9.0xfe.0xa9.0xfe", "169.254.169.254"},
        {"10.0x10000", "10.1.0.0"},
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        struct net_addr a = loose(spellings[i][0]);
        struct in_addr want;
        CHECK_INT(inet_aton(spellings[i][0], &want), 1);
        CHECK_STR(fmt(&a), spellings[i][1]);
        CHECK(memcmp(a.b, &want, 4) == 0);
    }
    const char *bad[] = {"08.0.0.1", "1.2.3.4.5", "256.1", "1.16777216", "4294967296",
                         "a.b",      "1.",        "",      ".1",         "1..1",
                         "0x1g",     "1x",        "-1",    "99999999999999999999", "::1",
                         "0x",       "0x.1",      "1.0x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct net_addr a;
        struct in_addr libc;
        if (addr_parse_loose_ipv4(bad[i], &a) != -EINVAL) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
            unit_current_failed = 1;
        }
        /* No trailing-space cases here: inet_aton stops at a space, getaddrinfo does not. */
        CHECK_INT(inet_aton(bad[i], &libc), 0);
    }
    /* inet_aton(3) ignores text after a space; getaddrinfo(3) (glibc >= 2.28,
     * __inet_aton_exact) does not, and neither do we. */
    struct net_addr a;
    CHECK_INT(addr_parse_loose_ipv4("127.1 x", &a), -EINVAL);
    CHECK_INT(addr_parse_loose_ipv4("127.0.0.1 ", &a), -EINVAL);
    char zeros[200];
    snprintf(zeros, sizeof zeros, "%0150d177.0.0.1", 0);
    struct in_addr libc;
    CHECK_INT(inet_aton(zeros, &libc), 1);
    CHECK_INT(addr_parse_loose_ipv4(zeros, &a), 0);
    CHECK_STR(fmt(&a), "127.0.0.1");
}

TEST(every_spelling_of_127_0_0_1_is_loopback)
{
    /* Canonicalisation alone makes these 127.0.0.1. */
    const char *direct[] = {"127.0.0.1",       "::ffff:127.0.0.1",      "[::ffff:127.0.0.1]",
                            "::ffff:7f00:1",   "0:0:0:0:0:ffff:7f00:1", "::127.0.0.1",
                            "::FFFF:7F00:0001"};
    struct net_addr lo = parsed("127.0.0.1");
    for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++) {
        struct net_addr a = parsed(direct[i]);
        CHECK_INT(addr_classify(&a), ADDR_LOOPBACK);
        CHECK(addr_equal(&a, &lo));
        CHECK_STR(canon_text(direct[i]), "127.0.0.1");
    }
    /* These carry it for a translator or relay: unwrapped for deny decisions. */
    const char *embedded[] = {"64:ff9b::7f00:1", "64:ff9b::127.0.0.1", "2002:7f00:1::",
                              "2002:7f00:1:1::5", "64:ff9b:1:7f00:0:100::",
                              "::ffff:0:127.0.0.1"};
    for (size_t i = 0; i < sizeof embedded / sizeof embedded[0]; i++) {
        struct net_addr a = parsed(embedded[i]), v4;
        CHECK(addr_unwrap_embedded_ipv4(&a, &v4));
        CHECK_STR(fmt(&v4), "127.0.0.1");
        CHECK_INT(addr_classify(&v4), ADDR_LOOPBACK);
        CHECK(!addr_equal(&a, &lo)); /* not the same address, only the same victim */
    }
    /* inet_aton spellings, recognised only as bypass attempts. */
    const char *loose_forms[] = {"0x7f.1", "0177.0.0.1", "2130706433", "127.1"};
    for (size_t i = 0; i < sizeof loose_forms / sizeof loose_forms[0]; i++) {
        struct net_addr a = loose(loose_forms[i]);
        CHECK_INT(addr_classify(&a), ADDR_LOOPBACK);
        CHECK(addr_equal(&a, &lo));
        CHECK_INT(addr_parse(loose_forms[i], &a), -EINVAL);
    }
    struct net_addr other = parsed("::ffff:127.255.0.9");
    CHECK_INT(addr_classify(&other), ADDR_LOOPBACK);
    other = parsed("::1");
    CHECK_INT(addr_classify(&other), ADDR_LOOPBACK);
}

TEST(canonical_form)
{
    CHECK_STR(canon_text("::ffff:203.0.113.9"), "203.0.113.9");
    CHECK_STR(canon_text("::203.0.113.9"), "203.0.113.9");
    CHECK_STR(canon_text("::ffff:0.0.0.0"), "0.0.0.0");
    CHECK_STR(canon_text("::"), "::");     /* unspecified, not 0.0.0.0 */
    CHECK_STR(canon_text("::1"), "::1");   /* loopback, not 0.0.0.1 */
    CHECK_STR(canon_text("::2"), "0.0.0.2"); /* compat; 0/8 is unspecified anyway */
    CHECK_STR(canon_text("64:ff9b::7f00:1"), "64:ff9b::7f00:1");
    CHECK_STR(canon_text("2001:db8::1"), "2001:db8::1");
    CHECK_STR(canon_text("::ffff:0:7f00:1"), "::ffff:0:7f00:1"); /* translated: not canonical */
    CHECK_STR(canon_text("1.2.3.4"), "1.2.3.4");
    struct net_addr a = parsed("::ffff:10.1.2.3");
    addr_canonical(&a, &a); /* in place */
    CHECK_INT(a.family, AF_INET);
    CHECK_STR(fmt(&a), "10.1.2.3");
    CHECK(a.b[4] == 0 && a.b[12] == 0);
}

TEST(unwrap_embedded_ipv4)
{
    const char *forms[][2] = {
        {"::ffff:203.0.113.9", "203.0.113.9"},      {"::203.0.113.9", "203.0.113.9"},
        {"::ffff:0:203.0.113.9", "203.0.113.9"},    {"64:ff9b::cb00:7109", "203.0.113.9"},
        {"64:ff9b::203.0.113.9", "203.0.113.9"},    {"64:ff9b:1:cb00:71:900::", "203.0.113.9"},
        {"64:ff9b:1:cb00:ff71:9ff:ffff:ffff", "203.0.113.9"}, /* u octet, suffix ignored */
        {"2002:cb00:7109::", "203.0.113.9"},        {"2002:cb00:7109:ffff::1", "203.0.113.9"},
        {"64:ff9b:1:a9fe:a9:fe00::", "169.254.169.254"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct net_addr a = parsed(forms[i][0]), v4 = {0};
        CHECK(addr_unwrap_embedded_ipv4(&a, &v4));
        CHECK_STR(fmt(&v4), forms[i][1]);
    }
    const char *none[] = {"2001:db8::1", "::1", "::", "203.0.113.9", "64:ff9b:0:0:1::1",
                          "64:ff9b:2::1", "2003::1", "fe80::1"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        struct net_addr a = parsed(none[i]), v4;
        if (addr_unwrap_embedded_ipv4(&a, &v4)) {
            fprintf(stderr, "  unwrapped %s to %s\n", none[i], fmt(&v4));
            unit_current_failed = 1;
        }
    }
}

TEST(classify)
{
    static const struct {
        const char *addr;
        enum addr_class cls;
    } cases[] = {
        {"169.254.169.254", ADDR_METADATA},  {"::ffff:169.254.169.254", ADDR_METADATA},
        {"::169.254.169.254", ADDR_METADATA}, {"[::ffff:a9fe:a9fe]", ADDR_METADATA},
        {"fd00:ec2::254", ADDR_METADATA},    {"100.100.100.200", ADDR_METADATA},
        {"168.63.129.16", ADDR_METADATA},    {"fd00:ec2::253", ADDR_PRIVATE},
        {"169.254.169.253", ADDR_LINK_LOCAL}, {"169.254.1.1", ADDR_LINK_LOCAL},
        {"fe80::1", ADDR_LINK_LOCAL},        {"febf:ffff::1", ADDR_LINK_LOCAL},
        {"fec0::1", ADDR_PRIVATE},           {"::", ADDR_UNSPECIFIED},
        {"0.0.0.0", ADDR_UNSPECIFIED},       {"0.1.2.3", ADDR_UNSPECIFIED},
        {"::ffff:0.0.0.0", ADDR_UNSPECIFIED}, {"224.0.0.1", ADDR_MULTICAST},
        {"239.255.255.250", ADDR_MULTICAST}, {"ff02::1", ADDR_MULTICAST},
        {"ff05::1:3", ADDR_MULTICAST},       {"::ffff:224.0.0.251", ADDR_MULTICAST},
        {"255.255.255.255", ADDR_BROADCAST}, {"10.1.2.3", ADDR_PRIVATE},
        {"172.16.0.1", ADDR_PRIVATE},        {"172.31.255.255", ADDR_PRIVATE},
        {"172.32.0.1", ADDR_GLOBAL},         {"172.15.255.255", ADDR_GLOBAL},
        {"192.168.1.1", ADDR_PRIVATE},       {"100.64.0.1", ADDR_PRIVATE},
        {"100.127.255.255", ADDR_PRIVATE},   {"100.128.0.1", ADDR_GLOBAL},
        {"fc00::1", ADDR_PRIVATE},           {"fd12:3456::1", ADDR_PRIVATE},
        {"fe00::1", ADDR_GLOBAL},            {"8.8.8.8", ADDR_GLOBAL},
        {"2001:4860:4860::8888", ADDR_GLOBAL}, {"127.255.255.255", ADDR_LOOPBACK},
        {"126.255.255.255", ADDR_GLOBAL},    {"128.0.0.0", ADDR_GLOBAL},
        {"::2", ADDR_UNSPECIFIED},           {"::ffff:10.0.0.1", ADDR_PRIVATE},
        {"64:ff9b::7f00:1", ADDR_GLOBAL}, /* only the decision unwraps it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct net_addr a = parsed(cases[i].addr);
        if (addr_classify(&a) != cases[i].cls) {
            fprintf(stderr, "  %s: %s, want %s\n", cases[i].addr,
                    addr_class_name(addr_classify(&a)), addr_class_name(cases[i].cls));
            unit_current_failed = 1;
        }
    }
    CHECK_STR(addr_class_name(ADDR_METADATA), "metadata");
    CHECK_STR(addr_class_name(ADDR_LINK_LOCAL), "link-local");
    CHECK_STR(addr_class_name(ADDR_LOOPBACK), "loopback");
    CHECK_STR(addr_class_name(ADDR_GLOBAL), "global");
}

TEST(format_and_equal)
{
    struct net_addr a = parsed("::ffff:127.0.0.1"), b = parsed("127.0.0.1");
    CHECK_STR(fmt(&a), "::ffff:127.0.0.1"); /* formatting does not canonicalise */
    char small[8];
    CHECK_INT(addr_format(&a, small, sizeof small), -ENOSPC);
    CHECK_INT(addr_format(&b, small, sizeof small), -ENOSPC);
    char exact[10];
    CHECK_INT(addr_format(&b, exact, sizeof exact), 0);
    CHECK_STR(exact, "127.0.0.1");
    CHECK_INT(addr_format(&(struct net_addr){0}, exact, sizeof exact), -EAFNOSUPPORT);
    CHECK(addr_equal(&a, &b));
    struct net_addr c = parsed("::127.0.0.1"), d = parsed("::1"), e = parsed("127.0.0.2");
    CHECK(addr_equal(&c, &b));
    CHECK(!addr_equal(&d, &b));
    CHECK(!addr_equal(&e, &b));
    struct net_addr f = parsed("2001:db8::1"), g = parsed("[2001:DB8:0::1]");
    CHECK(addr_equal(&f, &g));
}

TEST(cidr_parse_both_families)
{
    static const struct {
        const char *text, *want;
    } ok[] = {
        {"203.0.113.0/24", "203.0.113.0/24"}, {"2001:db8::/32", "2001:db8::/32"},
        {"[2001:db8::]/32", "2001:db8::/32"}, {"1.2.3.4", "1.2.3.4/32"},
        {"::1", "::1/128"},                   {"[::1]", "::1/128"},
        {"0.0.0.0/0", "0.0.0.0/0"},           {"::/0", "::/0"},
        {"1.2.3.4/32", "1.2.3.4/32"},         {"2001:db8::1/128", "2001:db8::1/128"},
        {"10.0.0.0/8", "10.0.0.0/8"},         {"fe80::/10", "fe80::/10"},
        {"172.16.0.0/12", "172.16.0.0/12"},   {"::ffff:0:0/96", "0.0.0.0/0"},
        {"::ffff:10.0.0.0/104", "10.0.0.0/8"}, {"::ffff:127.0.0.1", "127.0.0.1/32"},
        {"::ffff:127.0.0.1/128", "127.0.0.1/32"}, {"::127.0.0.1", "127.0.0.1/32"},
        {"[::ffff:203.0.113.0]/120", "203.0.113.0/24"}, {"::/80", "::/80"},
        {"128.0.0.0/1", "128.0.0.0/1"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct net_cidr c;
        CHECK_INT(cidr_parse(ok[i].text, &c), 0);
        CHECK_STR(cidr_text(&c), ok[i].want);
    }
    const char *bad[] = {"1.2.3.4/33",   "::/129",     "1.2.3.0/024",   "1.2.3.0/",
                         "/24",          "1.2.3.0/-1", "1.2.3.0/2x",    "203.0.113.9/24",
                         "2001:db8::1/32", "::/96",    "::/100",        "[1.2.3.0]/24",
                         "[2001:db8::/32]", "1.2.3/24", "1.2.3.0/24/1", "1.2.3.0/ 24",
                         "fe80::%eth0/64", "example.com/24", "",         "1.2.3.0/1000",
                         "128.0.0.0/0",  "::1/127"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct net_cidr c;
        if (cidr_parse(bad[i], &c) != -EINVAL) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
            unit_current_failed = 1;
        }
    }
}

TEST(cidr_host_bits_explained)
{
    struct net_cidr c = {0};
    const char *why;
    CHECK_INT(cidr_parse_explain("203.0.113.9/24", &c, &why), -EINVAL);
    CHECK_STR(why, "host bits are set after the prefix");
    CHECK_STR(cidr_text(&c), "203.0.113.0/24");
    CHECK_INT(cidr_parse_explain("2001:db8::1/32", &c, &why), -EINVAL);
    CHECK_STR(cidr_text(&c), "2001:db8::/32");
    CHECK_INT(cidr_parse_explain("1.2.3.4/33", &c, &why), -EINVAL);
    CHECK_STR(why, "prefix length must be 0-32");
    CHECK_INT(cidr_parse_explain("::/129", &c, &why), -EINVAL);
    CHECK_STR(why, "prefix length must be 0-128");
    CHECK_INT(cidr_parse_explain("::/96", &c, &why), -EINVAL);
    CHECK(strstr(why, "ambiguous") != NULL);
    CHECK_INT(cidr_parse_explain("10.0.0.0/8", &c, &why), 0);
    CHECK(why == NULL);
}

TEST(cidr_contains_across_spellings)
{
    struct net_cidr v4, v6, all4, all6, ll;
    CHECK_INT(cidr_parse("203.0.113.0/24", &v4), 0);
    CHECK_INT(cidr_parse("2001:db8::/32", &v6), 0);
    CHECK_INT(cidr_parse("0.0.0.0/0", &all4), 0);
    CHECK_INT(cidr_parse("::/0", &all6), 0);
    CHECK_INT(cidr_parse("fe80::/10", &ll), 0);
    const char *in4[] = {"203.0.113.0", "203.0.113.9", "203.0.113.255", "::ffff:203.0.113.9",
                         "::203.0.113.9", "[::ffff:cb00:7109]"};
    for (size_t i = 0; i < sizeof in4 / sizeof in4[0]; i++) {
        struct net_addr a = parsed(in4[i]);
        CHECK(cidr_contains(&v4, &a));
        CHECK(cidr_contains(&all4, &a));
        CHECK(!cidr_contains(&v6, &a));
        CHECK(!cidr_contains(&all6, &a)); /* mapped traffic is IPv4 traffic */
    }
    const char *out4[] = {"203.0.114.0", "203.0.112.255", "64:ff9b::cb00:7109", "2002:cb00:7109::"};
    for (size_t i = 0; i < sizeof out4 / sizeof out4[0]; i++) {
        struct net_addr a = parsed(out4[i]);
        CHECK(!cidr_contains(&v4, &a));
    }
    struct net_addr a = parsed("2001:db8:ffff::1"), b = parsed("2001:db9::"),
                    c = parsed("febf::1"), d = parsed("fec0::1");
    CHECK(cidr_contains(&v6, &a));
    CHECK(!cidr_contains(&v6, &b));
    CHECK(cidr_contains(&all6, &b));
    CHECK(cidr_contains(&ll, &c));
    CHECK(!cidr_contains(&ll, &d));
    struct net_cidr mapped;
    CHECK_INT(cidr_parse("::ffff:203.0.113.0/120", &mapped), 0);
    struct net_addr e = parsed("203.0.113.77");
    CHECK(cidr_contains(&mapped, &e));
}

TEST(cidr_within_and_classes)
{
    struct net_cidr c;
    CHECK_INT(cidr_parse("127.0.0.0/8", &c), 0);
    CHECK(cidr_within_class(&c, ADDR_LOOPBACK));
    CHECK_INT(cidr_parse("127.0.0.1", &c), 0);
    CHECK(cidr_within_class(&c, ADDR_LOOPBACK));
    CHECK_INT(cidr_parse("0.0.0.0/0", &c), 0);
    CHECK(!cidr_within_class(&c, ADDR_LOOPBACK));
    CHECK(!cidr_within_class(&c, ADDR_METADATA));
    CHECK_INT(cidr_parse("126.0.0.0/7", &c), 0);
    CHECK(!cidr_within_class(&c, ADDR_LOOPBACK));
    CHECK_INT(cidr_parse("169.254.0.0/16", &c), 0);
    CHECK(cidr_within_class(&c, ADDR_LINK_LOCAL));
    CHECK(!cidr_within_class(&c, ADDR_METADATA));
    CHECK_INT(cidr_parse("169.254.169.254", &c), 0);
    CHECK(cidr_within_class(&c, ADDR_METADATA));
    CHECK_INT(cidr_parse("::1", &c), 0);
    CHECK(cidr_within_class(&c, ADDR_LOOPBACK));
    CHECK_INT(cidr_parse("::/0", &c), 0);
    CHECK(!cidr_within_class(&c, ADDR_LOOPBACK));
    struct net_cidr inner, outer;
    CHECK_INT(cidr_parse("10.1.0.0/16", &inner), 0);
    CHECK_INT(cidr_parse("10.0.0.0/8", &outer), 0);
    CHECK(cidr_within(&inner, &outer));
    CHECK(!cidr_within(&outer, &inner));
}

TEST(authority_parse_forms)
{
    struct authority a;
    CHECK_INT(authority_parse("example.com:443", false, &a), 0);
    CHECK_STR(a.host, "example.com");
    CHECK(a.has_port && a.port == 443 && !a.is_ip);

    CHECK_INT(authority_parse("EXAMPLE.com.:8443", false, &a), 0);
    CHECK_STR(a.host, "example.com");
    CHECK_INT(a.port, 8443);

    CHECK_INT(authority_parse("[2001:db8::1]:443", false, &a), 0);
    CHECK(a.is_ip && a.has_port && a.port == 443);
    CHECK_STR(a.host, "2001:db8::1");
    CHECK_INT(a.ip.family, AF_INET6);

    CHECK_INT(authority_parse("[::ffff:203.0.113.9]:443", false, &a), 0);
    CHECK(a.is_ip);
    struct net_addr want = parsed("203.0.113.9");
    CHECK(addr_equal(&a.ip, &want));
    CHECK_INT(addr_classify(&a.ip), ADDR_GLOBAL);

    CHECK_INT(authority_parse("203.0.113.9:80", false, &a), 0);
    CHECK(a.is_ip && a.ip.family == AF_INET && a.port == 80);

    CHECK_INT(authority_parse("2001:db8::1", true, &a), 0);
    CHECK(a.is_ip && !a.has_port);
    CHECK_STR(a.host, "2001:db8::1");
    /* Never address + port: this is the address 2001:db8::1:443. */
    CHECK_INT(authority_parse("2001:db8::1:443", true, &a), 0);
    CHECK(a.is_ip && !a.has_port);
    CHECK_STR(a.host, "2001:db8::1:443");
    CHECK_INT(authority_parse("2001:db8::1:443", false, &a), -EINVAL);

    CHECK_INT(authority_parse("example.com", true, &a), 0);
    CHECK(!a.has_port && !a.is_ip);
    CHECK_INT(authority_parse("example.com", false, &a), -EINVAL);
    CHECK_INT(authority_parse("[::1]", true, &a), 0);
    CHECK(a.is_ip && addr_classify(&a.ip) == ADDR_LOOPBACK);
    CHECK_INT(authority_parse("host:65535", false, &a), 0);
    CHECK_INT(a.port, 65535);
    CHECK_INT(authority_parse("host:1", false, &a), 0);

    CHECK_INT(authority_parse("bücher.example:443", false, &a), 0);
    CHECK_STR(a.host, "xn--bcher-kva.example");
}

TEST(authority_inet_aton_spellings_are_addresses)
{
    const char *forms[] = {"0x7f.1:80", "127.1:80", "2130706433:80", "0177.0.0.1:80",
                           "127.1.:80", "0X7F000001:80", "１２７.０.０.１:80"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct authority a;
        CHECK_INT(authority_parse(forms[i], false, &a), 0);
        CHECK(a.is_ip);
        CHECK_STR(a.host, "127.0.0.1");
        CHECK_INT(addr_classify(&a.ip), ADDR_LOOPBACK);
    }
}

TEST(authority_refusals)
{
    const char *bad[] = {
        "[fe80::1%25eth0]:80", "[fe80::1%eth0]:80", "fe80::1%eth0", "host:0", "host:65536",
        "host:", ":443", "host:+80", "host:080", "host:80x", "host:-1", "[1.2.3.4]:80",
        "[::1]x", "[::1", "::1]", "user@host:80", "a b:80", "", "[]:80", "[example.com]:80",
        "host:80:90", "host:99999999999", "exa_mple..com:80", "host/path:80", "[::1]:",
        "2001:db8::1]:443",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct authority a;
        if (authority_parse(bad[i], true, &a) != -EINVAL) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
            unit_current_failed = 1;
        }
    }
    uint16_t port;
    CHECK_INT(addr_port_parse("0443", 4, &port), -EINVAL);
    CHECK_INT(addr_port_parse("443", 3, &port), 0);
    CHECK_INT(port, 443);
    CHECK_INT(addr_port_parse("", 0, &port), -EINVAL);
}

TEST(socket_addresses_round_trip_in_both_families)
{
    const char *texts[] = { "198.51.100.10", "2001:db8::10" };
    for (size_t i = 0; i < 2; i++) {
        struct net_addr a, back;
        uint16_t port = 0;
        CHECK_INT(addr_parse(texts[i], &a), 0);
        struct sockaddr_storage ss;
        socklen_t len = addr_to_sockaddr(&a, 4433, &ss);
        CHECK_INT(ss.ss_family, a.family);
        CHECK_INT(len, a.family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
        char buf[INET6_ADDRSTRLEN];
        const void *raw = a.family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                               : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
        CHECK_STR(inet_ntop(a.family, raw, buf, sizeof buf), texts[i]);
        addr_from_sockaddr(&ss, &back, &port);
        CHECK_INT(port, 4433);
        CHECK_INT(back.family, a.family);
        CHECK(addr_equal(&a, &back));
    }
}

TEST(ipv4_compat_prefix)
{
    struct net_cidr c, compat;
    char text[64];
    CHECK_INT(cidr_parse("198.51.100.0/24", &c), 0);
    CHECK(cidr_ipv4_compat(&c, &compat));
    CHECK_INT(cidr_format(&compat, text, sizeof text), 0);
    CHECK_STR(text, "::198.51.100.0/120");
    struct net_addr a;
    CHECK_INT(addr_parse("::198.51.100.7", &a), 0);
    /* What the kernel sees (the IPv6 packet) is inside it... */
    struct net_addr raw = a;
    CHECK(raw.family == AF_INET6);
    CHECK_INT(memcmp(raw.b + 12, "\xc6\x33\x64\x07", 4), 0);
    /* ... and what the supervisor judges is the IPv4 address the rule names. */
    struct net_addr canon;
    addr_canonical(&a, &canon);
    CHECK(cidr_contains(&c, &canon));
    CHECK_INT(cidr_parse("2001:db8::/32", &c), 0);
    CHECK(!cidr_ipv4_compat(&c, &compat));
}

int main(void)
{
    RUN(ipv4_compat_prefix);
    RUN(socket_addresses_round_trip_in_both_families);
    RUN(ipv4_strict_accepts_dotted_quads);
    RUN(ipv4_strict_refuses_other_spellings);
    RUN(ipv6_agrees_with_inet_pton);
    RUN(ipv6_refuses_malformed);
    RUN(zone_ids_refused);
    RUN(loose_ipv4_reads_what_inet_aton_reads);
    RUN(every_spelling_of_127_0_0_1_is_loopback);
    RUN(canonical_form);
    RUN(unwrap_embedded_ipv4);
    RUN(classify);
    RUN(format_and_equal);
    RUN(cidr_parse_both_families);
    RUN(cidr_host_bits_explained);
    RUN(cidr_contains_across_spellings);
    RUN(cidr_within_and_classes);
    RUN(authority_parse_forms);
    RUN(authority_inet_aton_spellings_are_addresses);
    RUN(authority_refusals);
    return UNIT_DONE();
}
