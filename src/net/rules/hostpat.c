/* Host names and host patterns; see hostpat.h.  Owns the normalisation that makes a policy
 * pattern and a name from the wire comparable, and wildcard matching.  Never resolves and
 * never treats an IP literal as a name: those go to addr.c and are judged as addresses. */
#include "net/rules/hostpat.h"

#include <errno.h>
#include <string.h>

#include "net/rules/addr.h"
#include "net/rules/punycode.h"
#include "util/error.h"

#define LABEL_MAX 63
#define ASCII_BUF 1100 /* punycode_name_to_ascii output before the length checks */

enum label_rules {
    LABELS_LDH,  /* policy patterns: letters, digits, hyphen, not at either end (RFC 1123 §2.1) */
    LABELS_WIRE, /* names seen on the wire: also '_' and hyphens anywhere */
};

static bool label_char_ok(char c, enum label_rules rules)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           (rules == LABELS_WIRE && c == '_');
}

/* NULL when name (lower-case ASCII, no trailing dot) is a well-formed name, else why not;
 * the offending label is copied into bad. */
static const char *name_problem(const char *name, enum label_rules rules, char bad[LABEL_MAX + 2])
{
    size_t len = strlen(name);
    bad[0] = '\0';
    if (len == 0)
        return "empty name";
    if (len > HOSTNAME_MAX)
        return "name longer than 253 characters (RFC 1035 §2.3.4)";
    for (const char *l = name;;) {
        const char *end = strchr(l, '.');
        size_t n = end ? (size_t)(end - l) : strlen(l);
        size_t shown = n < LABEL_MAX + 1 ? n : LABEL_MAX + 1;
        memcpy(bad, l, shown);
        bad[shown] = '\0';
        if (n == 0)
            return "empty label (\"..\", or a leading dot)";
        if (n > LABEL_MAX)
            return "label longer than 63 characters (RFC 1035 §2.3.4)";
        for (size_t i = 0; i < n; i++)
            if (!label_char_ok(l[i], rules))
                return rules == LABELS_LDH
                           ? "label has a character other than a-z, 0-9 and '-'"
                           : "label has a character other than a-z, 0-9, '-' and '_'";
        if (rules == LABELS_LDH && (l[0] == '-' || l[n - 1] == '-'))
            return "label starts or ends with '-' (RFC 1123 §2.1)";
        if (!end)
            break;
        l = end + 1;
    }
    bad[0] = '\0';
    return NULL;
}

/* UTF-8 to lower-case ASCII with one trailing dot removed (the absolute-name marker of
 * RFC 1034 §3.1: "example.com." is "example.com"). */
static int name_to_ascii(const char *in, char out[ASCII_BUF], const char **why)
{
    int r = punycode_name_to_ascii(in, out, ASCII_BUF, why);
    if (r == -ENOSPC) {
        *why = "name longer than 253 characters (RFC 1035 §2.3.4)";
        return -EINVAL;
    }
    if (r < 0)
        return r;
    size_t len = strlen(out);
    if (len > 0 && out[len - 1] == '.')
        out[len - 1] = '\0';
    return 0;
}

int hostname_normalize(const char *in, char *out, size_t size)
{
    char buf[ASCII_BUF], bad[LABEL_MAX + 2];
    const char *why;
    if (!in || name_to_ascii(in, buf, &why) < 0 || name_problem(buf, LABELS_WIRE, bad))
        return -EINVAL;
    size_t len = strlen(buf);
    if (len >= size)
        return -ENOSPC;
    memcpy(out, buf, len + 1);
    return 0;
}

static bool is_ip_literal(const char *name)
{
    struct net_addr a;
    return addr_parse(name, &a) == 0 || addr_parse_loose_ipv4(name, &a) == 0;
}

int hostpat_parse(const char *text, bool for_allow, struct host_pattern *out,
                  struct moat_error *err)
{
    if (!text || !*text)
        return error_set(err, -EINVAL, "empty host pattern");
    struct net_addr a;
    if (addr_parse(text, &a) == 0)
        return error_set(err, -EINVAL, "\"%s\" is an IP address, not a host pattern", text);

    char buf[ASCII_BUF], bad[LABEL_MAX + 2];
    const char *why;
    if (name_to_ascii(text, buf, &why) < 0)
        return error_set(err, -EINVAL, "host pattern \"%s\": %s", text, why);

    struct host_pattern p = {0};
    const char *rest = buf;
    if (strcmp(buf, "*") == 0) {
        /* Every name.  Not mode "host" with extra steps, even in an allow list: deny rules
         * still apply, a name resolving to loopback, link-local or metadata is still
         * refused, and the host's loopback stays out of reach (mxc's "egress default
         * allow" is exactly this). */
        p.wildcard = true;
        *out = p;
        return 0;
    }
    if (strncmp(buf, "*.", 2) == 0) {
        p.wildcard = true;
        rest = buf + 2;
    }
    if (strchr(rest, '*'))
        return error_set(err, -EINVAL,
                         "host pattern \"%s\": '*' is only allowed as the whole first label "
                         "(\"*.example.com\")",
                         text);
    const char *problem = name_problem(rest, LABELS_LDH, bad);
    if (problem)
        return error_set(err, -EINVAL, "host pattern \"%s\": %s%s%s%s", text, problem,
                         bad[0] ? " (\"" : "", bad, bad[0] ? "\")" : "");
    /* After normalisation: "0x7f.1", "2130706433" and fullwidth digits are addresses to
     * every resolver library, and a name rule must never be able to stand for one. */
    if (is_ip_literal(rest))
        return error_set(err, -EINVAL,
                         "host pattern \"%s\" is an IP address%s; write it as a plain address "
                         "(a.b.c.d) rule",
                         text, p.wildcard ? " after the wildcard" : "");
    const char *last = strrchr(rest, '.');
    last = last ? last + 1 : rest;
    if (strspn(last, "0123456789") == strlen(last))
        return error_set(err, -EINVAL,
                         "host pattern \"%s\": the last label is all digits, which no host name "
                         "has (RFC 3696 §2)",
                         text);
    if (for_allow && p.wildcard && !strchr(rest, '.'))
        return error_set(err, -EINVAL,
                         "host pattern \"%s\" would allow a whole top-level domain; name the "
                         "domain (\"*.example.%s\")",
                         text, rest);
    memcpy(p.name, rest, strlen(rest) + 1);
    *out = p;
    return 0;
}

bool hostpat_match_normalized(const struct host_pattern *p, const char *name)
{
    size_t nl = strlen(name);
    if (!p->wildcard)
        return strcmp(p->name, name) == 0;
    size_t pl = strlen(p->name);
    if (pl == 0)
        return nl > 0;
    /* A strict subdomain: at least one label, then a dot, then the whole pattern name, so
     * "*.wild.test" never matches "xwild.test" or "wild.test" itself. */
    return nl > pl + 1 && name[nl - pl - 1] == '.' && memcmp(name + nl - pl, p->name, pl) == 0;
}

bool hostpat_match(const struct host_pattern *p, const char *name)
{
    char norm[HOSTNAME_MAX + 1];
    if (!name || hostname_normalize(name, norm, sizeof norm) < 0)
        return false;
    return hostpat_match_normalized(p, norm);
}
