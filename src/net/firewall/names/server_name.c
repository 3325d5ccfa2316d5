/* The server name a connection's bytes claim; see server_name.h.  Owns every read of those
 * bytes: each length comes from the peer, so each is checked against the bytes of its
 * enclosing structure before use, and nothing past n is ever looked at.  Never decides
 * whether the name is allowed: firewall mode's name gate compares it with the name the pool
 * address was handed out for (domain fronting). */
#include "net/firewall/names/server_name.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "net/io/relay.h"
#include "net/rules/hostpat.h"

enum {
    TLS_CHANGE_CIPHER_SPEC = 20,
    TLS_ALERT = 21,
    TLS_HANDSHAKE = 22,
    TLS_APPLICATION_DATA = 23,
    TLS_HEARTBEAT = 24,
    TLS_RECORD_HEADER = 5,
    TLS_RECORD_MAX = 16384 + 2048, /* TLSCiphertext.length bound, RFC 8446 §5.2 */
    TLS_RECORDS_MAX = 16,          /* ChangeCipherSpec, alert and empty records skipped */
    TLS_HELLO_MAX = 32768,         /* a ClientHello longer than this is refused */
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

/* The ClientHello body (after its 4-byte handshake header), hs_len bytes at p. */
static enum server_name_result hello_claimed(const uint8_t *p, size_t hs_len, char *name,
                                             size_t size, const char **why)
{
    struct cursor hello = {p, hs_len}, v, exts;
    size_t type;
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

/* An SSLv2-format ClientHello (RFC 6101 appendix E.2; still accepted by some servers to
 * negotiate TLS): a 2-byte header with the top bit set, then message type 1. */
static bool sslv2_hello(const uint8_t *p, size_t n)
{
    return n >= 3 && (p[0] & 0x80) && p[2] == TLS_CLIENT_HELLO;
}

enum server_name_result server_name_tls(const uint8_t *p, size_t n, char *name, size_t size,
                                        const char **why)
{
    if (n > 0 && (p[0] & 0x80))
        return n < 3 ? SERVER_NAME_MORE
                     : sslv2_hello(p, n) ? SERVER_NAME_NONE
                                         : malformed(why, "not a TLS record");
    /* The handshake messages, reassembled across records: only the first one matters. */
    static uint8_t hs[TLS_HELLO_MAX];
    size_t hs_have = 0, at = 0;
    for (unsigned skipped = 0;;) {
        if (n - at < TLS_RECORD_HEADER)
            return SERVER_NAME_MORE;
        const uint8_t *rec = p + at;
        size_t len = (size_t)rec[3] << 8 | rec[4];
        if (len > TLS_RECORD_MAX)
            return malformed(why, "TLS record longer than 16384 + 2048 bytes");
        switch (rec[0]) {
        case TLS_CHANGE_CIPHER_SPEC:
        case TLS_ALERT:
            /* skipped, as lenient servers skip them; so are empty handshake records */
            if (++skipped > TLS_RECORDS_MAX)
                return malformed(why, "more than 16 TLS records before the ClientHello");
            break;
        case TLS_HANDSHAKE:
            if (len == 0 && ++skipped > TLS_RECORDS_MAX)
                return malformed(why, "more than 16 TLS records before the ClientHello");
            break;
        case TLS_APPLICATION_DATA:
        case TLS_HEARTBEAT:
            return malformed(why, "TLS data before the ClientHello");
        default:
            return malformed(why, "not a TLS record");
        }
        if (n - at - TLS_RECORD_HEADER < len) {
            /* What the headers decide is decided before the rest of the records arrive. */
            if (rec[0] == TLS_HANDSHAKE && hs_have == 0 && n - at >= TLS_RECORD_HEADER + 1 &&
                len > 0 && rec[5] != TLS_CLIENT_HELLO)
                return malformed(why, "first TLS handshake message is not a ClientHello");
            return SERVER_NAME_MORE;
        }
        at += TLS_RECORD_HEADER;
        if (rec[0] == TLS_HANDSHAKE) {
            if (hs_have + len > sizeof hs)
                return malformed(why, "ClientHello longer than 32 KiB");
            memcpy(hs + hs_have, p + at, len);
            hs_have += len;
        }
        at += len;
        if (hs_have >= 1 && hs[0] != TLS_CLIENT_HELLO)
            return malformed(why, "first TLS handshake message is not a ClientHello");
        if (hs_have >= TLS_HANDSHAKE_HEADER) {
            size_t hs_len = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
            if (hs_len > TLS_HELLO_MAX - TLS_HANDSHAKE_HEADER)
                return malformed(why, "ClientHello longer than 32 KiB");
            if (hs_have >= TLS_HANDSHAKE_HEADER + hs_len)
                return hello_claimed(hs + TLS_HANDSHAKE_HEADER, hs_len, name, size, why);
        }
    }
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

/* --- HTTP/1 ------------------------------------------------------------------------- */

/* Whitespace a lenient server takes as a separator on the request line (RFC 9112 §3). */
static bool line_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static bool tchar(uint8_t c)
{
    return http_tchar(c);
}

static bool ci_prefix(const uint8_t *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (ascii_lower((char)p[i]) != prefix[i])
            return false;
    return true;
}

/* Where the request line starts: after empty lines (CR, LF) and any whitespace. */
static size_t skip_blank(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == '\n' || line_ws(p[i])))
        i++;
    return i;
}

/* The words of the request line p[0..len) (no LF): up to 4 of them, *count set to how many
 * there are in all. */
struct word {
    const uint8_t *p;
    size_t len;
};

static void split_words(const uint8_t *p, size_t len, struct word *w, size_t max, size_t *count,
                        struct word *last)
{
    size_t k = 0, i = 0;
    while (i < len) {
        while (i < len && line_ws(p[i]))
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && !line_ws(p[i]))
            i++;
        if (k < max)
            w[k] = (struct word){p + start, i - start};
        *last = (struct word){p + start, i - start};
        k++;
    }
    *count = k;
}

