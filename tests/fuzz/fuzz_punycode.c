/* Fuzz target: Punycode and IDNA ToASCII (src/net/rules/punycode.c).  The input is read two
 * ways: as a UTF-8 host name for punycode_name_to_ascii, and as a sequence of code points
 * (three bytes each) for punycode_encode.  moat has no decoder, so this file carries one
 * (RFC 3492 §6.2, written from the RFC) to check that every encoding decodes back to what
 * was encoded and that every A-label produced is the canonical one for its U-label.
 * fuzz-flags: -max_len=1100
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/rules/punycode.h"
#include "util/cleanup.h"

#define MAX_CP 1024

/* RFC 3492 §6.2, with its overflow checks.  s[0..n) is the label after "xn--".  Returns the
 * number of code points, or -1. */
static int puny_decode(const char *s, size_t n, uint32_t *out, size_t cap)
{
    enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
    size_t b = 0, len = 0;
    for (size_t j = 0; j < n; j++)
        if (s[j] == '-')
            b = j; /* the last delimiter; 0 when none (or when it is the first byte) */
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)s[j] >= 0x80 || len == cap)
            return -1;
        out[len++] = (unsigned char)s[j];
    }
    size_t in = b > 0 ? b + 1 : 0;
    uint32_t next = 0x80, i = 0, bias = 72;
    while (in < n) {
        uint32_t oldi = i, w = 1;
        for (uint32_t k = BASE;; k += BASE) {
            if (in >= n)
                return -1;
            char c = s[in++];
            uint32_t digit = c >= 'a' && c <= 'z'   ? (uint32_t)(c - 'a')
                             : c >= 'A' && c <= 'Z' ? (uint32_t)(c - 'A')
                             : c >= '0' && c <= '9' ? (uint32_t)(c - '0' + 26)
                                                    : BASE;
            if (digit >= BASE || digit > (UINT32_MAX - i) / w)
                return -1;
            i += digit * w;
            uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
            if (digit < t)
                break;
            if (w > UINT32_MAX / (BASE - t))
                return -1;
            w *= BASE - t;
        }
        /* adapt(i - oldi, len + 1, oldi == 0) */
        uint32_t delta = oldi == 0 ? (i - oldi) / DAMP : (i - oldi) / 2, kk = 0;
        delta += delta / (uint32_t)(len + 1);
        while (delta > ((BASE - TMIN) * TMAX) / 2) {
            delta /= BASE - TMIN;
            kk += BASE;
        }
        bias = kk + (BASE - TMIN + 1) * delta / (delta + SKEW);
        if (i / (len + 1) > UINT32_MAX - next)
            return -1;
        next += i / (uint32_t)(len + 1);
        i %= (uint32_t)(len + 1);
        if (len == cap || next > 0x10FFFF)
            return -1;
        memmove(out + i + 1, out + i, (len - i) * sizeof *out);
        out[i++] = next;
        len++;
    }
    return (int)len;
}

static size_t utf8_put(uint32_t c, char *o)
{
    if (c < 0x80)
        return o[0] = (char)c, 1;
    if (c < 0x800)
        return o[0] = (char)(0xC0 | c >> 6), o[1] = (char)(0x80 | (c & 0x3F)), 2;
    if (c < 0x10000)
        return o[0] = (char)(0xE0 | c >> 12), o[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
               o[2] = (char)(0x80 | (c & 0x3F)), 3;
    return o[0] = (char)(0xF0 | c >> 18), o[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
           o[2] = (char)(0x80 | ((c >> 6) & 0x3F)), o[3] = (char)(0x80 | (c & 0x3F)), 4;
}

static void check_encode(const uint8_t *data, size_t size)
{
    uint32_t cp[MAX_CP / 3 + 1], back[MAX_CP];
    size_t n = 0;
    for (size_t i = 0; i + 3 <= size && n < MAX_CP / 3; i += 3) {
        cp[n] = ((uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2]) % 0x110800;
        if (cp[n] == 0) /* the output is a C string: callers never pass NUL */
            cp[n] = 'a';
        n++;
    }
    char out[4096];
    int r = punycode_encode(cp, n, out, sizeof out);
    bool bad_cp = false;
    for (size_t i = 0; i < n; i++)
        bad_cp |= cp[i] > 0x10FFFF || (cp[i] >= 0xD800 && cp[i] <= 0xDFFF);
    FUZZ_CHECK(!bad_cp || r == -EINVAL);
    if (r < 0)
        return;
    size_t len = strlen(out);
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)out[i] < 0x80);
    int m = puny_decode(out, len, back, MAX_CP);
    FUZZ_CHECKF(m == (int)n && memcmp(back, cp, n * sizeof *cp) == 0,
                "\"%s\" decodes to %d code points, %zu were encoded", out, m, n);
    /* A buffer one byte short is refused, never overrun. */
    if (len > 0) {
        char small[4096];
        FUZZ_CHECK(punycode_encode(cp, n, small, len) == -ENOSPC);
    }
}

