/* The DNS filter's server side: queries from the sandbox over UDP and TCP on
 * 127.0.0.1:53 and [::1]:53 (sockets made inside the sandbox), decided by
 * dns_filter, forwarded to the host's resolvers through dns_upstream.  A
 * denied name never leaves the machine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/rules/addr.h"
#include "net/dns/dns_ede.h"
#include "net/dns/dns_filter.h"
#include "net/firewall/names/fakeip.h"
#include "net/rules/name_answer.h"
#include "net/services.h"
#include "util/bigalloc.h"

#define DNS_TCP_IDLE_MS 10000
#define DNS_TCP_INFLIGHT_MAX 16   /* queries of one connection being answered at once */
#define DNS_TCP_OUT_HIGH 16384    /* answers waiting for the client before we stop reading */

static void log_local_answer(struct net_services *ns, const struct dns_query *q, const char *why)
{
    /* Only refusals of a name are violations; localhost and NODATA answers
     * for unsupported types are ordinary service. */
    if (why && strstr(why, "denied"))
        vlog_denial(&ns->log, "dns", q->q.spelled, q->q.name, 53, why);
}

/* --- one query in flight, from either transport ------------------------- */

struct tcp_client;

struct query {
    struct net_services *ns;
    struct dns_query q;
    int udp_fd; /* answer over UDP to `peer`, or over TCP to `tcp` */
    struct sockaddr_storage peer;
    socklen_t peer_len;
    struct tcp_client *tcp;
    uint32_t handle;           /* upstream, once forwarded */
    struct loop_timer sibling; /* A/AAAA forwarded: is the other family answered yet? */
};

struct tcp_client {
    struct net_services *ns;
    struct loop_watch w;
    struct loop_timer idle;
    uint8_t in[2 + 65535];
    size_t in_len;
    uint8_t *out;
    size_t out_len, out_off;
    int inflight;
    bool closed;
    bool taking; /* in tcp_take_queries: answers given meanwhile are only queued */
};

static void tcp_close(struct tcp_client *t);
static void tcp_send(struct tcp_client *t, const uint8_t *msg, size_t len);

/* Its 64 KiB input buffer is big_zalloc'd with it: only what the client sent is resident. */
static void tcp_client_free(void *p)
{
    big_free(p, sizeof(struct tcp_client));
}

static void deliver(struct query *qr, const uint8_t *msg, size_t len)
{
    if (qr->tcp) {
        qr->tcp->inflight--;
        if (!qr->tcp->closed)
            tcp_send(qr->tcp, msg, len); /* and takes the next queries, if it may */
        else if (qr->tcp->inflight == 0)
            loop_defer_free(qr->ns->loop, qr->tcp, tcp_client_free);
    } else if (msg) {
        sendto(qr->udp_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&qr->peer,
               qr->peer_len);
    }
    free(qr);
}

/* The smallest TTL of the answer's records of q's type (A or AAAA), or UINT32_MAX when it
 * has none (NXDOMAIN, NODATA, an error, another type). */
static uint32_t address_ttl(const struct dns_query *q, const uint8_t *msg, size_t len)
{
    uint16_t type = q->q.qtype;
    if (type != DNS_TYPE_A && type != DNS_TYPE_AAAA)
        return UINT32_MAX;
    struct dns_response *d = malloc(sizeof *d);
    const char *why;
    uint32_t ttl = UINT32_MAX;
    if (d && dns_parse_response(msg, len, d, &why) == 0)
        for (size_t i = 0; i < d->n_an; i++)
            if (d->an[i].type == type && d->an[i].ttl < ttl)
                ttl = d->an[i].ttl;
    free(d);
    return ttl;
}

/* --- a name's two families (net/rules/name_answer.h, rule 3) -------------------------
 * A stub resolver asks A and AAAA at once and waits for both; when upstream never answers
 * one, glibc waits out its timeout and may then fail the whole name.  So once one family
 * of a name has been answered with addresses, the other family's query, still unanswered
 * NAME_ANSWER_GRACE_MS after it came, is answered SERVFAIL: the client then uses the
 * addresses it has, as the proxies do. */

#define SIBLING_RECHECK_MS 200
#define SIBLING_RECENT_MS 3000

