/* Punycode (RFC 3492) and UTF-8 host names to A-labels; see punycode.h.  Owns the UTF-8
 * decoding, the code-point mapping and the encoder.  Never resolves, allocates or prints, and
 * never validates LDH rules or name lengths: that is hostpat.c's job on the ASCII result. */
#include "net/rules/punycode.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* RFC 3492 §5: the Punycode parameters for IDNA. */
enum {
    PUNY_BASE = 36,
    PUNY_TMIN = 1,
    PUNY_TMAX = 26,
    PUNY_SKEW = 38,
    PUNY_DAMP = 700,
    PUNY_INITIAL_BIAS = 72,
    PUNY_INITIAL_N = 0x80,
};

#define NAME_MAX_BYTES 1024   /* far above any name that can fit 253 octets once encoded */
#define LABEL_MAX 63          /* RFC 1035 §2.3.4 */
#define ACE_PREFIX "xn--"     /* RFC 5890 §2.3.2.5 */

static char puny_digit(uint32_t d)
{
    /* RFC 3492 §5: 0-25 are a-z, 26-35 are 0-9.  Lower case: A-labels are compared in
     * lower case everywhere in moat. */
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* RFC 3492 §6.1. */
static uint32_t puny_adapt(uint32_t delta, uint32_t numpoints, bool firsttime)
{
    delta = firsttime ? delta / PUNY_DAMP : delta / 2;
    delta += delta / numpoints;
    uint32_t k = 0;
    while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
        delta /= PUNY_BASE - PUNY_TMIN;
        k += PUNY_BASE;
    }
    return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

int punycode_encode(const uint32_t *cp, size_t n, char *out, size_t size)
{
    if (n >= UINT32_MAX || size == 0)
        return n >= UINT32_MAX ? -EINVAL : -ENOSPC;
    size_t o = 0;
    uint32_t basic = 0;
    for (size_t j = 0; j < n; j++) {
        if (cp[j] > 0x10FFFF || (cp[j] >= 0xD800 && cp[j] <= 0xDFFF))
            return -EINVAL;
        if (cp[j] < 0x80) {
            if (o + 1 >= size)
                return -ENOSPC;
            out[o++] = (char)cp[j];
            basic++;
        }
    }
    if (basic > 0) {
        if (o + 1 >= size)
            return -ENOSPC;
        out[o++] = '-';
    }

    /* RFC 3492 §6.3, with the §6.4 overflow checks on 32-bit unsigned arithmetic. */
    uint32_t next = PUNY_INITIAL_N, delta = 0, bias = PUNY_INITIAL_BIAS, h = basic;
    while (h < n) {
        uint32_t m = UINT32_MAX;
        for (size_t j = 0; j < n; j++)
            if (cp[j] >= next && cp[j] < m)
                m = cp[j];
        if (m - next > (UINT32_MAX - delta) / (h + 1))
            return -EINVAL;
        delta += (m - next) * (h + 1);
        next = m;
        for (size_t j = 0; j < n; j++) {
            if (cp[j] < next && ++delta == 0)
                return -EINVAL;
            if (cp[j] != next)
                continue;
            uint32_t q = delta;
            for (uint32_t k = PUNY_BASE;; k += PUNY_BASE) {
                uint32_t t = k <= bias ? PUNY_TMIN
                             : k >= bias + PUNY_TMAX ? PUNY_TMAX
                                                     : k - bias;
                if (q < t)
                    break;
                if (o + 1 >= size)
                    return -ENOSPC;
                out[o++] = puny_digit(t + (q - t) % (PUNY_BASE - t));
                q = (q - t) / (PUNY_BASE - t);
            }
            if (o + 1 >= size)
                return -ENOSPC;
            out[o++] = puny_digit(q);
            bias = puny_adapt(delta, h + 1, h == basic);
            delta = 0;
            h++;
        }
        if (++delta == 0 || next == UINT32_MAX)
            return -EINVAL;
        next++;
    }
    out[o] = '\0';
    return 0;
}

/* Strict UTF-8 (RFC 3629 §3): no overlong forms, no surrogates, nothing above U+10FFFF.
 * Returns the sequence length, or 0 when the bytes at s are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, c = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, c = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL terminator */
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Code points refused in names.  Everything UTS #46 would *map* to something else (so that
 * two spellings reach the same A-label) and that we do not map ourselves is refused, so a
 * deny pattern can never be written in a form that misses the name DNS carries: symbols,
 * compatibility and presentation forms, modifier letters, and the combining marks that only
 * appear in non-NFC (decomposed) text for Latin, Greek, Cyrillic and Hangul.  Also C1
 * controls, private use, noncharacters and the invisible joiners (a spoofing aid). */
