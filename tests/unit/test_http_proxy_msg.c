/* Unit tests for src/net/proxy/http_proxy_msg.c (and src/net/proxy/base64.c, which exists for it): proxy
 * request parsing, authentication, the origin-form rewrite, the proxy's own answers; every
 * message whole, cut at every byte, and mutated by a seeded fuzzer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/proxy/base64.h"
#include "net/proxy/http_proxy_msg.h"
#include "unit.h"

#define USER "alice"
#define PASS "s3cret"
#define AUTH "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n" /* alice:s3cret */

static char fwd[HTTP_FORWARD_HEAD_MAX];

/* Parse from an exactly-sized heap copy, so ASan sees any read past len. */
static int parse_n(const char *msg, size_t n, struct http_proxy_request *req)
{
    char *copy = malloc(n ? n : 1);
    memcpy(copy, msg, n);
    int r = http_proxy_request_parse(copy, n, USER, PASS, req, fwd, sizeof fwd);
    free(copy);
    return r;
}

static int parse(const char *msg, struct http_proxy_request *req)
{
    return parse_n(msg, strlen(msg), req);
}

/* The status a message is refused with, 0 when accepted, -1 when incomplete. */
static int status_of(const char *msg)
{
    struct http_proxy_request req;
    int r = parse(msg, &req);
    return r == 0 ? 0 : r == -EAGAIN ? -1 : req.status;
}

static const char *fwd_str(const struct http_proxy_request *req)
{
    static char s[HTTP_FORWARD_HEAD_MAX + 1];
    memcpy(s, fwd, req->fwd_len);
    s[req->fwd_len] = '\0';
    return s;
}

TEST(connect_targets_are_kept_verbatim)
{
    static const char *targets[] = {"203.0.113.9:443", "[2001:db8::1]:443",
                                    "[::ffff:203.0.113.9]:443", "example.com:443",
                                    "Example.COM:8443", "xn--bcher-kva.example:443"};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        char msg[256];
        snprintf(msg, sizeof msg, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n" AUTH "\r\n",
                 targets[i], targets[i]);
        struct http_proxy_request req;
        CHECK_INT(parse(msg, &req), 0);
        CHECK_INT(req.kind, HTTP_REQ_CONNECT);
        CHECK_STR(req.method, "CONNECT");
        CHECK_STR(req.authority, targets[i]);
        CHECK_INT(req.head_len, strlen(msg));
        CHECK_INT(req.body.kind, HTTP_BODY_NONE);
        CHECK_INT(req.fwd_len, 0);
        CHECK(req.auth_ok);
        CHECK(req.keep_alive);
        CHECK_INT(req.http_minor, 1);
    }
}

TEST(connect_early_data_is_not_part_of_the_head)
{
    const char *head = "CONNECT example.com:443 HTTP/1.1\r\n\r\n";
    char msg[128];
    snprintf(msg, sizeof msg, "%s\x16\x03\x01\x02", head);
    struct http_proxy_request req;
    CHECK_INT(parse_n(msg, strlen(head) + 4, &req), 0);
    CHECK_INT(req.head_len, strlen(head));
    CHECK(!req.auth_ok); /* JVM clients send none on CONNECT: the caller decides */
}

TEST(connect_bad_targets_are_refused)
{
    CHECK_INT(status_of("CONNECT example.com HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT example.com: HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT :443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT http://example.com/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT u@example.com:443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT example.com:123456 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT example.com:44x HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT [::1]x:443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT []:443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT [fe80::1%25eth0]:443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT [2001:db8::1/64]:443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT [v1.x]:443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT 2001:db8::1:443 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT example.com:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT a:443 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    CHECK_INT(status_of("CONNECT example.com:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), 0);
    CHECK_INT(status_of("connect example.com:443 HTTP/1.1\r\n\r\n"), 400); /* case matters */
}

