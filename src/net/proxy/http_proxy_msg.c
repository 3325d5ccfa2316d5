/* HTTP proxy requests: parse, authenticate, rewrite; see http_proxy_msg.h.  Owns what a
 * proxy request may look like and how it is turned into an origin request; framing rules
 * come from http_framing.c.  Never resolves, never judges an address, never does I/O. */
#include "net/proxy/http_proxy_msg.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/proxy/base64.h"

struct span {
    const char *p;
    size_t n;
};

static int refuse(struct http_proxy_request *req, int code, int status, const char *why)
{
    req->status = status;
    req->why = why;
    return code;
}

static bool span_is(struct span s, const char *lit)
{
    return strlen(lit) == s.n && strncasecmp(s.p, lit, s.n) == 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3).  Exactly one SP
 * each: the lenient whitespace §3 permits is where parsers start to disagree. */
static int request_line_parse(const char *l, size_t n, struct http_proxy_request *req,
                              struct span *target)
{
    size_t i = 0;
    while (i < n && http_tchar((unsigned char)l[i]))
        i++;
    if (i == 0 || i == n || l[i] != ' ')
        return refuse(req, -EBADMSG, 400, "malformed request line");
    if (i > HTTP_METHOD_MAX)
        return refuse(req, -EBADMSG, 400, "method too long");
    memcpy(req->method, l, i);
    req->method[i] = '\0';

    size_t t = ++i;
    while (i < n && l[i] > 0x20 && l[i] < 0x7f)
        i++;
    if (i == t || i == n || l[i] != ' ')
        return refuse(req, -EBADMSG, 400, "malformed request target");
    target->p = l + t;
    target->n = i - t;

    const char *v = l + i + 1;
    size_t vn = n - i - 1;
    if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || !is_digit(v[5]) || v[6] != '.' ||
        !is_digit(v[7]))
        return refuse(req, -EBADMSG, 400, "malformed HTTP version");
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return refuse(req, -EBADMSG, 505, "HTTP version not supported");
    req->http_minor = v[7] - '0';
    return 0;
}

/* A port as a URI writes it, restricted to what can name a TCP port: 1-5 digits.  The
 * caller's authority parser checks the range. */
static bool port_ok(const char *p, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return true;
}

/* reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 §3.2.2). */
static bool reg_name_char(char c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("-._~%!$&'()*+,;=", c));
}

/* Inside an IP-literal's brackets (RFC 3986 §3.2.2) we accept only what an IPv6 address
 * is written with: hex digits, ':' and '.' (an embedded IPv4).  No zone id ('%', refused by
 * the address module anyway) and no IPvFuture. */
static bool ip_literal_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

/* Split host[:port] into its host and its port text; brackets stay on an IP literal. */
static bool hostport_split(struct span a, struct span *host, struct span *port)
{
    size_t i;
    if (a.n > 0 && a.p[0] == '[') {
        for (i = 1; i < a.n && ip_literal_char(a.p[i]); i++)
            ;
        if (i == 1 || i == a.n || a.p[i] != ']')
            return false;
        i++;
    } else {
        for (i = 0; i < a.n && a.p[i] != ':'; i++)
            if (!reg_name_char(a.p[i]))
                return false;
        if (i == 0)
            return false;
    }
    *host = (struct span){a.p, i};
    *port = (struct span){NULL, 0};
    if (i == a.n)
        return true;
    if (a.p[i] != ':' || !port_ok(a.p + i + 1, a.n - i - 1))
        return false;
    *port = (struct span){a.p + i + 1, a.n - i - 1};
    return true;
}

/* authority-form = uri-host ":" port (RFC 9112 §3.2.3): the port is mandatory.  Kept
 * verbatim for the caller's address module, which owns every spelling of a host. */
static int connect_target(struct http_proxy_request *req, struct span t)
{
    struct span host, port;
    if (t.n > HTTP_AUTHORITY_MAX)
        return refuse(req, -EBADMSG, 400, "CONNECT target too long");
    if (!hostport_split(t, &host, &port) || !port.p)
        return refuse(req, -EBADMSG, 400, "CONNECT target is not host:port");
    memcpy(req->authority, t.p, t.n);
    req->authority[t.n] = '\0';
    return 0;
}

/* absolute-form (RFC 9112 §3.2.2): "http://" authority [path-abempty] ["?" query].  Sets
 * the authority with its default port, and returns the URL's own host[:port] (for Host)
 * and the path-and-query (for the origin-form). */
static int absolute_target(struct http_proxy_request *req, struct span t, struct span *hostport,
                           struct span *path)
{
    size_t i = 0;
    while (i < t.n && (is_alpha(t.p[i]) || (i > 0 && (is_digit(t.p[i]) || t.p[i] == '+' ||
                                                      t.p[i] == '-' || t.p[i] == '.'))))
        i++;
    if (i == 0 || t.n - i < 3 || memcmp(t.p + i, "://", 3) != 0)
        return refuse(req, -EBADMSG, 400, "request target is not an absolute http:// URL");
    struct span scheme = {t.p, i};
    if (span_is(scheme, "https"))
        return refuse(req, -EBADMSG, 400, "use CONNECT for https");
    if (!span_is(scheme, "http"))
        return refuse(req, -EBADMSG, 400, "only http:// URLs can be forwarded");
    if (memchr(t.p, '#', t.n))
        return refuse(req, -EBADMSG, 400, "fragment in request target");

