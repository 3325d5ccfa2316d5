/* Unit tests for src/net/firewall/names/server_name.c, TLS and what every protocol shares (HTTP/1
 * heads: test_server_name_http.c): TLS ClientHellos built field by field (SNI found,
 * absent, an IP literal, malformed in each length and each name rule), HTTP/1.x requests
 * (Host with port, IP literals, none, two), other protocols, every truncation, name
 * comparison, and a seeded fuzzer checking that a prefix never contradicts the whole. */
#include <stdint.h>
#include <stdlib.h>

#include "server_name_claim.h"
#include "wire.h"

static void put8(struct wire *w, unsigned v)
{
    put(w, (uint8_t[]){(uint8_t)v}, 1);
}

static void put16(struct wire *w, unsigned v)
{
    put(w, (uint8_t[]){(uint8_t)(v >> 8), (uint8_t)v}, 2);
}

static void put24(struct wire *w, unsigned v)
{
    put(w, (uint8_t[]){(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v}, 3);
}

static void put_fill(struct wire *w, uint8_t byte, size_t n)
{
    memset(w->b + w->n, byte, n);
    w->n += n;
}

/* One extension: type, 2-byte length, data. */
static void put_ext(struct wire *exts, unsigned type, const void *data, size_t n)
{
    put16(exts, type);
    put16(exts, (unsigned)n);
    put(exts, data, n);
}

/* A server_name extension with one host_name entry of n bytes. */
static void put_sni_n(struct wire *exts, const char *host, size_t n)
{
    static struct wire body;
    body.n = 0;
    put16(&body, (unsigned)(n + 3));
    put8(&body, 0);
    put16(&body, (unsigned)n);
    put(&body, host, n);
    put_ext(exts, 0, body.b, body.n);
}

static void put_sni(struct wire *exts, const char *host)
{
    put_sni_n(exts, host, strlen(host));
}

/* Extensions a browser sends around SNI: supported_versions and ALPN. */
static void put_versions(struct wire *exts)
{
    put_ext(exts, 43, "\x04\x03\x04\x03\x03", 5);
}

static void put_alpn(struct wire *exts)
{
    put_ext(exts, 16, "\x00\x0c\x02h2\x08http/1.1", 14);
}

struct hello {
    uint8_t hs_type;
    size_t session_id_len, cipher_bytes, compression_len;
    const struct wire *exts; /* NULL: no extensions field at all */
    size_t trailing;         /* zero bytes after the extensions, inside the ClientHello */
    int record_adjust;       /* added to the record length field */
};

static const struct hello plain = {
    .hs_type = 1, .session_id_len = 32, .cipher_bytes = 6, .compression_len = 1};

/* Record header, handshake header, version 0x0303, random, session_id, cipher_suites,
 * compression_methods, extensions. */
static void build(const struct hello *h, struct wire *out)
{
    static struct wire body;
    body.n = 0;
    put16(&body, 0x0303);
    for (unsigned i = 0; i < 32; i++)
        put8(&body, i * 7);
    put8(&body, (unsigned)h->session_id_len);
    put_fill(&body, 0xaa, h->session_id_len);
    put16(&body, (unsigned)h->cipher_bytes);
    for (size_t i = 0; i < h->cipher_bytes; i++)
        put8(&body, i % 2 ? 0x01 + (unsigned)i : 0x13);
    put8(&body, (unsigned)h->compression_len);
    put_fill(&body, 0, h->compression_len);
    if (h->exts) {
        put16(&body, (unsigned)h->exts->n);
        put(&body, h->exts->b, h->exts->n);
    }
    put_fill(&body, 0, h->trailing);
    out->n = 0;
    put8(out, 0x16);
    put16(out, 0x0301);
    put16(out, (unsigned)((int)body.n + 4 + h->record_adjust));
    put8(out, h->hs_type);
    put24(out, (unsigned)body.n);
    put(out, body.b, body.n);
}

static void hello_with_exts(const struct wire *exts, struct wire *out)
{
    struct hello h = plain;
    h.exts = exts;
    build(&h, out);
}

static void hello_with_sni(const char *host, struct wire *out)
{
    static struct wire exts;
    exts.n = 0;
    put_versions(&exts);
    put_sni(&exts, host);
    put_alpn(&exts);
    hello_with_exts(&exts, out);
}

static enum server_name_result claim(const struct wire *w)
{
    return claim_sized(w->b, w->n, 256);
}

TEST(sni_found_lower_cased_without_trailing_dot)
{
    struct wire w;
    hello_with_sni("WWW.Example.COM.", &w);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
    CHECK_STR(got, "www.example.com");

    hello_with_sni("_dmarc.a-b.example", &w);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
    CHECK_STR(got, "_dmarc.a-b.example");

    /* Bytes after the record (the next record, early data) change nothing. */
    hello_with_sni("example.com", &w);
    put(&w, "\x14\x03\x03\x00\x01\x01", 6);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
    CHECK_STR(got, "example.com");

    /* An entry of another name_type before the host_name is skipped. */
    struct wire exts = {0}, body = {0};
    put16(&body, 3 + 4 + 3 + 11);
    put8(&body, 7);
    put16(&body, 4);
    put(&body, "abcd", 4);
    put8(&body, 0);
    put16(&body, 11);
    put(&body, "example.org", 11);
    put_ext(&exts, 0, body.b, body.n);
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
    CHECK_STR(got, "example.org");
}

TEST(sni_in_the_largest_record)
{
    /* A padding extension (RFC 7685) filling the record to exactly 16384 + 2048 bytes. */
    struct wire exts = {0}, w;
    put_sni(&exts, "big.example");
    static uint8_t pad[20000];
    hello_with_exts(&exts, &w);
    size_t room = 16384 + 2048 - (w.n - 5) - 4;
    put_ext(&exts, 21, pad, room);
    hello_with_exts(&exts, &w);
    CHECK_INT(w.n, 5 + 16384 + 2048);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
    CHECK_STR(got, "big.example");

    put_ext(&exts, 21, pad, 0); /* one extension header more: 18436 bytes */
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    CHECK(why && strstr(why, "record longer"));
}

TEST(hello_without_a_name_is_none)
{
    struct wire w, exts = {0};
    build(&plain, &w); /* no extensions field */
    CHECK_INT(claim(&w), SERVER_NAME_NONE);

    hello_with_exts(&exts, &w); /* an empty extensions block */
    CHECK_INT(claim(&w), SERVER_NAME_NONE);

    put_versions(&exts);
    put_alpn(&exts);
    put_ext(&exts, 0xfe0d, "ech", 3);
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_NONE);

    /* server_name whose only entry is not a host_name. */
    exts.n = 0;
    put_ext(&exts, 0, "\x00\x04\x05\x00\x01x", 6);
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_NONE);
}

