/* Upstream DNS over UDP; see dns_upstream.h. */
#include "net/dns/dns_upstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/dns/dns_msg.h"
#include "util/error.h"

#define MAX_PENDING 1024 /* queries in flight at once */
#define MAX_TCP 8         /* of them retried over TCP at once, each with a 64 KiB buffer */

#define WHY_MAX 256

struct pending {
    struct pending *next;
    uint16_t id;
    uint32_t handle;
    unsigned tries;
    size_t server;
    uint64_t started_ms;
    char why[WHY_MAX]; /* what the last try ran into, when it was an error */
    uint8_t query[512 + 64];
    size_t len;
    dns_upstream_cb cb;
    void *ctx;
    struct loop_timer timer;
    struct dns_upstream *u;
    /* After a truncated UDP answer: the same query over TCP (RFC 7766). */
    struct loop_watch tcp;     /* fd -1 when not in use */
    uint8_t *tcp_in;           /* 2-octet length, then the message */
    size_t tcp_have, tcp_sent;
};

/* A question whose lookup failed, remembered for DNS_UPSTREAM_FAILED_MS. */
struct failed {
    struct failed *next;
    uint64_t until_ms;
    int err;
    size_t len;
    uint8_t question[512 + 64 - 2]; /* the query as sent upstream, less its id */
    char why[WHY_MAX];
};

struct dns_upstream {
    struct loop *loop;
    struct sockaddr_storage servers[DNS_UPSTREAM_MAX_SERVERS];
    size_t n_servers;
    struct loop_watch w4, w6;
    struct pending *pending; /* in flight, newest first */
    size_t n_pending, n_tcp;
    uint32_t next_handle;
    struct failed *failed; /* newest first, at most DNS_UPSTREAM_FAILED_MAX */
    char why[WHY_MAX + 32]; /* why the last dns_upstream_send failed */
    bool why_is_old;       /* ... because the question failed moments ago */
};

/* A server as people write it: the address, and the port when it is not 53. */
static void server_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const void *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        port = ntohs(s6->sin6_port);
        if (port != 53) {
            snprintf(out, size, "[%s]:%u", a, port);
            return;
        }
    } else {
        const struct sockaddr_in *s4 = (const void *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        port = ntohs(s4->sin_port);
        if (port != 53) {
            snprintf(out, size, "%s:%u", a, port);
            return;
        }
    }
    snprintf(out, size, "%s", a);
}

/* "198.51.100.53, 2001:db8:1::53": every server of resolv.conf. */
static void servers_text(const struct dns_upstream *u, char *out, size_t size)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < u->n_servers && at < size; i++) {
        char one[INET6_ADDRSTRLEN + 8];
        server_text(&u->servers[i], one, sizeof one);
        at += (size_t)snprintf(out + at, size - at, "%s%s", i ? ", " : "", one);
    }
}

static void remember_failure(struct dns_upstream *u, const struct pending *p, int err)
{
    uint64_t now = loop_now_ms();
    size_t n = 0;
    struct failed **pp = &u->failed, *f;
    /* Drop what expired, and the oldest beyond the bound. */
    while ((f = *pp)) {
        if (f->until_ms <= now || ++n >= DNS_UPSTREAM_FAILED_MAX) {
            *pp = f->next;
            free(f);
            continue;
        }
        pp = &f->next;
    }
    if (!(f = malloc(sizeof *f)))
        return;
    f->until_ms = now + DNS_UPSTREAM_FAILED_MS;
    f->err = err;
    f->len = p->len - 2;
    memcpy(f->question, p->query + 2, f->len);
    snprintf(f->why, sizeof f->why, "%s", p->why);
    f->next = u->failed;
    u->failed = f;
}

static const struct failed *recent_failure(const struct dns_upstream *u, const uint8_t *query,
                                           size_t len)
{
    uint64_t now = loop_now_ms();
    for (const struct failed *f = u->failed; f; f = f->next)
        if (f->until_ms > now && f->len == len - 2 && memcmp(f->question, query + 2, len - 2) == 0)
            return f;
    return NULL;
}

