/* Unit tests for src/net/proxy/http_framing.c: body framers fed whole, cut at every byte and byte
 * by byte; response heads and their framing (RFC 9112 §6.3); keep-alive; seeded fuzzing of
 * the chunked decoder and the response head parser. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/proxy/http_framing.h"
#include "unit.h"

/* Feed msg in pieces cut at the given offsets (sorted, inside msg) from an exactly-sized
 * heap copy of each piece.  Returns the bytes used, or -1 after an error. */
static long feed_cuts(struct http_framer *f, const char *msg, size_t n, const size_t *cuts,
                      size_t ncuts)
{
    size_t at = 0, total = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : n;
        char *piece = malloc(to - at + 1);
        memcpy(piece, msg + at, to - at);
        size_t used;
        int r = http_framer_feed(f, piece, to - at, &used);
        free(piece);
        if (r < 0)
            return -1;
        total += used;
        if (used < to - at)
            return (long)total; /* the message ended inside this piece */
        at = to;
    }
    return (long)total;
}

static long feed_whole(const struct http_body *b, const char *msg, size_t n, bool *done)
{
    struct http_framer f;
    http_framer_init(&f, b);
    long r = feed_cuts(&f, msg, n, NULL, 0);
    *done = http_framer_done(&f);
    return r;
}

/* Whole, at every single cut, and byte by byte, the framer must agree. */
static bool agrees_at_every_cut(const struct http_body *b, const char *msg, size_t n,
                                long *used, bool *done)
{
    *used = feed_whole(b, msg, n, done);
    bool ok = true;
    for (size_t k = 0; k <= n; k++) {
        struct http_framer f;
        http_framer_init(&f, b);
        ok &= feed_cuts(&f, msg, n, &k, 1) == *used && http_framer_done(&f) == *done;
    }
    size_t *all = malloc((n + 1) * sizeof *all);
    for (size_t k = 0; k < n; k++)
        all[k] = k + 1;
    struct http_framer f;
    http_framer_init(&f, b);
    ok &= feed_cuts(&f, msg, n, all, n ? n - 1 : 0) == *used && http_framer_done(&f) == *done;
    free(all);
    return ok;
}

static const struct http_body chunked = {HTTP_BODY_CHUNKED, 0};

TEST(length_none_close)
{
    struct http_body b = {HTTP_BODY_LENGTH, 5};
    long used;
    bool done;
    CHECK(agrees_at_every_cut(&b, "helloGET /", 10, &used, &done));
    CHECK_INT(used, 5);
    CHECK(done);
    CHECK(agrees_at_every_cut(&b, "hel", 3, &used, &done));
    CHECK_INT(used, 3);
    CHECK(!done);

    struct http_framer f;
    http_framer_init(&f, &b);
    size_t u;
    CHECK_INT(http_framer_feed(&f, "hel", 3, &u), 0);
    CHECK_INT(http_framer_eof(&f), -EPIPE); /* cut short: not a whole message */
    CHECK_INT(http_framer_feed(&f, "lo", 2, &u), 0);
    CHECK_INT(http_framer_eof(&f), 0);

    b = (struct http_body){HTTP_BODY_LENGTH, 0};
    http_framer_init(&f, &b);
    CHECK(http_framer_done(&f));
    CHECK_INT(http_framer_feed(&f, "x", 1, &u), 0);
    CHECK_INT(u, 0);

    b = (struct http_body){HTTP_BODY_NONE, 0};
    http_framer_init(&f, &b);
    CHECK(http_framer_done(&f));
    CHECK_INT(http_framer_feed(&f, "x", 1, &u), 0);
    CHECK_INT(u, 0);

    b = (struct http_body){HTTP_BODY_CLOSE, 0};
    CHECK(agrees_at_every_cut(&b, "anything at all\r\n0\r\n\r\n", 22, &used, &done));
    CHECK_INT(used, 22);
    CHECK(!done);
    http_framer_init(&f, &b);
    CHECK_INT(http_framer_eof(&f), 0);

    /* A body far larger than memory: only counted. */
    b = (struct http_body){HTTP_BODY_LENGTH, HTTP_LENGTH_MAX};
    http_framer_init(&f, &b);
    static char big[1 << 16];
    for (int i = 0; i < 100; i++)
        CHECK_INT(http_framer_feed(&f, big, sizeof big, &u), 0);
    CHECK_INT(f.remaining, HTTP_LENGTH_MAX - 100 * sizeof big);
}