static void remember_addresses(struct net_services *ns, const struct dns_query *q)
{
    struct dns_answered *a = &ns->dns_answered[ns->dns_answered_next];
    ns->dns_answered_next = (ns->dns_answered_next + 1) % NET_DNS_ANSWERED;
    snprintf(a->name, sizeof a->name, "%s", q->q.name);
    a->qtype = q->q.qtype;
    a->at_ms = loop_now_ms();
}

static bool sibling_answered(const struct net_services *ns, const struct dns_query *q)
{
    uint16_t other = q->q.qtype == DNS_TYPE_A ? DNS_TYPE_AAAA : DNS_TYPE_A;
    uint64_t now = loop_now_ms();
    for (size_t i = 0; i < NET_DNS_ANSWERED; i++) {
        const struct dns_answered *a = &ns->dns_answered[i];
        if (a->at_ms && a->qtype == other && now - a->at_ms < SIBLING_RECENT_MS &&
            strcmp(a->name, q->q.name) == 0)
            return true;
    }
    return false;
}

static void on_upstream(void *ctx, const uint8_t *resp, size_t len, uint16_t id, int err,
                        const char *why);

static void on_sibling_check(struct loop_timer *t)
{
    struct query *qr = t->data;
    if (!sibling_answered(qr->ns, &qr->q)) {
        loop_timer_arm(qr->ns->loop, t, SIBLING_RECHECK_MS);
        return;
    }
    dns_upstream_cancel(qr->ns->up, qr->handle);
    on_upstream(qr, NULL, 0, 0, -ECANCELED, NULL); /* SERVFAIL: the other family has addresses */
}

/* Firewall mode: an allowed name's A or AAAA answer becomes one address
 * from moat's pool for that family (net/firewall/names/fakeip.h), kept for at least the
 * floor.  Answers without such records (NXDOMAIN, NODATA) pass unchanged,
 * so a name without IPv6 still gets no AAAA.  Returns the new length. */
static size_t fake_answer(struct net_services *ns, const struct dns_query *q, uint8_t *msg,
                          size_t cap, size_t len, uint32_t ttl)
{
    uint16_t type = q->q.qtype;
    if (ttl == UINT32_MAX)
        return len;
    struct net_addr fake;
    int family = type == 1 ? AF_INET : AF_INET6;
    if (fakeip_for_name(ns->fake, q->q.name, family, ttl, &fake) < 0)
        return dns_build_response(q, 2 /* SERVFAIL */, msg, cap, &len) < 0 ? 0 : len;
    struct dns_rr_addr rr = { .family = family, .ttl = ttl };
    memcpy(rr.addr, fake.b, family == AF_INET ? 4 : 16);
    size_t n;
    return dns_build_answer(q, &rr, 1, msg, cap, &n) < 0 ? 0 : n;
}

/* The lookup failed upstream (upstream_why says how) or its answer could not
 * be read (why): SERVFAIL, with the reason in the answer (RFC 8914) and on
 * moat's side (kind "dns-failure"), so a person can tell a resolver that is
 * down from a name the policy refused.  `logged`: say it on moat's side too
 * (not for a failure remembered from a moment ago, said then already). */
static size_t servfail(struct query *qr, int err, const char *upstream_why, const char *why,
                       bool logged, uint8_t *out, size_t cap)
{
    size_t out_len;
    if (dns_build_response(&qr->q, 2 /* SERVFAIL */, out, cap, &out_len) < 0)
        return 0;
    if (err == -ECANCELED)
        return out_len;
    char reason[300];
    enum dns_ede code = err == -ETIMEDOUT ? DNS_EDE_NO_REACHABLE_AUTHORITY
                        : err == 0          ? DNS_EDE_OTHER
                                            : DNS_EDE_NETWORK_ERROR;
    if (err == 0)
        snprintf(reason, sizeof reason, "the host's DNS server sent an answer moat cannot use: %s",
                 why ? why : "malformed");
    else
        snprintf(reason, sizeof reason, "%s", upstream_why ? upstream_why : strerror(-err));
    if (logged)
        vlog_denial(&qr->ns->log, "dns-failure", qr->q.q.spelled, qr->q.q.name, 53, reason);
    char text[320];
    snprintf(text, sizeof text, "moat: %s", reason);
    return dns_ede_append(&qr->q, out, out_len, cap, code, text);
}

