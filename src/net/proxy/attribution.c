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

/* Copy text into out, printable: strict UTF-8 kept (RFC 3629 §4: no overlong forms,
 * surrogates or code points past U+10FFFF, which JSON writers refuse, so the log line would
 * lose the field), a control character (C0, DEL and the C1 controls U+0080-U+009F, which
 * some terminals obey) shown as one '?', and any byte that starts no valid sequence as '?'. */
static void printable(const uint8_t *in, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < size;) {
        uint8_t b = in[i];
        size_t len = b < 0x80                  ? 1
                     : b >= 0xC2 && b <= 0xDF ? 2
                     : b >= 0xE0 && b <= 0xEF ? 3
                     : b >= 0xF0 && b <= 0xF4 ? 4
                                              : 0;
        uint32_t c = len == 1 ? b : len == 2 ? b & 0x1Fu : len == 3 ? b & 0x0Fu : b & 0x07u;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++) {
            ok = (in[i + k] & 0xC0) == 0x80;
            c = c << 6 | (in[i + k] & 0x3Fu);
        }
        ok = ok && !(len == 3 && c < 0x800) && !(len == 4 && (c < 0x10000 || c > 0x10FFFF)) &&
             !(c >= 0xD800 && c <= 0xDFFF);
        if (!ok || c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            out[o++] = '?';
            i += ok ? len : 1;
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