static const struct { uint32_t lo, hi; } refused[] = {
    {0x0080, 0x00B4}, {0x00B6, 0x00B6}, {0x00B8, 0x00BF}, {0x00D7, 0x00D7}, {0x00F7, 0x00F7},
    {0x0130, 0x0130}, {0x0132, 0x0133}, {0x013F, 0x0140}, {0x0149, 0x0149}, {0x017F, 0x017F},
    {0x01C4, 0x01CC}, {0x01F1, 0x01F3}, {0x02B0, 0x036F}, {0x037A, 0x037A}, {0x037E, 0x037E},
    {0x0384, 0x0385}, {0x0387, 0x0387}, {0x03D0, 0x03D6}, {0x03F0, 0x03F2}, {0x03F4, 0x03F5},
    {0x03F9, 0x03F9}, {0x0587, 0x0587}, {0x10A0, 0x10CF}, {0x1100, 0x11FF}, {0x13A0, 0x13FF},
    {0x1C80, 0x1C8F}, {0x1D2C, 0x1DFF}, {0x1E9A, 0x1E9B}, {0x1E9E, 0x1E9E}, {0x1F00, 0x1FFF},
    {0x2000, 0x2BFF}, {0x2C7C, 0x2C7D}, {0x2E00, 0x2FFF}, {0x3000, 0x3001}, {0x3003, 0x3004},
    {0x3008, 0x3020}, {0x3030, 0x3030}, {0x3036, 0x303A}, {0x303D, 0x303F}, {0x309B, 0x309C},
    {0x3131, 0x33FF}, {0xA7F2, 0xA7F4}, {0xA7F8, 0xA7F9}, {0xAB5C, 0xAB5F}, {0xAB69, 0xAB69},
    {0xAB70, 0xABBF}, {0xD800, 0xF8FF}, {0xF900, 0xFAFF}, {0xFB00, 0xFDFF}, {0xFE00, 0xFEFF},
    {0xFF00, 0xFFFF}, {0x1D400, 0x1D7FF}, {0x1F000, 0x1FBFF}, {0x2F800, 0x2FA1F},
    {0xE0000, 0x10FFFF},
};

/* Simple lower-case mappings (Unicode 14 UnicodeData.txt field 13, one code point to one),
 * as runs: `count` code points from `first`, `stride` apart, each mapped by adding `delta`.
 * Refused code points above are checked first, so their runs here never apply. */
