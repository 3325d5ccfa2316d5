/* Unit tests for src/net/firewall/names/name_gate.c: a connection to dual.test's pool address, judged
 * request by request as the relay would show it the bytes: pipelined and kept-alive HTTP/1
 * requests, bodies that look like requests, protocol switches, HTTP/2 with prior knowledge
 * (header blocks built with libnghttp2's HPACK encoder, Huffman-coded), TLS, other protocols. */
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#include "net/firewall/names/name_gate.h"
#include "unit.h"

static struct name_gate_refusal why;

/* Feed the gate s[0..n) the way the relay does: judge, drop what passed, judge the rest.
 * Returns the last verdict; *passed is how many bytes went through. */
static enum relay_gate feed(struct name_gate *g, const void *s, size_t n, size_t *passed)
{
    const uint8_t *p = s;
    *passed = 0;
    while (*passed < n) {
        size_t pass = 0;
        enum relay_gate v = name_gate_judge(g, p + *passed, n - *passed, &pass, &why);
        if (v != RELAY_GATE_PASS)
            return v;
        if (pass == RELAY_GATE_FOREVER) {
            *passed = n;
            return v;
        }
        CHECK(pass > 0);
        *passed += pass < n - *passed ? pass : n - *passed;
    }
    return RELAY_GATE_PASS;
}

static enum relay_gate feed_str(struct name_gate *g, const char *s, size_t *passed)
{
    return feed(g, s, strlen(s), passed);
}

TEST(every_pipelined_request_is_judged)
{
    struct name_gate *g = name_gate_new("dual.test", "the address was handed out for");
    size_t passed;
    const char *one = "GET / HTTP/1.1\r\nHost: dual.test\r\n\r\n";
    char two[256];
    snprintf(two, sizeof two, "%s%s", one, "GET / HTTP/1.1\r\nHost: denied.test\r\n\r\n");
    CHECK_INT(feed_str(g, two, &passed), RELAY_GATE_REFUSE);
    CHECK_INT(passed, strlen(one)); /* the first went, the second never does */
    CHECK_STR(why.claimed, "denied.test");
    CHECK(strstr(why.reason, "HTTP Host denied.test, but the address was handed out for dual.test"));
    name_gate_free(g);

    /* Kept alive: the second request arrives later, after a blank line. */
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed_str(g, one, &passed), RELAY_GATE_PASS);
    CHECK_INT(feed_str(g, "\r\nGET\t/ HTTP/1.1\r\nhost: DUAL.test\r\n\r\n", &passed),
              RELAY_GATE_PASS);
    CHECK_INT(feed_str(g, "\r\n\r\nget / HTTP/1.0\r\n\r\n", &passed), RELAY_GATE_REFUSE);
    CHECK(strstr(why.reason, "names no host"));
    name_gate_free(g);
}

TEST(bodies_are_framed_not_read_as_requests)
{
    struct name_gate *g = name_gate_new("dual.test", "the address was handed out for");
    size_t passed;
    const char *fake = "GET / HTTP/1.1\r\nHost: denied.test\r\n\r\n";
    char req[512];
    snprintf(req, sizeof req,
             "POST /echo HTTP/1.1\r\nHost: dual.test\r\nContent-Length: %zu\r\n\r\n%s"
             "GET / HTTP/1.1\r\nHost: dual.test\r\n\r\n", strlen(fake), fake);
    CHECK_INT(feed_str(g, req, &passed), RELAY_GATE_PASS);
    CHECK_INT(passed, strlen(req));
    /* Chunked, then a request for another host. */
    snprintf(req, sizeof req,
             "POST / HTTP/1.1\r\nHost: dual.test\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: denied.test\r\n\r\n");
    CHECK_INT(feed_str(g, req, &passed), RELAY_GATE_REFUSE);
    CHECK_INT(passed, strlen(req) - strlen(fake));
    name_gate_free(g);
}

TEST(a_switch_of_protocol_passes_what_is_not_http)
{
    struct name_gate *g = name_gate_new("dual.test", "the address was handed out for");
    size_t passed;
    const char *up = "GET /chat HTTP/1.1\r\nHost: dual.test\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\n\r\n";
    CHECK_INT(feed_str(g, up, &passed), RELAY_GATE_PASS);
    /* A masked WebSocket frame whose third byte makes it look like an SSLv2 hello. */
    CHECK_INT(feed(g, "\x81\x85\x01\x02\x03\x04hello", 11, &passed), RELAY_GATE_PASS);
    CHECK_INT(feed_str(g, "GET / HTTP/1.1\r\nHost: denied.test\r\n\r\n", &passed),
              RELAY_GATE_PASS); /* the switch happened: the rest is the new protocol's */
    name_gate_free(g);

    /* The server refused the switch and reads the next request: it is judged. */
    g = name_gate_new("dual.test", "the address was handed out for");
    char two[512];
    snprintf(two, sizeof two, "%sGET / HTTP/1.1\r\nHost: denied.test\r\n\r\n", up);
    CHECK_INT(feed_str(g, two, &passed), RELAY_GATE_REFUSE);
    name_gate_free(g);
}