TEST(sni_ip_literal_is_none)
{
    const char *literals[] = {"192.0.2.1", "192.0.2.1.", "2001:db8::1", "::1",
                              "::ffff:192.0.2.1"};
    for (size_t i = 0; i < sizeof literals / sizeof *literals; i++) {
        struct wire w;
        hello_with_sni(literals[i], &w);
        CHECK_INT(claim(&w), SERVER_NAME_NONE);
    }
}

TEST(every_truncation_is_more)
{
    struct wire w;
    hello_with_sni("example.com", &w);
    for (size_t k = 0; k < w.n; k++)
        if (claim_sized(w.b, k, 256) != SERVER_NAME_MORE) {
            fprintf(stderr, "  TLS prefix of %zu bytes\n", k);
            CHECK(0);
        }
    build(&plain, &w);
    for (size_t k = 0; k < w.n; k++)
        CHECK_INT(claim_sized(w.b, k, 256), SERVER_NAME_MORE);

    const char *reqs[] = {"GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
                          "POST /x HTTP/1.0\nHost: example.com\n\n"};
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k < strlen(reqs[i]); k++)
            if (claim_sized(reqs[i], k, 256) != SERVER_NAME_MORE) {
                fprintf(stderr, "  HTTP prefix of %zu bytes of request %zu\n", k, i);
                CHECK(0);
            }
    CHECK_INT(claim_str(reqs[0]), SERVER_NAME_FOUND);
    CHECK_INT(claim_str(reqs[1]), SERVER_NAME_FOUND);
}

