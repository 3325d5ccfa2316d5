/* Finding values, keys and tokens in a JSON text by position; see
 * json_locate.h.  Read-only: never allocates, never recurses (nesting depth
 * is a counter), and every read is bounds-checked against the end pointer,
 * so malformed or truncated input gives an error, not an overread. */
#include "policy/json/json_locate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct cursor {
    const char *p, *end;
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_structural(char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',' || c == '"';
}

static void skip_ws(struct cursor *c)
{
    while (c->p < c->end && is_ws(*c->p))
        c->p++;
}

static bool peek_is(const struct cursor *c, char ch)
{
    return c->p < c->end && *c->p == ch;
}

/* Past a string starting at its opening quote.  Escapes are skipped as two
 * bytes; \uXXXX's hex digits are ordinary bytes for this purpose. */
static int skip_string(struct cursor *c)
{
    if (!peek_is(c, '"'))
        return -EINVAL;
    c->p++;
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '"')
            return 0;
        if (ch == '\\') {
            if (c->p >= c->end)
                return -EINVAL;
            c->p++;
        }
    }
    return -EINVAL;
}

/* Past one value of any kind.  Containers are skipped by counting brackets
 * (strings skipped properly so brackets inside them do not count), without
 * recursion, so deep nesting cannot exhaust the stack. */
static int skip_value(struct cursor *c)
{
    skip_ws(c);
    if (c->p >= c->end)
        return -EINVAL;
    if (*c->p == '"')
        return skip_string(c);
    if (*c->p == '{' || *c->p == '[') {
        size_t depth = 0;
        while (c->p < c->end) {
            char ch = *c->p;
            if (ch == '"') {
                if (skip_string(c) < 0)
                    return -EINVAL;
                continue;
            }
            c->p++;
            if (ch == '{' || ch == '[')
                depth++;
            else if (ch == '}' || ch == ']') {
                if (--depth == 0)
                    return 0;
            }
        }
        return -EINVAL;
    }
    /* number, true, false, null: up to the next delimiter */
    const char *start = c->p;
    while (c->p < c->end && !is_ws(*c->p) && !is_structural(*c->p))
        c->p++;
    return c->p > start ? 0 : -EINVAL;
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
    if (end - p < 4)
        return -EINVAL;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v |= (uint32_t)(h - 'A' + 10);
        else
            return -EINVAL;
    }
    *out = v;
    return 0;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode one escape sequence after the backslash at c->p[-1] into out[]. */
static int decode_escape(struct cursor *c, char out[4], size_t *n)
{
    if (c->p >= c->end)
        return -EINVAL;
    char e = *c->p++;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = e ? strchr(from, e) : NULL;
    if (hit) {
        out[0] = to[hit - from];
        *n = 1;
        return 0;
    }
    if (e != 'u')
        return -EINVAL;
    uint32_t cp;
    if (hex4(c->p, c->end, &cp) < 0)
        return -EINVAL;
    c->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
            hex4(c->p + 2, c->end, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
            return -EINVAL;
        c->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return -EINVAL;
    }
    *n = utf8_encode(cp, out);
    return 0;
}

/* Consume the string at c->p and tell whether its decoded content equals
 * key[0..keylen). */
static int string_equals(struct cursor *c, const char *key, size_t keylen, bool *eq)
{
    if (!peek_is(c, '"'))
        return -EINVAL;
    c->p++;
    size_t k = 0;
    bool same = true;
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '"') {
            *eq = same && k == keylen;
            return 0;
        }
        char buf[4];
        size_t n = 1;
        buf[0] = ch;
        if (ch == '\\' && decode_escape(c, buf, &n) < 0)
            return -EINVAL;
        if (same && (keylen - k < n || memcmp(key + k, buf, n) != 0))
            same = false;
        if (same)
            k += n;
    }
    return -EINVAL;
}

/* With c->p at an object, move to the value of member `key` (or to its key
 * when want_key). */
static int enter_member(struct cursor *c, const char *key, bool want_key)
{
    if (!peek_is(c, '{'))
        return -ENOENT;
    c->p++;
    size_t keylen = strlen(key);
    for (;;) {
        skip_ws(c);
        if (peek_is(c, '}'))
            return -ENOENT;
        const char *key_start = c->p;
        bool eq;
        if (string_equals(c, key, keylen, &eq) < 0)
            return -EINVAL;
        skip_ws(c);
        if (!peek_is(c, ':'))
            return -EINVAL;
        c->p++;
        skip_ws(c);
        if (eq) {
            if (want_key)
                c->p = key_start;
            return 0;
        }
        if (skip_value(c) < 0)
            return -EINVAL;
        skip_ws(c);
        if (!peek_is(c, ','))
            return peek_is(c, '}') ? -ENOENT : -EINVAL;
        c->p++;
    }
}

/* With c->p at an array, move to element `index`. */
static int enter_element(struct cursor *c, size_t index)
{
    if (!peek_is(c, '['))
        return -ENOENT;
    c->p++;
    for (size_t i = 0;; i++) {
        skip_ws(c);
        if (peek_is(c, ']'))
            return -ENOENT;
        if (c->p >= c->end)
            return -EINVAL;
        if (i == index)
            return 0;
        if (skip_value(c) < 0)
            return -EINVAL;
        skip_ws(c);
        if (!peek_is(c, ','))
            return peek_is(c, ']') ? -ENOENT : -EINVAL;
        c->p++;
    }
}

int json_locate(const char *text, size_t len, const struct json_locate_seg *path,
                size_t depth, enum json_locate_target target, size_t *offset)
{
    struct cursor c = {text, text + len};
    skip_ws(&c);
    for (size_t i = 0; i < depth; i++) {
        bool last = i + 1 == depth;
        int r = path[i].key
                    ? enter_member(&c, path[i].key, last && target == JSON_LOCATE_KEY)
                    : enter_element(&c, path[i].index);
        if (r < 0)
            return r;
    }
    if (c.p >= c.end)
        return -EINVAL;
    *offset = (size_t)(c.p - text);
    return 0;
}

size_t json_locate_token_start(const char *text, size_t len, size_t offset)
{
    struct cursor c = {text, text + len};
    if (offset >= len)
        return offset;
    for (;;) {
        skip_ws(&c);
        if (c.p >= c.end)
            return offset;
        const char *start = c.p;
        if (*c.p == '"') {
            /* An unterminated string runs to the end of the text: that is
             * how the parser saw it too. */
            if (skip_string(&c) < 0)
                c.p = c.end;
        } else if (is_structural(*c.p)) {
            c.p++;
        } else {
            while (c.p < c.end && !is_ws(*c.p) && !is_structural(*c.p))
                c.p++;
        }
        size_t s = (size_t)(start - text), e = (size_t)(c.p - text);
        if (offset < s)
            return offset; /* offset was in whitespace */
        if (offset < e)
            return s;
    }
}

void json_locate_linecol(const char *text, size_t len, size_t offset, unsigned *line,
                         unsigned *col)
{
    if (offset > len)
        offset = len;
    unsigned l = 1, cc = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            l++;
            cc = 1;
        } else {
            cc++;
        }
    }
    *line = l;
    *col = cc;
}
