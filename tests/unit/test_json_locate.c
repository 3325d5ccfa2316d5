/* Unit tests for src/policy/json_locate.c: positions of values, keys and
 * tokens in JSON text, and robustness on malformed input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/json/json_locate.h"
#include "unit.h"

static const char *where(const char *text, const struct json_locate_seg *path, size_t depth,
                         enum json_locate_target t)
{
    static char buf[64];
    size_t off;
    int r = json_locate(text, strlen(text), path, depth, t, &off);
    if (r < 0) {
        snprintf(buf, sizeof buf, "ERR %d", r);
        return buf;
    }
    unsigned line, col;
    json_locate_linecol(text, strlen(text), off, &line, &col);
    snprintf(buf, sizeof buf, "%u:%u", line, col);
    return buf;
}

#define K(k) {.key = (k)}
#define I(i) {.key = NULL, .index = (i)}

TEST(locate_values_and_keys)
{
    const char *t = "{\n"
                    "  \"filesystem\": {\n"
                    "    \"allowWrite\": [\".\", 42, {\"x\": [1, [2, 3]]}],\n"
                    "    \"read\":\"all\"\n"
                    "  },\n"
                    "  \"n\": null\n"
                    "}\n";
    struct json_locate_seg p1[] = {K("filesystem"), K("allowWrite"), I(1)};
    CHECK_STR(where(t, p1, 3, JSON_LOCATE_VALUE), "3:25");
    CHECK_STR(where(t, p1, 2, JSON_LOCATE_VALUE), "3:19");
    CHECK_STR(where(t, p1, 2, JSON_LOCATE_KEY), "3:5");
    CHECK_STR(where(t, p1, 1, JSON_LOCATE_KEY), "2:3");
    CHECK_STR(where(t, p1, 1, JSON_LOCATE_VALUE), "2:17");
    CHECK_STR(where(t, p1, 0, JSON_LOCATE_VALUE), "1:1");
    struct json_locate_seg p2[] = {K("filesystem"), K("allowWrite"), I(2), K("x"), I(1), I(1)};
    CHECK_STR(where(t, p2, 6, JSON_LOCATE_VALUE), "3:43");
    CHECK_STR(where(t, p2, 4, JSON_LOCATE_KEY), "3:30");
    struct json_locate_seg p3[] = {K("filesystem"), K("read")};
    CHECK_STR(where(t, p3, 2, JSON_LOCATE_VALUE), "4:12");
    struct json_locate_seg p4[] = {K("n")};
    CHECK_STR(where(t, p4, 1, JSON_LOCATE_VALUE), "6:8");
    /* an index used as KEY target gives the element */
    CHECK_STR(where(t, p1, 3, JSON_LOCATE_KEY), "3:25");
}

TEST(locate_missing_paths)
{
    const char *t = "{\"a\": [1, 2], \"b\": {}}";
    struct json_locate_seg p1[] = {K("a"), I(2)};
    CHECK_STR(where(t, p1, 2, JSON_LOCATE_VALUE), "ERR -2");
    struct json_locate_seg p2[] = {K("c")};
    CHECK_STR(where(t, p2, 1, JSON_LOCATE_VALUE), "ERR -2");
    struct json_locate_seg p3[] = {K("b"), K("x")};
    CHECK_STR(where(t, p3, 2, JSON_LOCATE_VALUE), "ERR -2");
    struct json_locate_seg p4[] = {K("a"), K("x")}; /* key into an array */
    CHECK_STR(where(t, p4, 2, JSON_LOCATE_VALUE), "ERR -2");
    struct json_locate_seg p5[] = {K("b"), I(0)}; /* index into an object */
    CHECK_STR(where(t, p5, 2, JSON_LOCATE_VALUE), "ERR -2");
    struct json_locate_seg p6[] = {I(0)};
    CHECK_STR(where("[]", p6, 1, JSON_LOCATE_VALUE), "ERR -2");
    CHECK_STR(where("{}", p2, 1, JSON_LOCATE_VALUE), "ERR -2");
}

TEST(locate_keys_with_escapes)
{
    /* keys are compared decoded; brackets and quotes in strings do not count */
    const char *t = "{\"a\\\"b\": 1, \"x]}\": \"{[\\\"\", \"\\u0061llow\": 2, "
                    "\"caf\\u00e9\": 3, \"\\ud83d\\ude00\": 4, \"\\\\\\/\": 5, \"a\\nb\": 6}";
    struct json_locate_seg p[] = {K("a\"b")};
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "1:10");
    p[0].key = "allow";
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "1:42");
    CHECK_STR(where(t, p, 1, JSON_LOCATE_KEY), "1:28");
    p[0].key = "caf\xc3\xa9";
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "1:58");
    p[0].key = "\xf0\x9f\x98\x80";
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "1:77");
    p[0].key = "\\/";
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "1:88");
    p[0].key = "a\nb";
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "1:99");
    p[0].key = "x]}";
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "1:20");
    p[0].key = "allo"; /* prefix of a key is not the key */
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "ERR -2");
    p[0].key = "allowX"; /* nor is a longer one */
    CHECK_STR(where(t, p, 1, JSON_LOCATE_VALUE), "ERR -2");
}

TEST(locate_whitespace_and_crlf)
{
    const char *t = "\r\n\t {\r\n\t\"k\"\t:\r\n   [ \t\r\n  true ] }  ";
    struct json_locate_seg p[] = {K("k"), I(0)};
    CHECK_STR(where(t, p, 2, JSON_LOCATE_VALUE), "5:3");
    CHECK_STR(where(t, p, 1, JSON_LOCATE_KEY), "3:2");
    CHECK_STR(where(t, p, 0, JSON_LOCATE_VALUE), "2:3"); /* \r is a column */
}

