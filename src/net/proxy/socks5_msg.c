/* SOCKS5 handshake state machine and replies; see socks5_msg.h.  Owns every read of a
 * SOCKS5 client byte: lengths come from the wire, so each is checked against what arrived
 * before it is used.  Never resolves a domain, never consumes a byte past the request. */
#include "net/proxy/socks5_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/proxy/base64.h"

enum {
    VER5 = 0x05,
    AUTH_VER = 0x01,         /* RFC 1929 §2 sub-negotiation version */
    METHOD_USERPASS = 0x02,
    METHOD_NONE_ACCEPTABLE = 0xff,
    CMD_CONNECT = 0x01,
    ATYP_IPV4 = 0x01,
    ATYP_DOMAIN = 0x03,
    ATYP_IPV6 = 0x04,
};

struct out {
    uint8_t *p;
    size_t cap, len;
};

static void emit(struct out *o, const uint8_t *b, size_t n)
{
    /* socks5_feed checked the room for the worst case up front. */
    if (n <= o->cap - o->len) {
        memcpy(o->p + o->len, b, n);
        o->len += n;
    }
}

static void emit_failure(struct out *o, unsigned code)
{
    uint8_t r[SOCKS5_REPLY_MAX];
    int n = socks5_reply(code, AF_UNSPEC, NULL, 0, r, sizeof r);
    if (n > 0)
        emit(o, r, (size_t)n);
}

static int fail(struct socks5_session *s, int code, const char *why)
{
    s->state = SOCKS5_FAILED;
    s->why = why;
    explicit_bzero(s->msg, sizeof s->msg);
    return code;
}

void socks5_init(struct socks5_session *s, const char *want_user, const char *want_pass)
{
    memset(s, 0, sizeof *s);
    s->state = SOCKS5_GREETING;
    s->want_user = want_user;
    s->want_pass = want_pass;
}

/* The length of the current message as far as the bytes so far tell: the full length once
 * its length fields have arrived, else the offset just past the next length field. */
static size_t msg_need(const struct socks5_session *s)
{
    const uint8_t *m = s->msg;
    size_t h = s->have;
    switch (s->state) {
    case SOCKS5_GREETING: /* VER NMETHODS METHODS[NMETHODS] */
        return h < 2 ? 2 : 2 + (size_t)m[1];
    case SOCKS5_AUTH:     /* VER ULEN UNAME[ULEN] PLEN PASSWD[PLEN] */
        if (h < 2)
            return 2;
        if (h < 3 + (size_t)m[1])
            return 3 + (size_t)m[1];
        return 3 + (size_t)m[1] + m[2 + m[1]];
    case SOCKS5_REQUEST:  /* VER CMD RSV ATYP DST.ADDR DST.PORT */
        if (h < 5)
            return 5;
        switch (m[3]) {
        case ATYP_IPV4:
            return 4 + 4 + 2;
        case ATYP_IPV6:
            return 4 + 16 + 2;
        case ATYP_DOMAIN:
            return 5 + (size_t)m[4] + 2;
        default:
            return 5;
        }
    case SOCKS5_READY:
    case SOCKS5_FAILED:
        break;
    }
    return 0;
}

/* Checks on the fields that have arrived, in wire order, so that the verdict is the same
 * however the message was split: each check reads only bytes before the next one's. */
static int prefix_check(struct socks5_session *s, struct out *o)
{
    const uint8_t *m = s->msg;
    size_t h = s->have;
    switch (s->state) {
    case SOCKS5_GREETING:
        if (h >= 1 && m[0] != VER5)
            return fail(s, -EPROTO, "not SOCKS version 5");
        if (h >= 2 && m[1] == 0) {
            emit(o, (const uint8_t[]){VER5, METHOD_NONE_ACCEPTABLE}, 2);
            return fail(s, -EPROTO, "empty method list");
        }
        return 0;
    case SOCKS5_AUTH:
        if (h >= 1 && m[0] != AUTH_VER)
            return fail(s, -EPROTO, "not username/password authentication version 1");
        return 0;
    case SOCKS5_REQUEST:
        if (h >= 1 && m[0] != VER5)
            return fail(s, -EPROTO, "request is not SOCKS version 5");
        if (h >= 2 && m[1] != CMD_CONNECT) {
            emit_failure(o, SOCKS5_CMD_NOT_SUPPORTED);
            return fail(s, -EOPNOTSUPP, m[1] == 2 ? "BIND is not supported"
                                      : m[1] == 3 ? "UDP ASSOCIATE is not supported"
                                                  : "unknown command");
        }
        /* RSV (m[2]) is ignored: RFC 1928 §4 gives it no meaning. */
        if (h >= 4 && m[3] != ATYP_IPV4 && m[3] != ATYP_IPV6 && m[3] != ATYP_DOMAIN) {
            emit_failure(o, SOCKS5_ATYP_NOT_SUPPORTED);
            return fail(s, -EOPNOTSUPP, "unknown address type");
        }
        if (h >= 5 && m[3] == ATYP_DOMAIN && m[4] == 0) {
            emit_failure(o, SOCKS5_GENERAL_FAILURE);
            return fail(s, -EPROTO, "empty domain name");
        }
        return 0;
    case SOCKS5_READY:
    case SOCKS5_FAILED:
        break;
    }
    return 0;
}