/* Split w's ClientHello (one record) into records carrying at most `each` bytes of the
 * handshake message, with record version bytes `version`, after `before` (other records). */
static void resplit(const struct wire *w, size_t each, unsigned version, const struct wire *before,
                    struct wire *out)
{
    out->n = 0;
    if (before)
        put(out, before->b, before->n);
    const uint8_t *hs = w->b + 5;
    size_t left = w->n - 5;
    while (left) {
        size_t k = left < each ? left : each;
        put8(out, 0x16);
        put16(out, version);
        put16(out, (unsigned)k);
        put(out, hs, k);
        hs += k;
        left -= k;
    }
}

TEST(hello_spanning_records_is_read_whole)
{
    struct wire w, split;
    hello_with_sni("example.com", &w);
    /* Several records, as large ClientHellos (post-quantum key shares) come, and as an
     * attacker may split one: the name is found, and every prefix waits for more. */
    size_t sizes[] = {1, 2, 4, 5, 37, 100};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        resplit(&w, sizes[i], 0x0301, NULL, &split);
        CHECK_INT(claim(&split), SERVER_NAME_FOUND);
        CHECK_STR(got, "example.com");
        for (size_t k = 0; k < split.n; k++)
            if (claim_sized(split.b, k, 256) != SERVER_NAME_MORE) {
                fprintf(stderr, "  records of %zu, prefix %zu\n", sizes[i], k);
                CHECK(0);
            }
    }
    /* Whatever the record version bytes say: servers read the first record anyway. */
    unsigned versions[] = {0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0000, 0x0200, 0x03ff,
                           0xfefd, 0xffff};
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
        resplit(&w, 40, versions[i], NULL, &split);
        CHECK_INT(claim(&split), SERVER_NAME_FOUND);
        CHECK_STR(got, "example.com");
    }
    /* After ChangeCipherSpec and (warning) alert records, which lenient servers skip. */
    struct wire before = {0};
    put(&before, "\x14\x03\x03\x00\x01\x01", 6);
    put(&before, "\x15\x03\x01\x00\x02\x01\x00", 7);
    put(&before, "\x15\x03\x01\x00\x00", 5);
    resplit(&w, 50, 0x0303, &before, &split);
    CHECK_INT(claim(&split), SERVER_NAME_FOUND);
    CHECK_STR(got, "example.com");
    /* ... but only so many, and never data before the hello. */
    before.n = 0;
    for (int i = 0; i < 17; i++)
        put(&before, "\x14\x03\x03\x00\x01\x01", 6);
    resplit(&w, 5000, 0x0303, &before, &split);
    CHECK_INT(claim(&split), SERVER_NAME_MALFORMED);
    CHECK_INT(claim_sized("\x17\x03\x03\x00\x02xx", 7, 256), SERVER_NAME_MALFORMED);
    CHECK_INT(claim_sized("\x18\x03\x03\x00\x02xx", 7, 256), SERVER_NAME_MALFORMED);
    before.n = 0;
    put(&before, "\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x01x", 12);
    resplit(&w, 5000, 0x0303, &before, &split);
    CHECK_INT(claim(&split), SERVER_NAME_MALFORMED);
    /* A record shorter than its handshake message: wait for the next record. */
    struct hello h = plain;
    h.record_adjust = -1;
    build(&h, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MORE);
    /* Another handshake message first is decided from its first byte. */
    CHECK_INT(claim_sized("\x16\x03\x01\x00\x30\x02", 6, 256), SERVER_NAME_MALFORMED);
    /* Record bigger than allowed. */
    CHECK_INT(claim_sized("\x16\x03\x03\x48\x01\x01\x00\x00\x04", 9, 256),
              SERVER_NAME_MALFORMED);
    CHECK(why && strstr(why, "record longer"));
    /* A record longer than the ClientHello is fine: the rest is not ours to judge. */
    h.record_adjust = 3;
    struct wire exts = {0};
    put_sni(&exts, "example.com");
    h.exts = &exts;
    build(&h, &w);
    put(&w, "\x0f\x00\x00", 3);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
}

