/* Unit tests for src/net/firewall/names/server_name.c, HTTP/1 request heads: the names a request
 * claims (Host, absolute-form and CONNECT targets), read as leniently as servers read them
 * (empty lines, any whitespace and case, folding, two Hosts), what names nothing, what
 * cannot be read, the head's length and framing, and other protocols. */
#include <stdint.h>
#include <stdlib.h>

#include "server_name_claim.h"

TEST(http_host_found)
{
    struct {
        const char *req, *name;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "example.com"},
        {"GET / HTTP/1.1\r\nHost: Example.COM.:8080\r\n\r\n", "example.com"},
        {"GET / HTTP/1.1\r\nUser-Agent: x\r\nhost:\tWWW.Example.org \r\nAccept: */*\r\n\r\n",
         "www.example.org"},
        {"HEAD / HTTP/1.0\nHOST: a.b\n\n", "a.b"},
        {"POST /upload HTTP/1.1\r\nContent-Length: 0\r\nHost: api.example\r\n\r\nbody", "api.example"},
        {"CONNECT api.example:443 HTTP/1.1\r\nHost: api.example:443\r\n\r\n", "api.example"},
        {"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "x"},
        {"DELETE /a HTTP/1.1\r\nHost: a.example\r\n\n", "a.example"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_INT(claim_str(cases[i].req), SERVER_NAME_FOUND);
        CHECK_STR(got, cases[i].name);
    }
}

/* A server answers an absolute-form or CONNECT target for the host it names, one that reads
 * Host first for Host: every place must name the same host. */
TEST(http_target_authority_is_the_claim)
{
    struct {
        const char *req, *name;
    } cases[] = {
        {"GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example"},
        {"GET HTTPS://A.Example:8443?q HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example"},
        {"GET http://user:pw@other.example/ HTTP/1.1\r\n\r\n", "other.example"},
        {"CONNECT other.example:443 HTTP/1.1\r\n\r\n", "other.example"},
        {"GET /http://other.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_INT(claim_str(cases[i].req), SERVER_NAME_FOUND);
        CHECK_STR(got, cases[i].name);
    }
    const char *two[] = {
        "GET http://other.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "GET http://a.example@other.example#f HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "CONNECT other.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
        "GET http://192.0.2.1/ HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "GET http://a.example/ HTTP/1.1\r\nHost:\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof two / sizeof *two; i++)
        CHECK_INT(claim_str(two[i]), SERVER_NAME_MALFORMED);
    CHECK_INT(claim_str("GET http://bad_name-/ HTTP/1.1\r\nHost: a.example\r\n\r\n"),
              SERVER_NAME_MALFORMED);
    CHECK_INT(claim_str("GET http://other.example/ HTTP/1.1\r\nHost: a.example\r\n"),
              SERVER_NAME_MORE);
}

/* What servers accept (RFC 9112 §2.2, §3, and what lenient ones do beyond it) must be read,
 * not passed as "names nothing". */
TEST(http_read_as_leniently_as_servers_read_it)
{
    const char *reqs[] = {
        "\r\nGET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "\r\n\r\n\n\nGET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "GET\t/\tHTTP/1.1\r\nHost: a.example\r\n\r\n",
        "GET \t /  HTTP/1.1 \r\nHost: a.example\r\n\r\n",
        "GET\v/\fHTTP/1.1\r\nHost: a.example\r\n\r\n",
        "GET\r/\rHTTP/1.1\r\nHost: a.example\r\n\r\n",
        "get / http/1.1\r\nHost: a.example\r\n\r\n",
        "GeT / HTTP/1.1\r\nhOsT: a.example\r\n\r\n",
        "FROB / HTTP/1.1\r\nHOST: a.example\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a.example\r\n\r\n",
        "GET / HTTP/1.1\r\nHost\t:\ta.example\t\r\n\r\n",
        "GET / HTTP/1.1\nHost: a.example\n\n",
        "GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\nHost: a.example\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.example\r\nHost: A.Example.\r\n\r\n",
        "GET /a b HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "GET http://a.example/\r\n", /* HTTP/0.9 with an absolute target */
        "GET / HTTP/9.9\r\nHost: a.example\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++) {
        if (claim_str(reqs[i]) != SERVER_NAME_FOUND || strcmp(got, "a.example") != 0) {
            fprintf(stderr, "  request %zu: %s\n", i, why ? why : got);
            CHECK(0);
        }
        for (size_t k = 0; k < strlen(reqs[i]); k++)
            CHECK(claim_sized(reqs[i], k, 256) == SERVER_NAME_MORE);
    }
}

TEST(http_without_a_name_is_none)
{
    const char *reqs[] = {
        "GET / HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: 192.0.2.1:8080\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: 2001:db8::1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost:\r\n\r\n",
        "GET / HTTP/1.1\r\nAccept: */*\r\nX-Host: example.com\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "PUT / HTTP/1.0\n\n",
        "GET /\r\n",                         /* HTTP/0.9 */
        "get /index.html\n",
        "GETX / HTTP/1.1\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", /* its names are in HPACK: the name gate's */
        "\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++)
        if (claim_str(reqs[i]) != SERVER_NAME_NONE) {
            fprintf(stderr, "  request %zu\n", i);
            CHECK(0);
        }
}

TEST(http_malformed)
{
    const char *reqs[] = {
        "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
        "GET / HTTP/1.1\r\nhost: a.example\r\nHOST : b.example\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.example\r\nHost: 192.0.2.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.example\r\n b.example\r\n\r\n", /* obs-fold of Host */
        "GET / HTTP/1.1\r\n Host: a.example\r\n\r\n",            /* ignored or a Host */
        "GET / HTTP/1.1\r\nHost: a.example\r\n\tHost: b.example\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: example.com:abc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: example.com:\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: example.com:123456\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [not-an-address]:80\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [192.0.2.1]\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a..example\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: user@example.com\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.example\rb.example\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.example, b.example\r\n\r\n",
        /* framing a proxy refuses: the next request's start would be a guess */
        "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: -1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++)
        if (claim_str(reqs[i]) != SERVER_NAME_MALFORMED) {
            fprintf(stderr, "  request %zu\n", i);
            CHECK(0);
        }
    CHECK_INT(claim_str(reqs[0]), SERVER_NAME_MALFORMED);
    CHECK(why && strstr(why, "two different hosts"));
}

TEST(http_head_length_framing_and_switching)
{
    const char *req = "\r\nPOST /x HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\n\r\nhello";
    struct http_claim c;
    char name[64];
    CHECK_INT(server_name_http((const uint8_t *)req, strlen(req), name, sizeof name, &c, NULL),
              SERVER_NAME_FOUND);
    CHECK_INT(c.head_len, strlen(req) - 5);
    CHECK_INT(c.body.kind, HTTP_BODY_LENGTH);
    CHECK_INT(c.body.length, 5);
    CHECK(!c.switches);
    req = "GET /chat HTTP/1.1\r\nHost: a.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    CHECK_INT(server_name_http((const uint8_t *)req, strlen(req), name, sizeof name, &c, NULL),
              SERVER_NAME_FOUND);
    CHECK(c.switches);
    CHECK_INT(c.body.kind, HTTP_BODY_NONE);
    req = "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK_INT(server_name_http((const uint8_t *)req, strlen(req), name, sizeof name, &c, NULL),
              SERVER_NAME_FOUND);
    CHECK_INT(c.body.kind, HTTP_BODY_CHUNKED);
    req = "CONNECT a.example:443 HTTP/1.1\r\n\r\n";
    CHECK_INT(server_name_http((const uint8_t *)req, strlen(req), name, sizeof name, &c, NULL),
              SERVER_NAME_FOUND);
    CHECK(c.switches);
}

TEST(http_head_not_finished_is_more)
{
    CHECK_INT(claim_str("GET / HTTP/1.1\r\nHost: example.com\r\n"), SERVER_NAME_MORE);
    CHECK_INT(claim_str("GET / HTTP/1.1\r\nHost: example.com\r\n\r"), SERVER_NAME_MORE);
    CHECK_INT(claim_str("GET / HTTP/1.1\r\nHost: example.com"), SERVER_NAME_MORE);
    CHECK_INT(claim_str("GET / HTTP/1.1"), SERVER_NAME_MORE);
    CHECK_INT(claim_str("GET "), SERVER_NAME_MORE);
    CHECK_INT(claim_str("\r\n\r\n"), SERVER_NAME_MORE);
    CHECK_INT(claim_str("X"), SERVER_NAME_MORE);
    CHECK_INT(claim_str("PRI * HTTP/2"), SERVER_NAME_MORE);
    const char *methods[] = {"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ",
                             "PATCH ", "TRACE ", "CONNECT "};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        for (size_t k = 0; k < strlen(methods[i]); k++)
            CHECK_INT(claim_sized(methods[i], k, 256), SERVER_NAME_MORE);
}

TEST(other_protocols_are_other)
{
    CHECK_INT(claim_str("SSH-2.0-OpenSSH_9.2\r\n"), SERVER_NAME_OTHER);
    CHECK_INT(claim_str("EHLO mail.example\r\n"), SERVER_NAME_OTHER);
    CHECK_INT(claim_str("get foo\r\n"), SERVER_NAME_OTHER); /* memcached, not HTTP/0.9 */
    CHECK_INT(claim_str("*1\r\n$4\r\nPING\r\n"), SERVER_NAME_OTHER);
    CHECK_INT(claim_sized("\x00", 1, 256), SERVER_NAME_OTHER);
    CHECK_INT(claim_sized("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8, 256), SERVER_NAME_OTHER);
    CHECK_INT(claim_sized("GET\x01/ HTTP/1.1\r\n", 15, 256), SERVER_NAME_OTHER);
    /* TLS-looking records that are not a ClientHello cannot be read: malformed. */
    CHECK_INT(claim_sized("\x17\x03\x03\x00\x10", 5, 256), SERVER_NAME_MALFORMED);
}

int main(void)
{
    RUN(http_host_found);
    RUN(http_target_authority_is_the_claim);
    RUN(http_read_as_leniently_as_servers_read_it);
    RUN(http_without_a_name_is_none);
    RUN(http_malformed);
    RUN(http_head_length_framing_and_switching);
    RUN(http_head_not_finished_is_more);
    RUN(other_protocols_are_other);
    return UNIT_DONE();
}