static int greeting_done(struct socks5_session *s, struct out *o)
{
    /* Only username/password is ever chosen: "no authentication" would let any local
     * process, not just the sandbox, use the proxy. */
    if (!memchr(s->msg + 2, METHOD_USERPASS, s->msg[1])) {
        emit(o, (const uint8_t[]){VER5, METHOD_NONE_ACCEPTABLE}, 2);
        return fail(s, -EACCES, "client does not offer username/password authentication");
    }
    emit(o, (const uint8_t[]){VER5, METHOD_USERPASS}, 2);
    s->state = SOCKS5_AUTH;
    return -EAGAIN;
}

static int auth_done(struct socks5_session *s, struct out *o)
{
    const uint8_t *m = s->msg;
    size_t ulen = m[1], plen = m[2 + ulen];
    bool ok = false;
    if (s->want_user && s->want_pass) {
        /* Both compared, in constant time, whatever the first says (RFC 1929 §2).  The
         * user may carry a label after a '.' (srt's "srt.<base64 of the command>"). */
        size_t base = strlen(s->want_user);
        size_t cmp = ulen > base && m[2 + base] == '.' ? base : ulen;
        bool u = ct_memeq(m + 2, cmp, s->want_user, base);
        bool p = ct_memeq(m + 3 + ulen, plen, s->want_pass, strlen(s->want_pass));
        ok = u & p;
        if (ok && cmp < ulen)
            snprintf(s->user_label, sizeof s->user_label, "%.*s", (int)(ulen - cmp - 1),
                     (const char *)m + 2 + cmp + 1);
    }
    explicit_bzero(s->msg, sizeof s->msg);
    /* RFC 1929 §2: STATUS 0 is success; anything else and the server closes. */
    emit(o, (const uint8_t[]){AUTH_VER, ok ? 0x00 : 0x01}, 2);
    if (!ok)
        return fail(s, -EACCES, "wrong username or password");
    s->state = SOCKS5_REQUEST;
    return -EAGAIN;
}

/* Letters, digits, '-', '.', '_' (what DNS names and the policy matcher use) and ':' (an
 * IPv6 literal sent as a "domain", which we bracket so "host:port" stays unambiguous).
 * NUL, spaces, '/', '@', '%', '[' and everything non-printable are refused rather than
 * passed on to a resolver or a log. */
static bool domain_char_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == ':';
}

static int request_done(struct socks5_session *s, struct out *o)
{
    const uint8_t *m = s->msg;
    const uint8_t *port_at = m + s->have - 2;
    unsigned port = (unsigned)port_at[0] << 8 | port_at[1];
    char host[INET6_ADDRSTRLEN];

    switch (m[3]) {
    case ATYP_IPV4:
        snprintf(s->target, sizeof s->target, "%u.%u.%u.%u:%u", m[4], m[5], m[6], m[7], port);
        s->target_is_literal = true;
        break;
    case ATYP_IPV6:
        if (!inet_ntop(AF_INET6, m + 4, host, sizeof host)) {
            emit_failure(o, SOCKS5_GENERAL_FAILURE);
            return fail(s, -EPROTO, "unprintable IPv6 address");
        }
        snprintf(s->target, sizeof s->target, "[%s]:%u", host, port);
        s->target_is_literal = true;
        break;
    default: { /* ATYP_DOMAIN; prefix_check refused the rest */
        size_t n = m[4];
        for (size_t i = 0; i < n; i++) {
            if (!domain_char_ok(m[5 + i])) {
                emit_failure(o, SOCKS5_GENERAL_FAILURE);
                return fail(s, -EPROTO, "invalid character in domain name");
            }
        }
        bool v6 = memchr(m + 5, ':', n) != NULL;
        snprintf(s->target, sizeof s->target, "%s%.*s%s:%u", v6 ? "[" : "", (int)n,
                 (const char *)m + 5, v6 ? "]" : "", port);
        s->target_is_literal = false;
        break;
    }
    }
    s->state = SOCKS5_READY;
    return 0;
}