struct chunk_case {
    const char *body;
    long used; /* -1: malformed */
    bool done;
};

static const struct chunk_case chunk_cases[] = {
    {"5\r\nhello\r\n0\r\n\r\n", 15, true},
    {"5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 15, true},
    {"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", 35, true},
    {"0005\r\nhello\r\n000\r\n\r\n", 20, true},
    {"5;name=value;x\r\nhello\r\n0;last\r\n\r\n", 33, true},
    {"5 ;ext\r\nhello\r\n0\t; x=\"q;\\\"\"\r\n\r\n", 31, true},
    {"5\r\nhello\r\n0\r\nExpires: never\r\nX-Sum:abc \r\n\r\n", 43, true},
    {"5\r\nhel", 6, false},
    {"5\r\nhello\r\n0\r\nX: y\r\n", 19, false},
    {"4000000000000000\r\n", 18, false}, /* 2^62 is allowed */
    {"0\r\n\r\n", 5, true},
    {"5\nhello\r\n0\r\n\r\n", -1, false},
    {"5\r\nhello\n0\r\n\r\n", -1, false},
    {"5\r\nhello!\r\n0\r\n\r\n", -1, false},
    {"5\r\nhell\r\n0\r\n\r\n", -1, false},
    {"\r\nhello\r\n", -1, false},
    {"x\r\n", -1, false},
    {"-5\r\n", -1, false},
    {"0x5\r\n", -1, false},
    {"5 \r\nhello\r\n", -1, false},
    {" 5\r\nhello\r\n", -1, false},
    {"5\r\r\n", -1, false},
    {"5;a\x01\r\nhello\r\n", -1, false},
    {"5;a\nb\r\nhello\r\n", -1, false},
    {"4000000000000001\r\n", -1, false},
    {"10000000000000000\r\n", -1, false},
    {"ffffffffffffffffffff\r\n", -1, false},
    {"0\r\n X: folded\r\n\r\n", -1, false},
    {"0\r\nX : y\r\n\r\n", -1, false},
    {"0\r\nNoColon\r\n\r\n", -1, false},
    {"0\r\n: v\r\n\r\n", -1, false},
    {"0\r\nX: a\x7f\r\n\r\n", -1, false},
    {"0\r\nX: y\n\r\n", -1, false},
    {"0\r\n\r\r", -1, false},
    {"0\r\n\n", -1, false},
};

TEST(chunked_bodies_at_every_cut)
{
    for (size_t i = 0; i < sizeof chunk_cases / sizeof *chunk_cases; i++) {
        const struct chunk_case *c = &chunk_cases[i];
        long used;
        bool done;
        bool same = agrees_at_every_cut(&chunked, c->body, strlen(c->body), &used, &done);
        if (!same || used != c->used || done != c->done)
            fprintf(stderr, "  case %zu (%s): used %ld done %d\n", i, c->body, used, done);
        CHECK(same);
        CHECK_INT(used, c->used);
        CHECK_INT(done, c->done);
    }
}

TEST(chunked_errors_are_sticky_and_explained)
{
    struct http_framer f;
    http_framer_init(&f, &chunked);
    size_t u;
    CHECK_INT(http_framer_feed(&f, "5\r\nhello!", 9, &u), -EBADMSG);
    CHECK_INT(u, 8);
    CHECK_STR(f.why, "chunk data longer than its size");
    CHECK_INT(http_framer_feed(&f, "\r\n", 2, &u), -EBADMSG);
    CHECK_INT(u, 0);
    CHECK_INT(http_framer_eof(&f), -EPIPE);

    /* Overlong lines are bounded: extensions and trailers cannot grow without limit. */
    char *ext = malloc(HTTP_CHUNK_LINE_MAX + 16);
    memset(ext, 'x', HTTP_CHUNK_LINE_MAX + 16);
    memcpy(ext, "5;", 2);
    http_framer_init(&f, &chunked);
    CHECK_INT(http_framer_feed(&f, ext, HTTP_CHUNK_LINE_MAX + 16, &u), -EBADMSG);
    CHECK_STR(f.why, "chunk size line too long");
    free(ext);

    char *zeros = malloc(HTTP_CHUNK_LINE_MAX + 16);
    memset(zeros, '0', HTTP_CHUNK_LINE_MAX + 16);
    http_framer_init(&f, &chunked);
    CHECK_INT(http_framer_feed(&f, zeros, HTTP_CHUNK_LINE_MAX + 16, &u), -EBADMSG);
    free(zeros);

    char *tr = malloc(HTTP_TRAILER_MAX + 64);
    memset(tr, 'a', HTTP_TRAILER_MAX + 64);
    memcpy(tr, "0\r\nX:", 5);
    http_framer_init(&f, &chunked);
    CHECK_INT(http_framer_feed(&f, tr, HTTP_TRAILER_MAX + 64, &u), -EBADMSG);
    CHECK_STR(f.why, "trailer section too large");
    free(tr);

    /* A chunk of 2^40 bytes is counted, never buffered. */
    http_framer_init(&f, &chunked);
    CHECK_INT(http_framer_feed(&f, "10000000000\r\n", 13, &u), 0);
    CHECK_INT(f.remaining, UINT64_C(1) << 40);
}

/* ---- response heads ---- */

struct resp {
    int r, status;
    struct http_body body;
    size_t head_len;
    bool keep_alive;
};

static struct resp resp_parse_n(const char *msg, size_t n, const char *method)
{
    struct resp x = {0};
    char *copy = malloc(n ? n : 1);
    memcpy(copy, msg, n);
    x.r = http_response_head_parse(copy, n, method, &x.status, &x.body, &x.head_len,
                                   &x.keep_alive);
    free(copy);
    return x;
}

static struct resp resp_parse(const char *msg, const char *method)
{
    return resp_parse_n(msg, strlen(msg), method);
}

#define CHECK_RESP(msg, method, st, kind_, len_, ka)                                   \
    do {                                                                               \
        struct resp x_ = resp_parse(msg, method);                                      \
        CHECK_INT(x_.r, 0);                                                            \
        CHECK_INT(x_.status, st);                                                      \
        CHECK_INT(x_.body.kind, kind_);                                                \
        CHECK_INT(x_.body.length, len_);                                               \
        CHECK_INT(x_.keep_alive, ka);                                                  \
    } while (0)

TEST(response_framing_rfc9112_6_3)
{
    CHECK_RESP("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", "GET", 200, HTTP_BODY_LENGTH,
               12, true);
    CHECK_RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "POST", 200,
               HTTP_BODY_CHUNKED, 0, true);
    CHECK_RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "GET", 200,
               HTTP_BODY_CLOSE, 0, false);
    CHECK_RESP("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", "GET", 200, HTTP_BODY_CLOSE, 0, false);
    CHECK_RESP("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", "GET", 204,
               HTTP_BODY_NONE, 0, true);
    CHECK_RESP("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", 304,
               HTTP_BODY_NONE, 0, true);
    CHECK_RESP("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "HEAD", 200, HTTP_BODY_NONE,
               0, true);
    CHECK_RESP("HTTP/1.1 200 OK\r\n\r\n", "HEAD", 200, HTTP_BODY_NONE, 0, true);
    CHECK_RESP("HTTP/1.1 100 Continue\r\n\r\n", "POST", 100, HTTP_BODY_NONE, 0, true);
    CHECK_RESP("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n", "GET", 103,
               HTTP_BODY_NONE, 0, true);
    CHECK_RESP("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\n\r\n",
               "GET", 101, HTTP_BODY_TUNNEL, 0, false);
    CHECK_RESP("HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT", 200, HTTP_BODY_TUNNEL,
               0, false);
    CHECK_RESP("HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n\r\n", "CONNECT", 407,
               HTTP_BODY_LENGTH, 3, true);
    CHECK_RESP("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", NULL, 200, HTTP_BODY_LENGTH, 0,
               true);
    CHECK_RESP("HTTP/1.1 599 Whatever\tit says \x80\r\nContent-Length: 1\r\n\r\n", NULL, 599,
               HTTP_BODY_LENGTH, 1, true);
    CHECK_RESP("HTTP/1.1 500 \r\ncontent-length: 1, 1\r\n\r\n", NULL, 500, HTTP_BODY_LENGTH,
               1, true);
}

