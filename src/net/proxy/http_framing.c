/* HTTP/1.1 framing: head lexing, body delimitation, keep-alive; see http_framing.h.  Owns
 * every rule about where one HTTP message ends and the next begins, so request-smuggling
 * defences live in one place.  Only counts body bytes: never copies, buffers or resolves. */
#include "net/proxy/http_framing.h"
#include "util/hex.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static int fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -EBADMSG;
}

/* tchar (RFC 9110 §5.6.2). */
bool http_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* A control character other than HTAB: never valid in a head (RFC 9110 §5.5 field values
 * are VCHAR, SP, HTAB and obs-text; start lines are narrower still). */
static bool is_ctl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool span_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

int http_head_find_end(const char *buf, size_t len, size_t max, size_t *head_len,
                       const char **why)
{
    size_t n = len < max ? len : max;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n') {
            /* A bare LF is a line ending to some parsers and not to others: exactly the
             * disagreement request smuggling needs (RFC 9112 §2.2 allows refusing it). */
            if (i == 0 || buf[i - 1] != '\r')
                return fail(why, "bare LF in head");
            if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
                *head_len = i + 1;
                return 0;
            }
        } else if (c == '\r') {
            if (i + 1 < len && buf[i + 1] != '\n')
                return fail(why, "bare CR in head");
        } else if (is_ctl(c)) {
            return fail(why, c ? "control character in head" : "NUL in head");
        }
    }
    return len >= max ? -EMSGSIZE : -EAGAIN;
}

int http_field_parse(const char *line, size_t len, struct http_field *f, const char **why)
{
    if (len > 0 && is_ows(line[0]))
        return fail(why, "obsolete line folding");
    size_t i = 0;
    while (i < len && http_tchar((unsigned char)line[i]))
        i++;
    if (i == len)
        return fail(why, "field line without a colon");
    if (line[i] != ':')
        return fail(why, is_ows(line[i]) ? "whitespace before the colon of a field"
                                         : "invalid character in field name");
    if (i == 0)
        return fail(why, "empty field name");
    f->name = line;
    f->name_len = i;
    size_t b = i + 1, e = len;
    while (b < e && is_ows(line[b]))
        b++;
    while (e > b && is_ows(line[e - 1]))
        e--;
    for (size_t k = b; k < e; k++)
        if (is_ctl((unsigned char)line[k]))
            return fail(why, "control character in field value");
    f->value = line + b;
    f->value_len = e - b;
    return 0;
}

bool http_field_is(const struct http_field *f, const char *name)
{
    return span_is(f->name, f->name_len, name);
}

/* Walk a #list (RFC 9110 §5.6.1): elements separated by commas with optional whitespace;
 * empty elements are skipped, as recipients must accept them.  Returns the next element in
 * *el and *el_len, false at the end. */
static bool list_next(const char *v, size_t n, size_t *pos, const char **el, size_t *el_len)
{
    for (;;) {
        size_t p = *pos;
        if (p >= n)
            return false;
        const char *comma = memchr(v + p, ',', n - p);
        size_t end = comma ? (size_t)(comma - v) : n;
        *pos = comma ? end + 1 : n;
        size_t b = p, e = end;
        while (b < e && is_ows(v[b]))
            b++;
        while (e > b && is_ows(v[e - 1]))
            e--;
        if (e > b) {
            *el = v + b;
            *el_len = e - b;
            return true;
        }
    }
}

static int content_length_add(struct http_framing_fields *ff, const struct http_field *f,
                              const char **why)
{
    size_t pos = 0, n = 0;
    const char *el;
    size_t el_len;
    while (list_next(f->value, f->value_len, &pos, &el, &el_len)) {
        uint64_t v = 0;
        for (size_t i = 0; i < el_len; i++) {
            if (el[i] < '0' || el[i] > '9')
                return fail(why, "invalid Content-Length");
            v = v * 10 + (uint64_t)(el[i] - '0');
            if (v > HTTP_LENGTH_MAX)
                return fail(why, "Content-Length too large");
        }
        /* RFC 9112 §6.3 item 5: differing lengths make the framing unknowable; identical
         * repeats (a list, or several lines) may be taken as one. */
        if (ff->n_content_length > 0 && v != ff->content_length)
            return fail(why, "conflicting Content-Length values");
        ff->content_length = v;
        ff->n_content_length++;
        n++;
    }
    if (n == 0)
        return fail(why, "empty Content-Length");
    return 0;
}