static bool is_method(const struct word *w)
{
    for (size_t i = 0; i < w->len; i++)
        if (!tchar(w->p[i]))
            return false;
    return w->len > 0;
}

/* "HTTP/" in any case, then what a version may be: *minor is the minor version, or 1. */
static bool is_version(const struct word *w, int *minor)
{
    if (!ci_prefix(w->p, w->len, "http/"))
        return false;
    *minor = w->len == 8 && w->p[5] == '1' && w->p[6] == '.' && w->p[7] == '0' ? 0 : 1;
    return true;
}

static const uint8_t h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum server_name_proto server_name_proto(const uint8_t *p, size_t n)
{
    if (n == 0)
        return SERVER_NAME_PROTO_MORE;
    if ((p[0] >= TLS_CHANGE_CIPHER_SPEC && p[0] <= TLS_HEARTBEAT) || (p[0] & 0x80)) {
        if (!(p[0] & 0x80))
            return SERVER_NAME_PROTO_TLS;
        return n < 3 ? SERVER_NAME_PROTO_MORE
                     : sslv2_hello(p, n) ? SERVER_NAME_PROTO_TLS : SERVER_NAME_PROTO_OTHER;
    }
    size_t pl = sizeof h2_preface - 1;
    if (memcmp(p, h2_preface, n < pl ? n : pl) == 0)
        return n < pl ? SERVER_NAME_PROTO_MORE : SERVER_NAME_PROTO_H2;
    size_t at = skip_blank(p, n);
    if (at == n)
        return SERVER_NAME_PROTO_MORE; /* empty lines so far */
    const uint8_t *line = p + at, *lf = memchr(line, '\n', n - at);
    size_t len = lf ? (size_t)(lf - line) : n - at;
    /* Until the line ends: a token, then anything printable, could still be a request. */
    struct word w[2], last;
    size_t count;
    split_words(line, len, w, 2, &count, &last);
    if (count == 0 || !is_method(&w[0]))
        return (!lf && count == 0) ? SERVER_NAME_PROTO_MORE : SERVER_NAME_PROTO_OTHER;
    for (size_t i = 0; i < len; i++)
        if (line[i] < 0x20 && !line_ws(line[i]))
            return SERVER_NAME_PROTO_OTHER; /* a control byte: binary, not a request line */
    if (!lf)
        return SERVER_NAME_PROTO_MORE;
    int minor;
    if (count >= 2 && is_version(&last, &minor))
        return SERVER_NAME_PROTO_HTTP1;
    /* HTTP/0.9: "GET /path", no version, no fields. */
    if (count == 2 && w[0].len == 3 && ci_prefix(w[0].p, 3, "get") &&
        (w[1].p[0] == '/' || memmem(w[1].p, w[1].len, "://", 3)))
        return SERVER_NAME_PROTO_HTTP1;
    return SERVER_NAME_PROTO_OTHER;
}