TEST(response_keep_alive)
{
    CHECK_RESP("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n", NULL, 200,
               HTTP_BODY_LENGTH, 1, false);
    CHECK_RESP("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", NULL, 200, HTTP_BODY_LENGTH, 1,
               false);
    CHECK_RESP("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", NULL,
               200, HTTP_BODY_LENGTH, 1, true);
    CHECK_RESP("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", NULL, 200, HTTP_BODY_CLOSE,
               0, false);
    CHECK_RESP("HTTP/1.0 204 OK\r\nConnection: Keep-Alive, close\r\n\r\n", NULL, 204,
               HTTP_BODY_NONE, 0, false);
    CHECK_RESP("HTTP/1.1 200 OK\r\nConnection: x, Close\r\nContent-Length: 1\r\n\r\n", NULL,
               200, HTTP_BODY_LENGTH, 1, false);
}

TEST(malformed_responses)
{
    static const char *bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nX: y\r\n\r\n",
        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: y\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
        "HTTP/1.1 200 OK\nX: y\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 OK\r\n\r\n",
        "HTTP/1.1 600 OK\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/1.x 200 OK\r\n\r\n",
        "HTTP/2 200\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct resp x = resp_parse(bad[i], "GET");
        if (x.r != -EBADMSG)
            fprintf(stderr, "  case %zu: %d\n", i, x.r);
        CHECK_INT(x.r, -EBADMSG);
    }
    /* A server that is not speaking HTTP/1 is refused from its first bytes. */
    CHECK_INT(resp_parse_n("SSH", 3, NULL).r, -EBADMSG);
    CHECK_INT(resp_parse_n("HTTP/2", 6, NULL).r, -EBADMSG);
    CHECK_INT(resp_parse_n("HTTP/1.1 2", 10, NULL).r, -EAGAIN);
    CHECK_INT(resp_parse_n("", 0, NULL).r, -EAGAIN);

    char *big = malloc(HTTP_RESPONSE_HEAD_MAX + 1);
    memset(big, 'x', HTTP_RESPONSE_HEAD_MAX + 1);
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    CHECK_INT(resp_parse_n(big, HTTP_RESPONSE_HEAD_MAX - 1, NULL).r, -EAGAIN);
    CHECK_INT(resp_parse_n(big, HTTP_RESPONSE_HEAD_MAX, NULL).r, -EMSGSIZE);
    memcpy(big + HTTP_RESPONSE_HEAD_MAX - 4, "\r\n\r\n", 4);
    struct resp x = resp_parse_n(big, HTTP_RESPONSE_HEAD_MAX + 1, NULL);
    CHECK_INT(x.r, 0);
    CHECK_INT(x.head_len, HTTP_RESPONSE_HEAD_MAX);
    free(big);
}

