/* The server side of a SOCKS5 handshake (RFC 1928, RFC 1929 username/password): a state
 * machine fed the client's bytes in pieces of any size, producing the replies to send and,
 * at the end, the requested target.  Never resolves or judges the target (the caller's addr
 * module does), never touches a socket, allocates, prints or exits. */
#ifndef MOAT_NET_SOCKS5_MSG_H
#define MOAT_NET_SOCKS5_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "[" IPv6 "]" or a 255-byte domain, then ":65535". */
#define SOCKS5_AUTHORITY_MAX 263
/* The largest message a client sends: auth, 1 + 1 + 255 + 1 + 255 bytes. */
#define SOCKS5_MSG_MAX 513
/* Room for every reply one socks5_feed call can produce (method choice, auth status and a
 * failure reply): pass at least this much. */
#define SOCKS5_FEED_REPLY_MAX 32
/* A request reply with an IPv6 bound address. */
#define SOCKS5_REPLY_MAX 22

/* REP codes (RFC 1928 §6). */
enum socks5_code {
    SOCKS5_SUCCEEDED = 0,
    SOCKS5_GENERAL_FAILURE = 1,
    SOCKS5_NOT_ALLOWED = 2,        /* connection not allowed by ruleset: the policy said no */
    SOCKS5_NET_UNREACHABLE = 3,
    SOCKS5_HOST_UNREACHABLE = 4,
    SOCKS5_CONN_REFUSED = 5,
    SOCKS5_TTL_EXPIRED = 6,
    SOCKS5_CMD_NOT_SUPPORTED = 7,
    SOCKS5_ATYP_NOT_SUPPORTED = 8,
};

enum socks5_state {
    SOCKS5_GREETING, /* waiting for VER NMETHODS METHODS */
    SOCKS5_AUTH,     /* waiting for the RFC 1929 username/password request */
    SOCKS5_REQUEST,  /* waiting for VER CMD RSV ATYP DST.ADDR DST.PORT */
    SOCKS5_READY,    /* the target is known: connect, then send socks5_reply() */
    SOCKS5_FAILED,   /* refused: send the reply bytes already produced, then close */
};

struct socks5_session {
    enum socks5_state state;
    const char *want_user, *want_pass; /* borrowed; must outlive the session */
    uint8_t msg[SOCKS5_MSG_MAX];       /* the message being received */
    size_t have;
    /* SOCKS5_READY: "1.2.3.4:443", "[2001:db8::1]:443" (inet_ntop form) or
     * "example.com:443" (the domain as sent; one with ':' is bracketed). */
    char target[SOCKS5_AUTHORITY_MAX + 1];
    bool target_is_literal;            /* ATYP was IPv4 or IPv6, not a domain */
    const char *why;                   /* SOCKS5_FAILED: static text for the log */
    char user_label[256];              /* the user was "want_user.LABEL": LABEL, else "" */
};

/* Start a handshake that requires username/password authentication with these
 * credentials (NULL: nothing ever matches). */
void socks5_init(struct socks5_session *s, const char *want_user, const char *want_pass);

/* Feed client bytes.  *consumed is how many belong to the handshake; bytes past the request
 * are never consumed, so whatever the client sent early stays the caller's, for the relay.
 * Reply bytes (possibly several messages) go to reply (at least SOCKS5_FEED_REPLY_MAX) and
 * must be sent in order, whatever the return value:
 *   -EAGAIN      all of buf consumed, the handshake needs more bytes;
 *   0            SOCKS5_READY: target set; connect and answer with socks5_reply();
 *   -EACCES      no acceptable method (0xFF sent) or wrong credentials (status 1 sent);
 *   -EOPNOTSUPP  BIND / UDP ASSOCIATE (reply 7) or an unknown address type (reply 8);
 *   -EPROTO      malformed: a wrong version (no reply), an empty method list (0xFF sent),
 *                an empty or invalid domain (reply 1);
 *   -ENOSPC      reply_cap below SOCKS5_FEED_REPLY_MAX (nothing consumed).
 * After a failure the session stays SOCKS5_FAILED (later calls return -EPROTO): close the
 * connection.  Once SOCKS5_READY, later calls return 0 and consume nothing. */
int socks5_feed(struct socks5_session *s, const uint8_t *buf, size_t len, size_t *consumed,
                uint8_t *reply, size_t reply_cap, size_t *reply_len);

/* VER REP RSV ATYP BND.ADDR BND.PORT (RFC 1928 §6).  bound_family AF_INET or AF_INET6
 * with bound_addr pointing at 4 or 16 bytes, or AF_UNSPEC (bound_addr may be NULL) for
 * 0.0.0.0:0, which failure replies use; bound_port in host order.  Returns the length
 * (10 or 22), -EINVAL for a code above 255 or an unknown family, -ENOSPC. */
int socks5_reply(unsigned code, int bound_family, const void *bound_addr, uint16_t bound_port,
                 uint8_t *out, size_t cap);

/* The REP code for a failed connect(2) (err positive or negative):
 * ECONNREFUSED 5, ENETUNREACH/ENETDOWN 3, EHOSTUNREACH/EHOSTDOWN 4, ETIMEDOUT 4 (see the
 * .c), EACCES/EPERM 2 (a local firewall said no), EAFNOSUPPORT 8, anything else 1. */
uint8_t socks5_code_from_errno(int err);

#endif
