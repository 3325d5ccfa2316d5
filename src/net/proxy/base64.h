/* Credential encoding shared by the HTTP and SOCKS5 proxies: Base64 (RFC 4648 §4) as HTTP
 * Basic authentication uses it (RFC 7617), and the constant-time comparison both proxies use
 * to check a presented secret.  Pure buffer transforms: never allocates, prints or exits. */
#ifndef MOAT_NET_BASE64_H
#define MOAT_NET_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters base64_encode writes for n input bytes, without the terminating NUL. */
#define BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)

/* Encode with padding and NUL-terminate.  0, or -ENOSPC when out cannot hold
 * BASE64_ENCODED_LEN(len) + 1 characters. */
int base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/* Decode the standard alphabet; trailing '=' padding is optional but, when present, must
 * make the length a multiple of four.  Whitespace, the URL-safe alphabet, padding in the
 * middle and a dangling sixth bit group are refused.  0, -EINVAL, or -ENOSPC. */
int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* a[0..alen) equals b[0..blen), in time that depends only on blen (the expected secret's
 * length, passed as b) and never on where the first difference is. */
bool ct_memeq(const void *a, size_t alen, const void *b, size_t blen);

#endif
