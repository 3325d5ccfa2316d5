/* Fuzz target: host names and host patterns (src/net/rules/hostpat.c).  The input is one
 * string, as a policy pattern or a name from the wire (DNS query, CONNECT, SNI) would carry
 * it.  Checks that normalisation is idempotent and yields only what patterns are matched
 * against, that a parsed pattern matches exactly the names it says, and that a pattern good
 * enough to allow is good enough to deny. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "moat.h"
#include "net/rules/addr.h"
#include "net/rules/hostpat.h"
#include "util/cleanup.h"

static bool wire_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > HOSTNAME_MAX || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return false;
    for (const char *l = s; l;) {
        const char *dot = strchr(l, '.');
        size_t len = dot ? (size_t)(dot - l) : strlen(l);
        if (len == 0 || len > 63)
            return false;
        l = dot ? dot + 1 : NULL;
    }
    return true;
}

static void check_normalize(const char *text)
{
    char out[HOSTNAME_MAX + 1], again[HOSTNAME_MAX + 1], small[8];
    int r = hostname_normalize(text, out, sizeof out);
    FUZZ_CHECK(r == 0 || r == -EINVAL); /* 253 always fits */
    if (r < 0)
        return;
    FUZZ_CHECKF(wire_name_ok(out), "\"%s\" normalised to \"%s\"", text, out);
    FUZZ_CHECKF(hostname_normalize(out, again, sizeof again) == 0 && strcmp(out, again) == 0,
                "\"%s\" -> \"%s\" -> \"%s\"", text, out, again);
    /* A trailing dot (the absolute form) is the same name. */
    char dotted[HOSTNAME_MAX + 2];
    snprintf(dotted, sizeof dotted, "%s.", out);
    FUZZ_CHECK(hostname_normalize(dotted, again, sizeof again) == 0 && strcmp(out, again) == 0);
    /* Too small a buffer is said, never overrun. */
    r = hostname_normalize(text, small, sizeof small);
    FUZZ_CHECK(strlen(out) < sizeof small ? r == 0 && strcmp(small, out) == 0 : r == -ENOSPC);
}

static void check_pattern(const char *text)
{
    struct host_pattern pa, pd;
    struct moat_error ea = {0}, ed = {0};
    int ra = hostpat_parse(text, true, &pa, &ea);
    int rd = hostpat_parse(text, false, &pd, &ed);
    FUZZ_CHECK(ra == 0 || (ra == -EINVAL && ea.code == -EINVAL && ea.msg[0]));
    FUZZ_CHECK(rd == 0 || (rd == -EINVAL && ed.code == -EINVAL && ed.msg[0]));
    /* Allow rules are the stricter: whatever may allow may also deny, and means the same. */
    if (ra == 0)
        FUZZ_CHECK(rd == 0 && pa.wildcard == pd.wildcard && strcmp(pa.name, pd.name) == 0);
    if (rd < 0)
        return;

    if (pd.name[0] == '\0') { /* "*": every valid name */
        FUZZ_CHECK(pd.wildcard);
        FUZZ_CHECK(hostpat_match(&pd, "example.com") && !hostpat_match(&pd, ""));
        return;
    }
    FUZZ_CHECKF(wire_name_ok(pd.name), "\"%s\" parsed to \"%s\"", text, pd.name);
    struct net_addr a;
    FUZZ_CHECK(addr_parse(pd.name, &a) < 0 && addr_parse_loose_ipv4(pd.name, &a) < 0);
    /* The pattern's own name in normal form, and a subdomain of it. */
    char norm[HOSTNAME_MAX + 1], sub[HOSTNAME_MAX + 8];
    FUZZ_CHECK(hostname_normalize(pd.name, norm, sizeof norm) == 0 && strcmp(norm, pd.name) == 0);
    snprintf(sub, sizeof sub, "x.%s", pd.name);
    bool sub_valid = strlen(sub) <= HOSTNAME_MAX;
    if (pd.wildcard) {
        FUZZ_CHECK(!hostpat_match(&pd, pd.name));
        FUZZ_CHECK(!sub_valid || hostpat_match(&pd, sub));
        /* The same name on another domain does not match: "x.<name>" vs "xx<name>". */
        snprintf(sub, sizeof sub, "xx%s", pd.name);
        FUZZ_CHECK(!hostpat_match(&pd, sub));
    } else {
        FUZZ_CHECK(hostpat_match(&pd, pd.name));
        FUZZ_CHECK(!hostpat_match(&pd, sub));
        /* The pattern as written matches itself: the same normalisation on both sides. */
        FUZZ_CHECKF(hostpat_match(&pd, text), "pattern \"%s\" does not match itself", text);
        char upper[HOSTNAME_MAX + 2];
        size_t n = strlen(pd.name);
        for (size_t i = 0; i <= n; i++)
            upper[i] = pd.name[i] >= 'a' && pd.name[i] <= 'z' ? (char)(pd.name[i] - 32)
                                                              : pd.name[i];
        FUZZ_CHECK(hostpat_match(&pd, upper));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_cstr(data, size);
    check_normalize(text);
    check_pattern(text);
    return 0;
}
