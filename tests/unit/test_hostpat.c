/* Unit tests for src/net/rules/hostpat.c and src/net/rules/punycode.c: name normalisation, IDN, host
 * patterns and wildcard matching. */
#include <errno.h>
#include <stdlib.h>

#include "net/rules/hostpat.h"
#include "net/rules/punycode.h"
#include "unit.h"

static const char *norm(const char *in)
{
    static char buf[4][HOSTNAME_MAX + 1];
    static int k;
    char *b = buf[k++ % 4];
    if (hostname_normalize(in, b, HOSTNAME_MAX + 1) < 0)
        snprintf(b, HOSTNAME_MAX + 1, "(refused)");
    return b;
}

static struct host_pattern pat(const char *text, bool for_allow)
{
    struct host_pattern p = {0};
    struct moat_error err = {0};
    if (hostpat_parse(text, for_allow, &p, &err) < 0) {
        fprintf(stderr, "  cannot parse pattern %s: %s\n", text, err.msg);
        unit_current_failed = 1;
    }
    return p;
}

/* The pattern is refused, and the message mentions `needle`. */
static void check_refused(const char *text, bool for_allow, const char *needle, int line)
{
    struct host_pattern p;
    struct moat_error err = {0};
    int r = hostpat_parse(text, for_allow, &p, &err);
    if (r != -EINVAL || err.code != -EINVAL || !strstr(err.msg, needle)) {
        fprintf(stderr, "  line %d: \"%s\" (%s): r=%d msg=\"%s\", want \"%s\"\n", line, text,
                for_allow ? "allow" : "deny", r, err.msg, needle);
        unit_current_failed = 1;
    }
}
#define REFUSED(text, for_allow, needle) check_refused(text, for_allow, needle, __LINE__)

static const char *puny(const uint32_t *cp, size_t n)
{
    static char buf[256];
    if (punycode_encode(cp, n, buf, sizeof buf) < 0)
        snprintf(buf, sizeof buf, "(failed)");
    return buf;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* n CJK ideographs U+4E00 + 37i, as UTF-8 (3 bytes each). */
static void cjk_label(char *out, int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t c = 0x4E00 + 37 * (uint32_t)i;
        *out++ = (char)(0xE0 | (c >> 12));
        *out++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *out++ = (char)(0x80 | (c & 0x3F));
    }
    *out = '\0';
}

TEST(normalize_case_and_trailing_dot)
{
    CHECK_STR(norm("Example.COM."), "example.com");
    CHECK_STR(norm("example.com"), "example.com");
    CHECK_STR(norm("LOCALHOST"), "localhost");
    CHECK_STR(norm("_dmarc.Example.com"), "_dmarc.example.com"); /* '_' is on the wire */
    CHECK_STR(norm("-a.example"), "-a.example");
    CHECK_STR(norm("127.0.0.1"), "127.0.0.1"); /* literals stay text; callers test for them */
    const char *bad[] = {"example.com..", ".", "", "a..b", ".a", "a b", "a/b", "a:b", "a@b",
                         "exa%mple.com", "a\tb", "a*b", "[::1]", "..", "a.b\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[HOSTNAME_MAX + 1];
        if (hostname_normalize(bad[i], out, sizeof out) != -EINVAL) {
            fprintf(stderr, "  accepted \"%s\" as \"%s\"\n", bad[i], out);
            unit_current_failed = 1;
        }
    }
    char small[5];
    CHECK_INT(hostname_normalize("example.com", small, sizeof small), -ENOSPC);
    CHECK_INT(hostname_normalize(NULL, small, sizeof small), -EINVAL);
}

TEST(normalize_lengths)
{
    char *l63 = repeat('a', 63), *l64 = repeat('a', 64);
    char name[600];
    snprintf(name, sizeof name, "%s.example", l63);
    CHECK_STR(norm(name), name);
    snprintf(name, sizeof name, "%s.example", l64);
    CHECK_STR(norm(name), "(refused)");
    /* 253 characters is the longest name: four labels of 63 and one of 1 (+ 4 dots = 257)
     * is too long, 3 x 63 + 61 + 3 dots = 253 is not. */
    char *l61 = repeat('b', 61), *l62 = repeat('b', 62);
    snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l61);
    CHECK_INT(strlen(name), 253);
    CHECK_STR(norm(name), name);
    snprintf(name, sizeof name, "%s.%s.%s.%s.", l63, l63, l63, l61); /* + root dot */
    CHECK_INT(strcmp(norm(name), "(refused)") != 0, 1);
    snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l62);
    CHECK_STR(norm(name), "(refused)");
    free(l63), free(l64), free(l61), free(l62);
}