static void answer_upstream(struct query *qr, const uint8_t *resp, size_t len, uint16_t id,
                            int err, const char *upstream_why, bool logged)
{
    struct net_services *ns = qr->ns;
    uint8_t out[DNS_TCP_MAX];
    size_t out_len = 0;
    size_t cap = qr->tcp ? DNS_TCP_MAX : dns_query_udp_limit(&qr->q);
    const char *why = NULL;
    struct dns_filter_ops ops;
    net_services_dns_ops(ns, &ops);
    int r = err < 0 ? err : dns_filter_response(&ops, &qr->q, id, resp, len, out, cap, &out_len, &why);
    if (r < 0)
        out_len = servfail(qr, err, upstream_why, why, logged, out, cap);
    loop_timer_disarm(ns->loop, &qr->sibling);
    uint32_t ttl = r == 0 ? address_ttl(&qr->q, out, out_len) : UINT32_MAX;
    if (ttl != UINT32_MAX)
        remember_addresses(ns, &qr->q);
    if (r == 0 && dns_filter_refused(why)) /* not an upstream error: that is no violation */
        vlog_denial(&ns->log, "dns", qr->q.q.spelled, qr->q.q.name, 53, why);
    else if (r == 0 && ns->fake)
        out_len = fake_answer(ns, &qr->q, out, cap, out_len, ttl);
    deliver(qr, out_len ? out : NULL, out_len);
}

static void on_upstream(void *ctx, const uint8_t *resp, size_t len, uint16_t id, int err,
                        const char *why)
{
    answer_upstream(ctx, resp, len, id, err, why, true);
}

/* Decide on one query; answer locally or forward.  qr is consumed. */
static void handle_query(struct query *qr, const uint8_t *msg, size_t len)
{
    struct net_services *ns = qr->ns;
    struct dns_filter_ops ops;
    net_services_dns_ops(ns, &ops);
    uint8_t out[4096];
    size_t out_len = 0;
    enum dns_action action;
    const char *why = NULL;
    int r = dns_filter_query(&ops, msg, len, &qr->q, out, sizeof out, &out_len, &action, &why);
    if (r < 0) {
        deliver(qr, NULL, 0);
        return;
    }
    if (action == DNS_ANSWER_LOCAL) {
        log_local_answer(ns, &qr->q, why);
        deliver(qr, out, out_len);
        return;
    }
    int e = dns_upstream_send(ns->up, out, out_len, on_upstream, qr, &qr->handle);
    if (e < 0) {
        /* A question that failed a moment ago was said then; anything else is new. */
        answer_upstream(qr, NULL, 0, 0, e, dns_upstream_why(ns->up),
                        !dns_upstream_failed_recently(ns->up));
        return;
    }
    if (qr->q.q.qtype == DNS_TYPE_A || qr->q.q.qtype == DNS_TYPE_AAAA) {
        qr->sibling = (struct loop_timer){ .cb = on_sibling_check, .data = qr };
        loop_timer_arm(ns->loop, &qr->sibling, NAME_ANSWER_GRACE_MS);
    }
}

/* --- UDP ---------------------------------------------------------------- */

int dns_server_udp(struct net_services *ns, int fd)
{
    for (int budget = 64; budget > 0; budget--) {
        uint8_t buf[4096];
        struct query *qr = calloc(1, sizeof *qr);
        if (!qr)
            return -ENOMEM;
        qr->ns = ns;
        qr->udp_fd = fd;
        qr->peer_len = sizeof qr->peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&qr->peer,
                             &qr->peer_len);
        if (n < 0) {
            free(qr);
            return errno == EAGAIN ? 0 : -errno;
        }
        handle_query(qr, buf, (size_t)n);
    }
    return 0;
}

/* --- TCP (RFC 7766): length-framed, several queries per connection ------- */

/* Backpressure: a client that sends queries and never reads its answers must not make the
 * supervisor hold them.  A connection's queries are taken from its buffer only while fewer
 * than DNS_TCP_INFLIGHT_MAX are being answered and fewer than DNS_TCP_OUT_HIGH bytes of
 * answers wait to be sent; otherwise the socket is not read, and the client's own send
 * buffer fills.  Its output is then at most DNS_TCP_OUT_HIGH plus the answers in flight. */
static bool tcp_may_take(const struct tcp_client *t)
{
    return t->inflight < DNS_TCP_INFLIGHT_MAX && t->out_len - t->out_off < DNS_TCP_OUT_HIGH;
}