static void tcp_close(struct dns_upstream *u, struct pending *p)
{
    if (p->tcp.fd >= 0) {
        loop_del(u->loop, &p->tcp);
        close(p->tcp.fd);
        p->tcp.fd = -1;
    }
    if (p->tcp_in)
        u->n_tcp--;
    free(p->tcp_in);
    p->tcp_in = NULL;
}

static void pending_unlink(struct dns_upstream *u, struct pending *p)
{
    tcp_close(u, p);
    for (struct pending **pp = &u->pending; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            u->n_pending--;
            break;
        }
    loop_timer_disarm(u->loop, &p->timer);
}

bool dns_upstream_family_usable(int family)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_storage ss = { 0 };
    socklen_t len;
    /* Documentation addresses: connect() on UDP only looks up a route. */
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(53);
        inet_pton(AF_INET6, "2001:db8::53", &s6->sin6_addr);
        len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(53);
        inet_pton(AF_INET, "203.0.113.53", &s4->sin_addr);
        len = sizeof *s4;
    }
    bool ok = connect(fd, (struct sockaddr *)&ss, len) == 0;
    close(fd);
    return ok;
}

static int parse_resolv_conf(struct dns_upstream *u, const char *path)
{
    FILE *f = fopen(path, "re");
    char line[512];
    while (f && fgets(line, sizeof line, f) && u->n_servers < DNS_UPSTREAM_MAX_SERVERS) {
        char addr[256];
        if (sscanf(line, " nameserver %255s", addr) != 1 || strchr(addr, '%'))
            continue;
        struct sockaddr_storage *ss = &u->servers[u->n_servers];
        memset(ss, 0, sizeof *ss);
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
            s4->sin_family = AF_INET;
            s4->sin_port = htons(53);
        } else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons(53);
        } else {
            continue;
        }
        u->n_servers++;
    }
    if (f)
        fclose(f);
    if (u->n_servers == 0) { /* resolv.conf(5): no nameserver means the local one */
        struct sockaddr_in *s4 = (struct sockaddr_in *)&u->servers[0];
        s4->sin_family = AF_INET;
        s4->sin_port = htons(53);
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        u->n_servers = 1;
    }
    return 0;
}

static bool same_server(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

static void pending_done(struct pending *p, const uint8_t *resp, size_t len, int err)
{
    dns_upstream_cb cb = p->cb;
    void *ctx = p->ctx;
    uint16_t id = p->id;
    if (err < 0)
        remember_failure(p->u, p, err);
    /* An answer over TCP lies in tcp_in, which pending_unlink frees: keep it
     * for the callback (it once read the freed buffer). */
    uint8_t *tcp_in = p->tcp_in;
    if (tcp_in) {
        p->tcp_in = NULL;
        p->u->n_tcp--;
    }
    pending_unlink(p->u, p);
    /* Its TCP watch may still be queued in this epoll round. */
    p->cb = NULL;
    if (loop_defer_free(p->u->loop, p, free) < 0)
        p->tcp.fd = -1;
    cb(ctx, resp, len, id, err, err < 0 ? p->why : NULL);
    free(tcp_in);
}

/* The TCP retry failed: say so, with the server. */
static void tcp_failed(struct pending *p, int err, const char *what)
{
    char server[INET6_ADDRSTRLEN + 8];
    server_text(&p->u->servers[p->server % p->u->n_servers], server, sizeof server);
    snprintf(p->why, sizeof p->why, "%s truncated its answer over UDP, and over TCP %s", server,
             what ? what : strerror(-err));
    pending_done(p, NULL, 0, err);
}

static void on_tcp(struct loop_watch *w, uint32_t events)
{
    struct pending *p = w->data;
    if (!p->cb || w->fd < 0)
        return;
    if (events & (EPOLLERR | EPOLLHUP) && p->tcp_sent == 0) {
        int e = 0;
        socklen_t el = sizeof e;
        getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &e, &el);
        tcp_failed(p, e ? -e : -ECONNREFUSED, NULL);
        return;
    }
    uint8_t frame[2 + sizeof p->query];
    size_t flen = 2 + p->len;
    if (p->tcp_sent < flen) {
        dns_tcp_frame_put(frame, p->len);
        memcpy(frame + 2, p->query, p->len);
        ssize_t n = send(w->fd, frame + p->tcp_sent, flen - p->tcp_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN) {
            tcp_failed(p, -errno, NULL);
            return;
        }
        if (n > 0)
            p->tcp_sent += (size_t)n;
        if (p->tcp_sent == flen)
            loop_mod(p->u->loop, w, EPOLLIN);
        return;
    }
    size_t want = p->tcp_have < 2 ? 2 : 2 + (size_t)(p->tcp_in[0] << 8 | p->tcp_in[1]);
    ssize_t n = recv(w->fd, p->tcp_in + p->tcp_have, want - p->tcp_have, MSG_DONTWAIT);
    if (n <= 0) {
        if (n == 0)
            tcp_failed(p, -ECONNRESET, "it closed the connection without an answer");
        else if (errno != EAGAIN)
            tcp_failed(p, -errno, NULL);
        return;
    }
    p->tcp_have += (size_t)n;
    if (p->tcp_have >= 2 && p->tcp_have == 2 + (size_t)(p->tcp_in[0] << 8 | p->tcp_in[1]))
        pending_done(p, p->tcp_in + 2, p->tcp_have - 2, 0);
}

