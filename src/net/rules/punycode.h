/* Punycode (RFC 3492) and the part of IDNA ToASCII (RFC 5891 §5, UTS #46) that moat needs to
 * turn a UTF-8 host name into the A-label form DNS carries.  Pure string transforms: never
 * resolves, allocates, prints or exits. */
#ifndef MOAT_NET_PUNYCODE_H
#define MOAT_NET_PUNYCODE_H

#include <stddef.h>
#include <stdint.h>

/* The RFC 3492 §6.3 encoder: n code points to the basic-code-point string (without the
 * "xn--" prefix), NUL-terminated, case preserved.  0; -EINVAL for a code point above
 * U+10FFFF, a surrogate or an arithmetic overflow (§6.4); -ENOSPC when out is too small. */
int punycode_encode(const uint32_t *cp, size_t n, char *out, size_t size);

/* A host name in UTF-8 to ASCII: ASCII letters lower-cased; the ideographic full stops
 * U+3002, U+FF0E and U+FF61 separate labels (RFC 3490 §3.1); fullwidth ASCII becomes ASCII;
 * other cased letters are lower-cased; a label with non-ASCII code points becomes
 * "xn--" + Punycode.  Invalid UTF-8, and code points that are not in the canonical form
 * registries publish (combining marks, compatibility forms, symbols), are refused.  ASCII
 * characters are passed through unvalidated: the caller checks LDH and lengths, except that
 * an A-label over 63 octets is refused here.  0; -EINVAL with *why (static text, may be NULL)
 * saying what is wrong; -ENOSPC when out is too small. */
int punycode_name_to_ascii(const char *in, char *out, size_t size, const char **why);

#endif