    size_t a = i + 3, e = a;
    while (e < t.n && t.p[e] != '/' && t.p[e] != '?')
        e++;
    *hostport = (struct span){t.p + a, e - a};
    *path = (struct span){t.p + e, t.n - e};
    /* userinfo is deprecated (RFC 9110 §4.2.4) and "http://allowed@evil/" is a classic
     * way to make a filter and a connector read different hosts. */
    if (memchr(hostport->p, '@', hostport->n))
        return refuse(req, -EBADMSG, 400, "credentials in URL");
    struct span host, port;
    if (!hostport_split(*hostport, &host, &port))
        return refuse(req, -EBADMSG, 400, "invalid host or port in URL");
    int n = snprintf(req->authority, sizeof req->authority, "%.*s:%.*s", (int)host.n, host.p,
                     port.p ? (int)port.n : 2, port.p ? port.p : "80");
    if (n < 0 || (size_t)n >= sizeof req->authority)
        return refuse(req, -EBADMSG, 400, "URL host too long");
    return 0;
}

/* Proxy-Authorization: Basic base64(user ":" pass) (RFC 7617 §2, scheme case-insensitive
 * per RFC 9110 §11.1).  The user-id cannot contain ':', so the first one splits.  The user
 * matches when it is `user` or `user` "." LABEL (srt's per-command "srt.<base64>"); the label
 * goes to *label.  The password, the secret, is compared in constant time, always. */
static bool basic_credentials_match(const struct http_field *f, const char *user,
                                    const char *pass, char *label, size_t label_cap)
{
    if (!user || !pass)
        return false;
    size_t i = 0;
    while (i < f->value_len && f->value[i] != ' ')
        i++;
    if (!span_is((struct span){f->value, i}, "Basic"))
        return false;
    while (i < f->value_len && f->value[i] == ' ')
        i++;
    uint8_t dec[1024];
    size_t n;
    if (base64_decode(f->value + i, f->value_len - i, dec, sizeof dec, &n) < 0)
        return false;
    const uint8_t *colon = memchr(dec, ':', n);
    bool ok = false;
    if (colon) {
        size_t ulen = (size_t)(colon - dec), base = strlen(user);
        size_t cmp = ulen > base && dec[base] == '.' ? base : ulen;
        bool u = ct_memeq(dec, cmp, user, base);
        bool p = ct_memeq(colon + 1, n - ulen - 1, pass, strlen(pass));
        ok = u & p;
        if (ok && cmp < ulen && ulen - cmp - 1 < label_cap)
            snprintf(label, label_cap, "%.*s", (int)(ulen - cmp - 1), (const char *)dec + cmp + 1);
    }
    explicit_bzero(dec, sizeof dec);
    return ok;
}

struct writer {
    char *p;
    size_t cap, len;
    bool overflow;
};