TEST(normalize_idn_and_unicode_dots)
{
    CHECK_STR(norm("bücher.example"), "xn--bcher-kva.example");
    CHECK_STR(norm("BÜCHER.example"), "xn--bcher-kva.example");
    CHECK_STR(norm("Bücher.Example."), "xn--bcher-kva.example");
    CHECK_STR(norm("münchen.de"), "xn--mnchen-3ya.de");
    CHECK_STR(norm("пример.испытание"), "xn--e1afmkfd.xn--80akhbyknj4f");
    CHECK_STR(norm("ПРИМЕР.испытание"), "xn--e1afmkfd.xn--80akhbyknj4f");
    CHECK_STR(norm("παράδειγμα.δοκιμή"), "xn--hxajbheg2az3al.xn--jxalpdlp");
    CHECK_STR(norm("ΠΑΡΆΔΕΙΓΜΑ.δοκιμή"), "xn--hxajbheg2az3al.xn--jxalpdlp");
    CHECK_STR(norm("中国.example"), "xn--fiqs8s.example");
    CHECK_STR(norm("例え.テスト"), "xn--r8jz45g.xn--zckzah");
    CHECK_STR(norm("españa.es"), "xn--espaa-rta.es");
    CHECK_STR(norm("faß.de"), "xn--fa-hia.de"); /* IDNA2008 keeps ß */
    CHECK_STR(norm("日本語.jp"), "xn--wgv71a119e.jp");
    /* Full stops that UTS #46 treats as '.', and fullwidth ASCII. */
    CHECK_STR(norm("example。com"), "example.com");
    CHECK_STR(norm("example．com"), "example.com");
    CHECK_STR(norm("example｡com"), "example.com");
    CHECK_STR(norm("ＥＸＡＭＰＬＥ．ｃｏｍ"), "example.com");
    CHECK_STR(norm("bücher。example。"), "xn--bcher-kva.example");
    /* Already-encoded names pass through lower-cased. */
    CHECK_STR(norm("XN--BCHER-KVA.example"), "xn--bcher-kva.example");
}

TEST(normalize_refuses_bad_utf8_and_noncanonical_forms)
{
    const char *bad[] = {
        "\xff.example",         /* not UTF-8 */
        "b\xc3.example",        /* truncated sequence */
        "\xc0\xaf.example",     /* overlong '/' */
        "\xc1\xa1.example",     /* overlong 'a': must not become "a.example" */
        "\xe0\x81\xa1.example", /* overlong 'a', 3 bytes */
        "\xf0\x80\x81\xa1.example", /* overlong 'a', 4 bytes */
        "\xe0\x80\xaf.example", /* overlong, 3 bytes */
        "\xed\xa0\x80.example", /* surrogate U+D800 */
        "\xf4\x90\x80\x80.example", /* above U+10FFFF */
        "\xf8\x88\x80\x80\x80.example", /* 5-byte form */
        "\x80.example",         /* lone continuation byte */
        "bu\xcc\x88" "cher.example", /* u + COMBINING DIAERESIS: not NFC */
        "a\xe2\x80\x8d" "b.example", /* ZERO WIDTH JOINER */
        "\xc2\xa0.example",     /* NO-BREAK SPACE */
        "ex\xc2\xad" "ample.com", /* SOFT HYPHEN: invisible */
        "\xe2\x84\xaa.example", /* KELVIN SIGN */
        "\xef\xac\x81.example", /* LATIN SMALL LIGATURE FI */
        "\xf0\x9d\x90\x9a.example", /* MATHEMATICAL BOLD SMALL A */
        "\xf0\x9f\x98\x80.example", /* an emoji */
        "\xc4\xb0stanbul.example",  /* I WITH DOT ABOVE: lower-cases to two code points */
        "xn--b\xc3\xbc.example",    /* "--" in positions 3-4 with non-ASCII */
        "\xef\xbf\xbe.example",     /* noncharacter U+FFFE */
        "\xee\x80\x80.example",     /* private use */
        "a\xef\xbc\x8f" "b.example", /* FULLWIDTH SOLIDUS becomes '/' */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[HOSTNAME_MAX + 1];
        if (hostname_normalize(bad[i], out, sizeof out) != -EINVAL) {
            fprintf(stderr, "  accepted case %zu as \"%s\"\n", i, out);
            unit_current_failed = 1;
        }
    }
    const char *why = NULL;
    char out[64];
    CHECK_INT(punycode_name_to_ascii("\xff", out, sizeof out, &why), -EINVAL);
    CHECK_STR(why, "invalid UTF-8");
    CHECK_INT(punycode_name_to_ascii("bu\xcc\x88" "cher", out, sizeof out, &why), -EINVAL);
    CHECK(why && strstr(why, "NFC"));
}

