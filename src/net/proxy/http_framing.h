/* HTTP/1.1 message framing (RFC 9112 §2-§7): where a head ends, how the body after it is
 * delimited, when a connection may carry another message, and a streaming counter that says
 * which body bytes belong to the current message.  Never copies or rewrites a body, never
 * touches a socket, prints or exits; every byte is hostile. */
#ifndef MOAT_NET_HTTP_FRAMING_H
#define MOAT_NET_HTTP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX 16384          /* a request head, CRLFCRLF included (431 above) */
#define HTTP_RESPONSE_HEAD_MAX 65536 /* a response head: servers send large cookie/CSP fields */
#define HTTP_LENGTH_MAX (UINT64_C(1) << 62) /* larger Content-Length or chunk size refused */
#define HTTP_CHUNK_LINE_MAX 4096     /* a chunk-size line with its extensions */
#define HTTP_TRAILER_MAX 16384       /* the trailer section of a chunked body */

/* How the body that follows a head is delimited (RFC 9112 §6.3). */
enum http_body_kind {
    HTTP_BODY_NONE,    /* no body: the message ends with its head */
    HTTP_BODY_LENGTH,  /* exactly `length` bytes (Content-Length) */
    HTTP_BODY_CHUNKED, /* chunked transfer coding: ends after the last chunk and trailers */
    HTTP_BODY_CLOSE,   /* a response without framing: ends when the server closes */
    HTTP_BODY_TUNNEL,  /* 101, or 2xx to CONNECT: from here on, opaque bytes both ways */
};

struct http_body {
    enum http_body_kind kind;
    uint64_t length; /* HTTP_BODY_LENGTH only; at most HTTP_LENGTH_MAX */
};

/* Counts the body bytes of one message as they stream past; holds no data, so a chunk
 * size, an extension or a trailer split anywhere across feeds is fine.  Zero it, or call
 * http_framer_init, per message. */
struct http_framer {
    enum http_body_kind kind;
    uint64_t remaining; /* LENGTH: body bytes left; CHUNKED: bytes left in this chunk */
    unsigned state;     /* chunked decoder state (http_framing.c) */
    size_t line;        /* bytes of the current chunk-size line, or of the trailer section */
    unsigned digits;    /* hex digits of the current chunk size */
    bool done;
    const char *why;    /* static text, after a -EBADMSG */
};

void http_framer_init(struct http_framer *f, const struct http_body *body);

/* Feed the next len bytes after the head.  *used is how many of them belong to this
 * message; when it is less than len the message ended (http_framer_done) and the rest
 * belongs to whatever follows.  NONE is done from the start; CLOSE and TUNNEL take every
 * byte and are never done.  0, or -EBADMSG for a malformed chunked body (f->why says what;
 * *used stops at the bad byte and every later call fails too). */
int http_framer_feed(struct http_framer *f, const char *data, size_t len, size_t *used);

bool http_framer_done(const struct http_framer *f);

/* The peer closed: 0 when that ends the message cleanly (it was done, or is delimited by
 * the close), -EPIPE when the message was cut short and must not be treated as whole. */
int http_framer_eof(const struct http_framer *f);

/* Parse a response head at the start of buf (RFC 9112 §4, §5, §6.3).  request_method is
 * the method of the request this answers (NULL means GET).  On 0: *status (100-599), the
 * body's *framing, *head_len bytes of head, and *keep_alive, whether the connection to the
 * server may carry the next request (HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with
 * "Connection: keep-alive"; never after a CLOSE or TUNNEL body).  A 1xx other than 101 has
 * no body and the final response follows: parse again after head_len.  Returns -EAGAIN (an
 * incomplete head), -EMSGSIZE (more than HTTP_RESPONSE_HEAD_MAX) or -EBADMSG, including for
 * framing a proxy must not guess at (§6.3: Content-Length with Transfer-Encoding, differing
 * or invalid Content-Length, Transfer-Encoding in HTTP/1.0); answer those with 502. */
int http_response_head_parse(const char *buf, size_t len, const char *request_method,
                             int *status, struct http_body *framing, size_t *head_len,
                             bool *keep_alive);

/* ---- Head lexing shared with http_proxy_msg.c: one place for what a valid head is. ---- */

/* Find the CRLFCRLF that ends the head starting at buf, checking every byte on the way:
 * only CRLF line endings (a bare CR or LF is refused, RFC 9112 §2.2), no NUL or other
 * control character besides HTAB.  0 with *head_len; -EAGAIN; -EMSGSIZE when no end lies
 * within max bytes; -EBADMSG with *why. */
int http_head_find_end(const char *buf, size_t len, size_t max, size_t *head_len,
                       const char **why);

/* One field line of a head that http_head_find_end accepted. */
struct http_field {
    const char *name, *value; /* value without surrounding whitespace */
    size_t name_len, value_len;
};

/* Split "name: value" (line without its CRLF).  The name must be a token directly followed
 * by ':' (RFC 9112 §5.1: whitespace before the colon is a 400); a line starting with
 * whitespace is obs-fold, refused (§5.2).  0 or -EBADMSG with *why. */
int http_field_parse(const char *line, size_t len, struct http_field *f, const char **why);

bool http_field_is(const struct http_field *f, const char *name);
bool http_tchar(unsigned char c);

/* The fields that decide framing and persistence, gathered over a head. */
struct http_framing_fields {
    unsigned n_content_length; /* field lines, all agreeing (checked on add) */
    uint64_t content_length;
    bool has_te;
    unsigned te_chunked;       /* times "chunked" appears in Transfer-Encoding */
    bool te_chunked_last;      /* the final transfer coding is chunked */
    bool conn_close, conn_keep_alive;
};

/* Account for one field: Content-Length (RFC 9110 §8.6: 1*DIGIT, a list of identical
 * values tolerated), Transfer-Encoding (§6.1 of RFC 9112), Connection (RFC 9110 §7.6.1);
 * other fields are ignored.  0 or -EBADMSG with *why. */
int http_framing_field(struct http_framing_fields *ff, const struct http_field *f,
                       const char **why);

/* The body of a request with these fields (RFC 9112 §6.3 items 3-6).  -EBADMSG (400) for
 * Transfer-Encoding with Content-Length, in HTTP/1.0, or not ending in a single chunked. */
int http_request_body(const struct http_framing_fields *ff, int http_minor,
                      struct http_body *body, const char **why);

/* Whether the sender allows another message on the connection (RFC 9112 §9.3). */
bool http_keep_alive(const struct http_framing_fields *ff, int http_minor);

#endif
