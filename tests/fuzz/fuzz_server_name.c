/* Fuzz target: the server name a connection's first bytes claim, TLS ClientHello SNI or
 * HTTP Host (src/net/firewall/server_name.c).  The input is the first bytes a sandboxed
 * program sends on an intercepted connection.  Checks that a decision, once made on a
 * prefix, is the one made on the whole (interception stops reading when it has one), that
 * a found name is a valid normalised host name, never an IP literal, and that a short
 * output buffer is refused rather than overrun.
 * fuzz-flags: -max_len=20000 -dict=tests/fuzz/http.dict
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/firewall/server_name.h"
#include "net/rules/addr.h"
#include "net/rules/hostpat.h"

struct claim {
    enum server_name_result r;
    char name[256];
    const char *why;
};

static struct claim claimed(const uint8_t *p, size_t n)
{
    struct claim c = {.why = "unset"};
    c.r = server_name_claimed(p, n, c.name, sizeof c.name, &c.why);
    FUZZ_CHECK(c.r == SERVER_NAME_MALFORMED ? c.why && *c.why : c.why == NULL);
    return c;
}

static bool same_claim(const struct claim *a, const struct claim *b)
{
    return a->r == b->r && a->why == b->why &&
           (a->r != SERVER_NAME_FOUND || strcmp(a->name, b->name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct claim whole = claimed(data, size);
    FUZZ_CHECK(whole.r == SERVER_NAME_MORE || whole.r == SERVER_NAME_NONE ||
               whole.r == SERVER_NAME_FOUND || whole.r == SERVER_NAME_MALFORMED);
    if (size == 0)
        FUZZ_CHECK(whole.r == SERVER_NAME_MORE);

    if (whole.r == SERVER_NAME_FOUND) {
        char norm[HOSTNAME_MAX + 1];
        size_t len = strlen(whole.name);
        FUZZ_CHECK(len > 0 && len <= HOSTNAME_MAX && whole.name[len - 1] != '.');
        FUZZ_CHECKF(hostname_normalize(whole.name, norm, sizeof norm) == 0 &&
                        strcmp(norm, whole.name) == 0,
                    "claimed name \"%s\" is not a normalised host name", whole.name);
        struct net_addr a;
        FUZZ_CHECK(addr_parse(whole.name, &a) < 0);
        FUZZ_CHECK(server_name_equal(whole.name, norm));
        /* Too small a buffer: malformed, not overrun. */
        char small[8];
        const char *why = NULL;
        enum server_name_result r = server_name_claimed(data, size, small, len, &why);
        FUZZ_CHECK(r == SERVER_NAME_MALFORMED && why);
    }

    /* Every decision on a prefix stands: more bytes never change it. */
    uint64_t seed = fuzz_hash(data, size);
    size_t cuts[8], n_cuts = 0;
    if (size > 0)
        cuts[n_cuts++] = size - 1;
    for (int i = 0; i < 6 && size > 0; i++)
        cuts[n_cuts++] = (size_t)(fuzz_next(&seed) % size);
    for (size_t i = 0; i < n_cuts; i++) {
        struct claim part = claimed(data, cuts[i]);
        if (part.r != SERVER_NAME_MORE)
            FUZZ_CHECKF(same_claim(&part, &whole),
                        "%zu bytes: result %d (%s), all %zu: result %d (%s)", cuts[i], part.r,
                        part.why ? part.why : "", size, whole.r, whole.why ? whole.why : "");
    }
    return 0;
}
