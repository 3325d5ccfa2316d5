/* Requests to moat's HTTP proxy (RFC 9110 §9.3.6 CONNECT, RFC 9112 §3.2 request targets):
 * parsing a client's head, checking its Proxy-Authorization, rewriting an absolute-form
 * request for the origin, and the proxy's own short answers.  Pure buffer transforms: never
 * resolves or parses addresses (the caller's addr module judges `authority`), never touches
 * a socket, allocates, prints or exits. */
#ifndef MOAT_NET_HTTP_PROXY_MSG_H
#define MOAT_NET_HTTP_PROXY_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "net/proxy/http_framing.h"

#define HTTP_METHOD_MAX 32       /* longer methods are refused (400) */
#define HTTP_AUTHORITY_MAX 300   /* host[:port] as the client wrote it; a DNS name is <= 253 */
/* Always enough room for the rewritten head of a request whose head fitted HTTP_HEAD_MAX. */
#define HTTP_FORWARD_HEAD_MAX (2 * HTTP_HEAD_MAX)

/* What to send a client once the tunnel's upstream connection is up. */
#define HTTP_CONNECT_ESTABLISHED "HTTP/1.1 200 Connection established\r\n\r\n"

enum http_request_kind {
    HTTP_REQ_CONNECT, /* CONNECT host:port: a tunnel; bytes after head_len are tunnel data */
    HTTP_REQ_FORWARD, /* absolute-form http:// request, forwarded in origin-form */
};

struct http_proxy_request {
    enum http_request_kind kind;
    char method[HTTP_METHOD_MAX + 1];
    /* CONNECT: the request-target verbatim ("[2001:db8::1]:443", "example.com:443").
     * FORWARD: the URL's host and port, ":80" added when absent ("example.com:80"). */
    char authority[HTTP_AUTHORITY_MAX + 1];
    int http_minor;         /* HTTP/1.0 or HTTP/1.1 */
    bool keep_alive;        /* the client allows another request on this connection */
    bool auth_ok;           /* a Proxy-Authorization: Basic field carried the credentials */
    char user_label[256];   /* auth_ok with user "want_user.LABEL": LABEL (srt's base64
                             * of the command), else "" */
    struct http_body body;  /* FORWARD: the request body's framing; CONNECT: NONE */
    size_t head_len;        /* bytes of buf that made the head (leading empty lines too) */
    size_t fwd_len;         /* FORWARD: bytes of the rewritten head written to fwd */
    int status;             /* after a failure: the status to answer with (400, 431, 505) */
    const char *why;        /* after a failure: static text for the answer and the log */
};

/* Parse the request head at the start of buf.  want_user/want_pass are the credentials
 * the client must present (NULL: no credential ever matches); a user "want_user.LABEL"
 * matches too, its LABEL kept in req->user_label.  For FORWARD the head is
 * rewritten into fwd (see http_proxy_msg.c for the exact transformation); fwd_cap of
 * HTTP_FORWARD_HEAD_MAX always suffices.
 *   0         complete: every field of *req is set;
 *   -EAGAIN   the head is incomplete: read more and call again with the whole buffer;
 *   -EBADMSG  malformed or refused (req->status 400 or 505, req->why): answer and close;
 *   -EMSGSIZE the head exceeds HTTP_HEAD_MAX (req->status 431);
 *   -ENOSPC   fwd_cap too small for the rewritten head (req->status 431).
 * Byte-level errors (NUL, bare LF, control characters) are reported as soon as they
 * arrive, so a client speaking another protocol is refused without waiting for 16 KiB. */
int http_proxy_request_parse(const char *buf, size_t len, const char *want_user,
                             const char *want_pass, struct http_proxy_request *req, char *fwd,
                             size_t fwd_cap);

/* A complete answer from the proxy itself, NUL-terminated:
 *   HTTP/1.1 <status> <reason>\r\nContent-Type: text/plain\r\nContent-Length: N\r\n
 *   Connection: close\r\n\r\n<body>
 * with "Proxy-Authenticate: Basic realm="moat"" after the status line when status is 407
 * (RFC 9110 §11.7.1).  reason_phrase NULL picks the standard phrase; body NULL is empty.
 * The caller closes the connection after sending it.  Returns the length, -EINVAL for a
 * status outside 100-599 or a reason phrase with control characters, -ENOSPC. */
int http_proxy_response(int status, const char *reason_phrase, const char *body, char *out,
                        size_t cap);
/* The same with more header fields after the status line (each "Name: value\r\n", from the
 * caller's constants, never from a client). */
int http_proxy_response_with(int status, const char *reason_phrase, const char *fields,
                             const char *body, char *out, size_t cap);

#endif