TEST(tls_and_other_protocols)
{
    struct name_gate *g = name_gate_new("dual.test", "the address was handed out for");
    size_t passed;
    CHECK_INT(feed_str(g, "SSH-2.0-OpenSSH_9.2\r\nrest", &passed), RELAY_GATE_PASS);
    CHECK_INT(passed, 25);
    name_gate_free(g);
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed(g, "\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10", 11, &passed),
              RELAY_GATE_REFUSE);
    CHECK(strstr(why.reason, "names no host"));
    name_gate_free(g);
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed(g, "\x17\x03\x03\x00\x02xx", 7, &passed), RELAY_GATE_REFUSE);
    CHECK(strstr(why.reason, "unreadable TLS ClientHello"));
    name_gate_free(g);
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed_str(g, "GET / HTTP/1.1\r\nHost: dual.test\r\n", &passed), RELAY_GATE_MORE);
    CHECK_INT(passed, 0);
    name_gate_free(g);
}

TEST(a_few_bytes_then_a_wait_pass_but_the_line_is_judged_whole)
{
    /* An echo client sends "x" and waits: it must get through. */
    struct name_gate *g = name_gate_new("dual.test", "the address was handed out for");
    size_t passed;
    CHECK_INT(feed_str(g, "x", &passed), RELAY_GATE_PASS);
    CHECK_INT(passed, 1);
    CHECK_INT(feed_str(g, "yz", &passed), RELAY_GATE_PASS);
    CHECK_INT(passed, 2);
    name_gate_free(g);

    /* A request line trickled a byte, a token, then the rest: judged as one line. */
    const char *rests[] = {"ET / HTTP/1.1\r\nHost: denied.test\r\n\r\n",
                           "ET\t/ HTTP/1.1\r\nHost: denied.test\r\n\r\n"};
    for (size_t i = 0; i < 2; i++) {
        g = name_gate_new("dual.test", "the address was handed out for");
        CHECK_INT(feed_str(g, "G", &passed), RELAY_GATE_PASS);
        CHECK_INT(feed_str(g, rests[i], &passed), RELAY_GATE_REFUSE);
        CHECK_INT(passed, 0);
        CHECK_STR(why.claimed, "denied.test");
        name_gate_free(g);
    }
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed_str(g, "GET", &passed), RELAY_GATE_PASS);
    CHECK_INT(feed_str(g, " / HTTP/1.1\r\nHost: denied.test\r\n\r\n", &passed), RELAY_GATE_REFUSE);
    name_gate_free(g);
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed_str(g, "GE", &passed), RELAY_GATE_PASS);
    const char *rest = "T / HTTP/1.1\r\nHost: dual.test\r\n\r\n";
    CHECK_INT(feed_str(g, rest, &passed), RELAY_GATE_PASS);
    CHECK_INT(passed, strlen(rest)); /* exactly the rest: "GE" went already */
    CHECK_INT(feed_str(g, "PR", &passed), RELAY_GATE_PASS); /* the next request, trickled */
    CHECK_INT(feed_str(g, "I * HTTP/2.0\r\n\r\nSM\r\n\r\n", &passed), RELAY_GATE_PASS);
    CHECK_INT(passed, 22); /* the rest of the HTTP/2 preface */
    name_gate_free(g);
    /* Not a token: held back as before. */
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed_str(g, "GET /", &passed), RELAY_GATE_MORE);
    CHECK_INT(passed, 0);
    name_gate_free(g);
}

/* --- HTTP/2 ----------------------------------------------------------------------------- */

struct h2 {
    uint8_t b[8192];
    size_t n;
    nghttp2_hd_deflater *def;
};

static void frame(struct h2 *h, uint8_t type, uint8_t flags, uint32_t stream, const void *p,
                  size_t len)
{
    uint8_t *f = h->b + h->n;
    f[0] = (uint8_t)(len >> 16);
    f[1] = (uint8_t)(len >> 8);
    f[2] = (uint8_t)len;
    f[3] = type;
    f[4] = flags;
    f[5] = (uint8_t)(stream >> 24);
    f[6] = (uint8_t)(stream >> 16);
    f[7] = (uint8_t)(stream >> 8);
    f[8] = (uint8_t)stream;
    memcpy(f + 9, p, len);
    h->n += 9 + len;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }

/* A header block for the fields, through the connection's encoder (Huffman, indexing). */
static size_t block(struct h2 *h, const nghttp2_nv *nv, size_t k, uint8_t *out, size_t cap)
{
    ssize_t r = nghttp2_hd_deflate_hd(h->def, out, cap, (nghttp2_nv *)nv, k);
    CHECK(r > 0);
    return r > 0 ? (size_t)r : 0;
}

