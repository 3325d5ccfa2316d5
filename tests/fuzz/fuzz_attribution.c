/* Fuzz target: the attribution a proxy user label carries (src/net/proxy/attribution.c),
 * which the workload chooses and the violation log shows; and srt's proxy user name for a
 * command (moat_srt_proxy_user), which makes such labels.  The input is a label, and also a
 * command.  Checks that what goes to the log is always printable text: strict UTF-8 (RFC
 * 3629: no overlong forms, surrogates or code points above U+10FFFF, which JSON writers
 * refuse) with no C0 or C1 control character; that it fits the buffer; and that a command's
 * own label shows the command (its first 100 UTF-16 units) back. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "moat_srt.h"
#include "net/proxy/attribution.h"
#include "net/proxy/base64.h"
#include "util/cleanup.h"

/* Strict UTF-8 without control characters (C0, DEL, C1). */
static bool printable_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c;
        size_t n;
        if (p[0] < 0x80)
            c = p[0], n = 1;
        else if (p[0] >= 0xC2 && p[0] <= 0xDF)
            c = p[0] & 0x1F, n = 2;
        else if (p[0] >= 0xE0 && p[0] <= 0xEF)
            c = p[0] & 0x0F, n = 3;
        else if (p[0] >= 0xF0 && p[0] <= 0xF4)
            c = p[0] & 0x07, n = 4;
        else
            return false;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            c = c << 6 | (p[i] & 0x3F);
        }
        if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10FFFF ||
            (c >= 0xD800 && c <= 0xDFFF) || c < 0x20 || (c >= 0x7F && c <= 0x9F))
            return false;
        p += n;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_cstr(data, size);
    char out[256], small[7];
    memset(out, 'x', sizeof out);
    proxy_attribution(text, out, sizeof out);
    FUZZ_CHECK(memchr(out, '\0', sizeof out));
    FUZZ_CHECKF(printable_utf8(out), "label \"%s\" shown as \"%s\"", text, out);
    memset(small, 'x', sizeof small);
    proxy_attribution(text, small, sizeof small);
    FUZZ_CHECK(memchr(small, '\0', sizeof small) && printable_utf8(small));
    proxy_attribution(text, small, 0); /* nothing written, nothing read past */

    /* srt's label for the input as a command: "srt." + Base64 of its first 100 UTF-16
     * units, or "srt" when that would pass 255 bytes; shown, it is the command. */
    char user[256];
    FUZZ_CHECK(moat_srt_proxy_user(text, user, sizeof user) == 0);
    FUZZ_CHECK(strlen(user) <= 255 && strncmp(user, "srt", 3) == 0);
    FUZZ_CHECK(moat_srt_proxy_user(text, small, strlen(user)) < 0);
    if (user[3] == '.') {
        uint8_t key[256];
        size_t n;
        FUZZ_CHECK(base64_decode(user + 4, strlen(user + 4), key, sizeof key, &n) == 0 && n > 0);
        bool ascii = true;
        for (size_t i = 0; i < n; i++)
            ascii &= key[i] >= 0x20 && key[i] < 0x7f;
        /* A printable ASCII command keeps its first 100 characters exactly. */
        if (ascii) {
            size_t want = strlen(text) < 100 ? strlen(text) : 100;
            FUZZ_CHECK(n == want && memcmp(key, text, n) == 0);
            proxy_attribution(user + 4, out, sizeof out);
            FUZZ_CHECK(strlen(out) == n && memcmp(out, text, n) == 0);
        }
    }
    return 0;
}
