/* The name gate's states; see name_gate.h.  server_name.c reads TLS and HTTP/1 heads; this
 * file sequences them over a connection and reads HTTP/2 frames, whose header blocks
 * libnghttp2's HPACK decoder decodes with the connection's own dynamic table. */
#include "net/firewall/names/name_gate.h"

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/firewall/names/server_name.h"
#include "net/proxy/http_framing.h"

enum gate_state {
    GATE_START,   /* the connection's first bytes */
    GATE_H1_BODY, /* the body of a request that was judged */
    GATE_H1_NEXT, /* after a whole request: another one, or an upgraded protocol */
    GATE_H2,      /* HTTP/2 frames, after the preface */
    GATE_OPEN,    /* nothing more to judge: everything passes */
};

enum {
    H2_FRAME_HEADER = 9,
    H2_HEADERS = 1,
    H2_PUSH_PROMISE = 5,
    H2_CONTINUATION = 9,
    H2_END_HEADERS = 0x4,
    H2_PADDED = 0x8,
    H2_PRIORITY = 0x20,
};

struct name_gate {
    char name[HOSTNAME_MAX + 1];
    const char *bound; /* "the address was handed out for", ... */
    enum gate_state state;
    bool switched;              /* the last request asked to switch protocols */
    struct http_framer body;
    nghttp2_hd_inflater *hpack; /* from the first HEADERS on */
    uint32_t last_stream;       /* the highest request stream seen */
    uint8_t *held;              /* a line's start, let through before it ended */
    size_t held_len;
};

struct name_gate *name_gate_new(const char *name, const char *bound)
{
    struct name_gate *g = calloc(1, sizeof *g);
    if (g) {
        snprintf(g->name, sizeof g->name, "%s", name);
        g->bound = bound;
    }
    return g;
}

void name_gate_free(struct name_gate *g)
{
    if (!g)
        return;
    if (g->hpack)
        nghttp2_hd_inflate_del(g->hpack);
    free(g->held);
    free(g);
}

static enum relay_gate refuse(struct name_gate_refusal *r, const char *claimed, const char *fmt,
                              const char *a, const char *b)
{
    snprintf(r->claimed, sizeof r->claimed, "%s", claimed ? claimed : "");
    snprintf(r->reason, sizeof r->reason, fmt, a, b);
    return RELAY_GATE_REFUSE;
}

/* A verdict on a name claim made by what (e.g. "TLS server name"). */
static enum relay_gate judge_claim(struct name_gate *g, enum server_name_result r,
                                   const char *claimed, const char *why, const char *what,
                                   struct name_gate_refusal *out)
{
    switch (r) {
    case SERVER_NAME_FOUND:
        if (server_name_equal(claimed, g->name))
            return RELAY_GATE_PASS;
        snprintf(out->claimed, sizeof out->claimed, "%s", claimed);
        snprintf(out->reason, sizeof out->reason, "%s %s, but %s %s", what, claimed, g->bound,
                 g->name);
        return RELAY_GATE_REFUSE;
    case SERVER_NAME_NONE:
        snprintf(out->claimed, sizeof out->claimed, "%s", "");
        snprintf(out->reason, sizeof out->reason, "%s names no host, but %s %s", what, g->bound,
                 g->name);
        return RELAY_GATE_REFUSE;
    case SERVER_NAME_MALFORMED:
        return refuse(out, NULL, "unreadable %s: %s", what, why ? why : "malformed");
    case SERVER_NAME_MORE:
        return RELAY_GATE_MORE;
    case SERVER_NAME_OTHER:
        break;
    }
    return RELAY_GATE_PASS;
}

static enum relay_gate judge_tls(struct name_gate *g, const uint8_t *p, size_t n, size_t *pass,
                                 struct name_gate_refusal *out)
{
    char claimed[HOSTNAME_MAX + 1] = "";
    const char *why = NULL;
    enum server_name_result r = server_name_tls(p, n, claimed, sizeof claimed, &why);
    enum relay_gate v = judge_claim(g, r, claimed, why, "TLS ClientHello", out);
    if (v == RELAY_GATE_REFUSE && r == SERVER_NAME_FOUND)
        snprintf(out->reason, sizeof out->reason,
                 "TLS server name %s, but %s %s", claimed, g->bound, g->name);
    /* From here on the connection is encrypted: nothing more to read. */
    *pass = RELAY_GATE_FOREVER;
    return v;
}

static enum relay_gate judge_h1(struct name_gate *g, const uint8_t *p, size_t n, size_t *pass,
                                struct name_gate_refusal *out)
{
    char claimed[HOSTNAME_MAX + 1] = "";
    const char *why = NULL;
    struct http_claim c;
    enum server_name_result r = server_name_http(p, n, claimed, sizeof claimed, &c, &why);
    if (r == SERVER_NAME_OTHER) {
        *pass = RELAY_GATE_FOREVER;
        return RELAY_GATE_PASS;
    }
    enum relay_gate v = judge_claim(g, r, claimed, why, "HTTP request", out);
    if (v == RELAY_GATE_REFUSE && r == SERVER_NAME_FOUND)
        snprintf(out->reason, sizeof out->reason,
                 "HTTP Host %s, but %s %s", claimed, g->bound, g->name);
    if (v != RELAY_GATE_PASS)
        return v;
    *pass = c.head_len;
    g->switched = c.switches;
    http_framer_init(&g->body, &c.body);
    g->state = http_framer_done(&g->body) ? GATE_H1_NEXT : GATE_H1_BODY;
    return RELAY_GATE_PASS;
}

