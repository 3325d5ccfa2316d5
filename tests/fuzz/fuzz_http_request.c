/* Fuzz target: HTTP proxy request heads (src/net/proxy/http_proxy_msg.c, http_framing.c).
 * The input is what a client sends the HTTP proxy.  Checks that a verdict never depends on
 * bytes after the head (the proxy decides as bytes arrive: a prefix of an accepted head is
 * "need more", never an error, and bytes appended after a decision change nothing), that
 * the rewritten origin-form head is itself a well-formed head with exactly one Host naming
 * the URL's authority and none of our credentials, and that authentication succeeds exactly
 * when the credentials were sent (a reference reading of the Proxy-Authorization fields).
 * fuzz-flags: -max_len=17000 -dict=tests/fuzz/http.dict
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "net/proxy/base64.h"
#include "net/proxy/http_framing.h"
#include "net/proxy/http_proxy_msg.h"
#include "util/cleanup.h"

#define USER "user"
#define PASS "pass"

static char fwd[HTTP_FORWARD_HEAD_MAX], fwd2[HTTP_FORWARD_HEAD_MAX];

static int parse(const uint8_t *buf, size_t len, struct http_proxy_request *req, char *out)
{
    int r = http_proxy_request_parse((const char *)buf, len, USER, PASS, req, out,
                                     HTTP_FORWARD_HEAD_MAX);
    switch (r) {
    case 0:
        FUZZ_CHECK(req->status == 0);
        break;
    case -EAGAIN:
        break;
    case -EBADMSG:
        FUZZ_CHECK((req->status == 400 || req->status == 505) && req->why && *req->why);
        break;
    case -EMSGSIZE:
        FUZZ_CHECK(req->status == 431 && req->why);
        break;
    default: /* including -ENOSPC: HTTP_FORWARD_HEAD_MAX always holds the rewritten head */
        FUZZ_CHECKF(false, "unexpected return %d", r);
    }
    return r;
}

/* Whether one of the head's Proxy-Authorization fields is "Basic" and the Base64 of
 * USER ":" PASS or USER "." LABEL ":" PASS; *label_seen is set when one carries `label`. */
static bool head_has_credentials(const char *head, size_t len, const char *label,
                                 bool *label_seen)
{
    static const char field[] = "Proxy-Authorization:";
    bool found = false;
    for (const char *p = head; p < head + len;) {
        const char *eol = memmem(p, (size_t)(head + len - p), "\r\n", 2);
        size_t n = (size_t)(eol - p);
        if (n > strlen(field) && strncasecmp(p, field, strlen(field)) == 0) {
            const char *v = p + strlen(field), *end = eol;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            if (end - v > 6 && strncasecmp(v, "Basic ", 6) == 0) {
                v += 6;
                while (v < end && *v == ' ')
                    v++;
                uint8_t dec[1025];
                size_t dn;
                if (base64_decode(v, (size_t)(end - v), dec, 1024, &dn) == 0) {
                    dec[dn] = '\0';
                    const char *c = memchr(dec, ':', dn), *d = (const char *)dec;
                    size_t ulen = c ? (size_t)(c - d) : 0;
                    bool user = c && ulen >= strlen(USER) && memcmp(d, USER, strlen(USER)) == 0 &&
                                (ulen == strlen(USER) || d[strlen(USER)] == '.');
                    bool pass = c && dn - ulen - 1 == strlen(PASS) && memcmp(c + 1, PASS, strlen(PASS)) == 0;
                    if (user && pass) {
                        found = true;
                        /* The label as a C string: up to a NUL it may carry. */
                        const char *l = d + strlen(USER) + 1;
                        size_t ll = ulen > strlen(USER) ? strnlen(l, ulen - strlen(USER) - 1) : 0;
                        if (ll > 0 && strlen(label) == ll && memcmp(label, l, ll) == 0)
                            *label_seen = true;
                    }
                }
            }
        }
        p = eol + 2;
    }
    return found;
}

static bool same_request(const struct http_proxy_request *a, const struct http_proxy_request *b)
{
    return a->kind == b->kind && strcmp(a->method, b->method) == 0 &&
           strcmp(a->authority, b->authority) == 0 && a->http_minor == b->http_minor &&
           a->keep_alive == b->keep_alive && a->auth_ok == b->auth_ok &&
           strcmp(a->user_label, b->user_label) == 0 &&
           a->body.kind == b->body.kind && a->body.length == b->body.length &&
           a->head_len == b->head_len && a->fwd_len == b->fwd_len;
}