TEST(punycode_rfc3492_samples)
{
    /* RFC 3492 §7.1; the encoder keeps the case of basic code points. */
    static const uint32_t arabic[] = {0x0644, 0x064A, 0x0647, 0x0645, 0x0627, 0x0628,
                                      0x062A, 0x0643, 0x0644, 0x0645, 0x0648, 0x0634,
                                      0x0639, 0x0631, 0x0628, 0x064A, 0x061F};
    CHECK_STR(puny(arabic, sizeof arabic / 4), "egbpdaj6bu4bxfgehfvwxn");
    static const uint32_t chinese_s[] = {0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48,
                                         0x4E0D, 0x8BF4, 0x4E2D, 0x6587};
    CHECK_STR(puny(chinese_s, sizeof chinese_s / 4), "ihqwcrb4cv8a8dqg056pqjye");
    static const uint32_t chinese_t[] = {0x4ED6, 0x5011, 0x7232, 0x4EC0, 0x9EBD,
                                         0x4E0D, 0x8AAA, 0x4E2D, 0x6587};
    CHECK_STR(puny(chinese_t, sizeof chinese_t / 4), "ihqwctvzc91f659drss3x8bo0yb");
    static const uint32_t russian[] = {0x043F, 0x043E, 0x0447, 0x0435, 0x043C, 0x0443, 0x0436,
                                       0x0435, 0x043E, 0x043D, 0x0438, 0x043D, 0x0435, 0x0433,
                                       0x043E, 0x0432, 0x043E, 0x0440, 0x044F, 0x0442, 0x043F,
                                       0x043E, 0x0440, 0x0443, 0x0441, 0x0441, 0x043A, 0x0438};
    CHECK_STR(puny(russian, sizeof russian / 4), "b1abfaaepdrnnbgefbadotcwatmq2g4l");
    static const uint32_t japanese[] = {0x306A, 0x305C, 0x307F, 0x3093, 0x306A, 0x65E5,
                                        0x672C, 0x8A9E, 0x3092, 0x8A71, 0x3057, 0x3066,
                                        0x304F, 0x308C, 0x306A, 0x3044, 0x306E, 0x304B};
    CHECK_STR(puny(japanese, sizeof japanese / 4), "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa");
    static const uint32_t kinpachi[] = {'3', 0x5E74, 'B', 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F};
    CHECK_STR(puny(kinpachi, sizeof kinpachi / 4), "3B-ww4c5e180e575a65lsy2b");
    static const uint32_t pafii[] = {0x30D1, 0x30D5, 0x30A3, 0x30FC, 'd', 'e', 0x30EB, 0x30F3,
                                     0x30D0};
    CHECK_STR(puny(pafii, sizeof pafii / 4), "de-jg4avhby1noc0d");
    static const uint32_t sono[] = {0x305D, 0x306E, 0x30B9, 0x30D4, 0x30FC, 0x30C9, 0x3067};
    CHECK_STR(puny(sono, sizeof sono / 4), "d9juau41awczczp");
    static const uint32_t dollar[] = {'-', '>', ' ', '$', '1', '.', '0', '0', ' ', '<', '-'};
    CHECK_STR(puny(dollar, sizeof dollar / 4), "-> $1.00 <--");
    static const uint32_t spanish[] = {'P', 'o', 'r', 'q', 'u', 0xE9, 'n', 'o', 'p', 'u', 'e',
                                       'd', 'e', 'n', 's', 'i', 'm', 'p', 'l', 'e', 'm', 'e',
                                       'n', 't', 'e', 'h', 'a', 'b', 'l', 'a', 'r', 'e', 'n',
                                       'E', 's', 'p', 'a', 0xF1, 'o', 'l'};
    CHECK_STR(puny(spanish, sizeof spanish / 4), "PorqunopuedensimplementehablarenEspaol-fmd56a");
    static const uint32_t buecher[] = {'b', 0xFC, 'c', 'h', 'e', 'r'};
    CHECK_STR(puny(buecher, 6), "bcher-kva");
}

