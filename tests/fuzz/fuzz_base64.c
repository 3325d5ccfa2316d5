/* Fuzz target: Base64 and the constant-time comparison (src/net/proxy/base64.c), which
 * read the credentials of a Proxy-Authorization field.  The input is decoded as Base64
 * text and encoded as bytes.  Checks that encoding then decoding gives the bytes back, that
 * whatever decodes re-encodes to text that decodes to the same bytes, that the decoded
 * length is what the text's length says, that a short buffer is refused rather than
 * overrun, and that ct_memeq agrees with memcmp. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/proxy/base64.h"
#include "util/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    _cleanup_free_ uint8_t *dec = malloc(size + 1);
    _cleanup_free_ char *enc = malloc(BASE64_ENCODED_LEN(size) + 1);
    _cleanup_free_ uint8_t *back = malloc(size + 1);
    FUZZ_CHECK(dec && enc && back);

    /* Bytes -> text -> bytes. */
    FUZZ_CHECK(base64_encode(data, size, enc, BASE64_ENCODED_LEN(size) + 1) == 0);
    FUZZ_CHECK(strlen(enc) == BASE64_ENCODED_LEN(size));
    FUZZ_CHECK(base64_encode(data, size, enc, BASE64_ENCODED_LEN(size)) == -ENOSPC);
    FUZZ_CHECK(base64_encode(data, size, enc, BASE64_ENCODED_LEN(size) + 1) == 0);
    size_t n;
    FUZZ_CHECK(base64_decode(enc, strlen(enc), back, size + 1, &n) == 0);
    FUZZ_CHECK(n == size && memcmp(back, data, size) == 0);
    if (size > 0)
        FUZZ_CHECK(base64_decode(enc, strlen(enc), back, size - 1, &n) == -ENOSPC);

    /* Text -> bytes -> text -> the same bytes. */
    size_t dn;
    int r = base64_decode(text, size, dec, size + 1, &dn);
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    if (r == 0) {
        size_t unpadded = size;
        while (unpadded > 0 && text[unpadded - 1] == '=')
            unpadded--;
        FUZZ_CHECK(dn == unpadded * 3 / 4);
        for (size_t i = 0; i < unpadded; i++)
            FUZZ_CHECK(text[i] != '=');
        _cleanup_free_ char *re = malloc(BASE64_ENCODED_LEN(dn) + 1);
        FUZZ_CHECK(re && base64_encode(dec, dn, re, BASE64_ENCODED_LEN(dn) + 1) == 0);
        size_t rn;
        FUZZ_CHECK(base64_decode(re, strlen(re), back, size + 1, &rn) == 0);
        FUZZ_CHECK(rn == dn && memcmp(back, dec, dn) == 0);
        /* Our own encoding of those bytes, without its padding, is the input up to the
         * bits a decoder ignores after the last full byte. */
        FUZZ_CHECK(strncmp(re, text, unpadded ? unpadded - 1 : 0) == 0);
    }

    /* ct_memeq is memcmp with equal lengths, and false with different ones. */
    size_t half = size / 2;
    bool eq = ct_memeq(data, half, data + half, size - half);
    FUZZ_CHECK(eq == (half == size - half && memcmp(data, data + half, half) == 0));
    FUZZ_CHECK(ct_memeq(data, size, data, size));
    if (size > 0)
        FUZZ_CHECK(!ct_memeq(data, size - 1, data, size) && !ct_memeq(data, size, data, size - 1));
    return 0;
}
