/* The attribution a proxy user label carries; see attribution.h. */
#include "net/proxy/attribution.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "net/proxy/base64.h"

static int hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Copy text into out, printable: valid UTF-8 kept, anything else '?'. */
static void printable(const uint8_t *in, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < size;) {
        uint8_t b = in[i];
        size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3
                                  : (b & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = len > 0 && i + len <= n && (len > 1 || (b >= 0x20 && b != 0x7f));
        for (size_t k = 1; ok && k < len; k++)
            ok = (in[i + k] & 0xC0) == 0x80;
        if (ok && len == 2)
            ok = b >= 0xC2;
        if (!ok) {
            out[o++] = '?';
            i++;
            continue;
        }
        memcpy(out + o, in + i, len);
        o += len;
        i += len;
    }
    out[o] = '\0';
}

void proxy_attribution(const char *label, char *out, size_t size)
{
    if (!size)
        return;
    char raw[256];
    size_t n = 0;
    for (const char *p = label; *p && n + 1 < sizeof raw; p++) {
        int h1 = p[0] == '%' ? hex(p[1]) : -1, h2 = h1 >= 0 ? hex(p[2]) : -1;
        if (h1 >= 0 && h2 >= 0) {
            raw[n++] = (char)(h1 << 4 | h2);
            p += 2;
        } else {
            raw[n++] = *p;
        }
    }
    raw[n] = '\0';
    uint8_t dec[200];
    size_t dn;
    if (n && base64_decode(raw, n, dec, sizeof dec, &dn) == 0)
        printable(dec, dn, out, size);
    else
        printable((const uint8_t *)label, strlen(label), out, size);
}
