/* What the server_name unit tests (test_server_name.c, test_server_name_http.c) share:
 * server_name_claimed on exactly-sized heap copies, with every result's invariants checked.
 * The found name lands in got, a refusal's reason in why. */
#ifndef MOAT_TESTS_UNIT_SERVER_NAME_CLAIM_H
#define MOAT_TESTS_UNIT_SERVER_NAME_CLAIM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/firewall/names/server_name.h"
#include "unit.h"

static char got[512];
static const char *why;

static inline bool valid_result(enum server_name_result r)
{
    return r == SERVER_NAME_MORE || r == SERVER_NAME_OTHER || r == SERVER_NAME_NONE ||
           r == SERVER_NAME_FOUND || r == SERVER_NAME_MALFORMED;
}

/* server_name_claimed on an exactly-sized heap copy of p and into an exactly-sized heap
 * name buffer, so that ASan reports any access past n or size.  The name lands in got. */
static inline enum server_name_result claim_sized(const void *p, size_t n, size_t size)
{
    uint8_t *copy = malloc(n ? n : 1);
    char *name = malloc(size ? size : 1);
    if (n)
        memcpy(copy, p, n);
    why = "unset";
    enum server_name_result r = server_name_claimed(copy, n, name, size, &why);
    got[0] = '\0';
    CHECK(valid_result(r));
    if (r == SERVER_NAME_FOUND) {
        CHECK(memchr(name, '\0', size) != NULL);
        if (memchr(name, '\0', size))
            strcpy(got, name);
    }
    if (r == SERVER_NAME_MALFORMED)
        CHECK(why && *why);
    else
        CHECK(why == NULL);
    free(copy);
    free(name);
    return r;
}

static inline enum server_name_result claim_str(const char *s)
{
    return claim_sized(s, strlen(s), 256);
}

#endif
