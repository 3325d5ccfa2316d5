/* The server name a TCP connection's bytes claim: the server_name (SNI) of a TLS ClientHello,
 * or the host an HTTP/1.x request names (Host header, absolute-form target).  Firewall mode's
 * name gate (name_gate.h) compares it with the name a pool address was handed out for
 * (domain fronting).  Read at least as leniently as real servers read them: a server that
 * accepts bytes we could not read would pick a site we never judged.  Pure parsing of bytes
 * the caller holds: never reads a socket, allocates, resolves, prints or exits.  Not
 * reentrant (one static buffer reassembles a ClientHello): the supervisor is one thread. */
#ifndef MOAT_NET_SERVER_NAME_H
#define MOAT_NET_SERVER_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/proxy/http_framing.h"

enum server_name_result {
    SERVER_NAME_MORE,      /* not enough bytes yet to tell; call again with more */
    SERVER_NAME_OTHER,     /* neither TLS nor HTTP/1: another protocol */
    SERVER_NAME_NONE,      /* TLS or HTTP that names no host: a ClientHello without SNI or in
                            * the SSLv2 format, an HTTP/1.0 or 0.9 request without Host, an
                            * empty Host, or a name that is an IP address literal */
    SERVER_NAME_FOUND,     /* name holds the claimed name, lower-cased, without a trailing dot
                            * and without a port */
    SERVER_NAME_MALFORMED, /* TLS records or an HTTP request head that cannot be read, or
                            * that names two different hosts; *why says what */
};

/* What the protocol of a connection's first bytes is. */
enum server_name_proto {
    SERVER_NAME_PROTO_MORE,  /* cannot tell yet */
    SERVER_NAME_PROTO_OTHER, /* none of these */
    SERVER_NAME_PROTO_TLS,   /* a TLS record (first byte 20-24, whatever the version bytes),
                              * or an SSLv2-format ClientHello */
    SERVER_NAME_PROTO_H2,    /* the HTTP/2 connection preface, "PRI * HTTP/2.0" */
    SERVER_NAME_PROTO_HTTP1, /* an HTTP/1.x (or 0.9) request line */
};

/* The protocol of p[0..n).  HTTP/1 is recognised as leniently as servers parse it (RFC 9112
 * §2.2, §3): empty lines (CRLF or LF) before the request line; any token as the method, in
 * any case; any run of SP, HTAB, VT, FF or bare CR between the parts; a version "HTTP/x.y"
 * in any case; or, without a version, "GET" and an origin- or absolute-form target (HTTP/0.9).
 * MORE while the first line has not ended and could still be such a line (at most
 * RELAY_GATE_MAX bytes are ever read: the gate refuses past that). */
enum server_name_proto server_name_proto(const uint8_t *p, size_t n);

/* The name claimed by a TLS connection's first bytes p[0..n).  Records are read whatever
 * their version bytes (servers accept any); ChangeCipherSpec and alert records before the
 * ClientHello are skipped (at most 16 of them, with empty handshake records); the ClientHello may span several
 * handshake records.  MORE until it is complete.  The name is the host_name of the
 * server_name extension; two such extensions or two host_names are MALFORMED (RFC 6066 §3
 * forbids it, and servers differ on which they use).  Application data or a heartbeat before
 * the ClientHello, a first handshake message that is not a ClientHello, a record longer than
 * 16384 + 2048 bytes or a ClientHello longer than 32 KiB are MALFORMED.  An SSLv2-format
 * ClientHello carries no extensions: NONE. */
enum server_name_result server_name_tls(const uint8_t *p, size_t n, char *name, size_t size,
                                        const char **why);

/* One HTTP/1 request head, as server_name_http reads it. */
struct http_claim {
    size_t head_len;       /* leading empty lines, request line, fields, the empty line */
    struct http_body body; /* how the body after the head is delimited */
    bool switches;         /* CONNECT, or an Upgrade field: what follows may not be HTTP/1 */
};

/* The name claimed by the HTTP/1 request head at the start of p[0..n) (see
 * server_name_proto for what counts as one), MORE until it ends at an empty line (CRLF or
 * bare LF endings).  Every place a server may take the host from is read: the target's
 * authority (absolute-form, or a CONNECT's authority-form) and every field whose name, with
 * any whitespace around it, is "host" in any case; folded continuation lines of such a field
 * are MALFORMED.  FOUND when at least one names a host and all of them name the same one
 * (compared as server_name_equal does, without port); MALFORMED when two differ, or one
 * names a host and another is empty or an address literal (servers differ on which they
 * use); NONE when none names a host (no Host, an empty one, only address literals).  The
 * body's framing is read as the proxy reads it (http_framing.h), and a request whose framing
 * a proxy would refuse (Content-Length with Transfer-Encoding, ...) is MALFORMED: the next
 * request's start would be a guess.  On FOUND and NONE, *claim describes the head. */
enum server_name_result server_name_http(const uint8_t *p, size_t n, char *name, size_t size,
                                         struct http_claim *claim, const char **why);

/* A host from an HTTP/2 :authority or host field (uri-host [":" port]): FOUND, NONE (empty,
 * an address literal) or MALFORMED, as for HTTP/1's Host. */
enum server_name_result server_name_authority(const char *v, size_t len, char *name,
                                              size_t size, const char **why);

/* The first bytes of a connection, whatever its protocol: server_name_tls for TLS,
 * server_name_http for HTTP/1, NONE for the HTTP/2 preface (its names are in HPACK-coded
 * frames: name_gate.h reads those), OTHER, or MORE.  why may be NULL; otherwise it is set to
 * static text on MALFORMED and to NULL on every other result. */
enum server_name_result server_name_claimed(const uint8_t *p, size_t n, char *name, size_t size,
                                            const char **why);

/* Case-insensitive (ASCII) equality of two DNS names, ignoring one trailing dot on either.
 * False when either is NULL. */
bool server_name_equal(const char *a, const char *b);

#endif