int socks5_feed(struct socks5_session *s, const uint8_t *buf, size_t len, size_t *consumed,
                uint8_t *reply, size_t reply_cap, size_t *reply_len)
{
    struct out o = {reply, reply_cap, 0};
    size_t pos = 0;
    int r = -EAGAIN;

    *consumed = 0;
    *reply_len = 0;
    if (reply_cap < SOCKS5_FEED_REPLY_MAX)
        return -ENOSPC;
    if (s->state == SOCKS5_READY)
        return 0;
    if (s->state == SOCKS5_FAILED)
        return -EPROTO;

    while (pos < len) {
        /* Never more than the current message needs: bytes after the request are the
         * client's early data and stay in its buffer. */
        size_t take = msg_need(s) - s->have;
        if (take > len - pos)
            take = len - pos;
        memcpy(s->msg + s->have, buf + pos, take);
        s->have += take;
        pos += take;

        r = prefix_check(s, &o);
        if (r < 0)
            break;
        r = -EAGAIN;
        if (s->have < msg_need(s))
            continue;
        enum socks5_state done = s->state;
        r = done == SOCKS5_GREETING ? greeting_done(s, &o)
          : done == SOCKS5_AUTH     ? auth_done(s, &o)
                                    : request_done(s, &o);
        s->have = 0;
        if (r != -EAGAIN)
            break;
    }
    *consumed = pos;
    *reply_len = o.len;
    return r;
}

int socks5_reply(unsigned code, int bound_family, const void *bound_addr, uint16_t bound_port,
                 uint8_t *out, size_t cap)
{
    size_t alen;
    uint8_t atyp;
    if (code > 0xff)
        return -EINVAL;
    switch (bound_family) {
    case AF_INET:
        alen = 4, atyp = ATYP_IPV4;
        break;
    case AF_INET6:
        alen = 16, atyp = ATYP_IPV6;
        break;
    case AF_UNSPEC:
        alen = 4, atyp = ATYP_IPV4, bound_addr = NULL;
        break;
    default:
        return -EINVAL;
    }
    if (bound_family != AF_UNSPEC && !bound_addr)
        return -EINVAL;
    size_t n = 4 + alen + 2;
    if (cap < n)
        return -ENOSPC;
    out[0] = VER5;
    out[1] = (uint8_t)code;
    out[2] = 0x00;
    out[3] = atyp;
    if (bound_addr)
        memcpy(out + 4, bound_addr, alen);
    else
        memset(out + 4, 0, alen);
    out[4 + alen] = (uint8_t)(bound_port >> 8);
    out[5 + alen] = (uint8_t)bound_port;
    return (int)n;
}

uint8_t socks5_code_from_errno(int err)
{
    switch (err < 0 ? -err : err) {
    case ECONNREFUSED:
        return SOCKS5_CONN_REFUSED;
    case ENETUNREACH:
    case ENETDOWN:
        return SOCKS5_NET_UNREACHABLE;
    case EHOSTUNREACH:
    case EHOSTDOWN:
    /* A connect timeout means the host never answered: host unreachable.  "TTL expired"
     * (6) is what an ICMP time-exceeded means, which connect(2) does not report as such;
     * clients (curl, Firefox) show 4 as "host unreachable", which is what a user should
     * read. */
    case ETIMEDOUT:
        return SOCKS5_HOST_UNREACHABLE;
    case EACCES:
    case EPERM:
        return SOCKS5_NOT_ALLOWED;
    case EAFNOSUPPORT:
        return SOCKS5_ATYP_NOT_SUPPORTED;
    default:
        return SOCKS5_GENERAL_FAILURE;
    }
}
