/* The two things srt derives from the command it runs (include/moat_srt.h):
 * the shell-quoted string it hands `bash -c`, and the proxy user name that
 * attributes the command's requests.  Pure string transforms, byte for byte
 * what srt 0.0.83 produces; never prints. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat_srt.h"
#include "net/proxy/base64.h"

static bool bare_char(char ch, bool first)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr(first ? "_./:@+,-" : "_./:=@+,-", ch));
}

char *moat_srt_quote(char *const argv[])
{
    size_t cap = 1;
    for (char *const *a = argv; *a; a++) {
        size_t quotes = 0;
        for (const char *s = *a; *s; s++)
            quotes += *s == '\'';
        cap += strlen(*a) + 4 * quotes + 3;
    }
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (char *const *a = argv; *a; a++) {
        if (a != argv)
            *o++ = ' ';
        const char *s = *a;
        bool bare = *s != '\0';
        for (size_t i = 0; s[i] && bare; i++)
            bare = bare_char(s[i], i == 0);
        if (bare) {
            o = stpcpy(o, s);
            continue;
        }
        /* Inside single quotes every byte is literal but the quote itself:
         * close, a double-quoted quote, reopen. */
        *o++ = '\'';
        for (; *s; s++)
            o = *s == '\'' ? stpcpy(o, "'\"'\"'") : (*o++ = *s, o);
        *o++ = '\'';
    }
    *o = '\0';
    return out;
}

/* One UTF-8 sequence at s: its code point and length; an invalid byte is
 * U+FFFD, one byte long (how a JavaScript string gets it from argv). */
static uint32_t utf8_next(const unsigned char *s, size_t *len)
{
    unsigned char b = s[0];
    size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3
                          : (b & 0xF8) == 0xF0 ? 4 : 0;
    uint32_t cp = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            n = 0;
            break;
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (n == 0 || (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *len = 1;
        return 0xFFFD;
    }
    *len = n;
    return cp;
}

static size_t utf8_put(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80)
        return o[0] = (unsigned char)cp, 1;
    if (cp < 0x800)
        return o[0] = (unsigned char)(0xC0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

#define SRT_KEY_UNITS 100   /* SANDBOXED_COMMAND_KEY_LENGTH */
#define SRT_USER_MAX 255    /* RFC 1929's limit on a SOCKS5 user name */

int moat_srt_proxy_user(const char *command, char *buf, size_t size)
{
    /* command.slice(0, 100) in UTF-16 code units, then Buffer.from (UTF-8;
     * a surrogate cut in half becomes U+FFFD). */
    unsigned char key[SRT_KEY_UNITS * 3 + 4];
    size_t klen = 0, units = 0;
    const unsigned char *s = (const unsigned char *)command;
    while (*s && units < SRT_KEY_UNITS) {
        size_t n;
        uint32_t cp = utf8_next(s, &n);
        if (cp >= 0x10000 && units + 2 > SRT_KEY_UNITS)
            cp = 0xFFFD; /* the high surrogate alone */
        units += cp >= 0x10000 ? 2 : 1;
        klen += utf8_put(cp, key + klen);
        s += n;
    }
    char user[SRT_USER_MAX + 1] = "srt";
    if (klen && 4 + BASE64_ENCODED_LEN(klen) <= SRT_USER_MAX) {
        memcpy(user, "srt.", 4);
        base64_encode(key, klen, user + 4, sizeof user - 4);
    }
    if (strlen(user) + 1 > size)
        return -ENOSPC;
    strcpy(buf, user);
    return 0;
}