static enum relay_gate judge_body(struct name_gate *g, const uint8_t *p, size_t n, size_t *pass,
                                  struct name_gate_refusal *out)
{
    size_t used = 0;
    if (http_framer_feed(&g->body, (const char *)p, n, &used) < 0)
        return refuse(out, NULL, "unreadable HTTP request body: %s%s",
                      g->body.why ? g->body.why : "malformed", "");
    if (http_framer_done(&g->body))
        g->state = GATE_H1_NEXT;
    if (used == 0)
        return RELAY_GATE_MORE;
    *pass = used;
    return RELAY_GATE_PASS;
}

/* --- HTTP/2 ---------------------------------------------------------------------------- */

static uint32_t be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t be31(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) &
           0x7fffffffu;
}

/* Decode one whole header block and judge every :authority and host field in it. */
static enum relay_gate judge_block(struct name_gate *g, const uint8_t *block, size_t len,
                                   bool request, struct name_gate_refusal *out)
{
    if (!g->hpack && nghttp2_hd_inflate_new(&g->hpack) != 0)
        return refuse(out, NULL, "%s%s", "out of memory for an HTTP/2 header decoder", "");
    bool named = false;
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t used = nghttp2_hd_inflate_hd2(g->hpack, &nv, &flags, block, len, 1);
        if (used < 0)
            return refuse(out, NULL, "unreadable HTTP/2 header block: %s%s",
                          nghttp2_strerror((int)used), "");
        block += used;
        len -= (size_t)used;
        if (flags & NGHTTP2_HD_INFLATE_EMIT) {
            bool authority = (nv.namelen == 10 && memcmp(nv.name, ":authority", 10) == 0) ||
                             (nv.namelen == 4 && memcmp(nv.name, "host", 4) == 0);
            if (authority) {
                char claimed[HOSTNAME_MAX + 1] = "";
                const char *why = NULL;
                enum server_name_result r = server_name_authority(
                    (const char *)nv.value, nv.valuelen, claimed, sizeof claimed, &why);
                enum relay_gate v = judge_claim(g, r, claimed, why, "HTTP/2 request", out);
                if (v == RELAY_GATE_REFUSE && r == SERVER_NAME_FOUND)
                    snprintf(out->reason, sizeof out->reason,
                             "HTTP/2 :authority %s, but %s %s", claimed, g->bound,
                             g->name);
                if (v != RELAY_GATE_PASS)
                    return RELAY_GATE_REFUSE;
                named = true;
            }
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(g->hpack);
            break;
        }
        if (len == 0 && !(flags & NGHTTP2_HD_INFLATE_EMIT))
            break;
    }
    if (request && !named)
        return refuse(out, NULL, "HTTP/2 request names no host, but %s %s", g->bound, g->name);
    return RELAY_GATE_PASS;
}

/* One frame, or a HEADERS frame and its CONTINUATIONs: *pass is their length. */
static enum relay_gate judge_h2(struct name_gate *g, const uint8_t *p, size_t n, size_t *pass,
                                struct name_gate_refusal *out)
{
    if (n < H2_FRAME_HEADER)
        return RELAY_GATE_MORE;
    uint32_t len = be24(p), stream = be31(p + 5);
    uint8_t type = p[3], flags = p[4];
    if (type == H2_PUSH_PROMISE)
        return refuse(out, NULL, "%s%s", "HTTP/2 PUSH_PROMISE from the client", "");
    if (type != H2_HEADERS && type != H2_CONTINUATION) {
        *pass = H2_FRAME_HEADER + (size_t)len;
        return RELAY_GATE_PASS;
    }
    if (type == H2_CONTINUATION)
        return refuse(out, NULL, "%s%s", "HTTP/2 CONTINUATION without HEADERS", "");
    /* The whole block: HEADERS, then CONTINUATIONs of the same stream up to END_HEADERS. */
    static uint8_t block[RELAY_GATE_MAX];
    size_t have = 0, at = 0;
    for (bool first = true;; first = false) {
        if (n - at < H2_FRAME_HEADER)
            return RELAY_GATE_MORE;
        const uint8_t *f = p + at;
        uint32_t flen = be24(f);
        if (!first && (f[3] != H2_CONTINUATION || be31(f + 5) != stream))
            return refuse(out, NULL, "%s%s", "HTTP/2 header block interrupted", "");
        if (n - at - H2_FRAME_HEADER < flen)
            return RELAY_GATE_MORE;
        const uint8_t *payload = f + H2_FRAME_HEADER;
        size_t plen = flen;
        if (first && (flags & H2_PADDED)) {
            if (plen < 1 || payload[0] >= plen)
                return refuse(out, NULL, "%s%s", "HTTP/2 HEADERS padding overruns it", "");
            plen -= 1 + (size_t)payload[0];
            payload++;
        }
        if (first && (flags & H2_PRIORITY)) {
            if (plen < 5)
                return refuse(out, NULL, "%s%s", "HTTP/2 HEADERS shorter than its priority", "");
            payload += 5;
            plen -= 5;
        }
        memcpy(block + have, payload, plen); /* fits: the frames themselves fit in p */
        have += plen;
        at += H2_FRAME_HEADER + flen;
        if (f[4] & H2_END_HEADERS)
            break;
    }
    bool request = stream > g->last_stream;
    if (request)
        g->last_stream = stream;
    enum relay_gate v = judge_block(g, block, have, request, out);
    *pass = at;
    return v;
}