/* The length of the label separator at s (".", U+3002, U+FF0E, U+FF61 in UTF-8), or 0. */
static size_t separator_len(const char *s)
{
    if (*s == '.')
        return 1;
    static const char *const wide[] = {"\xE3\x80\x82", "\xEF\xBC\x8E", "\xEF\xBD\xA1"};
    for (size_t i = 0; i < 3; i++)
        if (strncmp(s, wide[i], 3) == 0)
            return 3;
    return 0;
}

/* Whether the code point at s (valid UTF-8) stays non-ASCII once mapped: fullwidth ASCII
 * (U+FF01-U+FF5E) and the Kelvin sign (U+212A, lower-cased to 'k') become ASCII.  Sets
 * *len to its length in bytes. */
static bool maps_to_non_ascii(const unsigned char *s, size_t *len)
{
    uint32_t c;
    if (s[0] < 0x80)
        return *len = 1, false;
    if (s[0] < 0xE0)
        *len = 2, c = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    else if (s[0] < 0xF0)
        *len = 3, c = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    else
        *len = 4, c = 0x10000;
    return !((c >= 0xFF01 && c <= 0xFF5E) || c == 0x212A);
}

/* Every "xn--" label that the encoder made (its input label had a code point that stays
 * non-ASCII; ASCII, however spelled, passes through unvalidated) decodes to code points
 * that map to themselves: the U-label written back in UTF-8 gives the same A-label. */
static void check_a_labels(const char *in, const char *ascii)
{
    for (const char *l = ascii; l && *l;) {
        bool non_ascii = false;
        size_t sep = 0, step;
        for (; *in && !(sep = separator_len(in)); in += step)
            non_ascii |= maps_to_non_ascii((const unsigned char *)in, &step);
        in += *in ? sep : 0;
        const char *dot = strchr(l, '.');
        size_t n = dot ? (size_t)(dot - l) : strlen(l);
        if (non_ascii && n > 4 && strncmp(l, "xn--", 4) == 0) {
            FUZZ_CHECK(n <= 63);
            uint32_t cp[MAX_CP];
            int m = puny_decode(l + 4, n - 4, cp, MAX_CP);
            FUZZ_CHECKF(m > 0, "A-label \"%.*s\" does not decode", (int)n, l);
            char u[MAX_CP * 4 + 1], again[MAX_CP];
            size_t o = 0;
            for (int i = 0; i < m; i++)
                o += utf8_put(cp[i], u + o);
            u[o] = '\0';
            FUZZ_CHECKF(punycode_name_to_ascii(u, again, sizeof again, NULL) == 0 &&
                            strlen(again) == n && memcmp(again, l, n) == 0,
                        "A-label \"%.*s\" is not canonical (\"%s\" gives \"%s\")", (int)n, l, u,
                        again);
        }
        l = dot ? dot + 1 : NULL;
    }
}

static void check_name(const char *text)
{
    char out[2048], again[2048];
    const char *why = "unset";
    int r = punycode_name_to_ascii(text, out, sizeof out, &why);
    FUZZ_CHECK(r == 0 ? why == NULL : r == -ENOSPC || (r == -EINVAL && why && *why));
    if (r < 0)
        return;
    for (const char *p = out; *p; p++)
        FUZZ_CHECK((unsigned char)*p < 0x80 && !(*p >= 'A' && *p <= 'Z'));
    /* ASCII in, ASCII out: an A-label name is its own normal form (within the 1024 bytes
     * the function reads at most). */
    FUZZ_CHECKF(strlen(out) > 1024 || punycode_name_to_ascii(out, again, sizeof again, NULL) == 0 &&
                    strcmp(out, again) == 0,
                "\"%s\" -> \"%s\" -> \"%s\"", text, out, again);
    check_a_labels(text, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_cstr(data, size);
    check_name(text);
    check_encode(data, size);
    return 0;
}