TEST(locate_never_overreads_malformed_text)
{
    /* Each truncation of a valid document must fail or succeed cleanly;
     * ASan catches any read past the (exactly sized) buffer. */
    const char *doc = "{\"a\": {\"b\\u00e9\\\"\": [1, \"x\\\\\", {\"c\": [true, null]}]}, "
                      "\"d\": \"\\ud83d\\ude00\"}";
    struct json_locate_seg p[] = {K("a"), K("b\xc3\xa9\""), I(2), K("c"), I(1)};
    struct json_locate_seg q[] = {K("d")};
    size_t n = strlen(doc);
    for (size_t len = 0; len <= n; len++) {
        char *buf = malloc(len ? len : 1);
        memcpy(buf, doc, len);
        size_t off = 0;
        for (size_t d = 0; d <= 5; d++) {
            int r = json_locate(buf, len, p, d, JSON_LOCATE_VALUE, &off);
            CHECK(r == 0 || r == -EINVAL || r == -ENOENT);
            if (r == 0)
                CHECK(off < len);
        }
        int r = json_locate(buf, len, q, 1, JSON_LOCATE_KEY, &off);
        CHECK(r == 0 || r == -EINVAL || r == -ENOENT);
        for (size_t o = 0; o < len + 2; o++)
            CHECK(json_locate_token_start(buf, len, o) <= o);
        free(buf);
    }
    size_t off;
    CHECK_INT(json_locate(doc, n, p, 5, JSON_LOCATE_VALUE, &off), 0);
    CHECK_INT(off, strlen("{\"a\": {\"b\\u00e9\\\"\": [1, \"x\\\\\", {\"c\": [true, "));
    /* garbage and bad escapes */
    static const char *const bad[] = {"", "   ", "{", "{\"a", "{\"a\\", "{\"a\\u12",
                                      "{\"a\\uZZZZ\":1}", "{\"a\\ud800\":1}", "{\"a\\udc00\":1}",
                                      "{\"a\\q\":1}", "{\"a\" 1}", "{\"b\":1 \"a\":2}", "[1",
                                      "{\"b\":[}", "{\"b\":\"", "}}}}", "{,}"};
    struct json_locate_seg a[] = {K("a")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = json_locate(bad[i], strlen(bad[i]), a, 1, JSON_LOCATE_VALUE, &off);
        CHECK(r == -EINVAL || r == -ENOENT);
    }
}

TEST(locate_deep_nesting_does_not_recurse)
{
    size_t depth = 200000;
    char *t = malloc(2 * depth + 32);
    size_t o = 0;
    o += (size_t)sprintf(t, "{\"x\": ");
    memset(t + o, '[', depth);
    o += depth;
    memset(t + o, ']', depth);
    o += depth;
    o += (size_t)sprintf(t + o, ", \"y\": 7}");
    struct json_locate_seg p[] = {K("y")};
    size_t off;
    CHECK_INT(json_locate(t, o, p, 1, JSON_LOCATE_VALUE, &off), 0);
    CHECK_INT(off, o - 2);
    free(t);
}

TEST(token_start)
{
    const char *t = "{\"ab\\\"c\": [12345, true, \"x y\"] }";
    size_t n = strlen(t);
    CHECK_INT(json_locate_token_start(t, n, 0), 0);
    CHECK_INT(json_locate_token_start(t, n, 1), 1);
    CHECK_INT(json_locate_token_start(t, n, 5), 1);   /* the escaped quote in the key */
    CHECK_INT(json_locate_token_start(t, n, 7), 1);   /* the closing quote */
    CHECK_INT(json_locate_token_start(t, n, 8), 8);   /* ':' */
    CHECK_INT(json_locate_token_start(t, n, 9), 9);   /* whitespace: itself */
    CHECK_INT(json_locate_token_start(t, n, 10), 10); /* '[' */
    CHECK_INT(json_locate_token_start(t, n, 15), 11); /* last digit */
    CHECK_INT(json_locate_token_start(t, n, 20), 18); /* inside true */
    CHECK_INT(json_locate_token_start(t, n, 26), 24); /* the space inside "x y" */
    CHECK_INT(json_locate_token_start(t, n, 31), 31); /* '}' */
    CHECK_INT(json_locate_token_start(t, n, n), n);   /* beyond the end */
    /* an unterminated string runs to the end */
    const char *u = "{\"a\": \"abc";
    CHECK_INT(json_locate_token_start(u, strlen(u), strlen(u) - 1), 6);
}

TEST(linecol)
{
    const char *t = "ab\ncd\n\nx";
    unsigned l, c;
    json_locate_linecol(t, strlen(t), 0, &l, &c);
    CHECK(l == 1 && c == 1);
    json_locate_linecol(t, strlen(t), 2, &l, &c);
    CHECK(l == 1 && c == 3);
    json_locate_linecol(t, strlen(t), 3, &l, &c);
    CHECK(l == 2 && c == 1);
    json_locate_linecol(t, strlen(t), 7, &l, &c);
    CHECK(l == 4 && c == 1);
    json_locate_linecol(t, strlen(t), 100, &l, &c); /* clamped */
    CHECK(l == 4 && c == 2);
}

int main(void)
{
    RUN(locate_values_and_keys);
    RUN(locate_missing_paths);
    RUN(locate_keys_with_escapes);
    RUN(locate_whitespace_and_crlf);
    RUN(locate_never_overreads_malformed_text);
    RUN(locate_deep_nesting_does_not_recurse);
    RUN(token_start);
    RUN(linecol);
    return UNIT_DONE();
}