/* --- the states ------------------------------------------------------------------------- */

static enum relay_gate judge_fresh(struct name_gate *g, const uint8_t *p, size_t n, size_t *pass,
                                   struct name_gate_refusal *out)
{
    enum server_name_proto proto = server_name_proto(p, n);
    /* After a request that asked to switch protocols, what follows is judged only if it is
     * HTTP again (the server refused the switch); anything else is the new protocol, whose
     * first bytes may look like a TLS record by chance (a WebSocket frame). */
    if (g->state == GATE_H1_NEXT && g->switched && proto == SERVER_NAME_PROTO_TLS)
        proto = SERVER_NAME_PROTO_OTHER;
    switch (proto) {
    case SERVER_NAME_PROTO_MORE:
        return RELAY_GATE_MORE;
    case SERVER_NAME_PROTO_OTHER:
        *pass = RELAY_GATE_FOREVER;
        return RELAY_GATE_PASS;
    case SERVER_NAME_PROTO_TLS:
        return judge_tls(g, p, n, pass, out);
    case SERVER_NAME_PROTO_H2:
        g->state = GATE_H2;
        *pass = 24; /* the preface */
        return RELAY_GATE_PASS;
    case SERVER_NAME_PROTO_HTTP1:
        break;
    }
    return judge_h1(g, p, n, pass, out);
}

/* All of p[0..n) could be the start of a method and nothing more: a token, no whitespace,
 * no line end.  No server acts on such bytes before the rest of the line comes. */
static bool bare_token(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!http_tchar(p[i]))
            return false;
    return n > 0;
}

/* A request line, or another protocol's first message, that has not ended.  A client
 * speaking a protocol of its own may send a few bytes and wait for the answer ("x" to an
 * echo port): bytes that are a bare token so far are let through at once, and kept, so
 * that the line they start is still judged whole once it ends (a server acts on a request
 * line only at its end, and on a request only at the end of its head). */
static enum relay_gate judge_line_start(struct name_gate *g, const uint8_t *p, size_t n,
                                        size_t *pass, struct name_gate_refusal *out)
{
    static uint8_t line[NAME_GATE_HELD_MAX + RELAY_GATE_MAX];
    const uint8_t *all = p;
    size_t len = n;
    if (g->held_len) {
        memcpy(line, g->held, g->held_len);
        memcpy(line + g->held_len, p, n);
        all = line;
        len = g->held_len + n;
    }
    enum relay_gate v = judge_fresh(g, all, len, pass, out);
    if (v == RELAY_GATE_MORE && bare_token(all, len) && len <= NAME_GATE_HELD_MAX) {
        if (!g->held && !(g->held = malloc(NAME_GATE_HELD_MAX)))
            return refuse(out, NULL, "%s%s", "out of memory for a request line", "");
        memcpy(g->held + g->held_len, p, n);
        g->held_len += n;
        *pass = n;
        return RELAY_GATE_PASS;
    }
    if (v == RELAY_GATE_PASS) {
        /* The judgement covered the bytes already let through: pass only what follows. */
        if (*pass != RELAY_GATE_FOREVER)
            *pass = *pass > g->held_len ? *pass - g->held_len : 0;
        g->held_len = 0;
        if (*pass == 0)
            return refuse(out, NULL, "%s%s", "a request line shorter than what it started with", "");
    }
    return v;
}

static enum relay_gate judge_state(struct name_gate *g, const uint8_t *p, size_t n,
                                   size_t *pass, struct name_gate_refusal *refusal)
{
    switch (g->state) {
    case GATE_OPEN:
        *pass = RELAY_GATE_FOREVER;
        return RELAY_GATE_PASS;
    case GATE_START:
    case GATE_H1_NEXT:
        return judge_line_start(g, p, n, pass, refusal);
    case GATE_H1_BODY:
        return judge_body(g, p, n, pass, refusal);
    case GATE_H2:
        return judge_h2(g, p, n, pass, refusal);
    }
    return RELAY_GATE_REFUSE;
}

enum relay_gate name_gate_judge(struct name_gate *g, const uint8_t *p, size_t n, size_t *pass,
                                struct name_gate_refusal *refusal)
{
    *pass = 0;
    enum relay_gate v = judge_state(g, p, n, pass, refusal);
    if (v == RELAY_GATE_PASS && *pass == RELAY_GATE_FOREVER)
        g->state = GATE_OPEN;
    return v;
}