TEST(absolute_form_is_rewritten_to_origin_form)
{
    struct http_proxy_request req;
    CHECK_INT(parse("GET http://example.com/path/a%20b?q=1&r=2 HTTP/1.1\r\n"
                    "Host: example.com\r\nAccept: */*\r\n" AUTH "User-Agent: t\r\n\r\n",
                    &req),
              0);
    CHECK_INT(req.kind, HTTP_REQ_FORWARD);
    CHECK_STR(req.method, "GET");
    CHECK_STR(req.authority, "example.com:80");
    CHECK(req.auth_ok);
    CHECK_STR(fwd_str(&req), "GET /path/a%20b?q=1&r=2 HTTP/1.1\r\nHost: example.com\r\n"
                             "Accept: */*\r\nUser-Agent: t\r\n\r\n");

    CHECK_INT(parse("POST http://[2001:db8::1]:8080/x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
                    &req),
              0);
    CHECK_STR(req.authority, "[2001:db8::1]:8080");
    CHECK_INT(req.body.kind, HTTP_BODY_LENGTH);
    CHECK_INT(req.body.length, 3);
    CHECK_STR(fwd_str(&req), "POST /x HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n"
                             "Content-Length: 3\r\n\r\n");
    CHECK(!req.auth_ok);

    CHECK_INT(parse("GET HTTP://Example.COM:81 HTTP/1.1\r\n\r\n", &req), 0);
    CHECK_STR(req.authority, "Example.COM:81");
    CHECK_STR(fwd_str(&req), "GET / HTTP/1.1\r\nHost: Example.COM:81\r\n\r\n");

    CHECK_INT(parse("HEAD http://203.0.113.9?a=b HTTP/1.0\r\n\r\n", &req), 0);
    CHECK_STR(req.authority, "203.0.113.9:80");
    CHECK_STR(fwd_str(&req), "HEAD /?a=b HTTP/1.0\r\nHost: 203.0.113.9\r\n\r\n");
    CHECK_INT(req.http_minor, 0);
    CHECK(!req.keep_alive);

    CHECK_INT(parse("OPTIONS http://[::ffff:203.0.113.9]/ HTTP/1.1\r\n\r\n", &req), 0);
    CHECK_STR(req.authority, "[::ffff:203.0.113.9]:80");
}

