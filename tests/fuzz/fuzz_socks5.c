/* Fuzz target: the SOCKS5 handshake (src/net/proxy/socks5_msg.c).  The input is what a
 * client sends the SOCKS5 proxy.  Checks that the outcome (verdict, target, replies, bytes
 * consumed) is the same however the bytes are split across reads, that the handshake never
 * consumes a byte past its request and needs every byte it consumed, that a session only
 * becomes ready after the right credentials were sent (a user label kept as sent), and that
 * a failed session stays failed. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/rules/addr.h"
#include "net/proxy/socks5_msg.h"

#define USER "user"
#define PASS "pass"

struct outcome {
    int r;
    size_t consumed;
    uint8_t replies[8 * SOCKS5_FEED_REPLY_MAX];
    size_t n_replies;
    struct socks5_session s;
};

/* Feed data[0..n) in pieces of 1..max_piece bytes (0: all at once), as the proxy does: on
 * until the handshake is ready or failed, or the bytes run out. */
static void run(const uint8_t *data, size_t n, uint64_t seed, size_t max_piece,
                struct outcome *o)
{
    memset(o, 0, sizeof *o);
    socks5_init(&o->s, USER, PASS);
    o->r = -EAGAIN;
    size_t pos = 0;
    while (pos < n || (n == 0 && pos == 0)) {
        size_t piece = max_piece == 0 ? n - pos : 1 + fuzz_next(&seed) % max_piece;
        if (piece > n - pos)
            piece = n - pos;
        uint8_t reply[SOCKS5_FEED_REPLY_MAX];
        size_t consumed = (size_t)-1, reply_len = (size_t)-1;
        o->r = socks5_feed(&o->s, data + pos, piece, &consumed, reply, sizeof reply, &reply_len);
        FUZZ_CHECK(consumed <= piece && reply_len <= sizeof reply);
        FUZZ_CHECK(o->n_replies + reply_len <= sizeof o->replies);
        memcpy(o->replies + o->n_replies, reply, reply_len);
        o->n_replies += reply_len;
        o->consumed += consumed;
        pos += consumed;
        if (o->r != -EAGAIN)
            break;
        FUZZ_CHECK(consumed == piece); /* "all of buf consumed" */
        if (n == 0)
            break;
    }
    switch (o->r) {
    case 0:
        FUZZ_CHECK(o->s.state == SOCKS5_READY);
        break;
    case -EAGAIN:
        FUZZ_CHECK(o->s.state == SOCKS5_GREETING || o->s.state == SOCKS5_AUTH ||
                   o->s.state == SOCKS5_REQUEST);
        FUZZ_CHECK(o->consumed == n);
        break;
    case -EACCES:
    case -EOPNOTSUPP:
    case -EPROTO:
        FUZZ_CHECK(o->s.state == SOCKS5_FAILED && o->s.why && *o->s.why);
        break;
    default:
        FUZZ_CHECKF(false, "unexpected return %d", o->r);
    }
}

/* After a failure the connection is closed and what was consumed does not matter: a
 * message may be read up to its next length field before its first byte is judged. */
static bool same_outcome(const struct outcome *a, const struct outcome *b)
{
    bool failed = a->s.state == SOCKS5_FAILED;
    return a->r == b->r && (failed || a->consumed == b->consumed) &&
           a->n_replies == b->n_replies &&
           memcmp(a->replies, b->replies, a->n_replies) == 0 && a->s.state == b->s.state &&
           strcmp(a->s.target, b->s.target) == 0 &&
           a->s.target_is_literal == b->s.target_is_literal && a->s.why == b->s.why &&
           strcmp(a->s.user_label, b->s.user_label) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seed = fuzz_hash(data, size);
    struct outcome whole, split;
    run(data, size, seed, 0, &whole);
    FUZZ_CHECK(whole.consumed <= size);
    static const size_t pieces[] = {1, 3, 40};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        run(data, size, seed, pieces[i], &split);
        FUZZ_CHECKF(same_outcome(&whole, &split),
                    "pieces of %zu: r %d consumed %zu; all at once: r %d consumed %zu",
                    pieces[i], split.r, split.consumed, whole.r, whole.consumed);
    }

    /* Once decided, the session stays so and takes nothing more. */
    if (whole.r != -EAGAIN) {
        uint8_t reply[SOCKS5_FEED_REPLY_MAX];
        size_t consumed, reply_len;
        int r = socks5_feed(&whole.s, (const uint8_t *)"\x05\x01\x00", 3, &consumed, reply,
                            sizeof reply, &reply_len);
        FUZZ_CHECK(consumed == 0 && reply_len == 0);
        FUZZ_CHECK(r == (whole.r == 0 ? 0 : -EPROTO));
        /* The decision needed no byte after those consumed, and (when ready) every one. */
        struct outcome cut;
        run(data, whole.consumed, seed, 0, &cut);
        FUZZ_CHECK(same_outcome(&whole, &cut));
        if (whole.r == 0) {
            run(data, whole.consumed - 1, seed, 0, &cut);
            FUZZ_CHECK(cut.r == -EAGAIN);
        }
    }

    if (whole.r == 0) {
        /* Ready only with our credentials (RFC 1929: VER ULEN USER PLEN PASS, right after
         * the greeting), the user "user" or "user.LABEL", and the label kept. */
        const uint8_t *m = data + 2 + data[1];
        size_t ulen = m[1], plen = m[2 + ulen];
        const char *u = (const char *)m + 2;
        FUZZ_CHECK(m[0] == 0x01 && ulen >= strlen(USER) && memcmp(u, USER, strlen(USER)) == 0);
        FUZZ_CHECK(plen == strlen(PASS) && memcmp(m + 3 + ulen, PASS, plen) == 0);
        if (ulen == strlen(USER)) {
            FUZZ_CHECK(whole.s.user_label[0] == '\0');
        } else {
            FUZZ_CHECK(u[strlen(USER)] == '.');
            size_t ll = strnlen(u + strlen(USER) + 1, ulen - strlen(USER) - 1);
            FUZZ_CHECK(strlen(whole.s.user_label) == ll &&
                       memcmp(whole.s.user_label, u + strlen(USER) + 1, ll) == 0);
        }
        static const uint8_t ok[] = {0x05, 0x02, 0x01, 0x00};
        FUZZ_CHECK(whole.n_replies == 4 && memcmp(whole.replies, ok, 4) == 0);
        const char *colon = strrchr(whole.s.target, ':');
        FUZZ_CHECK(colon && colon[1] && colon > whole.s.target);
        if (whole.s.target_is_literal && strcmp(colon, ":0") != 0) { /* port 0 is refused */
            struct authority a;
            FUZZ_CHECKF(authority_parse(whole.s.target, false, &a) == 0 && a.is_ip,
                        "literal target \"%s\" does not parse", whole.s.target);
        }
    }
    return 0;
}
