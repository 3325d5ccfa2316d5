/* Firewall mode's UDP relay; see udp_relay.h. */
#include "net/firewall/udp/udp_relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/io/loopback.h"
#include "net/io/target.h"
#include "net/firewall/udp/udp_packet.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36 /* linux/in6.h; glibc's headers lack it */
#endif

/* --- in the sandbox init ------------------------------------------------ */

int udp_relay_tproxy_socket(int family)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int on = 1;
    struct sockaddr_storage ss;
    socklen_t len = loopback_sockaddr(family, MOAT_UDP_TPROXY_PORT, &ss);
    bool v6 = family == AF_INET6;
    /* Transparent: tproxy delivers to it datagrams addressed elsewhere; the
     * init may set this, holding CAP_NET_ADMIN over the namespace. */
    if ((v6 && setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) ||
        setsockopt(fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT, &on,
                   sizeof on) < 0 ||
        setsockopt(fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_RECVORIGDSTADDR : IP_RECVORIGDSTADDR,
                   &on, sizeof on) < 0 ||
        bind(fd, (struct sockaddr *)&ss, len) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

int udp_relay_raw_socket(int family)
{
    /* IPPROTO_RAW: the supervisor writes whole packets, headers included. */
    int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
    if (fd < 0)
        return -errno;
    int on = 1;
    if (family == AF_INET6 && setsockopt(fd, SOL_IPV6, IPV6_HDRINCL, &on, sizeof on) < 0 &&
        errno != ENOPROTOOPT) {
        int r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

/* --- in the supervisor -------------------------------------------------- */

enum flow_state { FLOW_PENDING, FLOW_OPEN, FLOW_REFUSED };

#define FLOW_QUEUE 8 /* datagrams held while the first one is judged */
/* ... and in all, for every flow being judged: beyond it, datagrams are dropped as a full
 * queue on the path would drop them. */
#define QUEUED_BYTES_MAX (1024 * 1024)

struct udp_flow {
    struct udp_relay *u;
    struct udp_end client, target; /* target: as the workload addressed it */
    enum flow_state state;
    enum udp_refusal why;
    struct target *pending;
    struct loop_watch w; /* the host-side socket, once open */
    struct loop_timer idle;
    struct {
        uint8_t *data;
        size_t len;
    } queue[FLOW_QUEUE];
    size_t nq;
    struct udp_flow *prev, *next;
};

struct udp_relay {
    struct net_services *ns;
    int raw[2]; /* IPv4, IPv6 */
    struct udp_flow *flows;
    size_t n_flows;
    size_t queued; /* bytes held in every flow's queue */
    uint8_t buf[65536];
    uint8_t pkt[UDP_PACKET_MAX];
};

struct udp_relay *udp_relay_new(struct net_services *ns)
{
    struct udp_relay *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->ns = ns;
    u->raw[0] = u->raw[1] = -1;
    return u;
}

void udp_relay_adopt_raw(struct udp_relay *u, int family, int fd)
{
    int i = family == AF_INET6;
    if (u->raw[i] >= 0)
        close(u->raw[i]);
    u->raw[i] = fd;
}

/* Write a whole packet into the sandbox, to the workload's address. */
static void raw_send(struct udp_relay *u, const struct udp_end *to, size_t len)
{
    int fd = u->raw[to->addr.family == AF_INET6];
    if (fd < 0 || len == 0)
        return;
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(&to->addr, 0, &ss); /* raw: no port */
    /* A full send buffer drops the packet, as the network would. */
    (void)sendto(fd, u->pkt, len, 0, (struct sockaddr *)&ss, sl);
}

static void refuse(struct udp_flow *f, enum udp_refusal why, size_t len)
{
    struct udp_relay *u = f->u;
    raw_send(u, &f->client, udp_refusal_build(u->pkt, sizeof u->pkt, why, &f->client, &f->target, len));
}

static void queue_clear(struct udp_flow *f)
{
    for (size_t i = 0; i < f->nq; i++) {
        f->u->queued -= f->queue[i].len;
        free(f->queue[i].data);
    }
    f->nq = 0;
}

static void flow_free(void *p)
{
    struct udp_flow *f = p;
    queue_clear(f);
    free(f);
}

/* Stop everything a flow has under way: its timer, its judgement, its
 * host-side socket. */
static void flow_release(struct udp_flow *f)
{
    struct loop *l = f->u->ns->loop;
    loop_timer_disarm(l, &f->idle);
    target_cancel(f->pending);
    if (f->w.fd >= 0) {
        loop_del(l, &f->w);
        close(f->w.fd);
    }
}

static void flow_close(struct udp_flow *f)
{
    struct udp_relay *u = f->u;
    if (f->prev)
        f->prev->next = f->next;
    else
        u->flows = f->next;
    if (f->next)
        f->next->prev = f->prev;
    u->n_flows--;
    flow_release(f);
    /* Its watch may still be queued in this dispatch round. */
    if (loop_defer_free(u->ns->loop, f, flow_free) < 0)
        flow_free(f);
}

static void on_idle(struct loop_timer *t)
{
    flow_close(t->data);
}

static void on_host_readable(struct loop_watch *w, uint32_t events)
{
    struct udp_flow *f = w->data;
    struct udp_relay *u = f->u;
    (void)events;
    for (int budget = 64; budget > 0; budget--) {
        ssize_t n = recv(w->fd, u->buf, sizeof u->buf, MSG_DONTWAIT);
        if (n < 0 && errno == ECONNREFUSED) {
            refuse(f, UDP_PORT_UNREACHABLE, 0); /* the destination's own answer */
            continue;
        }
        if (n < 0)
            break;
        raw_send(u, &f->client,
                 udp_packet_build(u->pkt, sizeof u->pkt, &f->target, &f->client, u->buf, (size_t)n));
    }
    loop_timer_arm(u->ns->loop, &f->idle, UDP_FLOW_IDLE_MS);
}

static void on_target(void *ctx, int fd, int err, const char *reason)
{
    struct udp_flow *f = ctx;
    struct loop *l = f->u->ns->loop;
    (void)reason;
    f->pending = NULL;
    if (fd >= 0) {
        f->w = (struct loop_watch){ .fd = fd, .cb = on_host_readable, .data = f };
        if (loop_add(l, &f->w, EPOLLIN) < 0) {
            close(fd);
            f->w.fd = -1;
            err = -ENOMEM;
        }
    }
    if (f->w.fd < 0) {
        f->state = FLOW_REFUSED;
        f->why = err == -EACCES ? UDP_ADMIN_PROHIBITED : UDP_HOST_UNREACHABLE;
    } else {
        f->state = FLOW_OPEN;
    }
    for (size_t i = 0; i < f->nq; i++) {
        if (f->state == FLOW_OPEN)
            (void)send(f->w.fd, f->queue[i].data, f->queue[i].len, MSG_DONTWAIT);
        else
            refuse(f, f->why, f->queue[i].len);
    }
    queue_clear(f);
    loop_timer_arm(l, &f->idle, f->state == FLOW_OPEN ? UDP_FLOW_IDLE_MS : UDP_REFUSED_MS);
}

static void enqueue(struct udp_flow *f, const uint8_t *data, size_t len)
{
    if (f->nq == FLOW_QUEUE || f->u->queued + len > QUEUED_BYTES_MAX)
        return; /* dropped, as a full queue on the path would */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, data, len);
    f->queue[f->nq].data = copy;
    f->queue[f->nq++].len = len;
    f->u->queued += len;
}

/* Judge a new flow on its first datagram, which is already queued. */
static void judge(struct udp_flow *f)
{
    struct net_services *ns = f->u->ns;
    struct intercept_dest dest;
    if (intercept_authority(ns, &f->target.addr, f->target.port, "udp", &dest) < 0) {
        on_target(f, -1, -EACCES, NULL);
        return;
    }
    struct target *t = NULL;
    if (target_open_udp(ns, dest.authority, dest.family, on_target, f, &t) < 0)
        on_target(f, -1, -ENOMEM, NULL);
    else if (f->state == FLOW_PENDING)
        f->pending = t; /* not yet decided: cancel it if the flow goes first */
}

static bool same_end(const struct udp_end *a, const struct udp_end *b)
{
    return a->port == b->port && addr_equal(&a->addr, &b->addr);
}

static void on_datagram(struct udp_relay *u, const struct udp_end *client,
                        const struct udp_end *target, size_t len)
{
    struct udp_flow *f = u->flows;
    while (f && !(same_end(&f->client, client) && same_end(&f->target, target)))
        f = f->next;
    if (!f) {
        if (u->n_flows >= UDP_FLOWS_MAX || !(f = calloc(1, sizeof *f))) {
            struct udp_flow tmp = { .u = u, .client = *client, .target = *target };
            refuse(&tmp, UDP_HOST_UNREACHABLE, len);
            return;
        }
        *f = (struct udp_flow){ .u = u, .client = *client, .target = *target,
                                .state = FLOW_PENDING, .w = { .fd = -1 },
                                .idle = { .cb = on_idle, .data = f }, .next = u->flows };
        if (u->flows)
            u->flows->prev = f;
        u->flows = f;
        u->n_flows++;
        enqueue(f, u->buf, len);
        judge(f);
        return;
    }
    switch (f->state) {
    case FLOW_PENDING:
        enqueue(f, u->buf, len);
        break;
    case FLOW_OPEN:
        if (send(f->w.fd, u->buf, len, MSG_DONTWAIT) < 0 && errno == ECONNREFUSED)
            refuse(f, UDP_PORT_UNREACHABLE, len);
        loop_timer_arm(u->ns->loop, &f->idle, UDP_FLOW_IDLE_MS);
        break;
    case FLOW_REFUSED:
        refuse(f, f->why, len);
        break;
    }
}

int udp_relay_read(struct udp_relay *u, int fd)
{
    for (int budget = 64; budget > 0; budget--) {
        struct sockaddr_storage from, orig;
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(sizeof(struct sockaddr_in6))];
        } control;
        struct iovec iov = { .iov_base = u->buf, .iov_len = sizeof u->buf };
        struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
                            .msg_iovlen = 1, .msg_control = control.buf,
                            .msg_controllen = sizeof control.buf };
        ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        bool have_orig = false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_ORIGDSTADDR) ||
                (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_ORIGDSTADDR)) {
                memset(&orig, 0, sizeof orig);
                size_t len = c->cmsg_len - CMSG_LEN(0);
                memcpy(&orig, CMSG_DATA(c), len < sizeof orig ? len : sizeof orig);
                have_orig = true;
            }
        }
        if (!have_orig || (m.msg_flags & MSG_TRUNC))
            continue;
        struct udp_end client, target;
        addr_from_sockaddr(&from, &client.addr, &client.port);
        addr_from_sockaddr(&orig, &target.addr, &target.port);
        if (client.addr.family == target.addr.family)
            on_datagram(u, &client, &target, (size_t)n);
    }
    return 0;
}

void udp_relay_free(struct udp_relay *u)
{
    if (!u)
        return;
    while (u->flows) {
        struct udp_flow *f = u->flows;
        u->flows = f->next;
        flow_release(f);
        flow_free(f);
    }
    for (int i = 0; i < 2; i++)
        if (u->raw[i] >= 0)
            close(u->raw[i]);
    free(u);
}