static void put(struct writer *w, const char *s, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void puts_(struct writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* The origin-form request for the upstream (RFC 9112 §3.2.1, §3.2.2):
 *   - request line: method, path-and-query ("/" when the URL has no path), the client's
 *     HTTP version (bytes are relayed untouched, so the version must stay theirs);
 *   - Host carries the URL's host[:port]: §3.2.2 says a proxy MUST ignore a Host the client
 *     sent and use the target's, otherwise an allowed URL with "Host: other" reaches
 *     whatever the origin (a CDN, a shared host) serves as "other".  A client's Host line
 *     keeps its place and name spelling; one is added after the request line if missing;
 *   - Proxy-Authorization (our credentials) and Proxy-Connection are removed;
 *   - every other field line, byte for byte. */
static int forward_head_write(struct http_proxy_request *req, const char *fields,
                              const char *end, bool has_host, struct span hostport,
                              struct span path, char *fwd, size_t fwd_cap)
{
    struct writer w = {fwd, fwd ? fwd_cap : 0, 0, false};
    puts_(&w, req->method);
    put(&w, " ", 1);
    if (path.n == 0 || path.p[0] == '?')
        put(&w, "/", 1);
    put(&w, path.p, path.n);
    puts_(&w, req->http_minor ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
    if (!has_host) {
        puts_(&w, "Host: ");
        put(&w, hostport.p, hostport.n);
        put(&w, "\r\n", 2);
    }
    for (const char *p = fields; p < end;) {
        const char *e = memchr(p, '\r', (size_t)(end - p));
        struct http_field f;
        /* Validated by the first pass; cannot fail here. */
        if (http_field_parse(p, (size_t)(e - p), &f, NULL) < 0)
            return refuse(req, -EBADMSG, 400, "malformed field line");
        if (http_field_is(&f, "Host")) {
            put(&w, f.name, f.name_len);
            put(&w, ": ", 2);
            put(&w, hostport.p, hostport.n);
            put(&w, "\r\n", 2);
        } else if (!http_field_is(&f, "Proxy-Authorization") &&
                   !http_field_is(&f, "Proxy-Connection")) {
            put(&w, p, (size_t)(e - p) + 2);
        }
        p = e + 2;
    }
    put(&w, "\r\n", 2);
    if (w.overflow)
        return refuse(req, -ENOSPC, 431, "rewritten request head too large");
    req->fwd_len = w.len;
    return 0;
}

int http_proxy_request_parse(const char *buf, size_t len, const char *want_user,
                             const char *want_pass, struct http_proxy_request *req, char *fwd,
                             size_t fwd_cap)
{
    memset(req, 0, sizeof *req);
    req->status = 400;

    /* RFC 9112 §2.2: a server SHOULD ignore empty lines before the request line (clients
     * add a CRLF after a POST body).  They count towards the head limit. */
    size_t skip = 0;
    while (len - skip >= 2 && skip < HTTP_HEAD_MAX && buf[skip] == '\r' &&
           buf[skip + 1] == '\n')
        skip += 2;
    const char *h = buf + skip, *why = NULL;
    size_t hl;
    int r = http_head_find_end(h, len - skip, HTTP_HEAD_MAX - skip, &hl, &why);
    if (r == -EAGAIN)
        return refuse(req, -EAGAIN, 0, "incomplete request head");
    if (r == -EMSGSIZE)
        return refuse(req, -EMSGSIZE, 431, "request head larger than 16 KiB");
    if (r < 0)
        return refuse(req, r, 400, why);

    const char *end = h + hl - 2; /* the empty line */
    const char *eol = memchr(h, '\r', hl);
    struct span target, hostport = {NULL, 0}, path = {NULL, 0};
    r = request_line_parse(h, (size_t)(eol - h), req, &target);
    if (r < 0)
        return r;

    if (strcmp(req->method, "CONNECT") == 0) {
        req->kind = HTTP_REQ_CONNECT;
        r = connect_target(req, target);
    } else if (target.p[0] == '/' || (target.n == 1 && target.p[0] == '*')) {
        r = refuse(req, -EBADMSG, 400, "not a proxy request (origin-form target)");
    } else {
        req->kind = HTTP_REQ_FORWARD;
        r = absolute_target(req, target, &hostport, &path);
    }
    if (r < 0)
        return r;

    struct http_framing_fields ff = {0};
    unsigned n_host = 0;
    for (const char *p = eol + 2; p < end;) {
        const char *e = memchr(p, '\r', (size_t)(end - p));
        struct http_field f;
        r = http_field_parse(p, (size_t)(e - p), &f, &why);
        if (r == 0)
            r = http_framing_field(&ff, &f, &why);
        if (r < 0)
            return refuse(req, r, 400, why);
        /* RFC 9112 §3.2: more than one Host is a 400, whatever the target form. */
        if (http_field_is(&f, "Host") && ++n_host > 1)
            return refuse(req, -EBADMSG, 400, "multiple Host fields");
        if (http_field_is(&f, "Proxy-Authorization") &&
            basic_credentials_match(&f, want_user, want_pass, req->user_label,
                                    sizeof req->user_label))
            req->auth_ok = true;
        p = e + 2;
    }

    if (req->kind == HTTP_REQ_CONNECT) {
        /* RFC 9110 §9.3.6: CONNECT has no content; bytes after the head are tunnel data.
         * "Content-Length: 0" (some clients send it) says the same thing. */
        if (ff.has_te || ff.content_length > 0)
            return refuse(req, -EBADMSG, 400, "CONNECT request with a body");
        req->body.kind = HTTP_BODY_NONE;
    } else {
        r = http_request_body(&ff, req->http_minor, &req->body, &why);
        if (r < 0)
            return refuse(req, r, 400, why);
    }
    req->keep_alive = http_keep_alive(&ff, req->http_minor);
    req->head_len = skip + hl;

    if (req->kind == HTTP_REQ_FORWARD) {
        r = forward_head_write(req, eol + 2, end, n_host > 0, hostport, path, fwd, fwd_cap);
        if (r < 0)
            return r;
    }
    req->status = 0;
    return 0;
}

static const char *reason_for(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

int http_proxy_response_with(int status, const char *reason_phrase, const char *fields,
                             const char *body, char *out, size_t cap)
{
    if (status < 100 || status > 599)
        return -EINVAL;
    const char *reason = reason_phrase ? reason_phrase : reason_for(status);
    /* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): a CR or LF here would let a
     * caller's string inject fields into the answer. */
    for (const unsigned char *c = (const unsigned char *)reason; *c; c++)
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
            return -EINVAL;
    if (!body)
        body = "";
    int n = snprintf(out, cap,
                     "HTTP/1.1 %d %s\r\n%s%sContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     status, reason,
                     status == 407 ? "Proxy-Authenticate: Basic realm=\"moat\"\r\n" : "",
                     fields ? fields : "", strlen(body), body);
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    return n;
}

int http_proxy_response(int status, const char *reason_phrase, const char *body, char *out,
                        size_t cap)
{
    return http_proxy_response_with(status, reason_phrase, NULL, body, out, cap);
}