static const char *resp_corpus[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello",
    ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
     "3;x=y\r\nabc\r\n0\r\nTrailer: t\r\n\r\n"),
    "HTTP/1.0 302 Found\r\nLocation: http://a/\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
};

TEST(response_heads_at_every_cut)
{
    for (size_t c = 0; c < sizeof resp_corpus / sizeof *resp_corpus; c++) {
        const char *m = resp_corpus[c];
        size_t n = strlen(m);
        struct resp whole = resp_parse_n(m, n, "GET");
        bool ok = true;
        for (size_t k = 0; k <= n; k++) {
            struct resp part = resp_parse_n(m, k, "GET");
            if (part.r == -EAGAIN)
                ok &= whole.r != 0 || k < whole.head_len;
            else
                ok &= part.r == whole.r && (whole.r != 0 ||
                      (part.status == whole.status && part.head_len == whole.head_len &&
                       part.body.kind == whole.body.kind &&
                       part.body.length == whole.body.length &&
                       part.keep_alive == whole.keep_alive));
        }
        CHECK(ok);
    }
}

/* What a keep-alive relay does with the bytes from one upstream connection: a head, its
 * body through the framer, the next head from the leftover, and so on. */
static int walk_responses(const char *stream, size_t n, const char *method, int *statuses,
                          int max)
{
    size_t at = 0;
    int count = 0;
    while (at < n && count < max) {
        struct resp x = resp_parse_n(stream + at, n - at, method);
        if (x.r < 0)
            return -1;
        statuses[count++] = x.status;
        at += x.head_len;
        struct http_framer f;
        http_framer_init(&f, &x.body);
        size_t used;
        if (http_framer_feed(&f, stream + at, n - at, &used) < 0)
            return -1;
        at += used;
        if (!http_framer_done(&f) && http_framer_eof(&f) < 0)
            return -1;
    }
    return count;
}