TEST(punycode_encoder_limits)
{
    static const uint32_t buecher[] = {'b', 0xFC, 'c', 'h', 'e', 'r'};
    char out[16];
    CHECK_INT(punycode_encode(buecher, 6, out, 9), -ENOSPC); /* "bcher-kva" needs 10 */
    CHECK_INT(punycode_encode(buecher, 6, out, 10), 0);
    CHECK_STR(out, "bcher-kva");
    CHECK_INT(punycode_encode(buecher, 6, out, 0), -ENOSPC);
    static const uint32_t high[] = {0x110000};
    CHECK_INT(punycode_encode(high, 1, out, sizeof out), -EINVAL);
    static const uint32_t surrogate[] = {'a', 0xD800};
    CHECK_INT(punycode_encode(surrogate, 2, out, sizeof out), -EINVAL);
    CHECK_INT(punycode_encode(buecher, 0, out, sizeof out), 0);
    CHECK_STR(out, "");
    /* 27 such ideographs encode to 59 octets, "xn--" + 59 = 63: the longest label; one
     * more is refused, not truncated. */
    char name[256];
    cjk_label(name, 27);
    CHECK_INT(strlen(norm(name)), 63);
    cjk_label(name, 28);
    char big[300];
    const char *why = NULL;
    CHECK_INT(punycode_name_to_ascii(name, big, sizeof big, &why), -EINVAL);
    CHECK(why && strstr(why, "63"));
    CHECK_STR(norm(name), "(refused)");
}

TEST(pattern_case_dot_and_wildcard)
{
    struct host_pattern p = pat("Example.COM.", true);
    CHECK_STR(p.name, "example.com");
    CHECK(!p.wildcard);
    CHECK(hostpat_match(&p, "example.com"));
    CHECK(hostpat_match(&p, "EXAMPLE.com."));
    CHECK(!hostpat_match(&p, "www.example.com"));
    CHECK(!hostpat_match(&p, "example.co"));
    CHECK(!hostpat_match(&p, "xexample.com"));
    CHECK(!hostpat_match(&p, "example.com.evil"));
    CHECK(!hostpat_match(&p, NULL));

    p = pat("*.wild.test", true);
    CHECK(p.wildcard);
    CHECK_STR(p.name, "wild.test");
    CHECK(hostpat_match(&p, "a.wild.test"));
    CHECK(hostpat_match(&p, "a.b.wild.test"));
    CHECK(hostpat_match(&p, "A.WILD.TEST."));
    CHECK(!hostpat_match(&p, "wild.test"));
    CHECK(!hostpat_match(&p, "xwild.test"));
    CHECK(!hostpat_match(&p, "evilwild.test")); /* a suffix, but not at a label boundary */
    CHECK(!hostpat_match(&p, "a.evilwild.test"));
    CHECK(!hostpat_match(&p, ".wild.test"));
    CHECK(!hostpat_match(&p, "wild.test.evil"));
    CHECK(!hostpat_match(&p, "a.wild.testx"));
    CHECK(!hostpat_match(&p, "a..wild.test"));
    CHECK(hostpat_match_normalized(&p, "x.wild.test"));
}

TEST(pattern_wildcards_refused_for_allow)
{
    REFUSED("*.com", true, "top-level domain");
    REFUSED("*.COM.", true, "top-level domain");
    struct host_pattern all = pat("*", false);
    CHECK(all.wildcard);
    CHECK_STR(all.name, "");
    CHECK(hostpat_match(&all, "anything.example"));
    CHECK(hostpat_match(&all, "localhost"));
    CHECK(!hostpat_match(&all, ""));
    struct host_pattern root = pat("*.", false); /* "*" with the root's dot */
    CHECK(root.wildcard && root.name[0] == '\0');
    /* "*" alone is every name, allowed or denied alike (deny rules and the address
     * classes still apply: netrule's business). */
    struct host_pattern any = pat("*", true);
    CHECK(any.wildcard && any.name[0] == '\0');
    CHECK(hostpat_match(&any, "anything.example"));
    CHECK(!hostpat_match(&any, ""));
    struct host_pattern com = pat("*.com", false);
    CHECK(hostpat_match(&com, "example.com"));
    CHECK(!hostpat_match(&com, "com"));
    struct host_pattern two = pat("*.co.uk", true); /* no public-suffix list: allowed */
    CHECK(hostpat_match(&two, "example.co.uk"));
    for (int allow = 0; allow <= 1; allow++) {
        REFUSED("a.*.test", allow, "first label");
        REFUSED("*a.test", allow, "first label");
        REFUSED("**.test", allow, "first label");
        REFUSED("*.*.test", allow, "first label");
        REFUSED("a.test.*", allow, "first label");
        REFUSED("*..", allow, "empty");
    }
}