enum server_name_result server_name_authority(const char *v, size_t len, char *name,
                                              size_t size, const char **why)
{
    return host_value(v, len, name, size, why);
}

/* The names a request carries, gathered and compared as they come. */
struct names {
    char first[HOSTNAME_MAX + 1];
    bool found;   /* first holds a name */
    bool nameless; /* something names no host: an empty Host, an address literal */
    const char *problem;
};

static void names_add(struct names *ns, const char *v, size_t len)
{
    char name[HOSTNAME_MAX + 1];
    const char *why = NULL;
    switch (host_value(v, len, name, sizeof name, &why)) {
    case SERVER_NAME_FOUND:
        if (!ns->found) {
            memcpy(ns->first, name, sizeof name);
            ns->found = true;
        } else if (!server_name_equal(ns->first, name) && !ns->problem) {
            ns->problem = "HTTP request names two different hosts";
        }
        return;
    case SERVER_NAME_MALFORMED:
        if (!ns->problem)
            ns->problem = why;
        return;
    case SERVER_NAME_NONE:
    case SERVER_NAME_MORE:
    case SERVER_NAME_OTHER:
        ns->nameless = true;
        return;
    }
}

/* The authority of an absolute-form target ("http://user@host:port/path", any scheme) or
 * of a CONNECT's authority-form one; false for origin-form and asterisk-form. */
static bool target_authority(const struct word *method, const struct word *t,
                             const char **host, size_t *host_len)
{
    const char *s = (const char *)t->p, *end = s + t->len;
    if (method->len == 7 && ci_prefix(method->p, 7, "connect")) {
        *host = s;
        *host_len = t->len;
        return true;
    }
    const char *colon = memchr(s, ':', t->len);
    if (!colon || end - colon < 3 || colon[1] != '/' || colon[2] != '/' || colon == s)
        return false;
    for (const char *c = s; c < colon; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '+' || *c == '-' || *c == '.'))
            return false;
    const char *a = colon + 3, *e = a;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    for (const char *c = e; c > a; c--)
        if (c[-1] == '@') {
            a = c;
            break;
        }
    *host = a;
    *host_len = (size_t)(e - a);
    return true;
}

