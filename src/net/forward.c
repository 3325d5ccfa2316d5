/* Port forwards that involve no policy decision beyond the port list:
 *  - hostPorts: the workload connects to 127.0.0.1:P or [::1]:P inside; the
 *    supervisor connects to the same port on the host's loopback, same family
 *    first, and relays.  Nothing else of the host is reachable this way.
 *  - expose: a client on the host's 127.0.0.1:P or [::1]:P reaches a server
 *    in the sandbox on port P, whichever family that server bound (IPv4,
 *    IPv6-only or dual-stack): a socket made in the sandbox's namespace by
 *    the init tries 127.0.0.1 and then ::1. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/io/dial.h"
#include "net/io/loopback.h"
#include "net/io/relay.h"
#include "net/services.h"

/* --- hostPorts ----------------------------------------------------------- */

struct host_fwd {
    struct net_services *ns;
    int client;
};

static void host_fwd_dialed(void *ctx, int fd, int err)
{
    struct host_fwd *f = ctx;
    (void)err;
    if (fd < 0) {
        close(f->client);
        net_services_release(f->ns, CONN_RELAYED);
    } else {
        relay_start(f->ns->loop, f->client, fd, NULL, 0, net_services_relay_done, f->ns);
    }
    free(f);
}

int forward_host_port_accept(struct net_services *ns, int listen_fd, int family, uint16_t port)
{
    int client = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0)
        return -errno;
    struct host_fwd *f = malloc(sizeof *f);
    if (!f || !net_services_admit(ns, CONN_RELAYED)) {
        free(f);
        close(client);
        return f ? 0 : -ENOMEM;
    }
    *f = (struct host_fwd){ .ns = ns, .client = client };
    /* The family the workload used first, then the other one: a host server
     * may listen on only one of them. */
    struct sockaddr_storage ss[2];
    loopback_sockaddr(family, port, &ss[0]);
    loopback_sockaddr(family == AF_INET ? AF_INET6 : AF_INET, port, &ss[1]);
    int r = dial_start(ns->loop, ss, 2, host_fwd_dialed, f, NULL);
    if (r < 0) {
        close(client);
        free(f);
        net_services_release(ns, CONN_RELAYED);
    }
    return r;
}

/* --- expose -------------------------------------------------------------- */

struct expose_wait {
    struct net_services *ns;
    int client;
    uint16_t port;
    int family;         /* the family being tried inside */
    struct expose_wait *next;
    struct loop_watch w; /* the in-sandbox socket connecting */
};

/* Give up on an exposure connection that was never relayed. */
static void expose_drop(struct expose_wait *e)
{
    close(e->client);
    net_services_release(e->ns, CONN_RELAYED);
    free(e);
}

static void expose_request(struct net_services *ns, struct expose_wait *e)
{
    e->next = NULL;
    if (sandbox_socket_request(ns->chan, e->family) < 0) {
        expose_drop(e);
        return;
    }
    if (ns->waiting_tail)
        ns->waiting_tail->next = e;
    else
        ns->waiting_head = e;
    ns->waiting_tail = e;
}

static void expose_retry_or_drop(struct expose_wait *e)
{
    if (e->family == AF_INET) {
        e->family = AF_INET6; /* an IPv6-only server */
        expose_request(e->ns, e);
        return;
    }
    expose_drop(e);
}

static void expose_connected(struct loop_watch *w, uint32_t events)
{
    struct expose_wait *e = w->data;
    int soerr = 0;
    socklen_t len = sizeof soerr;
    getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    loop_del(e->ns->loop, w);
    if (soerr || (events & EPOLLERR)) {
        close(w->fd);
        expose_retry_or_drop(e);
        return;
    }
    relay_start(e->ns->loop, e->client, w->fd, NULL, 0, net_services_relay_done, e->ns);
    /* The watch is gone from epoll, but may still sit in this round's
     * batch: free after the round. */
    loop_defer_free(e->ns->loop, e, free);
}

void forward_expose_socket_ready(struct net_services *ns, int fd, int err)
{
    struct expose_wait *e = ns->waiting_head;
    if (!e) {
        if (fd >= 0)
            close(fd);
        return;
    }
    ns->waiting_head = e->next;
    if (!ns->waiting_head)
        ns->waiting_tail = NULL;
    if (fd < 0 || err < 0) {
        expose_drop(e);
        return;
    }
    struct sockaddr_storage ss;
    socklen_t len = loopback_sockaddr(e->family, e->port, &ss);
    if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
        close(fd);
        expose_retry_or_drop(e);
        return;
    }
    e->w = (struct loop_watch){ .fd = fd, .cb = expose_connected, .data = e };
    if (loop_add(ns->loop, &e->w, EPOLLOUT) < 0) {
        close(fd);
        expose_drop(e);
    }
}

int forward_expose_accept(struct net_services *ns, int listen_fd, uint16_t port)
{
    int client = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0)
        return -errno;
    if (ns->chan < 0) {
        close(client);
        return -ENOTCONN;
    }
    struct expose_wait *e = calloc(1, sizeof *e);
    if (!e || !net_services_admit(ns, CONN_RELAYED)) {
        free(e);
        close(client);
        return e ? 0 : -ENOMEM;
    }
    *e = (struct expose_wait){ .ns = ns, .client = client, .port = port, .family = AF_INET };
    expose_request(ns, e);
    return 0;
}