TEST(responses_back_to_back_on_one_connection)
{
    const char *s = "HTTP/1.1 100 Continue\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "4\r\nWiki\r\n5;e\r\npedia\r\n0\r\nT: 1\r\n\r\n"
                    "HTTP/1.1 204 No Content\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                    "HTTP/1.1 200 OK\r\n\r\nuntil close, HTTP/1.1 200 OK\r\n\r\n";
    int st[8];
    CHECK_INT(walk_responses(s, strlen(s), "GET", st, 8), 5);
    CHECK(st[0] == 100 && st[1] == 200 && st[2] == 204 && st[3] == 200 && st[4] == 200);
    /* The same bytes after HEAD: no response has a body, so "abc" is garbage. */
    CHECK_INT(walk_responses(s + 26, strlen(s + 26), "HEAD", st, 8), -1);
}

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random valid chunked body with extensions and trailers, and its length. */
static size_t gen_chunked(char *buf, size_t cap)
{
    size_t n = 0;
    unsigned chunks = (unsigned)(xorshift() % 5);
    for (unsigned c = 0; c < chunks && n + 200 < cap; c++) {
        unsigned size = 1 + (unsigned)(xorshift() % 40);
        n += (size_t)snprintf(buf + n, cap - n, xorshift() % 2 ? "%x" : "%04X", size);
        if (xorshift() % 3 == 0)
            n += (size_t)snprintf(buf + n, cap - n, " ;ext=\"v;%u\"", size);
        n += (size_t)snprintf(buf + n, cap - n, "\r\n");
        for (unsigned i = 0; i < size; i++)
            buf[n++] = (char)xorshift();
        n += (size_t)snprintf(buf + n, cap - n, "\r\n");
    }
    n += (size_t)snprintf(buf + n, cap - n, "0\r\n");
    if (xorshift() % 2)
        n += (size_t)snprintf(buf + n, cap - n, "Checksum: %u\r\nX-T:\r\n",
                              (unsigned)xorshift());
    n += (size_t)snprintf(buf + n, cap - n, "\r\n");
    return n;
}