TEST(sslv2_hello_names_nothing)
{
    /* 2-byte header with the top bit set, CLIENT-HELLO, version 3.1, lengths... */
    CHECK_INT(claim_sized("\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10", 11, 256),
              SERVER_NAME_NONE);
    CHECK_INT(claim_sized("\x80\x2e", 2, 256), SERVER_NAME_MORE);
    CHECK_INT(claim_sized("\x81\x85\x37\xfa", 4, 256), SERVER_NAME_OTHER); /* WebSocket-like */
}

TEST(length_overruns_are_malformed)
{
    struct wire w, exts = {0};
    put_sni(&exts, "example.com");
    put_alpn(&exts);
    hello_with_exts(&exts, &w);
    size_t ext_total_at = w.n - exts.n - 2; /* the extensions block's length field */
    size_t last_len_at = w.n - 14 - 2;      /* the ALPN extension's length field */

    struct wire bad = w;
    bad.b[last_len_at + 1]++; /* the last extension overruns the block by one */
    CHECK_INT(claim(&bad), SERVER_NAME_MALFORMED);
    CHECK(why && strstr(why, "overruns"));

    bad = w;
    bad.b[ext_total_at + 1]++; /* the block claims more than the ClientHello holds */
    CHECK_INT(claim(&bad), SERVER_NAME_MALFORMED);
    bad = w;
    bad.b[ext_total_at + 1]--; /* ... or less */
    CHECK_INT(claim(&bad), SERVER_NAME_MALFORMED);

    /* Half an extension header left at the end of the block. */
    put8(&exts, 0);
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);

    /* server_name list length and entry length, each one too long and one too short. */
    static const char *sni_bodies[] = {
        "\x00\x0f\x00\x00\x0b" "example.com",     /* list overruns the extension */
        "\x00\x0d\x00\x00\x0b" "example.com",     /* list shorter than the extension */
        "\x00\x0e\x00\x00\x0b" "example.com" "\x00", /* a byte after the list */
        "\x00\x0e\x00\x00\x0c" "example.com",     /* entry overruns the list */
        "\x00\x0e\x00\x00\x0a" "example.com",     /* entry leaves a byte in the list */
        "\x00\x00",                               /* empty list */
        "",                                       /* empty extension */
    };
    size_t sni_lens[] = {16, 16, 17, 16, 16, 2, 0};
    for (size_t i = 0; i < sizeof sni_lens / sizeof *sni_lens; i++) {
        exts.n = 0;
        put_ext(&exts, 0, sni_bodies[i], sni_lens[i]);
        hello_with_exts(&exts, &w);
        CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    }

    /* Bytes after a well-formed extensions block, inside the ClientHello. */
    exts.n = 0;
    put_sni(&exts, "example.com");
    struct hello h = plain;
    h.exts = &exts;
    h.trailing = 2;
    build(&h, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    h.trailing = 0;
    build(&h, &w);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);

    /* The fixed fields. */
    h = plain;
    h.session_id_len = 33;
    build(&h, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    h = plain;
    h.cipher_bytes = 5;
    build(&h, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    h.cipher_bytes = 0;
    build(&h, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    h = plain;
    h.compression_len = 0;
    build(&h, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    /* A ClientHello cut inside its random. */
    CHECK_INT(claim_sized("\x16\x03\x01\x00\x08\x01\x00\x00\x04\x03\x03\x00\x00", 13, 256),
              SERVER_NAME_MALFORMED);
}

TEST(two_names_are_malformed)
{
    struct wire w, exts = {0};
    put_sni(&exts, "allowed.example");
    put_alpn(&exts);
    put_sni(&exts, "fronted.example");
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    CHECK(why && strstr(why, "two server_name"));

    /* Two host_name entries in one list (RFC 6066 §3 forbids it). */
    exts.n = 0;
    put_ext(&exts, 0, "\x00\x08\x00\x00\x01" "a" "\x00\x00\x01" "b", 10);
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
}

TEST(invalid_names_are_malformed)
{
    char label64[65], name254[255], label63[80], name253[254];
    memset(label64, 'a', 64);
    label64[64] = '\0';
    memset(label63, 'b', 63);
    strcpy(label63 + 63, ".example");
    for (size_t i = 0; i < 253; i++)
        name253[i] = i % 2 ? '.' : 'a'; /* "a.a. ... .a" */
    name253[253] = '\0';
    strcpy(name254, name253);
    strcat(name254, "b"); /* the last label "ab" */

    const char *bad[] = {"exa mple.com", "a..b", ".a", "-a.com", "a-.com", "exa/mple.com",
                         label64, name254, "", ".", "a.b..", "caf\xc3\xa9.example",
                         "example.com:443", "[::1]", "a*.example"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct wire w;
        hello_with_sni(bad[i], &w);
        if (claim(&w) != SERVER_NAME_MALFORMED) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
            CHECK(0);
        }
    }
    struct wire w, exts = {0};
    put_sni_n(&exts, "evil.example\0good.example", 25); /* an embedded NUL */
    hello_with_exts(&exts, &w);
    CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);

    /* The limits themselves are fine. */
    CHECK_INT(strlen(name253), 253);
    hello_with_sni(name253, &w);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
    CHECK_STR(got, name253);
    hello_with_sni(label63, &w);
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
    CHECK_STR(got, label63);
}

TEST(name_too_long_for_the_buffer_is_malformed)
{
    struct wire w;
    hello_with_sni("Example.com.", &w);
    CHECK_INT(claim_sized(w.b, w.n, 11), SERVER_NAME_MALFORMED);
    CHECK_INT(claim_sized(w.b, w.n, 0), SERVER_NAME_MALFORMED);
    CHECK_INT(claim_sized(w.b, w.n, 12), SERVER_NAME_FOUND);
    CHECK_STR(got, "example.com");

    const char *req = "GET / HTTP/1.1\r\nHost: example.com:80\r\n\r\n";
    CHECK_INT(claim_sized(req, strlen(req), 11), SERVER_NAME_MALFORMED);
    CHECK_INT(claim_sized(req, strlen(req), 12), SERVER_NAME_FOUND);
    CHECK_STR(got, "example.com");
}

TEST(other_handshake_messages_are_malformed)
{
    struct wire w;
    struct hello h = plain;
    for (unsigned type = 0; type < 256; type++) {
        if (type == 1)
            continue;
        h.hs_type = (uint8_t)type;
        build(&h, &w);
        CHECK_INT(claim(&w), SERVER_NAME_MALFORMED);
    }
    /* SSL 2.0-ish version bytes after 0x16 are still a TLS record to a server. */
    hello_with_sni("example.com", &w);
    w.b[1] = 0x02;
    CHECK_INT(claim(&w), SERVER_NAME_FOUND);
}

TEST(empty_input_is_more)
{
    CHECK_INT(claim_sized("", 0, 256), SERVER_NAME_MORE);
    char name[8];
    CHECK_INT(server_name_claimed(NULL, 0, name, sizeof name, NULL), SERVER_NAME_MORE);
    CHECK_INT(claim_sized("\x16", 1, 256), SERVER_NAME_MORE);
}

TEST(why_may_be_null)
{
    struct wire w;
    hello_with_sni("a..b", &w);
    char name[64];
    CHECK_INT(server_name_claimed(w.b, w.n, name, sizeof name, NULL), SERVER_NAME_MALFORMED);
    hello_with_sni("ok.example", &w);
    CHECK_INT(server_name_claimed(w.b, w.n, name, sizeof name, NULL), SERVER_NAME_FOUND);
    CHECK_STR(name, "ok.example");
}

TEST(names_compare_equal)
{
    CHECK(server_name_equal("example.com", "example.com"));
    CHECK(server_name_equal("Example.COM", "example.com"));
    CHECK(server_name_equal("example.com.", "example.com"));
    CHECK(server_name_equal("example.com", "EXAMPLE.com."));
    CHECK(server_name_equal("example.com.", "example.com."));
    CHECK(!server_name_equal("example.com", "example.org"));
    CHECK(!server_name_equal("a.b", "a.b.c"));
    CHECK(!server_name_equal("a.b.c", "a.b"));
    CHECK(!server_name_equal("a.b", "xa.b"));
    CHECK(!server_name_equal("example.com..", "example.com"));
    CHECK(!server_name_equal("example.com", ""));
    CHECK(!server_name_equal(NULL, "example.com"));
    CHECK(!server_name_equal("example.com", NULL));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A prefix of w is either MORE or says what the whole does (same name when FOUND). */
static void check_prefix_agrees(const struct wire *w, size_t k)
{
    enum server_name_result whole = claim(w);
    char whole_name[sizeof got];
    strcpy(whole_name, got);
    enum server_name_result part = claim_sized(w->b, k, 256);
    CHECK(part == SERVER_NAME_MORE || part == whole);
    if (part == SERVER_NAME_FOUND)
        CHECK_STR(got, whole_name);
}

TEST(fuzz_flipped_bytes)
{
    static const uint8_t values[] = {0x00, 0x01, 0x03, 0x16, 0x2e, 0x7f, 0x80, 0xff};
    struct wire base, w;
    hello_with_sni("fuzz.example", &base);
    unsigned counts[5] = {0};
    for (size_t i = 0; i < base.n; i++)
        for (size_t v = 0; v < sizeof values + 2; v++) {
            w = base;
            w.b[i] = v < sizeof values ? values[v] : (uint8_t)(base.b[i] + (v == 8 ? 1 : -1));
            enum server_name_result r = claim(&w);
            if (valid_result(r))
                counts[r]++;
        }
    /* Random edits, cuts and bytes after the record, on TLS and on HTTP. */
    const char *req = "GET / HTTP/1.1\r\nHost: fuzz.example:80\r\nAccept: */*\r\n\r\n";
    for (unsigned it = 0; it < 100000; it++) {
        if (it % 2)
            hello_with_sni(it % 3 ? "fuzz.example" : "Fuzz.Example.", &w);
        else {
            w.n = 0;
            put(&w, req, strlen(req));
        }
        unsigned edits = (unsigned)(xorshift() % 4);
        for (unsigned e = 0; e < edits; e++)
            w.b[xorshift() % w.n] = (uint8_t)xorshift();
        if (xorshift() % 4 == 0)
            put(&w, "\x17\x03\x03\x00\x00", 5);
        if (xorshift() % 4 == 0)
            w.n = (size_t)(xorshift() % (w.n + 1));
        enum server_name_result r = claim(&w);
        if (valid_result(r))
            counts[r]++;
        if (r == SERVER_NAME_FOUND)
            CHECK(strspn(got, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == strlen(got));
        if (it % 8 == 0)
            check_prefix_agrees(&w, (size_t)(xorshift() % (w.n + 1)));
    }
    printf("  fuzz: %u more, %u other, %u none, %u found, %u malformed\n", counts[0],
           counts[1], counts[2], counts[3], counts[4]);
    CHECK(counts[SERVER_NAME_MORE] > 1000 && counts[SERVER_NAME_NONE] > 100 &&
          counts[SERVER_NAME_FOUND] > 1000 && counts[SERVER_NAME_MALFORMED] > 1000);
}

int main(void)
{
    RUN(sni_found_lower_cased_without_trailing_dot);
    RUN(sni_in_the_largest_record);
    RUN(hello_without_a_name_is_none);
    RUN(sni_ip_literal_is_none);
    RUN(every_truncation_is_more);
    RUN(hello_spanning_records_is_read_whole);
    RUN(sslv2_hello_names_nothing);
    RUN(length_overruns_are_malformed);
    RUN(two_names_are_malformed);
    RUN(invalid_names_are_malformed);
    RUN(name_too_long_for_the_buffer_is_malformed);
    RUN(other_handshake_messages_are_malformed);
    RUN(empty_input_is_more);
    RUN(why_may_be_null);
    RUN(names_compare_equal);
    RUN(fuzz_flipped_bytes);
    return UNIT_DONE();
}
