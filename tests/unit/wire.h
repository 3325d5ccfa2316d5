/* Test helper: a peer's bytes, built up field by field (protocol parsers'
 * unit tests). */
#ifndef MOAT_TESTS_WIRE_H
#define MOAT_TESTS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire {
    uint8_t b[20000];
    size_t n;
};

static inline void put(struct wire *w, const void *p, size_t n)
{
    if (n)
        memcpy(w->b + w->n, p, n);
    w->n += n;
}

#endif