TEST(fuzz_chunked_decoder)
{
    char buf[2048];
    unsigned whole = 0, bad = 0, partial = 0;
    for (unsigned it = 0; it < 150000; it++) {
        size_t n = gen_chunked(buf, sizeof buf - 64);
        size_t valid = n;
        bool mutated = xorshift() % 2;
        if (mutated) {
            unsigned flips = 1 + (unsigned)(xorshift() % 3);
            for (unsigned i = 0; i < flips; i++)
                buf[xorshift() % n] = "\r\n;: 0fFx\t\x01"[xorshift() % 12];
            if (xorshift() % 4 == 0)
                n = (size_t)(xorshift() % n);
        }
        memcpy(buf + n, "NEXT", 4); /* bytes of the next message */
        size_t cuts[3];
        for (int i = 0; i < 3; i++)
            cuts[i] = (size_t)(xorshift() % (n + 5));
        for (int i = 0; i < 3; i++) /* sort */
            for (int j = i + 1; j < 3; j++)
                if (cuts[j] < cuts[i]) {
                    size_t t = cuts[i];
                    cuts[i] = cuts[j];
                    cuts[j] = t;
                }
        struct http_framer f;
        http_framer_init(&f, &chunked);
        long used = feed_cuts(&f, buf, n + 4, cuts, 3);
        if (!mutated) {
            /* A valid body ends exactly at its end, however it was cut. */
            CHECK_INT(used, (long)valid);
            CHECK(http_framer_done(&f));
        }
        if (used < 0) {
            bad++;
            CHECK(f.why != NULL);
        } else if (http_framer_done(&f)) {
            whole++;
            CHECK(used <= (long)n + 4);
        } else {
            partial++;
            CHECK_INT(used, (long)n + 4);
        }
    }
    printf("  fuzz: %u ended, %u malformed, %u unfinished\n", whole, bad, partial);
    CHECK(whole > 1000 && bad > 1000 && partial > 100);
}

TEST(fuzz_response_head_parser)
{
    static const char bytes[] = "\r\n :;,\t\x01\x7f\x80""0123456789HTTP/1.";
    char buf[512];
    unsigned ok = 0, incomplete = 0, bad = 0;
    for (unsigned it = 0; it < 150000; it++) {
        const char *seed = resp_corpus[xorshift() % (sizeof resp_corpus / sizeof *resp_corpus)];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        unsigned edits = 1 + (unsigned)(xorshift() % 4);
        for (unsigned i = 0; i < edits; i++) {
            size_t pos = (size_t)(xorshift() % n);
            if (xorshift() % 2)
                buf[pos] = bytes[xorshift() % (sizeof bytes - 1)];
            else
                buf[pos] = (char)xorshift();
        }
        if (xorshift() % 4 == 0)
            n = (size_t)(xorshift() % (n + 1));
        static const char *methods[] = {"GET", "HEAD", "CONNECT", NULL};
        struct resp x = resp_parse_n(buf, n, methods[xorshift() % 4]);
        if (x.r == 0) {
            ok++;
            CHECK(x.head_len <= n && x.status >= 100 && x.status <= 599);
            CHECK(x.body.kind != HTTP_BODY_LENGTH || x.body.length <= HTTP_LENGTH_MAX);
            CHECK(!x.keep_alive ||
                  (x.body.kind != HTTP_BODY_CLOSE && x.body.kind != HTTP_BODY_TUNNEL));
        } else if (x.r == -EAGAIN) {
            incomplete++;
        } else {
            bad++;
            CHECK_INT(x.r, -EBADMSG);
        }
    }
    printf("  fuzz: %u complete, %u incomplete, %u refused\n", ok, incomplete, bad);
    CHECK(ok > 1000 && bad > 1000 && incomplete > 1000);
}

int main(void)
{
    RUN(length_none_close);
    RUN(chunked_bodies_at_every_cut);
    RUN(chunked_errors_are_sticky_and_explained);
    RUN(response_framing_rfc9112_6_3);
    RUN(response_keep_alive);
    RUN(malformed_responses);
    RUN(response_heads_at_every_cut);
    RUN(responses_back_to_back_on_one_connection);
    RUN(fuzz_chunked_decoder);
    RUN(fuzz_response_head_parser);
    return UNIT_DONE();
}
