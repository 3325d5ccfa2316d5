/* The SOCKS5 proxy (RFC 1928, CONNECT only, username/password per RFC 1929
 * with the sandbox's credential): the handshake is socks5_msg's, the
 * decision target's, the bytes relay's.  This file only sequences them. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/io/relay.h"
#include "net/proxy/attribution.h"
#include "net/services.h"
#include "net/proxy/socks5_msg.h"
#include "net/io/target.h"

#define SOCKS_HANDSHAKE_MS 30000

struct socks_conn {
    struct net_services *ns;
    struct loop_watch w;
    struct loop_timer timer;
    struct socks5_session s;
    uint8_t in[1024];
    size_t in_len;
    struct target *target;
    bool closed;
};

static void socks_close(struct socks_conn *c, bool close_fd)
{
    if (c->closed)
        return;
    c->closed = true;
    target_cancel(c->target);
    c->target = NULL;
    loop_del(c->ns->loop, &c->w);
    loop_timer_disarm(c->ns->loop, &c->timer);
    if (close_fd) {
        close(c->w.fd);
        net_services_release(c->ns, CONN_SOCKS);
    } else {
        net_services_leave_class(c->ns, CONN_SOCKS); /* a tunnel now: the relay's */
    }
    loop_defer_free(c->ns->loop, c, free);
}

/* Replies are a few bytes on a fresh connection: a short write means the
 * client is not reading, and it is dropped. */
static bool send_all(int fd, const uint8_t *buf, size_t len)
{
    return len == 0 || send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len;
}

static void on_target(void *ctx, int fd, int err, const char *reason)
{
    struct socks_conn *c = ctx;
    (void)reason;
    c->target = NULL;
    uint8_t reply[SOCKS5_REPLY_MAX];
    if (fd < 0) {
        unsigned code = err == -EACCES   ? SOCKS5_NOT_ALLOWED
                        : err == -ENOENT ? SOCKS5_HOST_UNREACHABLE
                                         : socks5_code_from_errno(-err);
        int n = socks5_reply(code, AF_UNSPEC, NULL, 0, reply, sizeof reply);
        if (n > 0)
            send_all(c->w.fd, reply, (size_t)n);
        socks_close(c, true);
        return;
    }
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    getsockname(fd, (struct sockaddr *)&local, &len);
    const void *addr = local.ss_family == AF_INET6
                           ? (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr
                           : (const void *)&((struct sockaddr_in *)&local)->sin_addr;
    uint16_t port = ntohs(local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&local)->sin6_port
                                                      : ((struct sockaddr_in *)&local)->sin_port);
    int n = socks5_reply(SOCKS5_SUCCEEDED, local.ss_family, addr, port, reply, sizeof reply);
    int client = c->w.fd;
    if (n < 0 || !send_all(client, reply, (size_t)n)) {
        close(fd);
        socks_close(c, true);
        return;
    }
    /* Bytes the client sent after its request belong to the tunnel. */
    socks_close(c, false);
    tunnel_start_named(c->ns, client, fd, c->in, c->in_len, c->s.target);
}

static void on_readable(struct loop_watch *w, uint32_t events)
{
    struct socks_conn *c = w->data;
    (void)events;
    if (c->closed || c->target)
        return;
    ssize_t n = recv(w->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
    if (n <= 0) {
        if (n == 0 || errno != EAGAIN)
            socks_close(c, true);
        return;
    }
    c->in_len += (size_t)n;
    size_t consumed = 0, reply_len = 0;
    uint8_t reply[SOCKS5_FEED_REPLY_MAX];
    int r = socks5_feed(&c->s, c->in, c->in_len, &consumed, reply, sizeof reply, &reply_len);
    memmove(c->in, c->in + consumed, c->in_len - consumed);
    c->in_len -= consumed;
    if (!send_all(w->fd, reply, reply_len) || (r < 0 && r != -EAGAIN)) {
        if (r == -EACCES && c->s.why)
            vlog_denial(&c->ns->log, "connect", "socks5", NULL, 0, c->s.why);
        socks_close(c, true);
        return;
    }
    if (r == -EAGAIN)
        return;
    /* SOCKS5_READY: stop reading until the target answers. */
    loop_mod(c->ns->loop, w, 0);
    loop_timer_disarm(c->ns->loop, &c->timer);
    char who[256];
    proxy_attribution(c->s.user_label, who, sizeof who);
    if (target_open_as(c->ns, c->s.target, AF_UNSPEC, who, on_target, c, &c->target) < 0)
        socks_close(c, true);
}

static void on_handshake_timeout(struct loop_timer *t)
{
    socks_close(t->data, true);
}

int proxy_socks_accept(struct net_services *ns, int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct socks_conn *c = calloc(1, sizeof *c);
    if (!c || !net_services_admit(ns, CONN_SOCKS)) {
        free(c);
        close(fd);
        return c ? 0 : -ENOMEM;
    }
    c->ns = ns;
    c->w = (struct loop_watch){ .fd = fd, .cb = on_readable, .data = c };
    c->timer = (struct loop_timer){ .cb = on_handshake_timeout, .data = c };
    socks5_init(&c->s, ns->proxy_base, ns->token);
    loop_timer_arm(ns->loop, &c->timer, SOCKS_HANDSHAKE_MS);
    return loop_add(ns->loop, &c->w, EPOLLIN | EPOLLRDHUP);
}