TEST(proxy_fields_are_removed_and_host_follows_the_url)
{
    struct http_proxy_request req;
    CHECK_INT(parse("GET http://a.example/ HTTP/1.1\r\nproxy-connection: keep-alive\r\n"
                    "X-A: 1\r\nPROXY-AUTHORIZATION: Basic Zm9vOmJhcg==\r\n" AUTH
                    "host: other.example\r\nX-Proxy-Authorization: kept\r\n\r\n",
                    &req),
              0);
    CHECK(req.auth_ok);
    /* RFC 9112 §3.2.2: the target's host wins over a Host the client sent. */
    CHECK_STR(fwd_str(&req), "GET / HTTP/1.1\r\nX-A: 1\r\nhost: a.example\r\n"
                             "X-Proxy-Authorization: kept\r\n\r\n");
    CHECK_INT(status_of("GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
}

TEST(non_http_targets_are_refused_with_a_reason)
{
    struct http_proxy_request req;
    CHECK_INT(parse("GET https://example.com/ HTTP/1.1\r\n\r\n", &req), -EBADMSG);
    CHECK_INT(req.status, 400);
    CHECK_STR(req.why, "use CONNECT for https");
    CHECK_INT(status_of("GET HTTPS://example.com/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET ftp://example.com/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    CHECK_INT(status_of("OPTIONS * HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://allowed.example@evil.example/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a.example/#frag HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a.example:x/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a.example:/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://:80/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http:/// HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a\\b/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://2001:db8::1/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http:example.com HTTP/1.1\r\n\r\n"), 400);
}

static bool auth_of(const char *field_line)
{
    char msg[512];
    snprintf(msg, sizeof msg, "CONNECT a.example:443 HTTP/1.1\r\n%s\r\n", field_line);
    struct http_proxy_request req;
    int r = parse(msg, &req);
    CHECK_INT(r, 0);
    return r == 0 && req.auth_ok;
}

TEST(proxy_authorization_basic)
{
    CHECK(auth_of(AUTH));
    CHECK(auth_of("proxy-authorization: basic YWxpY2U6czNjcmV0\r\n"));
    CHECK(auth_of("Proxy-Authorization:BASIC   YWxpY2U6czNjcmV0  \r\n"));
    CHECK(auth_of("Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\nProxy-Authorization: x\r\n"));
    CHECK(!auth_of(""));
    CHECK(!auth_of("Authorization: Basic YWxpY2U6czNjcmV0\r\n"));     /* origin's field */
    CHECK(!auth_of("Proxy-Authorization: Bearer YWxpY2U6czNjcmV0\r\n"));
    CHECK(!auth_of("Proxy-Authorization: BasicYWxpY2U6czNjcmV0\r\n"));
    CHECK(!auth_of("Proxy-Authorization: Basic YWxpY2U6czNjcmVU\r\n")); /* alice:s3creT */
    CHECK(!auth_of("Proxy-Authorization: Basic YWxpY2U6czNjcmU=\r\n")); /* alice:s3cre */
    CHECK(!auth_of("Proxy-Authorization: Basic YWxpY2U6czNjcmV0eA==\r\n")); /* s3cretx */
    CHECK(!auth_of("Proxy-Authorization: Basic Ym9iOnMzY3JldA==\r\n"));  /* bob:s3cret */
    CHECK(!auth_of("Proxy-Authorization: Basic YWxpY2VzM2NyZXQ=\r\n"));  /* no colon */
    CHECK(!auth_of("Proxy-Authorization: Basic YWxpY2U6czNjcmV0!\r\n"));
    CHECK(!auth_of("Proxy-Authorization: Basic\r\n"));
    CHECK(!auth_of("Proxy-Authorization: Basic Og==\r\n"));              /* ":" */

    /* The password may contain ':'; the user-id cannot (RFC 7617 §2). */
    char b64[64], line[128];
    base64_encode((const uint8_t *)"alice:pa:ss", 11, b64, sizeof b64);
    snprintf(line, sizeof line, "Proxy-Authorization: Basic %s\r\n\r\n", b64);
    char msg[256];
    snprintf(msg, sizeof msg, "CONNECT a:1 HTTP/1.1\r\n%s", line);
    struct http_proxy_request req;
    CHECK_INT(http_proxy_request_parse(msg, strlen(msg), "alice", "pa:ss", &req, NULL, 0), 0);
    CHECK(req.auth_ok);
    /* No expected credentials: nothing matches, not even empty ones. */
    CHECK_INT(http_proxy_request_parse(msg, strlen(msg), NULL, NULL, &req, NULL, 0), 0);
    CHECK(!req.auth_ok);
    const char *empty = "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic Og==\r\n\r\n";
    CHECK_INT(http_proxy_request_parse(empty, strlen(empty), NULL, NULL, &req, NULL, 0), 0);
    CHECK(!req.auth_ok);
}

/* The label after "user." (srt's per-command attribution) is kept; the user before it must
 * still be exactly the expected one, and the password still decides. */
static const char *label_of(const char *userpass, bool *ok)
{
    static struct http_proxy_request req;
    char b64[400], msg[600];
    base64_encode((const uint8_t *)userpass, strlen(userpass), b64, sizeof b64);
    snprintf(msg, sizeof msg, "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic %s\r\n\r\n", b64);
    CHECK_INT(parse(msg, &req), 0);
    *ok = req.auth_ok;
    return req.user_label;
}

TEST(proxy_user_label_attributes_and_never_authenticates)
{
    bool ok;
    CHECK_STR(label_of("alice.Y3VybCBodHRw:s3cret", &ok), "Y3VybCBodHRw");
    CHECK(ok);
    CHECK_STR(label_of("alice:s3cret", &ok), "");
    CHECK(ok);
    CHECK_STR(label_of("alice.:s3cret", &ok), "");
    CHECK(ok);
    label_of("alice.x.y:s3cret", &ok); /* the first '.' splits; the rest is the label */
    CHECK(ok);
    CHECK_STR(label_of("alice.Y3VybA==:wrong", &ok), "");
    CHECK(!ok);
    CHECK_STR(label_of("alicex.Y3VybA==:s3cret", &ok), "");
    CHECK(!ok);
    CHECK_STR(label_of("alic.Y3VybA==:s3cret", &ok), "");
    CHECK(!ok);
    CHECK_STR(label_of("bob.alice:s3cret", &ok), "");
    CHECK(!ok);
    CHECK_STR(label_of(".alice:s3cret", &ok), "");
    CHECK(!ok);
}

/* A head of exactly n bytes: request line, one padding field, the empty line. */
static char *head_of_size(size_t n, bool terminated)
{
    const char *start = "GET http://a/ HTTP/1.1\r\nX: ";
    char *m = malloc(n + 1);
    size_t s = strlen(start);
    memcpy(m, start, s);
    memset(m + s, 'x', n - s);
    if (terminated)
        memcpy(m + n - 4, "\r\n\r\n", 4);
    m[n] = '\0';
    return m;
}

TEST(head_limit_is_16_kib)
{
    struct http_proxy_request req;
    char *m = head_of_size(HTTP_HEAD_MAX, true);
    CHECK_INT(parse(m, &req), 0);
    CHECK_INT(req.head_len, HTTP_HEAD_MAX);
    free(m);
    m = head_of_size(HTTP_HEAD_MAX + 1, true);
    CHECK_INT(parse(m, &req), -EMSGSIZE);
    CHECK_INT(req.status, 431);
    free(m);
    m = head_of_size(HTTP_HEAD_MAX - 1, false);
    CHECK_INT(parse(m, &req), -EAGAIN);
    free(m);
    m = head_of_size(HTTP_HEAD_MAX, false);
    CHECK_INT(parse(m, &req), -EMSGSIZE);
    free(m);
    /* Leading empty lines count towards the limit. */
    char *crlf = malloc(HTTP_HEAD_MAX + 2);
    for (size_t i = 0; i < HTTP_HEAD_MAX + 2; i += 2)
        memcpy(crlf + i, "\r\n", 2);
    CHECK_INT(parse_n(crlf, HTTP_HEAD_MAX + 2, &req), -EMSGSIZE);
    CHECK_INT(parse_n(crlf, 100, &req), -EAGAIN);
    free(crlf);
    /* A rewrite that does not fit the caller's buffer. */
    const char *g = "GET http://a.example/ HTTP/1.1\r\n\r\n";
    char small[20];
    CHECK_INT(http_proxy_request_parse(g, strlen(g), USER, PASS, &req, small, sizeof small),
              -ENOSPC);
    CHECK_INT(req.status, 431);
}

TEST(request_smuggling_guards)
{
    const char *gl = "POST http://a/ HTTP/1.1\r\n";
    struct {
        const char *fields;
        int status;
        enum http_body_kind kind;
        uint64_t length;
    } cases[] = {
        {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400, 0, 0},
        {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400, 0, 0},
        {"Content-Length: 5\r\nContent-Length: 6\r\n", 400, 0, 0},
        {"Content-Length: 5\r\nContent-Length: 5\r\n", 0, HTTP_BODY_LENGTH, 5},
        {"Content-Length: 5, 5\r\n", 0, HTTP_BODY_LENGTH, 5},
        {"Content-Length: 5, 6\r\n", 400, 0, 0},
        {"Content-Length: 007\r\n", 0, HTTP_BODY_LENGTH, 7},
        {"Content-Length: 0\r\n", 0, HTTP_BODY_LENGTH, 0},
        {"Content-Length: abc\r\n", 400, 0, 0},
        {"Content-Length: -1\r\n", 400, 0, 0},
        {"Content-Length: +5\r\n", 400, 0, 0},
        {"Content-Length: 5 5\r\n", 400, 0, 0},
        {"Content-Length: 0x10\r\n", 400, 0, 0},
        {"Content-Length:\r\n", 400, 0, 0},
        {"Content-Length: 4611686018427387904\r\n", 0, HTTP_BODY_LENGTH, UINT64_C(1) << 62},
        {"Content-Length: 4611686018427387905\r\n", 400, 0, 0},
        {"Content-Length: 99999999999999999999999\r\n", 400, 0, 0},
        {"Transfer-Encoding: chunked\r\n", 0, HTTP_BODY_CHUNKED, 0},
        {"transfer-encoding: Chunked\r\n", 0, HTTP_BODY_CHUNKED, 0},
        {"Transfer-Encoding: gzip, chunked\r\n", 0, HTTP_BODY_CHUNKED, 0},
        {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 0, HTTP_BODY_CHUNKED, 0},
        {"Transfer-Encoding: gzip\r\n", 400, 0, 0},
        {"Transfer-Encoding: chunked, gzip\r\n", 400, 0, 0},
        {"Transfer-Encoding: chunked, chunked\r\n", 400, 0, 0},
        {"Transfer-Encoding: xchunked\r\n", 400, 0, 0},
        {"Transfer-Encoding: chunked\x0b\r\n", 400, 0, 0},
        {"Transfer-Encoding: \"chunked\"\r\n", 400, 0, 0},
        {"Transfer-Encoding:\r\n", 400, 0, 0},
        {"Transfer-Encoding : chunked\r\n", 400, 0, 0},
        {" Transfer-Encoding: chunked\r\n", 400, 0, 0},
        {"X: a\r\n Transfer-Encoding: chunked\r\n", 400, 0, 0}, /* obs-fold */
        {"X: a\r\n\tContinued\r\n", 400, 0, 0},
        {"Content-Length: 5\nX: y\r\n", 400, 0, 0},                /* bare LF */
        {"Content-Length: 5\rX: y\r\n", 400, 0, 0},                /* bare CR */
        {"X: a\x01b\r\n", 400, 0, 0},
        {"Fo(o: x\r\n", 400, 0, 0},
        {": x\r\n", 400, 0, 0},
        {"NoColon\r\n", 400, 0, 0},
        {"X: caf\xc3\xa9\r\n", 0, HTTP_BODY_NONE, 0}, /* obs-text is allowed in values */
        {"", 0, HTTP_BODY_NONE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char msg[512];
        size_t fl = strlen(cases[i].fields);
        size_t n = (size_t)snprintf(msg, sizeof msg, "%s", gl);
        memcpy(msg + n, cases[i].fields, fl);
        memcpy(msg + n + fl, "\r\n", 3);
        struct http_proxy_request req;
        int r = parse_n(msg, n + fl + 2, &req);
        if (cases[i].status) {
            if (r != -EBADMSG || req.status != cases[i].status)
                fprintf(stderr, "  case %zu: %s\n", i, cases[i].fields);
            CHECK_INT(r, -EBADMSG);
            CHECK_INT(req.status, cases[i].status);
            CHECK(req.why != NULL);
        } else {
            if (r != 0)
                fprintf(stderr, "  case %zu: %s: %s\n", i, cases[i].fields, req.why);
            CHECK_INT(r, 0);
            CHECK_INT(req.body.kind, cases[i].kind);
            CHECK_INT(req.body.length, cases[i].length);
        }
    }
    /* RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing. */
    CHECK_INT(status_of("POST http://a/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(request_line_syntax)
{
    CHECK_INT(status_of("GET  http://a/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a/  HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a/ HTTP/1.1 \r\n\r\n"), 400);
    CHECK_INT(status_of("GET\thttp://a/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a/\tx HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a/\x80 HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a/ HTTP/2.0\r\n\r\n"), 505);
    CHECK_INT(status_of("GET http://a/ HTTP/1.2\r\n\r\n"), 505);
    CHECK_INT(status_of("GET http://a/ HTTP/1.1x\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a/ http/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("GET http://a/\r\n\r\n"), 400);
    CHECK_INT(status_of(" GET http://a/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("\r\n\r\nGET http://a/ HTTP/1.1\r\n\r\n"), 0);
    CHECK_INT(status_of("ABCDEFGHIJABCDEFGHIJABCDEFGHIJAB http://a/ HTTP/1.1\r\n\r\n"), 0);
    CHECK_INT(status_of("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABC http://a/ HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT(status_of("PROPFIND http://a/ HTTP/1.1\r\n\r\n"), 0);

    struct http_proxy_request req;
    const char *m = "\r\n\r\nPUT http://a/ HTTP/1.1\r\n\r\n";
    CHECK_INT(parse(m, &req), 0);
    CHECK_INT(req.head_len, strlen(m));
    CHECK_STR(fwd_str(&req), "PUT / HTTP/1.1\r\nHost: a\r\n\r\n");
}

TEST(other_protocols_are_refused_without_waiting)
{
    /* A TLS ClientHello sent to the HTTP port, SOCKS5 greeting, a NUL: refused at once. */
    struct http_proxy_request req;
    CHECK_INT(parse_n("\x16\x03\x01\x02\x00\x01", 6, &req), -EBADMSG);
    CHECK_INT(req.status, 400);
    CHECK_INT(parse_n("\x05\x01\x02", 3, &req), -EBADMSG);
    CHECK_INT(parse_n("GET http://a/ HT\0", 17, &req), -EBADMSG);
    CHECK_INT(parse_n("GET http://a/ HTTP/1.1\n", 23, &req), -EBADMSG);
    CHECK_INT(parse_n("GET http://a/ HTTP/1.1\r", 23, &req), -EAGAIN);
    CHECK_INT(parse_n("GET http://a/ HTTP/1.1\rX", 24, &req), -EBADMSG);
    CHECK_INT(parse_n("", 0, &req), -EAGAIN);
}

TEST(keep_alive_follows_version_and_connection)
{
    struct http_proxy_request req;
    CHECK_INT(parse("GET http://a/ HTTP/1.1\r\n\r\n", &req), 0);
    CHECK(req.keep_alive);
    CHECK_INT(parse("GET http://a/ HTTP/1.1\r\nConnection: close\r\n\r\n", &req), 0);
    CHECK(!req.keep_alive);
    CHECK_INT(parse("GET http://a/ HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", &req), 0);
    CHECK(!req.keep_alive);
    CHECK_INT(parse("GET http://a/ HTTP/1.0\r\n\r\n", &req), 0);
    CHECK(!req.keep_alive);
    CHECK_INT(parse("GET http://a/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req), 0);
    CHECK(req.keep_alive);
    CHECK_STR(fwd_str(&req), "GET / HTTP/1.0\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n");
}

TEST(response_builders)
{
    char out[512];
    int n = http_proxy_response(403, NULL, "denied by policy\n", out, sizeof out);
    CHECK_STR(out, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
                   "Content-Length: 17\r\nConnection: close\r\n\r\ndenied by policy\n");
    CHECK_INT(n, strlen(out));
    n = http_proxy_response(407, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "HTTP/1.1 407 Proxy Authentication Required\r\n"
                   "Proxy-Authenticate: Basic realm=\"moat\"\r\nContent-Type: text/plain\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n");
    CHECK_INT(n, strlen(out));
    n = http_proxy_response(502, "Upstream Said No", "x", out, sizeof out);
    CHECK(n > 0 && strncmp(out, "HTTP/1.1 502 Upstream Said No\r\n", 31) == 0);
    CHECK_INT(http_proxy_response(400, "a\r\nSet-Cookie: x", "", out, sizeof out), -EINVAL);
    CHECK_INT(http_proxy_response(400, "a\nb", "", out, sizeof out), -EINVAL);
    CHECK_INT(http_proxy_response(99, NULL, "", out, sizeof out), -EINVAL);
    CHECK_INT(http_proxy_response(600, NULL, "", out, sizeof out), -EINVAL);
    CHECK_INT(http_proxy_response(400, NULL, "", out, 20), -ENOSPC);
    n = http_proxy_response(431, NULL, "", out, sizeof out);
    CHECK_INT(http_proxy_response(431, NULL, "", out, (size_t)n), -ENOSPC);
    CHECK_INT(http_proxy_response(431, NULL, "", out, (size_t)n + 1), n);
    CHECK_STR(HTTP_CONNECT_ESTABLISHED, "HTTP/1.1 200 Connection established\r\n\r\n");
    /* srt's refusal, as moat srt answers it. */
    n = http_proxy_response_with(403, NULL, "X-Proxy-Error: blocked-by-allowlist\r\n",
                                 "Connection blocked by network allowlist\n", out, sizeof out);
    CHECK_STR(out, "HTTP/1.1 403 Forbidden\r\nX-Proxy-Error: blocked-by-allowlist\r\n"
                   "Content-Type: text/plain\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"
                   "Connection blocked by network allowlist\n");
    CHECK_INT(n, strlen(out));
    CHECK_INT(http_proxy_response_with(403, NULL, "X: y\r\n", "b", out, 60), -ENOSPC);
}

TEST(base64_vectors)
{
    /* RFC 4648 §10. */
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char e[16];
        uint8_t d[16];
        size_t dn;
        CHECK_INT(base64_encode((const uint8_t *)plain[i], strlen(plain[i]), e, sizeof e), 0);
        CHECK_STR(e, enc[i]);
        CHECK_INT(base64_decode(enc[i], strlen(enc[i]), d, sizeof d, &dn), 0);
        CHECK(dn == strlen(plain[i]) && memcmp(d, plain[i], dn) == 0);
    }
    uint8_t d[8];
    size_t dn;
    CHECK_INT(base64_decode("Zm8", 3, d, sizeof d, &dn), 0); /* unpadded */
    CHECK_INT(dn, 2);
    CHECK_INT(base64_decode("Zg", 2, d, sizeof d, &dn), 0);
    CHECK_INT(base64_decode("Zg=", 3, d, sizeof d, &dn), -EINVAL);
    CHECK_INT(base64_decode("Z", 1, d, sizeof d, &dn), -EINVAL);
    CHECK_INT(base64_decode("Z===", 4, d, sizeof d, &dn), -EINVAL);
    CHECK_INT(base64_decode("Zg==Zg==", 8, d, sizeof d, &dn), -EINVAL);
    CHECK_INT(base64_decode("Zm9v\n", 5, d, sizeof d, &dn), -EINVAL);
    CHECK_INT(base64_decode("Zm9 v", 5, d, sizeof d, &dn), -EINVAL);
    CHECK_INT(base64_decode("_-8=", 4, d, sizeof d, &dn), -EINVAL);
    CHECK_INT(base64_decode("Zm9vYmFy", 8, d, 5, &dn), -ENOSPC);
    char e[4];
    CHECK_INT(base64_encode((const uint8_t *)"foo", 3, e, sizeof e), -ENOSPC);

    CHECK(ct_memeq("abc", 3, "abc", 3));
    CHECK(!ct_memeq("abd", 3, "abc", 3));
    CHECK(!ct_memeq("ab", 2, "abc", 3));
    CHECK(!ct_memeq("abcd", 4, "abc", 3));
    CHECK(!ct_memeq("", 0, "a", 1));
    CHECK(ct_memeq("", 0, "", 0));
    CHECK(!ct_memeq("a", 1, "", 0));
}

/* ---- every message at every cut, and a fuzzer ---- */

static const char *corpus[] = {
    "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n" AUTH "\r\n",
    "CONNECT example.com:443 HTTP/1.0\r\nUser-Agent: curl\r\n\r\n\x16\x03\x01",
    ("GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n" AUTH
     "Proxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n"),
    ("POST http://[::ffff:203.0.113.9]:8080/u HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n"
     "Content-Type: text/plain\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    "\r\nPUT http://a.example HTTP/1.1\r\nContent-Length: 3\r\nconnection: close\r\n\r\nabc",
    "GET https://example.com/ HTTP/1.1\r\n\r\n",
    "GET http://a/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    "GET http://a/ HTTP/1.1\r\nX: y\r\n z\r\n\r\n",
    "GET http://a/ HTTP/3.0\r\n\r\n",
};

static bool same_result(int r1, const struct http_proxy_request *a, const char *fa, int r2,
                        const struct http_proxy_request *b, const char *fb)
{
    if (r1 != r2)
        return false;
    if (r1 != 0)
        return a->status == b->status;
    return a->kind == b->kind && strcmp(a->method, b->method) == 0 &&
           strcmp(a->authority, b->authority) == 0 && a->auth_ok == b->auth_ok &&
           a->keep_alive == b->keep_alive && a->head_len == b->head_len &&
           a->body.kind == b->body.kind && a->body.length == b->body.length &&
           a->fwd_len == b->fwd_len && memcmp(fa, fb, a->fwd_len) == 0;
}

TEST(every_cut_gives_incomplete_or_the_same_answer)
{
    static char whole_fwd[HTTP_FORWARD_HEAD_MAX];
    for (size_t c = 0; c < sizeof corpus / sizeof *corpus; c++) {
        size_t n = strlen(corpus[c]);
        struct http_proxy_request whole, part;
        int rw = parse_n(corpus[c], n, &whole);
        memcpy(whole_fwd, fwd, whole.fwd_len);
        bool ok = true;
        for (size_t k = 0; k <= n; k++) {
            int rp = parse_n(corpus[c], k, &part);
            if (rw == 0 && k < whole.head_len)
                ok &= rp == -EAGAIN;
            else if (rp != -EAGAIN)
                ok &= same_result(rw, &whole, whole_fwd, rp, &part, fwd);
            else
                ok &= rw != 0; /* an error may be decided only once more bytes arrive */
        }
        if (!ok)
            fprintf(stderr, "  corpus %zu differs at some cut\n", c);
        CHECK(ok);
    }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Flip, insert, delete, duplicate, splice in HTTP-significant bytes. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
    static const char interesting[] = "\r\n :;,\t\0\x7f\x80/?#@[]%=\"";
    unsigned rounds = 1 + (unsigned)(xorshift() % 4);
    for (unsigned i = 0; i < rounds; i++) {
        size_t pos = len ? (size_t)(xorshift() % len) : 0;
        switch (xorshift() % 6) {
        case 0:
            if (len)
                buf[pos] = (char)xorshift();
            break;
        case 1:
            if (len)
                buf[pos] = interesting[xorshift() % (sizeof interesting - 1)];
            break;
        case 2:
            if (len < cap) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = interesting[xorshift() % (sizeof interesting - 1)];
                len++;
            }
            break;
        case 3:
            if (len) {
                memmove(buf + pos, buf + pos + 1, len - pos - 1);
                len--;
            }
            break;
        case 4: {
            size_t n = (size_t)(xorshift() % 16);
            if (n > len - pos)
                n = len - pos;
            if (len + n <= cap) {
                memmove(buf + pos + n, buf + pos, len - pos);
                len += n;
            }
            break;
        }
        default:
            len = pos;
            break;
        }
    }
    return len;
}

/* Number of Host fields in a rewritten head, or -1 if a Proxy-Authorization or
 * Proxy-Connection field (by exact name) survived or a line does not parse. */
static int rewrite_check(const char *h, size_t n)
{
    int hosts = 0;
    const char *p = memchr(h, '\r', n) + 2, *end = h + n - 2;
    while (p < end) {
        const char *e = memchr(p, '\r', (size_t)(end - p));
        struct http_field f;
        if (http_field_parse(p, (size_t)(e - p), &f, NULL) < 0 ||
            http_field_is(&f, "Proxy-Authorization") || http_field_is(&f, "Proxy-Connection"))
            return -1;
        hosts += http_field_is(&f, "Host");
        p = e + 2;
    }
    return hosts;
}

TEST(fuzz_request_parser)
{
    char buf[1024];
    unsigned ok = 0, incomplete = 0, bad = 0;
    for (unsigned it = 0; it < 150000; it++) {
        const char *seed = corpus[xorshift() % (sizeof corpus / sizeof *corpus)];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        len = mutate(buf, len, sizeof buf);
        struct http_proxy_request req;
        int r = parse_n(buf, len, &req);
        if (r == 0) {
            ok++;
            CHECK(req.head_len <= len && req.fwd_len <= sizeof fwd);
            CHECK(strlen(req.authority) > 0 && strlen(req.authority) <= HTTP_AUTHORITY_MAX);
            /* Nothing that could make the caller's host differ from the connector's. */
            CHECK(strpbrk(req.authority, " \t\r\n@/?#\\") == NULL);
            CHECK(req.kind == HTTP_REQ_FORWARD || req.fwd_len == 0);
            /* The rewrite is itself a valid head, and the same request. */
            if (req.kind == HTTP_REQ_FORWARD) {
                char *again = malloc(req.fwd_len);
                memcpy(again, fwd, req.fwd_len);
                const char *why;
                size_t hl;
                CHECK_INT(http_head_find_end(again, req.fwd_len, HTTP_FORWARD_HEAD_MAX, &hl,
                                             &why), 0);
                CHECK_INT(hl, req.fwd_len);
                CHECK_INT(rewrite_check(again, req.fwd_len), 1);
                free(again);
            }
        } else if (r == -EAGAIN) {
            incomplete++;
        } else {
            bad++;
            CHECK(r == -EBADMSG || r == -EMSGSIZE);
            CHECK(req.why != NULL && (req.status == 400 || req.status == 505));
        }
        /* A cut anywhere gives "incomplete" or the same answer. */
        if (it % 8 == 0 && len > 0) {
            static char whole_fwd[HTTP_FORWARD_HEAD_MAX];
            memcpy(whole_fwd, fwd, req.fwd_len);
            size_t k = (size_t)(xorshift() % len);
            struct http_proxy_request part;
            int rp = parse_n(buf, k, &part);
            if (r == 0 && k < req.head_len)
                CHECK_INT(rp, -EAGAIN);
            else if (rp != -EAGAIN)
                CHECK(same_result(r, &req, whole_fwd, rp, &part, fwd));
            else
                CHECK(r != 0);
        }
    }
    printf("  fuzz: %u complete, %u incomplete, %u refused\n", ok, incomplete, bad);
    CHECK(ok > 1000 && bad > 1000 && incomplete > 1000);
}

int main(void)
{
    RUN(connect_targets_are_kept_verbatim);
    RUN(proxy_user_label_attributes_and_never_authenticates);
    RUN(connect_early_data_is_not_part_of_the_head);
    RUN(connect_bad_targets_are_refused);
    RUN(absolute_form_is_rewritten_to_origin_form);
    RUN(proxy_fields_are_removed_and_host_follows_the_url);
    RUN(non_http_targets_are_refused_with_a_reason);
    RUN(proxy_authorization_basic);
    RUN(head_limit_is_16_kib);
    RUN(request_smuggling_guards);
    RUN(request_line_syntax);
    RUN(other_protocols_are_refused_without_waiting);
    RUN(keep_alive_follows_version_and_connection);
    RUN(response_builders);
    RUN(base64_vectors);
    RUN(every_cut_gives_incomplete_or_the_same_answer);
    RUN(fuzz_request_parser);
    return UNIT_DONE();
}
