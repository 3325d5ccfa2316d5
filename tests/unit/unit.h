/* A minimal unit-test harness: TEST(name) functions registered in main via
 * RUN(name); CHECK* record a failure with file:line and keep going.  Each
 * binary prints "unit: N passed, N failed" and exits non-zero on failure. */
#ifndef MOAT_TESTS_UNIT_H
#define MOAT_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_current_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
            unit_current_failed = 1;                                                  \
        }                                                                             \
    } while (0)

#define CHECK_STR(got, want)                                                          \
    do {                                                                              \
        const char *g_ = (got), *w_ = (want);                                         \
        if (!g_ || !w_ || strcmp(g_, w_) != 0) {                                      \
            fprintf(stderr, "  FAIL %s:%d: %s\n    got:  %s\n    want: %s\n", __FILE__, \
                    __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");          \
            unit_current_failed = 1;                                                  \
        }                                                                             \
    } while (0)

#define CHECK_INT(got, want)                                                          \
    do {                                                                              \
        long long g_ = (long long)(got), w_ = (long long)(want);                      \
        if (g_ != w_) {                                                               \
            fprintf(stderr, "  FAIL %s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, \
                    #got, g_, w_);                                                    \
            unit_current_failed = 1;                                                  \
        }                                                                             \
    } while (0)

/* The text msg contains needle (an error message, a warning). */
#define CHECK_HAS(msg, needle)                                                        \
    do {                                                                              \
        const char *m_ = (msg);                                                       \
        if (!m_ || !strstr(m_, needle)) {                                             \
            fprintf(stderr, "  FAIL %s:%d: missing \"%s\" in: %s\n", __FILE__, __LINE__, \
                    needle, m_ ? m_ : "(null)");                                      \
            unit_current_failed = 1;                                                  \
        }                                                                             \
    } while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                     \
    do {                                                                              \
        unit_current_failed = 0;                                                      \
        test_##name();                                                                \
        if (unit_current_failed) {                                                    \
            unit_failed++;                                                            \
            fprintf(stderr, "not ok - %s\n", #name);                                  \
        } else {                                                                      \
            unit_passed++;                                                            \
            printf("ok - %s\n", #name);                                               \
        }                                                                             \
    } while (0)
#define UNIT_DONE()                                                                   \
    (printf("unit: %d passed, %d failed\n", unit_passed, unit_failed), unit_failed ? 1 : 0)

#endif
