/* The HTTP proxy: CONNECT tunnels (handed to the splice relay once the
 * policy allowed the target) and absolute-form http:// requests, forwarded
 * one at a time in origin-form with keep-alive.  Each request's authority is
 * judged on its own, so a kept-alive client connection can never ride an
 * upstream chosen for an earlier request; bodies are framed exactly (never
 * "whatever follows") by http_framing.  Parsing is http_proxy_msg's, the
 * decision target's; this file sequences them and moves bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/proxy/attribution.h"
#include "net/proxy/http_proxy_msg.h"
#include "net/io/relay.h"
#include "net/services.h"
#include "net/io/target.h"
#include "util/bigalloc.h"

#define HTTP_IDLE_MS 120000
#define HTTP_BUF 65536

enum hstate { H_HEAD, H_CONNECTING, H_REQUEST, H_RESPONSE_HEAD, H_RESPONSE_BODY, H_CLOSING };

struct outbuf {
    char *data;
    size_t len, off;
};

struct http_conn {
    struct net_services *ns;
    struct loop_watch cw, uw; /* client, upstream (fd -1 when none) */
    struct loop_timer idle;
    enum hstate st;
    struct http_proxy_request req;
    char up_authority[HTTP_AUTHORITY_MAX + 1];
    struct http_framer req_body, resp_body;
    bool resp_keep_alive, client_eof;
    char in[HTTP_HEAD_MAX + HTTP_BUF];
    size_t in_len;
    char up_in[HTTP_RESPONSE_HEAD_MAX];
    size_t up_len;
    struct outbuf to_up, to_client;
    struct target *target;
    bool need_credential;
    bool closed;
};

static void conn_step(struct http_conn *c);

static bool out_pending(const struct outbuf *o)
{
    return o->off < o->len;
}

static int out_append(struct outbuf *o, const char *data, size_t len)
{
    if (o->off == o->len)
        o->off = o->len = 0;
    char *grown = realloc(o->data, o->len + len + 1);
    if (!grown)
        return -ENOMEM;
    o->data = grown;
    memcpy(o->data + o->len, data, len);
    o->len += len;
    return 0;
}