static const struct { uint32_t first; uint16_t count; int32_t delta; uint8_t stride; } lower[] = {
    {0x00C0, 23, 32, 1}, {0x00D8, 7, 32, 1}, {0x0100, 24, 1, 2}, {0x0132, 3, 1, 2},
    {0x0139, 8, 1, 2}, {0x014A, 23, 1, 2}, {0x0178, 1, -121, 1}, {0x0179, 3, 1, 2},
    {0x0181, 1, 210, 1}, {0x0182, 2, 1, 2}, {0x0186, 1, 206, 1}, {0x0187, 1, 1, 1},
    {0x0189, 2, 205, 1}, {0x018B, 1, 1, 1}, {0x018E, 1, 79, 1}, {0x018F, 1, 202, 1},
    {0x0190, 1, 203, 1}, {0x0191, 1, 1, 1}, {0x0193, 1, 205, 1}, {0x0194, 1, 207, 1},
    {0x0196, 1, 211, 1}, {0x0197, 1, 209, 1}, {0x0198, 1, 1, 1}, {0x019C, 1, 211, 1},
    {0x019D, 1, 213, 1}, {0x019F, 1, 214, 1}, {0x01A0, 3, 1, 2}, {0x01A6, 1, 218, 1},
    {0x01A7, 1, 1, 1}, {0x01A9, 1, 218, 1}, {0x01AC, 1, 1, 1}, {0x01AE, 1, 218, 1},
    {0x01AF, 1, 1, 1}, {0x01B1, 2, 217, 1}, {0x01B3, 2, 1, 2}, {0x01B7, 1, 219, 1},
    {0x01B8, 1, 1, 1}, {0x01BC, 1, 1, 1}, {0x01C4, 1, 2, 1}, {0x01C5, 1, 1, 1},
    {0x01C7, 1, 2, 1}, {0x01C8, 1, 1, 1}, {0x01CA, 1, 2, 1}, {0x01CB, 9, 1, 2},
    {0x01DE, 9, 1, 2}, {0x01F1, 1, 2, 1}, {0x01F2, 2, 1, 2}, {0x01F6, 1, -97, 1},
    {0x01F7, 1, -56, 1}, {0x01F8, 20, 1, 2}, {0x0220, 1, -130, 1}, {0x0222, 9, 1, 2},
    {0x023A, 1, 10795, 1}, {0x023B, 1, 1, 1}, {0x023D, 1, -163, 1}, {0x023E, 1, 10792, 1},
    {0x0241, 1, 1, 1}, {0x0243, 1, -195, 1}, {0x0244, 1, 69, 1}, {0x0245, 1, 71, 1},
    {0x0246, 5, 1, 2}, {0x0370, 2, 1, 2}, {0x0376, 1, 1, 1}, {0x037F, 1, 116, 1},
    {0x0386, 1, 38, 1}, {0x0388, 3, 37, 1}, {0x038C, 1, 64, 1}, {0x038E, 2, 63, 1},
    {0x0391, 17, 32, 1}, {0x03A3, 9, 32, 1}, {0x03CF, 1, 8, 1}, {0x03D8, 12, 1, 2},
    {0x03F4, 1, -60, 1}, {0x03F7, 1, 1, 1}, {0x03F9, 1, -7, 1}, {0x03FA, 1, 1, 1},
    {0x03FD, 3, -130, 1}, {0x0400, 16, 80, 1}, {0x0410, 32, 32, 1}, {0x0460, 17, 1, 2},
    {0x048A, 27, 1, 2}, {0x04C0, 1, 15, 1}, {0x04C1, 7, 1, 2}, {0x04D0, 48, 1, 2},
    {0x0531, 38, 48, 1}, {0x10A0, 38, 7264, 1}, {0x10C7, 1, 7264, 1}, {0x10CD, 1, 7264, 1},
    {0x13A0, 80, 38864, 1}, {0x13F0, 6, 8, 1}, {0x1C90, 43, -3008, 1}, {0x1CBD, 3, -3008, 1},
    {0x1E00, 75, 1, 2}, {0x1E9E, 1, -7615, 1}, {0x1EA0, 48, 1, 2}, {0x1F08, 8, -8, 1},
    {0x1F18, 6, -8, 1}, {0x1F28, 8, -8, 1}, {0x1F38, 8, -8, 1}, {0x1F48, 6, -8, 1},
    {0x1F59, 4, -8, 2}, {0x1F68, 8, -8, 1}, {0x1F88, 8, -8, 1}, {0x1F98, 8, -8, 1},
    {0x1FA8, 8, -8, 1}, {0x1FB8, 2, -8, 1}, {0x1FBA, 2, -74, 1}, {0x1FBC, 1, -9, 1},
    {0x1FC8, 4, -86, 1}, {0x1FCC, 1, -9, 1}, {0x1FD8, 2, -8, 1}, {0x1FDA, 2, -100, 1},
    {0x1FE8, 2, -8, 1}, {0x1FEA, 2, -112, 1}, {0x1FEC, 1, -7, 1}, {0x1FF8, 2, -128, 1},
    {0x1FFA, 2, -126, 1}, {0x1FFC, 1, -9, 1}, {0x2126, 1, -7517, 1}, {0x212A, 1, -8383, 1},
    {0x212B, 1, -8262, 1}, {0x2132, 1, 28, 1}, {0x2160, 16, 16, 1}, {0x2183, 1, 1, 1},
    {0x24B6, 26, 26, 1}, {0x2C00, 48, 48, 1}, {0x2C60, 1, 1, 1}, {0x2C62, 1, -10743, 1},
    {0x2C63, 1, -3814, 1}, {0x2C64, 1, -10727, 1}, {0x2C67, 3, 1, 2}, {0x2C6D, 1, -10780, 1},
    {0x2C6E, 1, -10749, 1}, {0x2C6F, 1, -10783, 1}, {0x2C70, 1, -10782, 1}, {0x2C72, 1, 1, 1},
    {0x2C75, 1, 1, 1}, {0x2C7E, 2, -10815, 1}, {0x2C80, 50, 1, 2}, {0x2CEB, 2, 1, 2},
    {0x2CF2, 1, 1, 1}, {0xA640, 23, 1, 2}, {0xA680, 14, 1, 2}, {0xA722, 7, 1, 2},
    {0xA732, 31, 1, 2}, {0xA779, 2, 1, 2}, {0xA77D, 1, -35332, 1}, {0xA77E, 5, 1, 2},
    {0xA78B, 1, 1, 1}, {0xA78D, 1, -42280, 1}, {0xA790, 2, 1, 2}, {0xA796, 10, 1, 2},
    {0xA7AA, 1, -42308, 1}, {0xA7AB, 1, -42319, 1}, {0xA7AC, 1, -42315, 1},
    {0xA7AD, 1, -42305, 1}, {0xA7AE, 1, -42308, 1}, {0xA7B0, 1, -42258, 1},
    {0xA7B1, 1, -42282, 1}, {0xA7B2, 1, -42261, 1}, {0xA7B3, 1, 928, 1}, {0xA7B4, 8, 1, 2},
    {0xA7C4, 1, -48, 1}, {0xA7C5, 1, -42307, 1}, {0xA7C6, 1, -35384, 1}, {0xA7C7, 2, 1, 2},
    {0xA7D0, 1, 1, 1}, {0xA7D6, 2, 1, 2}, {0xA7F5, 1, 1, 1}, {0xFF21, 26, 32, 1},
    {0x10400, 40, 40, 1}, {0x104B0, 36, 40, 1}, {0x10570, 11, 39, 1}, {0x1057C, 15, 39, 1},
    {0x1058C, 7, 39, 1}, {0x10594, 2, 39, 1}, {0x10C80, 51, 64, 1}, {0x118A0, 32, 32, 1},
    {0x16E40, 32, 32, 1}, {0x1E900, 34, 34, 1},
};

