/* Unit tests for src/net/proxy/socks5_msg.c: the RFC 1928/1929 server handshake fed whole, cut at
 * every byte and byte by byte; refusals with the right reply code; early data left alone;
 * reply building; a seeded fuzzer. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "net/proxy/socks5_msg.h"
#include "unit.h"
#include "wire.h"

#define USER "alice"
#define PASS "s3cret"


static void put_greeting(struct wire *w, const uint8_t *methods, uint8_t n)
{
    put(w, (uint8_t[]){5, n}, 2);
    put(w, methods, n);
}

static void put_auth(struct wire *w, const char *user, const char *pass)
{
    uint8_t ul = (uint8_t)strlen(user), pl = (uint8_t)strlen(pass);
    put(w, (uint8_t[]){1, ul}, 2);
    put(w, user, ul);
    put(w, &pl, 1);
    put(w, pass, pl);
}

static void put_request(struct wire *w, uint8_t cmd, uint8_t atyp, const void *addr,
                        size_t alen, uint16_t port)
{
    put(w, (uint8_t[]){5, cmd, 0, atyp}, 4);
    if (atyp == 3) {
        uint8_t l = (uint8_t)alen;
        put(w, &l, 1);
    }
    put(w, addr, alen);
    put(w, (uint8_t[]){(uint8_t)(port >> 8), (uint8_t)port}, 2);
}

static void put_standard(struct wire *w)
{
    put_greeting(w, (uint8_t[]){0, 2}, 2);
    put_auth(w, USER, PASS);
}

/* The outcome of feeding a whole client stream in pieces. */
struct outcome {
    int r;
    enum socks5_state state;
    size_t consumed;
    uint8_t reply[256];
    size_t reply_len;
    char target[SOCKS5_AUTHORITY_MAX + 1];
    bool literal;
};

/* Feed w cut at the offsets in cuts (ascending), each piece from an exactly-sized heap copy
 * of what the caller would still hold: after a call, unconsumed bytes are kept and the next
 * piece is appended to them, as an epoll loop with a buffer does. */
static struct outcome run_cuts(const struct wire *w, const size_t *cuts, size_t ncuts)
{
    struct outcome o = {0};
    struct socks5_session s;
    socks5_init(&s, USER, PASS);
    size_t start = 0, avail_end;
    o.r = -EAGAIN;
    for (size_t i = 0; i <= ncuts && o.r == -EAGAIN; i++) {
        avail_end = i < ncuts ? cuts[i] : w->n;
        size_t n = avail_end - start;
        uint8_t *piece = malloc(n ? n : 1);
        memcpy(piece, w->b + start, n);
        uint8_t reply[SOCKS5_FEED_REPLY_MAX];
        size_t used, rl;
        o.r = socks5_feed(&s, piece, n, &used, reply, sizeof reply, &rl);
        free(piece);
        CHECK(used <= n);
        CHECK(rl <= sizeof reply);
        memcpy(o.reply + o.reply_len, reply, rl);
        o.reply_len += rl;
        start += used;
        if (o.r == -EAGAIN)
            CHECK_INT(used, n);
    }
    o.consumed = start;
    o.state = s.state;
    strcpy(o.target, s.target);
    o.literal = s.target_is_literal;
    return o;
}

static struct outcome run(const struct wire *w)
{
    return run_cuts(w, NULL, 0);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
    return a->r == b->r && a->state == b->state && a->reply_len == b->reply_len &&
           memcmp(a->reply, b->reply, a->reply_len) == 0 && strcmp(a->target, b->target) == 0 &&
           a->literal == b->literal && (a->r != 0 || a->consumed == b->consumed);
}

/* Whole, at every single cut, and byte by byte: the same replies, verdict and target. */
static bool same_at_every_cut(const struct wire *w)
{
    struct outcome whole = run(w);
    bool ok = true;
    for (size_t k = 0; k <= w->n; k++) {
        struct outcome part = run_cuts(w, &k, 1);
        ok &= same(&whole, &part);
    }
    size_t cuts[2048];
    for (size_t k = 0; k + 1 < w->n; k++)
        cuts[k] = k + 1;
    struct outcome bytes = run_cuts(w, cuts, w->n ? w->n - 1 : 0);
    ok &= same(&whole, &bytes);
    return ok;
}

static const uint8_t ok_replies[] = {5, 2, 1, 0};