static void h2_start(struct h2 *h)
{
    h->n = 0;
    CHECK_INT(nghttp2_hd_deflate_new(&h->def, 4096), 0);
    memcpy(h->b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    h->n = 24;
    frame(h, 4, 0, 0, "\x00\x03\x00\x00\x00\x64", 6); /* SETTINGS */
    frame(h, 8, 0, 0, "\x00\x00\x10\x00", 4);         /* WINDOW_UPDATE */
}

TEST(http2_prior_knowledge_every_request_names_the_host)
{
    struct h2 h;
    uint8_t hb[512];
    size_t passed, k;
    h2_start(&h);
    const nghttp2_nv req1[] = {NV(":method", "GET"), NV(":scheme", "http"), NV(":path", "/"),
                               NV(":authority", "dual.test")};
    k = block(&h, req1, 4, hb, sizeof hb);
    frame(&h, 1, 0x4 | 0x1, 1, hb, k);
    /* Data for another stream and trailers without :authority pass. */
    frame(&h, 0, 0, 1, "abc", 3);
    const nghttp2_nv trailer[] = {NV("x-checksum", "1")};
    k = block(&h, trailer, 1, hb, sizeof hb);
    frame(&h, 1, 0x4 | 0x1, 1, hb, k);
    /* A request naming the host through "host", split into HEADERS + CONTINUATION, padded. */
    const nghttp2_nv req3[] = {NV(":method", "GET"), NV(":scheme", "http"), NV(":path", "/x"),
                               NV("host", "DUAL.test:80")};
    k = block(&h, req3, 4, hb, sizeof hb);
    uint8_t padded[600];
    padded[0] = 3;
    memcpy(padded + 1, hb, 2);
    memset(padded + 3, 0, 3);
    frame(&h, 1, 0x8, 3, padded, 6);
    frame(&h, 9, 0x4, 3, hb + 2, k - 2);
    size_t good = h.n;
    /* Stream 5 asks for another site: refused, after the rest went. */
    const nghttp2_nv req5[] = {NV(":method", "GET"), NV(":scheme", "https"), NV(":path", "/"),
                               NV(":authority", "denied.test")};
    k = block(&h, req5, 4, hb, sizeof hb);
    frame(&h, 1, 0x4 | 0x1, 5, hb, k);
    struct name_gate *g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed(g, h.b, h.n, &passed), RELAY_GATE_REFUSE);
    CHECK_INT(passed, good);
    CHECK_STR(why.claimed, "denied.test");
    CHECK(strstr(why.reason, "HTTP/2 :authority denied.test"));
    name_gate_free(g);
    nghttp2_hd_deflate_del(h.def);

    /* A request that names nothing, and one naming the host twice differently. */
    h2_start(&h);
    const nghttp2_nv none[] = {NV(":method", "GET"), NV(":scheme", "http"), NV(":path", "/")};
    k = block(&h, none, 3, hb, sizeof hb);
    frame(&h, 1, 0x5, 1, hb, k);
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed(g, h.b, h.n, &passed), RELAY_GATE_REFUSE);
    CHECK(strstr(why.reason, "names no host"));
    name_gate_free(g);
    nghttp2_hd_deflate_del(h.def);
    h2_start(&h);
    const nghttp2_nv both[] = {NV(":method", "GET"), NV(":authority", "dual.test"),
                               NV("host", "denied.test")};
    k = block(&h, both, 3, hb, sizeof hb);
    frame(&h, 1, 0x5, 1, hb, k);
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed(g, h.b, h.n, &passed), RELAY_GATE_REFUSE);
    name_gate_free(g);
    nghttp2_hd_deflate_del(h.def);

    /* Garbage as a header block, and a CONTINUATION from nowhere. */
    h2_start(&h);
    frame(&h, 1, 0x5, 1, "\xff\xff\xff\xff\xff", 5);
    g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed(g, h.b, h.n, &passed), RELAY_GATE_REFUSE);
    CHECK(strstr(why.reason, "unreadable HTTP/2 header block"));
    name_gate_free(g);
    nghttp2_hd_deflate_del(h.def);
}

TEST(h2c_upgrade_goes_on_judging_in_http2)
{
    struct h2 h;
    uint8_t hb[512];
    size_t passed;
    const char *up = "GET / HTTP/1.1\r\nHost: dual.test\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                     "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n";
    h2_start(&h);
    const nghttp2_nv req[] = {NV(":method", "GET"), NV(":scheme", "http"), NV(":path", "/"),
                              NV(":authority", "denied.test")};
    size_t k = block(&h, req, 4, hb, sizeof hb);
    frame(&h, 1, 0x5, 3, hb, k);
    uint8_t all[4096];
    memcpy(all, up, strlen(up));
    memcpy(all + strlen(up), h.b, h.n);
    struct name_gate *g = name_gate_new("dual.test", "the address was handed out for");
    CHECK_INT(feed(g, all, strlen(up) + h.n, &passed), RELAY_GATE_REFUSE);
    CHECK_STR(why.claimed, "denied.test");
    name_gate_free(g);
    nghttp2_hd_deflate_del(h.def);
}

int main(void)
{
    RUN(every_pipelined_request_is_judged);
    RUN(bodies_are_framed_not_read_as_requests);
    RUN(a_switch_of_protocol_passes_what_is_not_http);
    RUN(tls_and_other_protocols);
    RUN(a_few_bytes_then_a_wait_pass_but_the_line_is_judged_whole);
    RUN(http2_prior_knowledge_every_request_names_the_host);
    RUN(h2c_upgrade_goes_on_judging_in_http2);
    return UNIT_DONE();
}