static int transfer_encoding_add(struct http_framing_fields *ff, const struct http_field *f,
                                 const char **why)
{
    size_t pos = 0;
    const char *el;
    size_t el_len;
    ff->has_te = true;
    while (list_next(f->value, f->value_len, &pos, &el, &el_len)) {
        /* transfer-coding = token *( OWS ";" OWS transfer-parameter ) */
        size_t t = 0;
        while (t < el_len && http_tchar((unsigned char)el[t]))
            t++;
        if (t == 0 || (t < el_len && el[t] != ';' && !is_ows(el[t])))
            return fail(why, "invalid Transfer-Encoding");
        bool chunked = span_is(el, t, "chunked");
        ff->te_chunked += chunked;
        ff->te_chunked_last = chunked;
    }
    return 0;
}

static void connection_add(struct http_framing_fields *ff, const struct http_field *f)
{
    size_t pos = 0;
    const char *el;
    size_t el_len;
    while (list_next(f->value, f->value_len, &pos, &el, &el_len)) {
        if (span_is(el, el_len, "close"))
            ff->conn_close = true;
        else if (span_is(el, el_len, "keep-alive"))
            ff->conn_keep_alive = true;
    }
}

int http_framing_field(struct http_framing_fields *ff, const struct http_field *f,
                       const char **why)
{
    if (http_field_is(f, "Content-Length"))
        return content_length_add(ff, f, why);
    if (http_field_is(f, "Transfer-Encoding"))
        return transfer_encoding_add(ff, f, why);
    if (http_field_is(f, "Connection"))
        connection_add(ff, f);
    return 0;
}

int http_request_body(const struct http_framing_fields *ff, int http_minor,
                      struct http_body *body, const char **why)
{
    body->kind = HTTP_BODY_NONE;
    body->length = 0;
    if (ff->has_te) {
        /* RFC 9112 §6.1: TE in HTTP/1.0 means faulty framing; §6.3 item 3: TE with CL is a
         * smuggling attempt a server may refuse; item 4: chunked must be final (and, §7,
         * applied once) or the length cannot be determined: 400 and close. */
        if (http_minor == 0)
            return fail(why, "Transfer-Encoding in an HTTP/1.0 request");
        if (ff->n_content_length > 0)
            return fail(why, "both Content-Length and Transfer-Encoding");
        if (!ff->te_chunked_last || ff->te_chunked != 1)
            return fail(why, "chunked is not the final transfer coding");
        body->kind = HTTP_BODY_CHUNKED;
    } else if (ff->n_content_length > 0) {
        body->kind = HTTP_BODY_LENGTH;
        body->length = ff->content_length;
    }
    return 0;
}

bool http_keep_alive(const struct http_framing_fields *ff, int http_minor)
{
    if (ff->conn_close)
        return false;
    return http_minor >= 1 || ff->conn_keep_alive;
}

/* ---- Response heads ---- */

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).  A missing
 * SP before an empty reason is tolerated: servers send "HTTP/1.1 200\r\n". */
static int status_line_parse(const char *l, size_t n, int *minor, int *status,
                             const char **why)
{
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' || l[7] > '9' || l[8] != ' ')
        return fail(why, "malformed status line");
    for (int i = 9; i < 12; i++)
        if (l[i] < '0' || l[i] > '9')
            return fail(why, "malformed status code");
    if (n > 12 && l[12] != ' ')
        return fail(why, "malformed status line");
    *minor = l[7] - '0';
    *status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    if (*status < 100 || *status > 599)
        return fail(why, "status code out of range");
    return 0;
}

