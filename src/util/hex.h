/* Hexadecimal digits, for the parsers that read them (IPv6 literals, chunk
 * sizes).  One definition, inline. */
#ifndef MOAT_UTIL_HEX_H
#define MOAT_UTIL_HEX_H

/* 0-15, or -1 when c is not a hex digit. */
static inline int hex_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