/* s[0..len) with whitespace (SP, HTAB, VT, FF, CR) trimmed from both ends. */
static void trim(const char **s, size_t *len)
{
    while (*len && line_ws((uint8_t)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && line_ws((uint8_t)(*s)[*len - 1]))
        (*len)--;
}

static bool ci_equal(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && ci_prefix((const uint8_t *)s, len, word);
}

enum server_name_result server_name_http(const uint8_t *p, size_t n, char *name, size_t size,
                                         struct http_claim *claim, const char **why)
{
    size_t at = skip_blank(p, n);
    const uint8_t *lf = memchr(p + at, '\n', n - at);
    if (!lf)
        return SERVER_NAME_MORE;
    struct word w[2], last;
    size_t count;
    split_words(p + at, (size_t)(lf - (p + at)), w, 2, &count, &last);
    if (count < 2 || !is_method(&w[0]))
        return SERVER_NAME_OTHER;
    int minor = 1;
    bool http09 = !is_version(&last, &minor);
    struct names ns = {.found = false};
    const char *host;
    size_t host_len;
    if (target_authority(&w[0], &w[1], &host, &host_len))
        names_add(&ns, host, host_len);
    struct http_framing_fields ff = {0};
    bool switches = w[0].len == 7 && ci_prefix(w[0].p, 7, "connect"), folding_host = false;
    at = (size_t)(lf - p) + 1;
    /* HTTP/0.9 has no fields: the line is the whole request. */
    while (!http09) {
        const char *line = (const char *)p + at, *end = memchr(line, '\n', n - at);
        if (!end)
            return SERVER_NAME_MORE;
        size_t len = (size_t)(end - line);
        at = (size_t)(end - (const char *)p) + 1;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (len == 0)
            break;
        const char *colon = memchr(line, ':', len), *fname = line, *value;
        if (line[0] == ' ' || line[0] == '\t') {
            /* obs-fold: the previous field goes on (RFC 9112 §5.2), or, before the first
             * field, a line servers ignore or reject (§2.2).  Either way, one that carries a
             * host is read differently by different servers. */
            size_t k = colon ? (size_t)(colon - line) : 0;
            trim(&fname, &k);
            if ((folding_host || ci_equal(fname, k, "host")) && !ns.problem)
                ns.problem = "HTTP Host field folded or after whitespace";
            continue;
        }
        if (!colon) {
            folding_host = false;
            continue; /* not a field: servers reject or ignore it, neither reads a host */
        }
        size_t fname_len = (size_t)(colon - line), value_len = len - fname_len - 1;
        value = colon + 1;
        trim(&fname, &fname_len);
        trim(&value, &value_len);
        folding_host = ci_equal(fname, fname_len, "host");
        if (folding_host) {
            names_add(&ns, value, value_len);
            continue;
        }
        if (ci_equal(fname, fname_len, "upgrade"))
            switches = true;
        struct http_field f = {fname, value, fname_len, value_len};
        const char *fwhy = NULL;
        if (http_framing_field(&ff, &f, &fwhy) < 0)
            return malformed(why, fwhy);
    }
    if (ns.problem)
        return malformed(why, ns.problem);
    if (ns.found && ns.nameless)
        return malformed(why, "HTTP request names a host and also none (an empty Host or an "
                              "address)");
    const char *bwhy = NULL;
    struct http_claim c = {.head_len = at, .switches = switches};
    if (http_request_body(&ff, minor, &c.body, &bwhy) < 0)
        return malformed(why, bwhy);
    if (claim)
        *claim = c;
    if (!ns.found)
        return SERVER_NAME_NONE;
    if (strlen(ns.first) >= size)
        return malformed(why, "server name longer than the buffer for it");
    strcpy(name, ns.first);
    return SERVER_NAME_FOUND;
}

enum server_name_result server_name_claimed(const uint8_t *p, size_t n, char *name, size_t size,
                                            const char **why)
{
    if (why)
        *why = NULL;
    switch (server_name_proto(p, n)) {
    case SERVER_NAME_PROTO_MORE:
        return SERVER_NAME_MORE;
    case SERVER_NAME_PROTO_OTHER:
        return SERVER_NAME_OTHER;
    case SERVER_NAME_PROTO_TLS:
        return server_name_tls(p, n, name, size, why);
    case SERVER_NAME_PROTO_H2:
        return SERVER_NAME_NONE;
    case SERVER_NAME_PROTO_HTTP1:
        break;
    }
    return server_name_http(p, n, name, size, NULL, why);
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