static bool code_point_refused(uint32_t c)
{
    /* Noncharacters (Unicode §23.7): U+FDD0..U+FDEF and the last two of every plane. */
    if ((c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF))
        return true;
    size_t lo = 0, hi = sizeof refused / sizeof refused[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c < refused[mid].lo)
            hi = mid;
        else if (c > refused[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static uint32_t code_point_lower(uint32_t c)
{
    /* The last run starting at or below c. */
    size_t lo = 0, hi = sizeof lower / sizeof lower[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lower[mid].first <= c)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return c;
    uint32_t off = c - lower[lo - 1].first;
    if (off % lower[lo - 1].stride == 0 && off / lower[lo - 1].stride < lower[lo - 1].count)
        return (uint32_t)((int32_t)c + lower[lo - 1].delta);
    return c;
}

/* One code point as it goes into a label, or 0 when refused. */
static uint32_t code_point_map(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + ('a' - 'A');
    if (c < 0x80)
        return c;
    /* RFC 3490 §3.1 (and UTS #46): these full stops separate labels like '.'.  A resolver
     * library applying UTS #46 would see two labels; so must we. */
    if (c == 0x3002 || c == 0xFF0E || c == 0xFF61)
        return '.';
    /* UTS #46 maps fullwidth ASCII to ASCII: "ｅｘａｍｐｌｅ" is "example". */
    if (c >= 0xFF01 && c <= 0xFF5E)
        return code_point_map(c - 0xFEE0);
    if (c == 0xB5) /* MICRO SIGN: UTS #46 maps it to GREEK SMALL LETTER MU */
        return 0x3BC;
    if (code_point_refused(c))
        return 0;
    return code_point_lower(c);
}

static int label_to_ascii(const uint32_t *cp, size_t n, char *out, size_t size, size_t *o,
                          const char **why)
{
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        ascii = ascii && cp[i] < 0x80;
    if (ascii) {
        if (*o + n >= size)
            return -ENOSPC;
        for (size_t i = 0; i < n; i++)
            out[(*o)++] = (char)cp[i];
        return 0;
    }
    /* RFC 5891 §4.2.3.1 reserves "??--": a U-label that already looks encoded is refused,
     * so "xn--" + non-ASCII cannot produce a second, different spelling of a name. */
    if (n >= 4 && cp[2] == '-' && cp[3] == '-') {
        *why = "a label with non-ASCII characters must not have \"--\" in positions 3-4";
        return -EINVAL;
    }
    char enc[LABEL_MAX + 1];
    int r = punycode_encode(cp, n, enc, sizeof enc - strlen(ACE_PREFIX));
    if (r == -ENOSPC) {
        *why = "label longer than 63 octets once encoded (RFC 1035 §2.3.4)";
        return -EINVAL;
    }
    if (r < 0) {
        *why = "label cannot be encoded as Punycode";
        return -EINVAL;
    }
    size_t len = strlen(ACE_PREFIX) + strlen(enc);
    if (*o + len >= size)
        return -ENOSPC;
    memcpy(out + *o, ACE_PREFIX, strlen(ACE_PREFIX));
    memcpy(out + *o + strlen(ACE_PREFIX), enc, strlen(enc));
    *o += len;
    return 0;
}

int punycode_name_to_ascii(const char *in, char *out, size_t size, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if (size == 0)
        return -ENOSPC;
    size_t len = strnlen(in, NAME_MAX_BYTES + 1);
    if (len > NAME_MAX_BYTES) {
        *why = "name too long";
        return -EINVAL;
    }
    uint32_t cps[NAME_MAX_BYTES];
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t step = utf8_decode((const unsigned char *)in + i, &c);
        if (step == 0) {
            *why = "invalid UTF-8";
            return -EINVAL;
        }
        i += step;
        uint32_t m = code_point_map(c);
        if (m == 0) {
            *why = c == 0x200C || c == 0x200D ? "invisible joiners are not allowed"
                   : (c >= 0x0300 && c <= 0x036F) || (c >= 0x1100 && c <= 0x11FF)
                       ? "combining or conjoining marks are not allowed: write the name in "
                         "precomposed (NFC) form"
                       : "character not allowed in a host name (control, symbol, "
                         "compatibility form or modifier)";
            return -EINVAL;
        }
        cps[n++] = m;
    }

    size_t o = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && cps[i] != '.')
            continue;
        int r = label_to_ascii(cps + start, i - start, out, size, &o, why);
        if (r < 0)
            return r;
        if (i < n) {
            if (o + 1 >= size)
                return -ENOSPC;
            out[o++] = '.';
        }
        start = i + 1;
    }
    out[o] = '\0';
    return 0;
}
