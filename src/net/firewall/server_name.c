/* The server name a connection's first bytes claim; see server_name.h.  Owns every read of
 * those bytes: each length comes from the peer, so each is checked against the bytes of its
 * enclosing structure before use, and nothing past n is ever looked at.  Never decides
 * whether the name is allowed: firewall mode's interception compares it with the name the
 * pool address was handed out for (domain fronting). */
#include "net/firewall/server_name.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "net/rules/hostpat.h"
#include "net/proxy/http_framing.h"

enum {
    TLS_HANDSHAKE = 0x16,
    TLS_RECORD_HEADER = 5,
    TLS_RECORD_MAX = 16384 + 2048, /* TLSCiphertext.length bound, RFC 8446 §5.2 */
    TLS_CLIENT_HELLO = 1,
    TLS_HANDSHAKE_HEADER = 4,
    EXT_SERVER_NAME = 0,
    SNI_HOST_NAME = 0,
    LABEL_MAX_LEN = 63,
};

/* Not tolower(3): names are ASCII whatever the locale. */
static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static enum server_name_result malformed(const char **why, const char *text)
{
    if (why)
        *why = text;
    return SERVER_NAME_MALFORMED;
}

/* s[0..len) is an IPv6 address, or with v4 also an IPv4 one, as inet_pton(3) reads them. */
static bool is_ip_literal(const char *s, size_t len, bool v4)
{
    char buf[INET6_ADDRSTRLEN];
    struct in6_addr a;
    if (len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return (v4 && inet_pton(AF_INET, buf, &a) == 1) || inet_pton(AF_INET6, buf, &a) == 1;
}

/* NULL when s[0..len) (no trailing dot) is a valid hostname, else why not. */
static const char *hostname_problem(const char *s, size_t len)
{
    if (len == 0)
        return "empty server name";
    if (len > HOSTNAME_MAX)
        return "server name longer than 253 characters";
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (label == 0)
                return "server name has an empty label";
            if (label > LABEL_MAX_LEN)
                return "server name has a label longer than 63 characters";
            if (s[i - label] == '-' || s[i - 1] == '-')
                return "server name has a label starting or ending with '-'";
            label = 0;
        } else if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                   (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_') {
            label++;
        } else {
            return "server name has a character other than letters, digits, '-' and '_'";
        }
    }
    return NULL;
}

/* A name from the wire to the output: an IP literal claims no name; anything else must be a
 * valid hostname, written lower-cased without its trailing dot. */
static enum server_name_result name_take(const char *s, size_t len, char *name, size_t size,
                                         const char **why)
{
    if (len > 0 && s[len - 1] == '.')
        len--;
    if (is_ip_literal(s, len, true))
        return SERVER_NAME_NONE;
    const char *problem = hostname_problem(s, len);
    if (problem)
        return malformed(why, problem);
    if (len >= size)
        return malformed(why, "server name longer than the buffer for it");
    for (size_t i = 0; i < len; i++)
        name[i] = ascii_lower(s[i]);
    name[len] = '\0';
    return SERVER_NAME_FOUND;
}

/* Bytes known to be present; every take checks its length against what is left. */
struct cursor {
    const uint8_t *p;
    size_t left;
};

/* A k-byte big-endian number into *v (NULL: skip k bytes). */
static bool take_uint(struct cursor *c, size_t k, size_t *v)
{
    if (k > c->left)
        return false;
    for (size_t i = 0; v && i < k; i++)
        *v = (i ? *v << 8 : 0) | c->p[i];
    c->p += k;
    c->left -= k;
    return true;
}

/* A vector with a k-byte length prefix (RFC 8446 §3.4), as a cursor of its own. */
static bool take_vector(struct cursor *c, size_t k, struct cursor *body)
{
    if (!take_uint(c, k, &body->left) || body->left > c->left)
        return false;
    body->p = c->p;
    return take_uint(c, body->left, NULL);
}

