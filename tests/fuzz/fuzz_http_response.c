/* Fuzz target: HTTP response heads and body framing (src/net/proxy/http_framing.c).  The
 * input is read twice: as a chunked body on its own, and as what a server sends back on a
 * kept-alive connection (heads and bodies, one after another), for a GET, a HEAD and a
 * CONNECT.  Checks that where a message ends never depends on how its bytes were split
 * across reads (byte by byte, in random pieces, all at once: the same verdict, the same
 * end), that the counter never claims more bytes than it was given, that an accepted
 * head's prefix is "need more", and that the framing follows RFC 9112 §6.3's order.
 * fuzz-flags: -dict=tests/fuzz/http.dict
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/proxy/http_framing.h"

#define MAX_MESSAGES 8

struct feed_result {
    int r;
    size_t used;
    bool done;
    const char *why;
};

/* Feed d[0..n) in pieces of 1..max_piece bytes (max_piece 0: all at once) until the message
 * ends, fails or the bytes run out. */
static struct feed_result feed(const struct http_body *body, const char *d, size_t n,
                               uint64_t seed, size_t max_piece)
{
    struct http_framer f;
    http_framer_init(&f, body);
    struct feed_result res = {0};
    size_t pos = 0;
    do {
        size_t piece = max_piece == 0 ? n - pos : 1 + fuzz_next(&seed) % max_piece;
        if (piece > n - pos)
            piece = n - pos;
        size_t used = (size_t)-1;
        res.r = http_framer_feed(&f, d + pos, piece, &used);
        FUZZ_CHECK(used <= piece);
        res.used += used;
        if (res.r < 0) {
            FUZZ_CHECK(res.r == -EBADMSG && f.why && !http_framer_done(&f));
            /* A failed framer stays failed. */
            size_t more;
            FUZZ_CHECK(http_framer_feed(&f, "0\r\n\r\n", 5, &more) == -EBADMSG && more == 0);
            break;
        }
        if (used < piece) { /* the rest belongs to the next message */
            FUZZ_CHECK(http_framer_done(&f));
            break;
        }
        pos += piece;
    } while (pos < n && !http_framer_done(&f));
    res.done = http_framer_done(&f);
    res.why = res.r < 0 ? f.why : NULL;
    FUZZ_CHECK(res.used <= n);
    /* The peer closing now: clean only when the message is whole or delimited by the close. */
    int eof = http_framer_eof(&f);
    FUZZ_CHECK(eof == (res.done || body->kind == HTTP_BODY_CLOSE ||
                               body->kind == HTTP_BODY_TUNNEL
                           ? 0
                           : -EPIPE));
    if (body->kind == HTTP_BODY_CLOSE || body->kind == HTTP_BODY_TUNNEL)
        FUZZ_CHECK(res.used == n && !res.done);
    if (body->kind == HTTP_BODY_LENGTH)
        FUZZ_CHECK(res.used == (body->length < n ? body->length : n) &&
                   res.done == (body->length <= n));
    if (body->kind == HTTP_BODY_NONE)
        FUZZ_CHECK(res.used == 0 && res.done);
    if (body->kind == HTTP_BODY_CHUNKED && res.done)
        FUZZ_CHECK(res.used >= 5 && memcmp(d + res.used - 2, "\r\n", 2) == 0);
    return res;
}

/* The same end of message however the bytes arrive. */
static struct feed_result feed_all_ways(const struct http_body *body, const char *d, size_t n,
                                        uint64_t seed)
{
    struct feed_result whole = feed(body, d, n, seed, 0);
    struct feed_result ways[] = {feed(body, d, n, seed, 1), feed(body, d, n, seed, 7),
                                 feed(body, d, n, seed ^ 0x5555, 64)};
    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++)
        FUZZ_CHECKF(ways[i].r == whole.r && ways[i].used == whole.used &&
                        ways[i].done == whole.done && ways[i].why == whole.why,
                    "split %zu: r %d used %zu done %d, whole: r %d used %zu done %d", i,
                    ways[i].r, ways[i].used, ways[i].done, whole.r, whole.used, whole.done);
    return whole;
}

static void check_stream(const char *d, size_t n, const char *method, uint64_t seed)
{
    size_t pos = 0;
    for (int m = 0; m < MAX_MESSAGES && pos < n; m++) {
        int status;
        struct http_body body;
        size_t head_len;
        bool keep_alive;
        int r = http_response_head_parse(d + pos, n - pos, method, &status, &body, &head_len,
                                         &keep_alive);
        FUZZ_CHECK(r == 0 || r == -EAGAIN || r == -EMSGSIZE || r == -EBADMSG);
        if (r < 0)
            return;
        FUZZ_CHECK(head_len >= 16 && head_len <= n - pos && head_len <= HTTP_RESPONSE_HEAD_MAX);
        FUZZ_CHECK(memcmp(d + pos, "HTTP/1.", 7) == 0);
        FUZZ_CHECK(memcmp(d + pos + head_len - 4, "\r\n\r\n", 4) == 0);
        FUZZ_CHECK(status >= 100 && status <= 599);
        if (status == 101 || (method && !strcmp(method, "CONNECT") && status / 100 == 2))
            FUZZ_CHECK(body.kind == HTTP_BODY_TUNNEL);
        else if (status / 100 == 1 || status == 204 || status == 304 ||
                 (method && !strcmp(method, "HEAD")))
            FUZZ_CHECK(body.kind == HTTP_BODY_NONE);
        else
            FUZZ_CHECK(body.kind != HTTP_BODY_TUNNEL && body.kind != HTTP_BODY_NONE);
        if (body.kind == HTTP_BODY_CLOSE || body.kind == HTTP_BODY_TUNNEL)
            FUZZ_CHECK(!keep_alive);
        FUZZ_CHECK(body.kind != HTTP_BODY_LENGTH || body.length <= HTTP_LENGTH_MAX);

        /* A prefix of the head needs more; so does the head with its last byte missing. */
        int s2;
        struct http_body b2;
        size_t h2;
        bool k2;
        FUZZ_CHECK(http_response_head_parse(d + pos, head_len - 1, method, &s2, &b2, &h2, &k2) ==
                   -EAGAIN);
        size_t cut = (size_t)(fuzz_next(&seed) % head_len);
        FUZZ_CHECK(http_response_head_parse(d + pos, cut, method, &s2, &b2, &h2, &k2) ==
                   -EAGAIN);
        /* The head alone gives the same answer as the head with its body. */
        FUZZ_CHECK(http_response_head_parse(d + pos, head_len, method, &s2, &b2, &h2, &k2) == 0 &&
                   s2 == status && b2.kind == body.kind && b2.length == body.length &&
                   h2 == head_len && k2 == keep_alive);

        pos += head_len;
        struct feed_result res = feed_all_ways(&body, d + pos, n - pos, seed);
        if (res.r < 0 || !res.done)
            return;
        pos += res.used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    uint64_t seed = fuzz_hash(data, size);

    const struct http_body chunked = {HTTP_BODY_CHUNKED, 0};
    feed_all_ways(&chunked, d, size, seed);
    const struct http_body length = {HTTP_BODY_LENGTH, size / 2};
    feed_all_ways(&length, d, size, seed);

    check_stream(d, size, NULL, seed);
    check_stream(d, size, "HEAD", seed);
    check_stream(d, size, "CONNECT", seed);
    return 0;
}