TEST(pattern_refuses_ip_literals_and_numbers)
{
    for (int allow = 0; allow <= 1; allow++) {
        REFUSED("1.2.3.4", allow, "IP address");
        REFUSED("::1", allow, "IP address");
        REFUSED("[::1]", allow, "IP address");
        REFUSED("0x7f.1", allow, "IP address");
        REFUSED("2130706433", allow, "IP address");
        REFUSED("127.1", allow, "IP address");
        REFUSED("０x７ｆ.１", allow, "IP address");
        REFUSED("*.0.0.1", allow, "IP address after the wildcard");
        REFUSED("example.123", allow, "all digits");
        REFUSED("1.2.3.256", allow, "all digits");
    }
}

TEST(pattern_label_rules)
{
    for (int allow = 0; allow <= 1; allow++) {
        REFUSED("bad_host.example", allow, "a-z, 0-9 and '-'");
        REFUSED("-a.example", allow, "starts or ends with '-'");
        REFUSED("a-.example", allow, "starts or ends with '-'");
        REFUSED("a..example", allow, "empty label");
        REFUSED(".example", allow, "empty label");
        REFUSED("", allow, "empty");
        REFUSED("exa mple.com", allow, "a-z");
        REFUSED("example.com:443", allow, "a-z");
        REFUSED("\xff.example", allow, "invalid UTF-8");
        REFUSED("bu\xcc\x88" "cher.example", allow, "NFC");
    }
    char *l64 = repeat('a', 64), text[128];
    snprintf(text, sizeof text, "%s.example", l64);
    REFUSED(text, true, "longer than 63");
    free(l64);
    char *l63 = repeat('a', 63), long_name[600];
    snprintf(long_name, sizeof long_name, "%s.%s.%s.%s.x", l63, l63, l63, l63);
    REFUSED(long_name, true, "longer than 253");
    struct host_pattern hp;
    struct moat_error err = {0};
    CHECK_INT(hostpat_parse(long_name, true, &hp, &err), -EINVAL);
    size_t ml = strlen(err.msg), tl = strlen("253 characters (RFC 1035 §2.3.4)");
    CHECK(ml > tl && strcmp(err.msg + ml - tl, "253 characters (RFC 1035 §2.3.4)") == 0);
    free(l63);
    struct host_pattern p = pat("a-b.x-y.example", true);
    CHECK_STR(p.name, "a-b.x-y.example");
    p = pat("localhost", true); /* allowed as a name; the address check still refuses it */
    CHECK_STR(p.name, "localhost");
}

TEST(pattern_idn)
{
    struct host_pattern p = pat("bücher.example", true);
    CHECK_STR(p.name, "xn--bcher-kva.example");
    CHECK(hostpat_match(&p, "xn--bcher-kva.example"));
    CHECK(hostpat_match(&p, "BÜCHER.example."));
    CHECK(hostpat_match(&p, "XN--BCHER-KVA.EXAMPLE"));
    p = pat("*.Bücher.example", true);
    CHECK_STR(p.name, "xn--bcher-kva.example");
    CHECK(hostpat_match(&p, "www.xn--bcher-kva.example"));
    CHECK(!hostpat_match(&p, "www.bucher.example"));
    p = pat("XN--BCHER-KVA.example", false);
    CHECK_STR(p.name, "xn--bcher-kva.example");
    p = pat("ПРИМЕР.испытание", false);
    CHECK_STR(p.name, "xn--e1afmkfd.xn--80akhbyknj4f");
    REFUSED("*.中国", true, "top-level domain"); /* one label, even as a U-label */
}

int main(void)
{
    RUN(normalize_case_and_trailing_dot);
    RUN(normalize_lengths);
    RUN(normalize_idn_and_unicode_dots);
    RUN(normalize_refuses_bad_utf8_and_noncanonical_forms);
    RUN(punycode_rfc3492_samples);
    RUN(punycode_encoder_limits);
    RUN(pattern_case_dot_and_wildcard);
    RUN(pattern_wildcards_refused_for_allow);
    RUN(pattern_refuses_ip_literals_and_numbers);
    RUN(pattern_label_rules);
    RUN(pattern_idn);
    return UNIT_DONE();
}