/* The answer was truncated: ask the same server again over TCP. */
static int tcp_start(struct pending *p)
{
    struct dns_upstream *u = p->u;
    const struct sockaddr_storage *ss = &u->servers[p->server % u->n_servers];
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (u->n_tcp >= MAX_TCP)
        return -EBUSY; /* the truncated answer goes on; the client may ask over TCP */
    p->tcp_in = malloc(2 + DNS_TCP_MAX);
    if (p->tcp_in)
        u->n_tcp++;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (!p->tcp_in || fd < 0 ||
        (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS)) {
        if (fd >= 0)
            close(fd);
        return -EIO;
    }
    p->tcp = (struct loop_watch){ .fd = fd, .cb = on_tcp, .data = p };
    if (loop_add(u->loop, &p->tcp, EPOLLOUT) < 0) {
        close(fd);
        p->tcp.fd = -1;
        return -EIO;
    }
    loop_timer_arm(u->loop, &p->timer, 2 * DNS_UPSTREAM_TRY_MS);
    return 0;
}

static int send_try(struct pending *p)
{
    struct dns_upstream *u = p->u;
    const struct sockaddr_storage *ss = &u->servers[p->server % u->n_servers];
    int fd = ss->ss_family == AF_INET6 ? u->w6.fd : u->w4.fd;
    if (fd < 0)
        return -EAFNOSUPPORT;
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (sendto(fd, p->query, p->len, MSG_NOSIGNAL, (const struct sockaddr *)ss, len) < 0)
        return -errno;
    loop_timer_arm(u->loop, &p->timer, DNS_UPSTREAM_TRY_MS);
    return 0;
}

/* The next try, after a timeout or an error from this one: each server
 * twice, in turn; then the query has failed with err, and p->why says why
 * (what the last error was, or that nothing answered). */
static void next_try(struct pending *p, int err)
{
    while (++p->tries < 2 * p->u->n_servers) {
        p->server++;
        if (send_try(p) == 0)
            return;
    }
    if (err == -ETIMEDOUT || !p->why[0]) {
        char all[3 * (INET6_ADDRSTRLEN + 10)];
        servers_text(p->u, all, sizeof all);
        snprintf(p->why, sizeof p->why, "no answer from the host's DNS server%s (%s) in %.1f s",
                 p->u->n_servers > 1 ? "s" : "", all,
                 (double)(loop_now_ms() - p->started_ms) / 1000.0);
    }
    pending_done(p, NULL, 0, err);
}