/* -1: the peer is gone. */
static int out_flush(struct outbuf *o, int fd)
{
    while (out_pending(o)) {
        ssize_t n = send(fd, o->data + o->off, o->len - o->off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        o->off += (size_t)n;
    }
    return 0;
}

static void conn_free(void *p)
{
    struct http_conn *c = p;
    free(c->to_up.data);
    free(c->to_client.data);
    big_free(c, sizeof *c);
}

static void close_upstream(struct http_conn *c)
{
    if (c->uw.fd >= 0) {
        loop_del(c->ns->loop, &c->uw);
        close(c->uw.fd);
        c->uw.fd = -1;
    }
    c->up_authority[0] = '\0';
    c->up_len = 0;
}

/* close_client false: the client socket was handed to a relay. */
static void conn_close(struct http_conn *c, bool close_client)
{
    if (c->closed)
        return;
    c->closed = true;
    target_cancel(c->target);
    c->target = NULL;
    loop_del(c->ns->loop, &c->cw);
    if (close_client) {
        close(c->cw.fd);
        close_upstream(c);
        net_services_release(c->ns, CONN_HTTP);
    } else {
        if (c->uw.fd >= 0)
            loop_del(c->ns->loop, &c->uw);
        net_services_leave_class(c->ns, CONN_HTTP); /* a tunnel now: the relay's */
    }
    loop_timer_disarm(c->ns->loop, &c->idle);
    loop_defer_free(c->ns->loop, c, conn_free);
}

/* Answer the client with a complete response and close after it. */
static void answer(struct http_conn *c, int status, const char *phrase, const char *body)
{
    char buf[1024];
    int n = http_proxy_response(status, phrase, body, buf, sizeof buf);
    if (n > 0)
        out_append(&c->to_client, buf, (size_t)n);
    close_upstream(c);
    c->st = H_CLOSING;
}

static void start_forward(struct http_conn *c, const char *fwd, size_t fwd_len)
{
    out_append(&c->to_up, fwd, fwd_len);
    http_framer_init(&c->req_body, &c->req.body);
    c->st = H_REQUEST;
}

static void on_target(void *ctx, int fd, int err, const char *reason)
{
    struct http_conn *c = ctx;
    c->target = NULL;
    if (c->closed) {
        if (fd >= 0)
            close(fd);
        return;
    }
    if (fd < 0) {
        char body[512];
        if (err == -EACCES && c->ns->proxy_style == MOAT_PROXY_STYLE_SRT) {
            /* srt's answer, which scripts written against srt look for. */
            char buf[1024];
            int n = http_proxy_response_with(403, "Forbidden",
                                             "X-Proxy-Error: blocked-by-allowlist\r\n",
                                             "Connection blocked by network allowlist\n", buf,
                                             sizeof buf);
            if (n > 0)
                out_append(&c->to_client, buf, (size_t)n);
            close_upstream(c);
            c->st = H_CLOSING;
        } else if (err == -EACCES) {
            snprintf(body, sizeof body, "blocked by moat policy: %s (%s)\n", c->req.authority,
                     reason ? reason : "denied");
            answer(c, 403, "Forbidden", body);
        } else {
            snprintf(body, sizeof body, "moat: cannot connect to %s: %s\n", c->req.authority,
                     reason ? reason : strerror(-err));
            answer(c, 502, "Bad Gateway", body);
        }
        conn_step(c);
        return;
    }
    if (c->req.kind == HTTP_REQ_CONNECT) {
        /* The tunnel: the reply, then every byte either way is the relay's,
         * including what the client already sent after its request head. */
        out_append(&c->to_client, HTTP_CONNECT_ESTABLISHED, strlen(HTTP_CONNECT_ESTABLISHED));
        if (out_flush(&c->to_client, c->cw.fd) < 0 || out_pending(&c->to_client)) {
            close(fd);
            conn_close(c, true);
            return;
        }
        int client = c->cw.fd;
        conn_close(c, false);
        tunnel_start_named(c->ns, client, fd, c->in, c->in_len, c->req.authority);
        return;
    }
    c->uw = (struct loop_watch){ .fd = fd, .cb = c->uw.cb, .data = c };
    snprintf(c->up_authority, sizeof c->up_authority, "%s", c->req.authority);
    loop_add(c->ns->loop, &c->uw, 0);
    c->st = H_REQUEST;
    conn_step(c);
}

/* The kept-alive upstream may have closed since the last response. */
static bool upstream_reusable(struct http_conn *c)
{
    if (c->uw.fd < 0 || strcmp(c->up_authority, c->req.authority) != 0)
        return false;
    char b;
    ssize_t n = recv(c->uw.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && errno == EAGAIN;
}

static void handle_head(struct http_conn *c)
{
    static char fwd[HTTP_FORWARD_HEAD_MAX];
    int r = http_proxy_request_parse(c->in, c->in_len, c->ns->proxy_base, c->ns->token,
                                     &c->req, fwd, sizeof fwd);
    if (r == -EAGAIN)
        return;
    if (r < 0) {
        answer(c, c->req.status ? c->req.status : 400, NULL, c->req.why);
        return;
    }
    memmove(c->in, c->in + c->req.head_len, c->in_len - c->req.head_len);
    c->in_len -= c->req.head_len;
    if (!c->req.auth_ok && c->need_credential) {
        vlog_denial(&c->ns->log, "connect", c->req.authority, NULL, 0,
                    "proxy request without the sandbox's credential");
        answer(c, 407, "Proxy Authentication Required", "moat: proxy credential required\n");
        return;
    }
    if (c->req.kind == HTTP_REQ_FORWARD && upstream_reusable(c)) {
        start_forward(c, fwd, c->req.fwd_len);
        return;
    }
    close_upstream(c);
    if (c->req.kind == HTTP_REQ_FORWARD)
        out_append(&c->to_up, fwd, c->req.fwd_len); /* sent once connected */
    http_framer_init(&c->req_body, &c->req.body);
    c->st = H_CONNECTING;
    char who[256];
    proxy_attribution(c->req.user_label, who, sizeof who);
    if (target_open_as(c->ns, c->req.authority, AF_UNSPEC, who, on_target, c, &c->target) < 0)
        answer(c, 500, NULL, "moat: out of memory\n");
}

/* Move request body bytes from the client buffer to the upstream. */
static void handle_request_body(struct http_conn *c)
{
    size_t used = 0;
    if (c->in_len && http_framer_feed(&c->req_body, c->in, c->in_len, &used) < 0) {
        answer(c, 400, NULL, "moat: malformed request body\n");
        return;
    }
    out_append(&c->to_up, c->in, used);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    if (http_framer_done(&c->req_body))
        c->st = H_RESPONSE_HEAD;
}

static void handle_response(struct http_conn *c)
{
    while (c->st == H_RESPONSE_HEAD && c->up_len) {
        int status;
        struct http_body framing;
        size_t head_len;
        int r = http_response_head_parse(c->up_in, c->up_len, c->req.method, &status, &framing,
                                         &head_len, &c->resp_keep_alive);
        if (r == -EAGAIN)
            return;
        if (r < 0) {
            answer(c, 502, NULL, "moat: malformed response from upstream\n");
            return;
        }
        out_append(&c->to_client, c->up_in, head_len);
        memmove(c->up_in, c->up_in + head_len, c->up_len - head_len);
        c->up_len -= head_len;
        if (status >= 200 || status == 101) {
            if (framing.kind == HTTP_BODY_TUNNEL) { /* protocol switch: opaque from here */
                framing.kind = HTTP_BODY_CLOSE;
                c->resp_keep_alive = false;
            }
            http_framer_init(&c->resp_body, &framing);
            c->st = H_RESPONSE_BODY;
        }
    }
    if (c->st != H_RESPONSE_BODY)
        return;
    size_t used = 0;
    if (c->up_len && http_framer_feed(&c->resp_body, c->up_in, c->up_len, &used) < 0) {
        close_upstream(c);
        c->st = H_CLOSING;
        return;
    }
    out_append(&c->to_client, c->up_in, used);
    memmove(c->up_in, c->up_in + used, c->up_len - used);
    c->up_len -= used;
    if (!http_framer_done(&c->resp_body))
        return;
    if (c->req.keep_alive && c->resp_keep_alive && !c->client_eof) {
        c->st = H_HEAD;
    } else {
        close_upstream(c);
        c->st = H_CLOSING;
    }
}

/* Read what the state can use; 1 if bytes arrived, 0 if none, -1 on EOF. */
static int read_into(int fd, char *buf, size_t *len, size_t cap)
{
    if (fd < 0 || *len >= cap)
        return 0;
    ssize_t n = recv(fd, buf + *len, cap - *len, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN))
        return -1;
    if (n < 0)
        return 0;
    *len += (size_t)n;
    return 1;
}

static void conn_step(struct http_conn *c)
{
    for (int rounds = 0; rounds < 64 && !c->closed; rounds++) {
        if (out_flush(&c->to_client, c->cw.fd) < 0) {
            conn_close(c, true);
            return;
        }
        if (c->uw.fd >= 0 && out_flush(&c->to_up, c->uw.fd) < 0) {
            answer(c, 502, NULL, "moat: upstream closed the connection\n");
            continue;
        }
        enum hstate before = c->st;
        if (c->st == H_HEAD && c->in_len)
            handle_head(c);
        if (c->st == H_REQUEST && c->uw.fd >= 0)
            handle_request_body(c);
        if (c->st == H_RESPONSE_HEAD || c->st == H_RESPONSE_BODY)
            handle_response(c);
        if (c->st == H_CLOSING && !out_pending(&c->to_client)) {
            conn_close(c, true);
            return;
        }
        bool progress = c->st != before;
        /* Back-pressure: read a side only while its output is drained. */
        bool want_client = !c->client_eof && !out_pending(&c->to_up) &&
                           (c->st == H_HEAD || c->st == H_REQUEST);
        bool want_up = c->uw.fd >= 0 && !out_pending(&c->to_client) &&
                       (c->st == H_RESPONSE_HEAD || c->st == H_RESPONSE_BODY);
        if (want_client) {
            int r = read_into(c->cw.fd, c->in, &c->in_len, sizeof c->in);
            if (r < 0) {
                c->client_eof = true;
                if (c->st == H_HEAD || c->st == H_REQUEST) {
                    conn_close(c, true);
                    return;
                }
            }
            progress |= r > 0;
        }
        if (want_up) {
            int r = read_into(c->uw.fd, c->up_in, &c->up_len, sizeof c->up_in);
            if (r < 0) {
                bool clean = c->st == H_RESPONSE_BODY && http_framer_eof(&c->resp_body) == 0;
                if (c->st == H_RESPONSE_BODY)
                    handle_response(c); /* what is left in up_in */
                close_upstream(c);
                if (c->st == H_RESPONSE_HEAD)
                    answer(c, 502, NULL, "moat: upstream closed before answering\n");
                else if (clean)
                    c->st = H_CLOSING;
                else {
                    conn_close(c, true); /* cut short: the client must see it broken */
                    return;
                }
                continue;
            }
            progress |= r > 0;
        }
        if (!progress)
            break;
    }
    if (c->closed)
        return;
    uint32_t ce = (out_pending(&c->to_client) ? EPOLLOUT : 0) |
                  (!c->client_eof && (c->st == H_HEAD || c->st == H_REQUEST) &&
                           !out_pending(&c->to_up) ? EPOLLIN | EPOLLRDHUP : 0);
    loop_mod(c->ns->loop, &c->cw, ce);
    if (c->uw.fd >= 0) {
        uint32_t ue = (out_pending(&c->to_up) ? EPOLLOUT : 0) |
                      ((c->st == H_RESPONSE_HEAD || c->st == H_RESPONSE_BODY) &&
                               !out_pending(&c->to_client) ? EPOLLIN | EPOLLRDHUP : 0);
        loop_mod(c->ns->loop, &c->uw, ue);
    }
    loop_timer_arm(c->ns->loop, &c->idle, HTTP_IDLE_MS);
}

static void on_event(struct loop_watch *w, uint32_t events)
{
    struct http_conn *c = w->data;
    (void)events;
    if (!c->closed)
        conn_step(c);
}

static void on_idle(struct loop_timer *t)
{
    conn_close(t->data, true);
}

int proxy_http_accept(struct net_services *ns, int listen_fd, bool need_credential)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct http_conn *c = big_zalloc(sizeof *c);
    if (!c || !net_services_admit(ns, CONN_HTTP)) {
        big_free(c, sizeof *c);
        close(fd);
        return c ? 0 : -ENOMEM;
    }
    relay_nodelay(fd); /* forwarded requests and responses are written here as they come */
    c->ns = ns;
    c->need_credential = need_credential;
    c->cw = (struct loop_watch){ .fd = fd, .cb = on_event, .data = c };
    c->uw = (struct loop_watch){ .fd = -1, .cb = on_event, .data = c };
    c->idle = (struct loop_timer){ .cb = on_idle, .data = c };
    c->st = H_HEAD;
    loop_timer_arm(ns->loop, &c->idle, HTTP_IDLE_MS);
    return loop_add(ns->loop, &c->cw, EPOLLIN | EPOLLRDHUP);
}