/* The rewritten head: a valid head, origin-form, one Host with the URL's authority. */
static void check_forward(const struct http_proxy_request *req)
{
    FUZZ_CHECK(req->fwd_len <= HTTP_FORWARD_HEAD_MAX);
    size_t hl;
    const char *why = NULL;
    FUZZ_CHECKF(http_head_find_end(fwd, req->fwd_len, req->fwd_len + 1, &hl, &why) == 0 &&
                    hl == req->fwd_len,
                "rewritten head is not one head: %s", why ? why : "no end");
    size_t ml = strlen(req->method);
    FUZZ_CHECK(req->fwd_len > ml + 2 && memcmp(fwd, req->method, ml) == 0);
    FUZZ_CHECK(fwd[ml] == ' ' && fwd[ml + 1] == '/');
    const char *eol = memchr(fwd, '\r', req->fwd_len);
    FUZZ_CHECK(eol && (size_t)(eol - fwd) >= 9);
    FUZZ_CHECK(memcmp(eol - 9, req->http_minor ? " HTTP/1.1" : " HTTP/1.0", 9) == 0);

    unsigned hosts = 0;
    const char *end = fwd + req->fwd_len - 2;
    for (const char *p = eol + 2; p < end;) {
        const char *e = memchr(p, '\r', (size_t)(end - p));
        FUZZ_CHECK(e);
        struct http_field f;
        FUZZ_CHECK(http_field_parse(p, (size_t)(e - p), &f, NULL) == 0);
        FUZZ_CHECK(!http_field_is(&f, "Proxy-Authorization"));
        FUZZ_CHECK(!http_field_is(&f, "Proxy-Connection"));
        if (http_field_is(&f, "Host")) {
            hosts++;
            /* authority is host:port with ":80" added when the URL had no port. */
            size_t al = strlen(req->authority);
            FUZZ_CHECKF((f.value_len == al && memcmp(f.value, req->authority, al) == 0) ||
                            (f.value_len + 3 == al && memcmp(f.value, req->authority, f.value_len) == 0 &&
                             strcmp(req->authority + f.value_len, ":80") == 0),
                        "Host \"%.*s\" for authority \"%s\"", (int)f.value_len, f.value,
                        req->authority);
        }
        p = e + 2;
    }
    FUZZ_CHECK(hosts == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_proxy_request req, again;
    int r = parse(data, size, &req, fwd);

    if (r == 0) {
        FUZZ_CHECK(req.head_len >= 4 && req.head_len <= size && req.head_len <= HTTP_HEAD_MAX);
        FUZZ_CHECK(memcmp(data + req.head_len - 4, "\r\n\r\n", 4) == 0);
        FUZZ_CHECK(req.authority[0] && strlen(req.method) <= HTTP_METHOD_MAX);
        FUZZ_CHECK(req.http_minor == 0 || req.http_minor == 1);
        if (req.kind == HTTP_REQ_CONNECT) {
            FUZZ_CHECK(strcmp(req.method, "CONNECT") == 0 && req.body.kind == HTTP_BODY_NONE);
            FUZZ_CHECK(memchr(data, ' ', req.head_len)); /* the target was in the head */
        } else {
            FUZZ_CHECK(req.kind == HTTP_REQ_FORWARD);
            FUZZ_CHECK(req.body.kind == HTTP_BODY_NONE || req.body.kind == HTTP_BODY_LENGTH ||
                       req.body.kind == HTTP_BODY_CHUNKED);
            FUZZ_CHECK(req.body.length <= HTTP_LENGTH_MAX);
            check_forward(&req);
        }
        /* Authenticated exactly when a Proxy-Authorization field carries our credentials
         * (user "user" or "user.LABEL", password "pass"), and the label is one of them. */
        bool label_seen = !req.user_label[0];
        bool creds = head_has_credentials((const char *)data, req.head_len, req.user_label,
                                          &label_seen);
        FUZZ_CHECKF(req.auth_ok == creds, "auth_ok %d, credentials in the head %d", req.auth_ok,
                    creds);
        FUZZ_CHECK(!req.auth_ok || label_seen);
        /* A prefix of the head is never judged: it needs more. */
        struct http_proxy_request part;
        FUZZ_CHECK(parse(data, req.head_len - 1, &part, fwd2) == -EAGAIN);
        uint64_t h = fuzz_hash(data, size);
        FUZZ_CHECK(parse(data, (size_t)(h % req.head_len), &part, fwd2) == -EAGAIN);
    }

    /* Bytes after a decision change nothing. */
    if (r != -EAGAIN) {
        static const char tail[] = "\r\nX: y\r\n\r\nGET http://other.test/ HTTP/1.1\r\n\r\n";
        _cleanup_free_ uint8_t *more = malloc(size + sizeof tail);
        FUZZ_CHECK(more);
        memcpy(more, data, size);
        memcpy(more + size, tail, sizeof tail);
        int r2 = parse(more, size + sizeof tail, &again, fwd2);
        FUZZ_CHECKF(r2 == r, "%d with the head alone, %d with bytes after it", r, r2);
        if (r == 0) {
            FUZZ_CHECK(same_request(&req, &again));
            FUZZ_CHECK(req.kind != HTTP_REQ_FORWARD || memcmp(fwd, fwd2, req.fwd_len) == 0);
        }
    }
    return 0;
}