static enum server_name_result tls_claimed(const uint8_t *p, size_t n, char *name, size_t size,
                                           const char **why)
{
    if (n >= 2 && p[1] != 0x03) /* legacy_version major: SSL 3.0 to TLS 1.3 */
        return SERVER_NAME_NONE;
    if (n < TLS_RECORD_HEADER + TLS_HANDSHAKE_HEADER)
        return SERVER_NAME_MORE;
    /* What the headers decide is decided before the rest of the record arrives. */
    size_t rec_len = (size_t)p[3] << 8 | p[4], type;
    size_t hs_len = (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8];
    if (rec_len > TLS_RECORD_MAX)
        return malformed(why, "TLS record longer than 16384 + 2048 bytes");
    if (rec_len < TLS_HANDSHAKE_HEADER || hs_len > rec_len - TLS_HANDSHAKE_HEADER)
        return malformed(why, "ClientHello spans more than one TLS record");
    if (p[5] != TLS_CLIENT_HELLO)
        return malformed(why, "first TLS handshake message is not a ClientHello");
    if (n < TLS_RECORD_HEADER + rec_len)
        return SERVER_NAME_MORE;

    struct cursor hello = {p + TLS_RECORD_HEADER + TLS_HANDSHAKE_HEADER, hs_len}, v, exts;
    if (!take_uint(&hello, 2 + 32, NULL))
        return malformed(why, "ClientHello shorter than its version and random");
    if (!take_vector(&hello, 1, &v) || v.left > 32)
        return malformed(why, "ClientHello session_id overruns it or is longer than 32");
    if (!take_vector(&hello, 2, &v) || v.left < 2 || v.left % 2)
        return malformed(why, "ClientHello cipher_suites overrun it, are empty or odd");
    if (!take_vector(&hello, 1, &v) || v.left < 1)
        return malformed(why, "ClientHello compression_methods overrun it or are empty");
    if (hello.left == 0)
        return SERVER_NAME_NONE; /* no extensions at all */
    if (!take_vector(&hello, 2, &exts) || hello.left != 0)
        return malformed(why, "ClientHello extensions length does not match the ClientHello");

    struct cursor host = {NULL, 0}, ext, list, entry;
    unsigned sni_extensions = 0;
    while (exts.left) {
        if (!take_uint(&exts, 2, &type) || !take_vector(&exts, 2, &ext))
            return malformed(why, "TLS extension overruns the extensions block");
        if (type != EXT_SERVER_NAME)
            continue;
        /* Servers differ on which of two names they would use: refuse rather than guess. */
        if (sni_extensions++)
            return malformed(why, "ClientHello has two server_name extensions");
        if (!take_vector(&ext, 2, &list) || ext.left != 0 || list.left == 0)
            return malformed(why, "server_name list length does not match its extension");
        while (list.left) {
            if (!take_uint(&list, 1, &type) || !take_vector(&list, 2, &entry))
                return malformed(why, "server_name entry overruns its list");
            if (type == SNI_HOST_NAME && host.p)
                return malformed(why, "server_name has two host_name entries (RFC 6066 §3)");
            if (type == SNI_HOST_NAME)
                host = entry;
        }
    }
    return host.p ? name_take((const char *)host.p, host.left, name, size, why)
                  : SERVER_NAME_NONE;
}

/* The length of the ":" and 1 to 5 digits that end s[0..len), or 0. */
static size_t port_suffix(const char *s, size_t len)
{
    size_t d = 0;
    while (d < 6 && d < len && s[len - 1 - d] >= '0' && s[len - 1 - d] <= '9')
        d++;
    return d >= 1 && d <= 5 && d < len && s[len - 1 - d] == ':' ? d + 1 : 0;
}

/* A Host value (RFC 9110 §7.2: uri-host [":" port]), already trimmed of whitespace.  A ':'
 * or '[' left after taking the port off is refused by the hostname check. */
static enum server_name_result host_value(const char *v, size_t len, char *name, size_t size,
                                          const char **why)
{
    if (len == 0)
        return SERVER_NAME_NONE; /* RFC 9112 §3.2: sent when the target has no authority */
    if (is_ip_literal(v, len, false))
        return SERVER_NAME_NONE; /* an IPv6 address without brackets */
    len -= port_suffix(v, len);
    if (len >= 2 && v[0] == '[' && v[len - 1] == ']') {
        return is_ip_literal(v + 1, len - 2, false)
                   ? SERVER_NAME_NONE
                   : malformed(why, "Host has brackets around something other than IPv6");
    }
    return name_take(v, len, name, size, why);
}

