/* Base64 and constant-time comparison; see base64.h.  Never allocates, never reads past the
 * lengths it is given, never branches on secret bytes in ct_memeq. */
#include "net/proxy/base64.h"

#include <errno.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    if (len > (SIZE_MAX - 3) / 4 * 3 || cap < BASE64_ENCODED_LEN(len) + 1)
        return -ENOSPC;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return 0;
}

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n = len;
    while (n > 0 && in[n - 1] == '=' && len - n < 2)
        n--;
    /* Padding, when present, completes the last quantum (RFC 4648 §3.2). */
    if (n != len && len % 4 != 0)
        return -EINVAL;
    /* One sextet left over carries only 6 of the 8 bits of a byte. */
    if (n % 4 == 1)
        return -EINVAL;
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = sextet(in[i]);
        if (v < 0)
            return -EINVAL;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -ENOSPC;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *out_len = o;
    return 0;
}

bool ct_memeq(const void *a, size_t alen, const void *b, size_t blen)
{
    const volatile uint8_t *x = a, *y = b;
    volatile uint8_t diff = alen != blen;
    for (size_t i = 0; i < blen; i++) {
        /* Past the end of a, compare against y[i] ^ 1, which always differs; the length
         * mismatch above already decided the answer, this only keeps the work constant. */
        uint8_t ax = i < alen ? x[i] : (uint8_t)(y[i] ^ 1);
        diff |= (uint8_t)(ax ^ y[i]);
    }
    return diff == 0;
}
