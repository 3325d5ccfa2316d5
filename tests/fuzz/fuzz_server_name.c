/* Fuzz target: the server name a connection's first bytes claim, TLS ClientHello SNI or
 * HTTP/1 Host and target (src/net/firewall/names/server_name.c).  The input is the first bytes a
 * sandboxed program sends on an intercepted connection, and also an HTTP/2 :authority
 * value.  Checks that a decision, once made on a prefix, is the one made on the whole (the
 * gate stops reading when it has one), that a found name is a valid normalised host name,
 * never an IP literal, that a short output buffer is refused rather than overrun, and that
 * an HTTP/1 head's length and body framing are those of the bytes it was given.
 * fuzz-flags: -max_len=33000 -dict=tests/fuzz/http.dict
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/firewall/names/server_name.h"
#include "net/proxy/http_framing.h"
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
    FUZZ_CHECK(c.r == SERVER_NAME_MORE || c.r == SERVER_NAME_OTHER || c.r == SERVER_NAME_NONE ||
               c.r == SERVER_NAME_FOUND || c.r == SERVER_NAME_MALFORMED);
    FUZZ_CHECK(c.r == SERVER_NAME_MALFORMED ? c.why && *c.why : c.why == NULL);
    return c;
}

static bool same_claim(const struct claim *a, const struct claim *b)
{
    return a->r == b->r && a->why == b->why &&
           (a->r != SERVER_NAME_FOUND || strcmp(a->name, b->name) == 0);
}

/* A found name: what the policy matcher would make of it, and not an address. */
static void check_name(const char *name)
{
    char norm[HOSTNAME_MAX + 1];
    size_t len = strlen(name);
    FUZZ_CHECK(len > 0 && len <= HOSTNAME_MAX && name[len - 1] != '.');
    FUZZ_CHECKF(hostname_normalize(name, norm, sizeof norm) == 0 && strcmp(norm, name) == 0,
                "claimed name \"%s\" is not a normalised host name", name);
    struct net_addr a;
    FUZZ_CHECK(addr_parse(name, &a) < 0);
    FUZZ_CHECK(server_name_equal(name, norm));
}

static void check_http(const uint8_t *data, size_t size)
{
    char name[256];
    const char *why = "unset";
    struct http_claim c;
    memset(&c, 0xa5, sizeof c);
    enum server_name_result r = server_name_http(data, size, name, sizeof name, &c, &why);
    if (r != SERVER_NAME_FOUND && r != SERVER_NAME_NONE)
        return;
    FUZZ_CHECK(c.head_len > 0 && c.head_len <= size);
    FUZZ_CHECK(data[c.head_len - 1] == '\n');
    FUZZ_CHECK(c.body.kind == HTTP_BODY_NONE || c.body.kind == HTTP_BODY_LENGTH ||
               c.body.kind == HTTP_BODY_CHUNKED);
    FUZZ_CHECK(c.body.kind != HTTP_BODY_LENGTH || c.body.length <= HTTP_LENGTH_MAX);
    /* The head alone says the same. */
    char again[256];
    struct http_claim c2;
    FUZZ_CHECK(server_name_http(data, c.head_len, again, sizeof again, &c2, NULL) == r);
    FUZZ_CHECK(c2.head_len == c.head_len && c2.body.kind == c.body.kind &&
               c2.body.length == c.body.length && c2.switches == c.switches);
    if (r == SERVER_NAME_FOUND)
        FUZZ_CHECK(strcmp(again, name) == 0);
}

static void check_authority(const uint8_t *data, size_t size)
{
    char name[256];
    const char *why = "unset";
    enum server_name_result r =
        server_name_authority((const char *)data, size, name, sizeof name, &why);
    FUZZ_CHECK(r == SERVER_NAME_FOUND || r == SERVER_NAME_NONE || r == SERVER_NAME_MALFORMED);
    FUZZ_CHECK(r == SERVER_NAME_MALFORMED ? why && *why : true);
    if (r == SERVER_NAME_FOUND)
        check_name(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct claim whole = claimed(data, size);
    if (size == 0)
        FUZZ_CHECK(whole.r == SERVER_NAME_MORE);
    if (whole.r == SERVER_NAME_FOUND) {
        check_name(whole.name);
        /* Too small a buffer: malformed, not overrun. */
        char small[8];
        const char *why = NULL;
        size_t len = strlen(whole.name);
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

    if (server_name_proto(data, size) == SERVER_NAME_PROTO_HTTP1)
        check_http(data, size);
    if (size <= 1024)
        check_authority(data, size);
    return 0;
}
