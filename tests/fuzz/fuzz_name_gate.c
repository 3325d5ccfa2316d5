/* Fuzz target: firewall mode's name gate (src/net/firewall/names/name_gate.c: TLS, HTTP/1
 * requests one after another with their bodies, HTTP/2 frames through libnghttp2's HPACK
 * decoder), for a connection bound to "example.com".  The input is everything the client
 * sends; a relay is simulated as relay.c drives the gate (it shows the gate what arrived
 * after the bytes it passed, at most RELAY_GATE_MAX, and forwards what was passed), with
 * the bytes arriving all at once, one by one, and in random pieces.  Checks that the
 * verdict on a connection (refused or not) does not depend on how its bytes arrive, that
 * the gate never asks to pass nothing, that a refusal says why and never names the bound
 * name as the one claimed, and that what is forwarded before a refusal is never a whole
 * HTTP/1 request head.
 * fuzz-flags: -max_len=40000 -dict=tests/fuzz/http.dict
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/firewall/names/name_gate.h"
#include "net/firewall/names/server_name.h"
#include "net/io/relay.h"

#define NAME "example.com"

struct outcome {
    bool refused;
    size_t forwarded;  /* bytes the relay let through */
    bool open;         /* the gate said RELAY_GATE_FOREVER */
    struct name_gate_refusal why;
};

/* relay.c's judge()/pump() loop over data[0..size) arriving in pieces of 1..max_piece
 * bytes (0: all at once). */
static struct outcome relay(const uint8_t *data, size_t size, uint64_t seed, size_t max_piece)
{
    struct outcome o = {0};
    struct name_gate *g = name_gate_new(NAME, "the address was handed out for");
    FUZZ_CHECK(g);
    size_t arrived = 0, allow = 0;
    for (;;) {
        /* Forward what the gate allowed. */
        size_t go = arrived - o.forwarded < allow ? arrived - o.forwarded : allow;
        o.forwarded += go;
        allow -= go;
        bool all_arrived = arrived == size;
        if (allow == 0 && o.forwarded < arrived) {
            size_t n = arrived - o.forwarded;
            if (n > RELAY_GATE_MAX)
                n = RELAY_GATE_MAX;
            size_t pass = 12345;
            enum relay_gate v = name_gate_judge(g, data + o.forwarded, n, &pass, &o.why);
            if (v == RELAY_GATE_MORE && n == RELAY_GATE_MAX)
                v = RELAY_GATE_REFUSE;
            if (v == RELAY_GATE_PASS) {
                FUZZ_CHECK(pass > 0); /* relay.c refuses a gate that passes nothing */
                if (pass == RELAY_GATE_FOREVER) {
                    o.open = true;
                    o.forwarded = size;
                    break;
                }
                allow = pass;
                continue;
            }
            if (v == RELAY_GATE_REFUSE) {
                o.refused = true;
                break;
            }
            FUZZ_CHECK(v == RELAY_GATE_MORE);
        }
        if (all_arrived)
            break; /* the client sent everything; the gate waits (or passed all) */
        size_t piece = max_piece == 0 ? size - arrived : 1 + fuzz_next(&seed) % max_piece;
        arrived += piece < size - arrived ? piece : size - arrived;
    }
    name_gate_free(g);
    FUZZ_CHECK(o.forwarded <= size);
    if (o.refused) {
        FUZZ_CHECK(o.why.reason[0]);
        FUZZ_CHECKF(!server_name_equal(o.why.claimed, NAME), "refused, claiming %s: %s",
                    o.why.claimed, o.why.reason);
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seed = fuzz_hash(data, size);
    struct outcome whole = relay(data, size, seed, 0);
    /* Every arrival is judged from the start of what waits: small pieces of a long input
     * cost quadratic time, so they are tried on shorter inputs only. */
    static const size_t pieces[] = {1, 13, 700}, up_to[] = {128, 4096, SIZE_MAX};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        if (size > up_to[i])
            continue;
        struct outcome split = relay(data, size, seed, pieces[i]);
        FUZZ_CHECKF(split.refused == whole.refused,
                    "pieces of %zu: %s (%s); all at once: %s (%s)", pieces[i],
                    split.refused ? "refused" : "not refused", split.why.reason,
                    whole.refused ? "refused" : "not refused", whole.why.reason);
    }

    /* Before a refusal, no whole HTTP/1 request head went through: the first one the
     * bytes hold, if it is one, was judged before it could. */
    if (whole.refused && whole.forwarded > 0 &&
        server_name_proto(data, whole.forwarded) == SERVER_NAME_PROTO_HTTP1) {
        char name[256];
        struct http_claim c;
        enum server_name_result r =
            server_name_http(data, whole.forwarded, name, sizeof name, &c, NULL);
        FUZZ_CHECKF(r == SERVER_NAME_MORE || (r == SERVER_NAME_FOUND && server_name_equal(name, NAME)),
                    "refused (%s) after forwarding %zu bytes that read as %d", whole.why.reason,
                    whole.forwarded, r);
    }
    return 0;
}