int http_response_head_parse(const char *buf, size_t len, const char *request_method,
                             int *status, struct http_body *framing, size_t *head_len,
                             bool *keep_alive)
{
    const char *why = NULL;
    static const char prefix[] = "HTTP/1.";
    size_t hl;

    /* Refuse a server that is not speaking HTTP/1.x without waiting for 64 KiB of it. */
    size_t known = len < sizeof prefix - 1 ? len : sizeof prefix - 1;
    if (known > 0 && memcmp(buf, prefix, known) != 0)
        return -EBADMSG;
    int r = http_head_find_end(buf, len, HTTP_RESPONSE_HEAD_MAX, &hl, &why);
    if (r < 0)
        return r;

    const char *end = buf + hl - 2; /* the final empty line */
    const char *eol = memchr(buf, '\r', hl);
    int minor, code;
    r = status_line_parse(buf, (size_t)(eol - buf), &minor, &code, &why);
    if (r < 0)
        return r;

    struct http_framing_fields ff = {0};
    for (const char *p = eol + 2; p < end;) {
        const char *e = memchr(p, '\r', (size_t)(end - p));
        struct http_field f;
        r = http_field_parse(p, (size_t)(e - p), &f, &why);
        if (r == 0)
            r = http_framing_field(&ff, &f, &why);
        if (r < 0)
            return r;
        p = e + 2;
    }

    struct http_body body = {HTTP_BODY_NONE, 0};
    bool head = request_method && strcmp(request_method, "HEAD") == 0;
    bool connect = request_method && strcmp(request_method, "CONNECT") == 0;
    /* RFC 9112 §6.3, in its order: 1xx, 204 and 304, and any answer to HEAD end at the
     * head whatever they claim; 2xx to CONNECT (and 101, §7.8 of RFC 9110) turn the
     * connection into a tunnel.  Only then do Transfer-Encoding and Content-Length speak. */
    if (code == 101 || (connect && code / 100 == 2)) {
        body.kind = HTTP_BODY_TUNNEL;
    } else if (code / 100 == 1 || code == 204 || code == 304 || head) {
        body.kind = HTTP_BODY_NONE;
    } else if (ff.has_te) {
        /* A proxy that forwards TE+CL unchanged hands the next hop the ambiguity (§6.3
         * item 3); with HTTP/1.0 the framing is faulty (§6.1).  Refuse, answer 502. */
        if (ff.n_content_length > 0 || minor == 0 || ff.te_chunked > 1 ||
            (ff.te_chunked == 1 && !ff.te_chunked_last))
            return -EBADMSG;
        body.kind = ff.te_chunked_last ? HTTP_BODY_CHUNKED : HTTP_BODY_CLOSE;
    } else if (ff.n_content_length > 0) {
        body.kind = HTTP_BODY_LENGTH;
        body.length = ff.content_length;
    } else {
        body.kind = HTTP_BODY_CLOSE; /* §6.3 item 8 */
    }

    *status = code;
    *framing = body;
    *head_len = hl;
    *keep_alive = http_keep_alive(&ff, minor) && body.kind != HTTP_BODY_CLOSE &&
                  body.kind != HTTP_BODY_TUNNEL;
    return 0;
}

/* ---- Streaming body counter ---- */

/* The chunked decoder (RFC 9112 §7.1):
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * Line endings are CRLF only and control characters are refused, so that we never agree
 * with one side and disagree with the other about where the body ends. */
enum {
    CH_SIZE,          /* hex digits of the chunk size */
    CH_SIZE_WS,       /* BWS between the size and a ';' */
    CH_EXT,           /* chunk extensions, up to CR */
    CH_SIZE_LF,
    CH_DATA,
    CH_DATA_CR,
    CH_DATA_LF,
    CH_TRAILER_START, /* start of a trailer field line, or CR of the final CRLF */
    CH_TRAILER_NAME,
    CH_TRAILER_VALUE,
    CH_TRAILER_LF,
    CH_END_LF,
    CH_BAD,
};

void http_framer_init(struct http_framer *f, const struct http_body *body)
{
    memset(f, 0, sizeof *f);
    f->kind = body->kind;
    f->state = CH_SIZE;
    if (body->kind == HTTP_BODY_LENGTH)
        f->remaining = body->length;
    f->done = body->kind == HTTP_BODY_NONE ||
              (body->kind == HTTP_BODY_LENGTH && body->length == 0);
}


static int chunk_fail(struct http_framer *f, const char *why)
{
    f->state = CH_BAD;
    f->why = why;
    return -EBADMSG;
}

