/* Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): a property check that aborts, so
 * libFuzzer records the input as a crash, and the few input helpers every target needs.
 * Never reads anything but the bytes libFuzzer hands over; never keeps state between runs. */
#ifndef MOAT_TESTS_FUZZ_H
#define MOAT_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A property that must hold for every input: on failure, say which and where, then abort
 * (libFuzzer writes the input to crash-<sha1>, the regression run fails). */
#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz property failed at %s:%d: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                               \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* Same, with context (the strings involved) printed first. */
#define FUZZ_CHECKF(cond, ...)                                                            \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz property failed at %s:%d: %s\n  ", __FILE__, __LINE__,  \
                    #cond);                                                               \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                          \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'd; an embedded NUL ends it early, as it
 * would for every C-string API the targets call).  Aborts on out-of-memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* FNV-1a: a deterministic function of the input, for choosing split points and variants
 * without taking bytes away from the parser under test. */
static inline uint64_t fuzz_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3u;
    return h;
}

/* The next value of a small generator seeded with fuzz_hash (xorshift64). */
static inline uint64_t fuzz_next(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15u;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

#endif
