/* The server name a TCP connection's first bytes claim: the server_name (SNI) of a TLS
 * ClientHello, or the Host header of an HTTP/1.x request.  Firewall mode's interception uses
 * it to compare the claimed name with the name a pool address was handed out for (domain
 * fronting).  Pure parsing of bytes the caller holds: never reads a socket, allocates,
 * resolves, prints or exits. */
#ifndef MOAT_NET_SERVER_NAME_H
#define MOAT_NET_SERVER_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum server_name_result {
    SERVER_NAME_MORE,      /* not enough bytes yet to tell; call again with more */
    SERVER_NAME_NONE,      /* no name claimed: another protocol, a ClientHello without SNI,
                            * an HTTP request without Host (or with an empty one), or a name
                            * that is an IP address literal */
    SERVER_NAME_FOUND,     /* name holds the claimed name, lower-cased, without a trailing dot
                            * and without a port */
    SERVER_NAME_MALFORMED, /* a TLS handshake record or an HTTP request that cannot be parsed,
                            * or a name that is not a valid hostname; *why says what */
};

/* The name claimed by the first n bytes of a connection, p[0..n).
 * TLS (first byte 0x16, then 0x03): the whole ClientHello must sit in the first record, of
 * at most 16384 + 2048 bytes; MORE until that record has arrived (the record and handshake
 * headers are judged as soon as they have).  The name is the host_name of the server_name
 * extension; a second such extension, or a second host_name in it, is MALFORMED (RFC 6066
 * §3 forbids it, and servers differ on which they would use).
 * HTTP/1.x (a request line starting "GET ", "POST ", ... "CONNECT "): MORE until the head
 * ends at an empty line (CRLF or bare LF endings), unless a complete field line already
 * decides (MALFORMED) -- with no limit, so the caller caps what it buffers.  The name is
 * the one Host header's, without its port -- or, for an absolute-form target ("GET
 * http://host/ ...") or a CONNECT, the target's host, which a server answers for whatever
 * Host says (RFC 9112 §3.2.2); field lines follow http_field_parse.
 * Names are 1-253 characters of labels of 1-63 [A-Za-z0-9_-], no label starting or ending
 * with '-', one trailing dot allowed; FOUND writes it (NUL-terminated) to name, MALFORMED if
 * it does not fit in size bytes.  why may be NULL; otherwise it is set to static text on
 * MALFORMED and to NULL on every other result. */
enum server_name_result server_name_claimed(const uint8_t *p, size_t n, char *name, size_t size,
                                            const char **why);

/* Case-insensitive (ASCII) equality of two DNS names, ignoring one trailing dot on either.
 * False when either is NULL. */
bool server_name_equal(const char *a, const char *b);

#endif