/* One byte outside chunk data. */
static int chunk_byte(struct http_framer *f, unsigned char c)
{
    switch (f->state) {
    case CH_SIZE: {
        int v = hex_digit_value(c);
        if (v >= 0) {
            /* Leading zeros do not grow the value but are still bounded, by the line. */
            if (f->remaining > (HTTP_LENGTH_MAX - (uint64_t)v) / 16)
                return chunk_fail(f, "chunk size too large");
            f->remaining = f->remaining * 16 + (uint64_t)v;
            f->digits++;
            return 0;
        }
        if (f->digits == 0)
            return chunk_fail(f, "missing chunk size");
        if (c == ';')
            f->state = CH_EXT;
        else if (is_ows((char)c))
            f->state = CH_SIZE_WS;
        else if (c == '\r')
            f->state = CH_SIZE_LF;
        else
            return chunk_fail(f, "invalid chunk size");
        return 0;
    }
    case CH_SIZE_WS:
        if (c == ';')
            f->state = CH_EXT;
        else if (!is_ows((char)c))
            return chunk_fail(f, "whitespace after chunk size");
        return 0;
    case CH_EXT:
        /* Extension syntax is not interpreted (nobody acts on it), only kept on one line. */
        if (c == '\r')
            f->state = CH_SIZE_LF;
        else if (is_ctl(c))
            return chunk_fail(f, "control character in chunk extension");
        return 0;
    case CH_SIZE_LF:
        if (c != '\n')
            return chunk_fail(f, "chunk size line not ended by CRLF");
        f->line = 0;
        f->state = f->remaining == 0 ? CH_TRAILER_START : CH_DATA;
        return 0;
    case CH_DATA_CR:
        if (c != '\r')
            return chunk_fail(f, "chunk data longer than its size");
        f->state = CH_DATA_LF;
        return 0;
    case CH_DATA_LF:
        if (c != '\n')
            return chunk_fail(f, "chunk data not followed by CRLF");
        f->state = CH_SIZE;
        f->digits = 0;
        f->line = 0;
        return 0;
    case CH_TRAILER_START:
        if (c == '\r')
            f->state = CH_END_LF;
        else if (http_tchar(c))
            f->state = CH_TRAILER_NAME;
        else
            return chunk_fail(f, is_ows((char)c) ? "obsolete line folding in trailer"
                                                 : "invalid trailer field");
        return 0;
    case CH_TRAILER_NAME:
        if (c == ':')
            f->state = CH_TRAILER_VALUE;
        else if (!http_tchar(c))
            return chunk_fail(f, "invalid trailer field name");
        return 0;
    case CH_TRAILER_VALUE:
        if (c == '\r')
            f->state = CH_TRAILER_LF;
        else if (is_ctl(c))
            return chunk_fail(f, "control character in trailer");
        return 0;
    case CH_TRAILER_LF:
        if (c != '\n')
            return chunk_fail(f, "trailer line not ended by CRLF");
        f->state = CH_TRAILER_START;
        return 0;
    case CH_END_LF:
        if (c != '\n')
            return chunk_fail(f, "chunked body not ended by CRLF");
        f->done = true;
        return 0;
    default:
        return chunk_fail(f, f->why ? f->why : "malformed chunked body");
    }
}

static int chunked_feed(struct http_framer *f, const char *data, size_t len, size_t *used)
{
    size_t i = 0;
    int r = 0;
    while (i < len && !f->done) {
        if (f->state == CH_DATA) {
            uint64_t take = f->remaining < len - i ? f->remaining : len - i;
            i += (size_t)take;
            f->remaining -= take;
            if (f->remaining == 0)
                f->state = CH_DATA_CR;
            continue;
        }
        bool trailer = f->state >= CH_TRAILER_START;
        r = chunk_byte(f, (unsigned char)data[i]);
        if (r < 0)
            break;
        i++;
        /* Bound what a peer can make us scan without moving the body forward. */
        size_t limit = trailer ? HTTP_TRAILER_MAX : HTTP_CHUNK_LINE_MAX;
        if (f->state != CH_DATA && ++f->line > limit) {
            r = chunk_fail(f, trailer ? "trailer section too large"
                                      : "chunk size line too long");
            break;
        }
    }
    *used = i;
    return r;
}

int http_framer_feed(struct http_framer *f, const char *data, size_t len, size_t *used)
{
    *used = 0;
    if (f->done)
        return 0;
    switch (f->kind) {
    case HTTP_BODY_NONE:
        return 0;
    case HTTP_BODY_LENGTH: {
        uint64_t take = f->remaining < len ? f->remaining : len;
        f->remaining -= take;
        *used = (size_t)take;
        f->done = f->remaining == 0;
        return 0;
    }
    case HTTP_BODY_CHUNKED:
        if (f->state == CH_BAD)
            return -EBADMSG;
        return chunked_feed(f, data, len, used);
    case HTTP_BODY_CLOSE:
    case HTTP_BODY_TUNNEL:
        *used = len;
        return 0;
    }
    return -EINVAL;
}

bool http_framer_done(const struct http_framer *f)
{
    return f->done;
}

int http_framer_eof(const struct http_framer *f)
{
    if (f->done || f->kind == HTTP_BODY_CLOSE || f->kind == HTTP_BODY_TUNNEL)
        return 0;
    return -EPIPE;
}