static void on_try_timeout(struct loop_timer *t)
{
    struct pending *p = t->data;
    if (p->tcp_in) { /* the TCP retry timed out */
        tcp_failed(p, -ETIMEDOUT, "it did not answer in time");
        return;
    }
    next_try(p, -ETIMEDOUT);
}

/* An ICMP error about a datagram we sent (IP_RECVERR): port or host
 * unreachable.  The server will not answer that try; the next one goes at
 * once instead of after DNS_UPSTREAM_TRY_MS. */
static void on_icmp_errors(struct dns_upstream *u, int fd)
{
    for (int budget = 64; budget > 0; budget--) {
        uint8_t data[64];
        union {
            char buf[512];
            struct cmsghdr align;
        } ctrl;
        struct sockaddr_storage to;
        struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
        struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov,
                            .msg_iovlen = 1, .msg_control = ctrl.buf,
                            .msg_controllen = sizeof ctrl.buf };
        ssize_t n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (n < 0)
            return;
        const struct sock_extended_err *ee = NULL;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
                ee = (const void *)CMSG_DATA(c);
        if (!ee || (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6) ||
            !ee->ee_errno)
            continue;
        /* The error quotes our datagram: its first two octets are the query's id. */
        bool have_id = n >= 2;
        uint16_t id = have_id ? (uint16_t)(data[0] << 8 | data[1]) : 0;
        struct pending *next;
        for (struct pending *p = u->pending; p; p = next) {
            next = p->next;
            if (p->tcp_in || (have_id && p->id != id) ||
                !same_server(&to, &u->servers[p->server % u->n_servers]))
                continue;
            char server[INET6_ADDRSTRLEN + 8];
            server_text(&to, server, sizeof server);
            snprintf(p->why, sizeof p->why, "the host's DNS server %s is unreachable (%s)",
                     server, strerror((int)ee->ee_errno));
            loop_timer_disarm(u->loop, &p->timer);
            next_try(p, -(int)ee->ee_errno);
        }
    }
}