TEST(connect_all_address_types)
{
    struct {
        uint8_t atyp;
        const char *addr;
        size_t alen;
        uint16_t port;
        const char *target;
        bool literal;
    } cases[] = {
        {1, "\xcb\x00\x71\x09", 4, 443, "203.0.113.9:443", true},
        {1, "\x00\x00\x00\x00", 4, 0, "0.0.0.0:0", true},
        {4, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16, 443, "[2001:db8::1]:443", true},
        {4, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xcb\x00\x71\x09", 16, 8443,
         "[::ffff:203.0.113.9]:8443", true},
        {3, "example.com", 11, 65535, "example.com:65535", false},
        {3, "Sub_domain-1.Example.COM", 24, 80, "Sub_domain-1.Example.COM:80", false},
        {3, "2001:db8::1", 11, 443, "[2001:db8::1]:443", false}, /* bracketed for the caller */
        {3, "203.0.113.9", 11, 443, "203.0.113.9:443", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct wire w = {0};
        put_standard(&w);
        put_request(&w, 1, cases[i].atyp, cases[i].addr, cases[i].alen, cases[i].port);
        struct outcome o = run(&w);
        CHECK_INT(o.r, 0);
        CHECK_INT(o.state, SOCKS5_READY);
        CHECK_STR(o.target, cases[i].target);
        CHECK_INT(o.literal, cases[i].literal);
        CHECK_INT(o.consumed, w.n);
        CHECK_INT(o.reply_len, 4);
        CHECK(memcmp(o.reply, ok_replies, 4) == 0);
        CHECK(same_at_every_cut(&w));
    }
    /* The longest domain. */
    char d[256];
    memset(d, 'a', 255);
    for (int i = 50; i < 255; i += 50)
        d[i] = '.';
    d[255] = '\0';
    struct wire w = {0};
    put_standard(&w);
    put_request(&w, 1, 3, d, 255, 443);
    struct outcome o = run(&w);
    CHECK_INT(o.r, 0);
    CHECK_INT(strlen(o.target), 259);
    CHECK(strncmp(o.target, d, 255) == 0 && strcmp(o.target + 255, ":443") == 0);
}

TEST(early_data_after_the_request_is_left_for_the_relay)
{
    struct wire w = {0};
    put_standard(&w);
    put_request(&w, 1, 3, "example.com", 11, 443);
    size_t handshake = w.n;
    put(&w, "\x16\x03\x01\x00\x05hello", 10);
    struct outcome o = run(&w);
    CHECK_INT(o.r, 0);
    CHECK_INT(o.consumed, handshake);
    CHECK(same_at_every_cut(&w));
    /* Once READY, nothing more is taken. */
    struct socks5_session s;
    socks5_init(&s, USER, PASS);
    uint8_t reply[SOCKS5_FEED_REPLY_MAX];
    size_t used, rl;
    CHECK_INT(socks5_feed(&s, w.b, w.n, &used, reply, sizeof reply, &rl), 0);
    CHECK_INT(used, handshake);
    CHECK_INT(socks5_feed(&s, w.b + used, w.n - used, &used, reply, sizeof reply, &rl), 0);
    CHECK_INT(used, 0);
    CHECK_INT(rl, 0);
}

static struct outcome refused(void (*build)(struct wire *))
{
    struct wire w = {0};
    build(&w);
    CHECK(same_at_every_cut(&w));
    return run(&w);
}

#define REPLY_IS(o, ...)                                                                \
    do {                                                                                \
        static const uint8_t want_[] = {__VA_ARGS__};                                   \
        CHECK_INT((o).reply_len, sizeof want_);                                         \
        CHECK(memcmp((o).reply, want_, sizeof want_) == 0);                             \
    } while (0)

static void b_wrong_pass(struct wire *w)
{
    put_greeting(w, (uint8_t[]){2}, 1);
    put_auth(w, USER, "s3cre");
    put_request(w, 1, 1, "\x01\x02\x03\x04", 4, 1);
}
static void b_wrong_user(struct wire *w)
{
    put_greeting(w, (uint8_t[]){2}, 1);
    put_auth(w, "alicE", PASS);
}
static void b_longer_pass(struct wire *w)
{
    put_greeting(w, (uint8_t[]){2}, 1);
    put_auth(w, USER, PASS "x");
}
static void b_empty_creds(struct wire *w)
{
    put_greeting(w, (uint8_t[]){2}, 1);
    put_auth(w, "", "");
}

/* One handshake with this user: the verdict and the label srt's "srt.<base64>" leaves. */
static int auth_as(const char *user, char *label, size_t size)
{
    struct socks5_session s;
    socks5_init(&s, USER, PASS);
    struct wire w = {0};
    put_greeting(&w, (uint8_t[]){2}, 1);
    put_auth(&w, user, PASS);
    put_request(&w, 1, 1, "\x01\x02\x03\x04", 4, 80);
    uint8_t reply[SOCKS5_FEED_REPLY_MAX];
    size_t used, rl;
    int r = socks5_feed(&s, w.b, w.n, &used, reply, sizeof reply, &rl);
    snprintf(label, size, "%s", s.user_label);
    return r;
}

TEST(user_label_attributes_and_never_authenticates)
{
    char label[256];
    CHECK_INT(auth_as(USER ".Y3VybA==", label, sizeof label), 0);
    CHECK_STR(label, "Y3VybA==");
    CHECK_INT(auth_as(USER, label, sizeof label), 0);
    CHECK_STR(label, "");
    CHECK_INT(auth_as(USER "x.Y3VybA==", label, sizeof label), -EACCES);
    CHECK_INT(auth_as("alic.e", label, sizeof label), -EACCES);
    CHECK_INT(auth_as(".alice", label, sizeof label), -EACCES);
}

TEST(authentication)
{
    struct outcome o = refused(b_wrong_pass);
    CHECK_INT(o.r, -EACCES);
    CHECK_INT(o.state, SOCKS5_FAILED);
    REPLY_IS(o, 5, 2, 1, 1);
    o = refused(b_wrong_user);
    CHECK_INT(o.r, -EACCES);
    REPLY_IS(o, 5, 2, 1, 1);
    o = refused(b_longer_pass);
    CHECK_INT(o.r, -EACCES);
    o = refused(b_empty_creds);
    CHECK_INT(o.r, -EACCES);

    /* No expected credentials: even empty ones fail. */
    struct socks5_session s;
    socks5_init(&s, NULL, NULL);
    struct wire w = {0};
    b_empty_creds(&w);
    uint8_t reply[SOCKS5_FEED_REPLY_MAX];
    size_t used, rl;
    CHECK_INT(socks5_feed(&s, w.b, w.n, &used, reply, sizeof reply, &rl), -EACCES);
    /* The password does not linger in the session. */
    socks5_init(&s, USER, PASS);
    w.n = 0;
    put_standard(&w);
    CHECK_INT(socks5_feed(&s, w.b, w.n, &used, reply, sizeof reply, &rl), -EAGAIN);
    CHECK(memmem(&s, sizeof s, PASS, strlen(PASS)) == NULL);
    CHECK_INT(s.state, SOCKS5_REQUEST);
}

static void b_noauth_only(struct wire *w)
{
    put_greeting(w, (uint8_t[]){0}, 1);
}
static void b_gssapi_and_noauth(struct wire *w)
{
    put_greeting(w, (uint8_t[]){0, 1, 0x80}, 3);
}
static void b_no_methods(struct wire *w)
{
    put_greeting(w, NULL, 0);
}
static void b_socks4(struct wire *w)
{
    put(w, "\x04\x01\x00\x50\x01\x02\x03\x04user\0", 13);
}
static void b_auth_version(struct wire *w)
{
    put_greeting(w, (uint8_t[]){2}, 1);
    put(w, "\x05\x01u\x01p", 5);
}
static void b_request_version(struct wire *w)
{
    put_standard(w);
    put_request(w, 1, 1, "\x01\x02\x03\x04", 4, 80);
    w->b[w->n - 10] = 4;
}
static void b_bind(struct wire *w)
{
    put_standard(w);
    put_request(w, 2, 1, "\x01\x02\x03\x04", 4, 80);
}
static void b_udp(struct wire *w)
{
    put_standard(w);
    put_request(w, 3, 4, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16, 53);
}
static void b_atyp(struct wire *w)
{
    put_standard(w);
    put_request(w, 1, 5, "\x01\x02\x03\x04", 4, 80);
}
static void b_empty_domain(struct wire *w)
{
    put_standard(w);
    put_request(w, 1, 3, "", 0, 80);
}
static void b_nul_domain(struct wire *w)
{
    put_standard(w);
    put_request(w, 1, 3, "evil.com\0.allowed.com", 21, 80);
}
static void b_space_domain(struct wire *w)
{
    put_standard(w);
    put_request(w, 1, 3, "a b", 3, 80);
}
static void b_high_domain(struct wire *w)
{
    put_standard(w);
    put_request(w, 1, 3, "b\xc3\xbc" "cher.example", 14, 80);
}
static void b_at_domain(struct wire *w)
{
    put_standard(w);
    put_request(w, 1, 3, "a@b", 3, 80);
}

TEST(refusals_carry_the_right_code)
{
    struct outcome o = refused(b_noauth_only);
    CHECK_INT(o.r, -EACCES);
    REPLY_IS(o, 5, 0xff);
    o = refused(b_gssapi_and_noauth);
    CHECK_INT(o.r, -EACCES);
    REPLY_IS(o, 5, 0xff);
    o = refused(b_no_methods);
    CHECK_INT(o.r, -EPROTO);
    REPLY_IS(o, 5, 0xff);
    o = refused(b_socks4);
    CHECK_INT(o.r, -EPROTO);
    CHECK_INT(o.reply_len, 0);
    o = refused(b_auth_version);
    CHECK_INT(o.r, -EPROTO);
    REPLY_IS(o, 5, 2);
    o = refused(b_request_version);
    CHECK_INT(o.r, -EPROTO);
    REPLY_IS(o, 5, 2, 1, 0);
    o = refused(b_bind);
    CHECK_INT(o.r, -EOPNOTSUPP);
    REPLY_IS(o, 5, 2, 1, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0);
    o = refused(b_udp);
    CHECK_INT(o.r, -EOPNOTSUPP);
    REPLY_IS(o, 5, 2, 1, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0);
    o = refused(b_atyp);
    CHECK_INT(o.r, -EOPNOTSUPP);
    REPLY_IS(o, 5, 2, 1, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0);
    void (*bad_domains[])(struct wire *) = {b_empty_domain, b_nul_domain, b_space_domain,
                                            b_high_domain, b_at_domain};
    for (size_t i = 0; i < sizeof bad_domains / sizeof *bad_domains; i++) {
        o = refused(bad_domains[i]);
        CHECK_INT(o.r, -EPROTO);
        CHECK_INT(o.state, SOCKS5_FAILED);
        REPLY_IS(o, 5, 2, 1, 0, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0);
    }
    /* Decided as soon as the deciding byte arrives, without waiting for an address. */
    struct wire w = {0};
    put_standard(&w);
    put(&w, "\x05\x02", 2);
    o = run(&w);
    CHECK_INT(o.r, -EOPNOTSUPP);
    w.n -= 2;
    put(&w, "\x05\x01\x00\x09", 4);
    o = run(&w);
    CHECK_INT(o.r, -EOPNOTSUPP);
    REPLY_IS(o, 5, 2, 1, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0);

    /* A failed session stays failed. */
    struct socks5_session s;
    socks5_init(&s, USER, PASS);
    uint8_t reply[SOCKS5_FEED_REPLY_MAX];
    size_t used, rl;
    CHECK_INT(socks5_feed(&s, (const uint8_t *)"\x04", 1, &used, reply, sizeof reply, &rl),
              -EPROTO);
    CHECK(s.why != NULL);
    CHECK_INT(socks5_feed(&s, (const uint8_t *)"\x05", 1, &used, reply, sizeof reply, &rl),
              -EPROTO);
    CHECK_INT(used, 0);
    /* The caller's reply buffer must hold every reply a call can produce. */
    socks5_init(&s, USER, PASS);
    CHECK_INT(socks5_feed(&s, (const uint8_t *)"\x05", 1, &used, reply, 4, &rl), -ENOSPC);
    CHECK_INT(used, 0);
    CHECK_INT(socks5_feed(&s, (const uint8_t *)"", 0, &used, reply, sizeof reply, &rl),
              -EAGAIN);
}

TEST(reply_builder)
{
    uint8_t out[SOCKS5_REPLY_MAX];
    struct in_addr a4;
    struct in6_addr a6;
    inet_pton(AF_INET, "203.0.113.9", &a4);
    inet_pton(AF_INET6, "2001:db8::1", &a6);
    CHECK_INT(socks5_reply(SOCKS5_SUCCEEDED, AF_INET, &a4, 40000, out, sizeof out), 10);
    CHECK(memcmp(out, "\x05\x00\x00\x01\xcb\x00\x71\x09\x9c\x40", 10) == 0);
    CHECK_INT(socks5_reply(SOCKS5_SUCCEEDED, AF_INET6, &a6, 443, out, sizeof out), 22);
    CHECK(memcmp(out, "\x05\x00\x00\x04\x20\x01\x0d\xb8", 8) == 0);
    CHECK(memcmp(out + 20, "\x01\xbb", 2) == 0);
    CHECK_INT(socks5_reply(SOCKS5_NOT_ALLOWED, AF_UNSPEC, NULL, 0, out, sizeof out), 10);
    CHECK(memcmp(out, "\x05\x02\x00\x01\0\0\0\0\0\0", 10) == 0);
    CHECK_INT(socks5_reply(0, AF_INET6, &a6, 1, out, 21), -ENOSPC);
    CHECK_INT(socks5_reply(0, AF_INET, &a4, 1, out, 9), -ENOSPC);
    CHECK_INT(socks5_reply(0, AF_UNIX, &a4, 1, out, sizeof out), -EINVAL);
    CHECK_INT(socks5_reply(0, AF_INET, NULL, 1, out, sizeof out), -EINVAL);
    CHECK_INT(socks5_reply(256, AF_INET, &a4, 1, out, sizeof out), -EINVAL);
}

TEST(codes_from_errno)
{
    CHECK_INT(socks5_code_from_errno(ECONNREFUSED), SOCKS5_CONN_REFUSED);
    CHECK_INT(socks5_code_from_errno(-ECONNREFUSED), 5);
    CHECK_INT(socks5_code_from_errno(ENETUNREACH), 3);
    CHECK_INT(socks5_code_from_errno(-ENETDOWN), 3);
    CHECK_INT(socks5_code_from_errno(EHOSTUNREACH), 4);
    CHECK_INT(socks5_code_from_errno(EHOSTDOWN), 4);
    CHECK_INT(socks5_code_from_errno(ETIMEDOUT), 4);
    CHECK_INT(socks5_code_from_errno(EACCES), 2);
    CHECK_INT(socks5_code_from_errno(-EPERM), 2);
    CHECK_INT(socks5_code_from_errno(EAFNOSUPPORT), 8);
    CHECK_INT(socks5_code_from_errno(ECONNRESET), 1);
    CHECK_INT(socks5_code_from_errno(0), 1);
}

static uint64_t rng_state = 0xd1b54a32d192ed03u;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

TEST(fuzz_handshake)
{
    unsigned ready = 0, failed = 0, pending = 0;
    for (unsigned it = 0; it < 200000; it++) {
        struct wire w = {0};
        uint8_t methods[4] = {(uint8_t)(xorshift() % 3), 2, 0, 1};
        put_greeting(&w, methods, (uint8_t)(1 + xorshift() % 4));
        put_auth(&w, xorshift() % 8 ? USER : "mallory", PASS);
        switch (xorshift() % 3) {
        case 0:
            put_request(&w, 1, 1, "\x0a\0\0\x01", 4, 22);
            break;
        case 1:
            put_request(&w, 1, 4, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16, 80);
            break;
        default:
            put_request(&w, 1, 3, "metadata.google.internal", 24, 80);
            break;
        }
        put(&w, "DATA", 4);
        unsigned edits = (unsigned)(xorshift() % 4);
        for (unsigned i = 0; i < edits; i++)
            w.b[xorshift() % w.n] = (uint8_t)(xorshift() % 4 ? xorshift() : xorshift() % 6);
        if (xorshift() % 4 == 0)
            w.n = (size_t)(xorshift() % (w.n + 1));
        size_t cuts[3];
        for (int i = 0; i < 3; i++)
            cuts[i] = (size_t)(xorshift() % (w.n + 1));
        for (int i = 0; i < 3; i++)
            for (int j = i + 1; j < 3; j++)
                if (cuts[j] < cuts[i]) {
                    size_t t = cuts[i];
                    cuts[i] = cuts[j];
                    cuts[j] = t;
                }
        struct outcome o = run_cuts(&w, cuts, 3);
        CHECK(o.consumed <= w.n);
        if (o.r == 0) {
            ready++;
            CHECK(o.consumed <= w.n && strlen(o.target) > 2);
            CHECK(strchr(o.target, ' ') == NULL);
        } else if (o.r == -EAGAIN) {
            pending++;
            CHECK_INT(o.consumed, w.n);
        } else {
            failed++;
            CHECK(o.r == -EACCES || o.r == -EOPNOTSUPP || o.r == -EPROTO);
        }
        /* Cut differently, the verdict and the replies are the same. */
        if (it % 16 == 0) {
            struct outcome whole = run(&w);
            CHECK(same(&whole, &o));
        }
    }
    printf("  fuzz: %u ready, %u refused, %u incomplete\n", ready, failed, pending);
    CHECK(ready > 1000 && failed > 1000 && pending > 1000);
}

int main(void)
{
    RUN(connect_all_address_types);
    RUN(early_data_after_the_request_is_left_for_the_relay);
    RUN(authentication);
    RUN(user_label_attributes_and_never_authenticates);
    RUN(refusals_carry_the_right_code);
    RUN(reply_builder);
    RUN(codes_from_errno);
    RUN(fuzz_handshake);
    return UNIT_DONE();
}