/* The authority a request line's target names itself (RFC 9112 §3.2.2-3.2.3): that of an
 * absolute-form target ("GET http://host:port/path HTTP/1.1", user info dropped) or a
 * CONNECT's authority-form one.  A server answers for it whatever Host says, so it is the
 * name the request claims.  False for an origin-form target ("/path"). */
static bool target_authority(const char *line, size_t len, const char **host, size_t *host_len)
{
    const char *sp = memchr(line, ' ', len);
    if (!sp)
        return false;
    const char *t = sp + 1, *end = line + len, *sp2 = memchr(t, ' ', (size_t)(end - t));
    if (sp2)
        end = sp2;
    if (strncmp(line, "CONNECT ", 8) != 0) {
        const char *colon = memchr(t, ':', (size_t)(end - t));
        if (!colon || end - colon < 3 || colon[1] != '/' || colon[2] != '/')
            return false; /* origin-form or asterisk-form: no authority */
        for (const char *c = t; c < colon; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '+' ||
                  *c == '-' || *c == '.'))
                return false;
        t = colon + 3;
        for (const char *c = t; c < end; c++)
            if (*c == '/' || *c == '?' || *c == '#') {
                end = c;
                break;
            }
        for (const char *c = end; c > t; c--)
            if (c[-1] == '@') {
                t = c;
                break;
            }
    }
    *host = t;
    *host_len = (size_t)(end - t);
    return true;
}

static enum server_name_result http_claimed(const uint8_t *p, size_t n, char *name, size_t size,
                                            const char **why)
{
    const char *s = (const char *)p, *host = NULL, *target = NULL;
    size_t host_len = 0, target_len = 0;
    /* Line by line up to the empty one that ends the head (CRLF or bare LF endings); a line
     * not ended yet is never looked at. */
    for (size_t at = 0;;) {
        const char *line = s + at, *lf = memchr(line, '\n', n - at);
        if (!lf)
            return SERVER_NAME_MORE;
        size_t len = (size_t)(lf - line) - (lf > line && lf[-1] == '\r');
        bool request_line = at == 0;
        at = (size_t)(lf - s) + 1;
        if (len == 0)
            break;
        if (request_line) {
            if (!target_authority(line, len, &target, &target_len))
                target = NULL;
            continue;
        }
        /* The field rules the proxy applies (whitespace before the colon, obs-fold): a line
         * one server would read as Host and another would not is refused, not guessed at. */
        struct http_field f;
        const char *field_why;
        if (http_field_parse(line, len, &f, &field_why) < 0)
            return malformed(why, field_why);
        if (!http_field_is(&f, "host"))
            continue;
        if (host)
            return malformed(why, "HTTP request has two Host headers");
        host = f.value;
        host_len = f.value_len;
    }
    if (target)
        return host_value(target, target_len, name, size, why);
    return host ? host_value(host, host_len, name, size, why) : SERVER_NAME_NONE;
}

enum server_name_result server_name_claimed(const uint8_t *p, size_t n, char *name, size_t size,
                                            const char **why)
{
    static const char *const methods[] = {"GET ",     "HEAD ",  "POST ",  "PUT ",    "DELETE ",
                                          "OPTIONS ", "PATCH ", "TRACE ", "CONNECT "};
    if (why)
        *why = NULL;
    if (n == 0)
        return SERVER_NAME_MORE;
    if (p[0] == TLS_HANDSHAKE)
        return tls_claimed(p, n, name, size, why);
    bool prefix = false;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        size_t ml = strlen(methods[i]);
        if (n >= ml && memcmp(p, methods[i], ml) == 0)
            return http_claimed(p, n, name, size, why);
        if (n < ml && memcmp(p, methods[i], n) == 0)
            prefix = true;
    }
    return prefix ? SERVER_NAME_MORE : SERVER_NAME_NONE;
}

bool server_name_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    la -= la > 0 && a[la - 1] == '.';
    lb -= lb > 0 && b[lb - 1] == '.';
    size_t i = 0;
    while (i < la && i < lb && ascii_lower(a[i]) == ascii_lower(b[i]))
        i++;
    return la == lb && i == la;
}