static void on_readable(struct loop_watch *w, uint32_t events)
{
    struct dns_upstream *u = w->data;
    if (events & EPOLLERR)
        on_icmp_errors(u, w->fd);
    for (int budget = 256; budget > 0; budget--) {
        uint8_t buf[65536];
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(w->fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            continue; /* an ICMP error's pending socket error, reported once */
        if (n < 0)
            return;
        if (n < 12)
            continue;
        uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
        for (struct pending *p = u->pending; p; p = p->next)
            /* Only the server this try went to may answer it. */
            if (p->id == id && same_server(&from, &u->servers[p->server % u->n_servers])) {
                /* TC: retry over TCP; if that cannot start, pass the
                 * truncated answer on (the client sees TC and can retry). */
                if ((buf[2] & 0x02) && p->tcp.fd < 0 && !p->tcp_in && tcp_start(p) == 0)
                    break;
                pending_done(p, buf, (size_t)n, 0);
                break;
            }
    }
}

static int open_socket(struct dns_upstream *u, struct loop_watch *w, int family)
{
    w->fd = -1;
    w->cb = on_readable;
    w->data = u;
    bool needed = false;
    for (size_t i = 0; i < u->n_servers; i++)
        needed |= u->servers[i].ss_family == family;
    if (!needed)
        return 0;
    w->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (w->fd < 0)
        return 0; /* that family is unusable; its servers just time out */
    /* ICMP errors (a port or host unreachable) on this unconnected socket: a
     * server that is down is known as such at once, not after the timeout. */
    int on = 1;
    setsockopt(w->fd, family == AF_INET6 ? SOL_IPV6 : SOL_IP,
               family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof on);
    return loop_add(u->loop, w, EPOLLIN);
}

int dns_upstream_new(struct loop *l, const char *resolv_conf, struct dns_upstream **out,
                     struct moat_error *err)
{
    struct dns_upstream *u = calloc(1, sizeof *u);
    if (!u)
        return error_set(err, -ENOMEM, "out of memory");
    u->loop = l;
    parse_resolv_conf(u, resolv_conf);
    int r = open_socket(u, &u->w4, AF_INET);
    if (r == 0)
        r = open_socket(u, &u->w6, AF_INET6);
    if (r < 0) {
        dns_upstream_free(u);
        return error_set_errno(err, r, "cannot open the upstream DNS sockets");
    }
    *out = u;
    return 0;
}

void dns_upstream_free(struct dns_upstream *u)
{
    if (!u)
        return;
    while (u->pending) {
        struct pending *p = u->pending;
        pending_unlink(u, p);
        free(p);
    }
    while (u->failed) {
        struct failed *f = u->failed;
        u->failed = f->next;
        free(f);
    }
    if (u->w4.fd >= 0) {
        loop_del(u->loop, &u->w4);
        close(u->w4.fd);
    }
    if (u->w6.fd >= 0) {
        loop_del(u->loop, &u->w6);
        close(u->w6.fd);
    }
    free(u);
}

static bool id_in_use(const struct dns_upstream *u, uint16_t id)
{
    for (const struct pending *p = u->pending; p; p = p->next)
        if (p->id == id)
            return true;
    return false;
}

int dns_upstream_send(struct dns_upstream *u, const uint8_t *query, size_t len,
                      dns_upstream_cb cb, void *ctx, uint32_t *handle)
{
    u->why[0] = '\0';
    u->why_is_old = false;
    if (len < 12 || len > sizeof ((struct pending *)0)->query) {
        snprintf(u->why, sizeof u->why, "the query is too long to forward");
        return -EMSGSIZE;
    }
    const struct failed *f = recent_failure(u, query, len);
    if (f) {
        snprintf(u->why, sizeof u->why, "%s (%.1f s ago)", f->why,
                 (double)(DNS_UPSTREAM_FAILED_MS - (f->until_ms - loop_now_ms())) / 1000.0);
        u->why_is_old = true;
        return f->err;
    }
    if (u->n_pending >= MAX_PENDING) {
        snprintf(u->why, sizeof u->why, "%d lookups are waiting for the host's DNS servers already",
                 MAX_PENDING);
        return -EBUSY;
    }
    uint16_t id;
    do {
        if (getrandom(&id, sizeof id, 0) != sizeof id)
            return -EIO;
    } while (id_in_use(u, id));
    struct pending *p = malloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    *p = (struct pending){ .id = id, .handle = ++u->next_handle, .cb = cb, .ctx = ctx, .u = u,
                           .len = len, .timer = { .cb = on_try_timeout, .data = p },
                           .started_ms = loop_now_ms(),
                           .tcp = { .fd = -1 }, .next = u->pending };
    u->pending = p;
    u->n_pending++;
    memcpy(p->query, query, len);
    p->query[0] = (uint8_t)(id >> 8);
    p->query[1] = (uint8_t)id;
    int r;
    while ((r = send_try(p)) < 0 && ++p->tries < 2 * u->n_servers)
        p->server++;
    if (r < 0) {
        char all[3 * (INET6_ADDRSTRLEN + 10)];
        servers_text(u, all, sizeof all);
        snprintf(u->why, sizeof u->why, "cannot send to the host's DNS servers (%s): %s", all,
                 strerror(-r));
        pending_unlink(u, p);
        free(p);
        return r;
    }
    if (handle)
        *handle = p->handle;
    return 0;
}

void dns_upstream_cancel(struct dns_upstream *u, uint32_t handle)
{
    for (struct pending *p = u->pending; p; p = p->next)
        if (p->handle == handle) {
            pending_unlink(u, p);
            p->cb = NULL;
            loop_defer_free(u->loop, p, free);
            return;
        }
}

const char *dns_upstream_why(const struct dns_upstream *u)
{
    return u->why[0] ? u->why : "the lookup could not be sent";
}

bool dns_upstream_failed_recently(const struct dns_upstream *u)
{
    return u->why_is_old;
}