static void tcp_close(struct tcp_client *t)
{
    if (t->closed)
        return;
    t->closed = true;
    loop_del(t->ns->loop, &t->w);
    loop_timer_disarm(t->ns->loop, &t->idle);
    close(t->w.fd);
    free(t->out);
    t->out = NULL;
    net_services_release(t->ns, CONN_DNS_TCP);
    if (t->inflight == 0)
        loop_defer_free(t->ns->loop, t, tcp_client_free);
}

/* Watch for what the connection can do now: write pending answers, read more queries. */
static void tcp_interest(struct tcp_client *t)
{
    uint32_t ev = (t->out_off < t->out_len ? EPOLLOUT : 0) |
                  (tcp_may_take(t) && t->in_len < sizeof t->in ? EPOLLIN : 0);
    loop_mod(t->ns->loop, &t->w, ev);
}

static void tcp_flush(struct tcp_client *t)
{
    while (t->out_off < t->out_len) {
        ssize_t n = send(t->w.fd, t->out + t->out_off, t->out_len - t->out_off,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN)
                tcp_close(t);
            return;
        }
        t->out_off += (size_t)n;
    }
    free(t->out);
    t->out = NULL;
    t->out_len = t->out_off = 0;
}

/* Answer the complete queries in the buffer, as many as the bounds allow. */
static void tcp_take_queries(struct tcp_client *t)
{
    size_t at = 0;
    t->taking = true;
    while (!t->closed && tcp_may_take(t) && t->in_len - at >= 2) {
        int need = dns_tcp_frame_len(t->in + at);
        if (need < 0) { /* shorter than a header: nothing to answer, ever */
            tcp_close(t);
            return;
        }
        if (t->in_len - at < 2 + (size_t)need)
            break;
        struct query *qr = calloc(1, sizeof *qr);
        if (!qr) {
            tcp_close(t);
            return;
        }
        qr->ns = t->ns;
        qr->tcp = t;
        t->inflight++;
        handle_query(qr, t->in + at + 2, (size_t)need);
        at += 2 + (size_t)need;
    }
    t->taking = false;
    if (t->closed)
        return;
    memmove(t->in, t->in + at, t->in_len - at);
    t->in_len -= at;
}

/* Everything the connection can do now, then what to wait for. */
static void tcp_step(struct tcp_client *t)
{
    tcp_flush(t);
    if (!t->closed)
        tcp_take_queries(t);
    if (!t->closed)
        tcp_flush(t); /* the local answers just given */
    if (!t->closed)
        tcp_interest(t);
}

static void tcp_send(struct tcp_client *t, const uint8_t *msg, size_t len)
{
    if (msg) {
        /* Bounded by tcp_may_take: at most DNS_TCP_OUT_HIGH plus the answers in flight. */
        uint8_t *grown = realloc(t->out, t->out_len + 2 + len);
        if (!grown) {
            tcp_close(t);
            return;
        }
        t->out = grown;
        dns_tcp_frame_put(t->out + t->out_len, len);
        memcpy(t->out + t->out_len + 2, msg, len);
        t->out_len += 2 + len;
    }
    if (!t->taking)
        tcp_step(t);
}

static void tcp_on_idle(struct loop_timer *timer)
{
    tcp_close(timer->data);
}

static void tcp_on_event(struct loop_watch *w, uint32_t events)
{
    struct tcp_client *t = w->data;
    if (t->closed)
        return;
    if ((events & EPOLLIN) && t->in_len < sizeof t->in) {
        ssize_t n = recv(w->fd, t->in + t->in_len, sizeof t->in - t->in_len, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            tcp_close(t);
            return;
        }
        if (n > 0) {
            t->in_len += (size_t)n;
            loop_timer_arm(t->ns->loop, &t->idle, DNS_TCP_IDLE_MS);
        }
    } else if (events & (EPOLLHUP | EPOLLERR)) {
        tcp_close(t);
        return;
    }
    tcp_step(t);
}

int dns_server_tcp_accept(struct net_services *ns, int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct tcp_client *t = big_zalloc(sizeof *t);
    if (!t || !net_services_admit(ns, CONN_DNS_TCP)) {
        big_free(t, sizeof *t);
        close(fd);
        return t ? 0 : -ENOMEM;
    }
    t->ns = ns;
    t->w = (struct loop_watch){ .fd = fd, .cb = tcp_on_event, .data = t };
    t->idle = (struct loop_timer){ .cb = tcp_on_idle, .data = t };
    loop_timer_arm(ns->loop, &t->idle, DNS_TCP_IDLE_MS);
    return loop_add(ns->loop, &t->w, EPOLLIN);
}
