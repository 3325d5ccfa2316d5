/* The in-sandbox sockets; see sandbox_sockets.h.  Creates and passes sockets;
 * never reads or writes a byte of their traffic. */
#include "net/sandbox_sockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/firewall/firewall.h"
#include "net/io/loopback.h"
#include "net/firewall/nflog.h"
#include "net/firewall/udp/udp_relay.h"
#include "util/error.h"
#include "util/fdpass.h"

bool sandbox_sockets_needed(const struct moat_policy *p)
{
    return p->net.mode == MOAT_NET_PROXY || p->net.mode == MOAT_NET_FIREWALL ||
           (p->net.mode == MOAT_NET_NONE && (p->net.n_host_ports || p->net.n_expose));
}

struct svc_set {
    uint32_t count; /* never an empty message: zero bytes would read as EOF */
    struct svc_desc desc[FDPASS_MAX];
    int fds[FDPASS_MAX];
    size_t n;
};

/* One socket per family from open(family, type, port). */
static int add_each_family(struct svc_set *s, enum svc_kind kind, int (*open)(int, int, uint16_t),
                           int type, uint16_t port, struct moat_error *err)
{
    for (int family = 4; family <= 6; family += 2) {
        if (s->n == FDPASS_MAX)
            return error_set(err, -E2BIG, "too many in-sandbox sockets (at most %d)", FDPASS_MAX);
        int fd = open(family == 6 ? AF_INET6 : AF_INET, type, port);
        /* No IPv6 in this kernel: the service is IPv4-only inside, which is
         * what the workload can reach anyway. */
        if (fd == -EAFNOSUPPORT || (family == 6 && fd == -EADDRNOTAVAIL))
            continue;
        if (fd < 0)
            return error_set_errno(err, fd, "cannot listen on %s port %u in the sandbox",
                                   family == 6 ? "[::1]" : "127.0.0.1", (unsigned)port);
        s->desc[s->n] = (struct svc_desc){ .kind = (uint8_t)kind, .family = (uint8_t)family,
                                           .port = port };
        s->fds[s->n++] = fd;
    }
    return 0;
}

static int add_pair(struct svc_set *s, enum svc_kind kind, int type, uint16_t port,
                    struct moat_error *err)
{
    return add_each_family(s, kind, loopback_listen, type, port, err);
}

static int open_udp_tproxy(int family, int type, uint16_t port)
{
    (void)type;
    (void)port;
    return udp_relay_tproxy_socket(family);
}

static int open_udp_raw(int family, int type, uint16_t port)
{
    (void)type;
    (void)port;
    return udp_relay_raw_socket(family);
}

int sandbox_sockets_send(const struct moat_policy *p, bool udp_relay, int chan,
                         struct moat_error *err)
{
    struct svc_set s = { .n = 0 };
    int r = 0;
    if (p->net.mode == MOAT_NET_PROXY || p->net.mode == MOAT_NET_FIREWALL) {
        if ((r = add_pair(&s, SVC_DNS_UDP, SOCK_DGRAM, MOAT_DNS_PORT, err)) < 0 ||
            (r = add_pair(&s, SVC_DNS_TCP, SOCK_STREAM, MOAT_DNS_PORT, err)) < 0 ||
            (r = add_pair(&s, SVC_HTTP_PROXY, SOCK_STREAM, MOAT_HTTP_PROXY_PORT, err)) < 0 ||
            (r = add_pair(&s, SVC_SOCKS_PROXY, SOCK_STREAM, MOAT_SOCKS_PROXY_PORT, err)) < 0 ||
            (r = add_pair(&s, SVC_JVM_PROXY, SOCK_STREAM, MOAT_JVM_PROXY_PORT, err)) < 0)
            goto out;
    }
    if (p->net.mode == MOAT_NET_FIREWALL) {
        if ((r = add_pair(&s, SVC_INTERCEPT, SOCK_STREAM, MOAT_INTERCEPT_PORT, err)) < 0)
            goto out;
        if (udp_relay &&
            ((r = add_each_family(&s, SVC_UDP_TPROXY, open_udp_tproxy, SOCK_DGRAM,
                                  MOAT_UDP_TPROXY_PORT, err)) < 0 ||
             (r = add_each_family(&s, SVC_UDP_RAW, open_udp_raw, SOCK_RAW, 0, err)) < 0))
            goto out;
    }
    if (p->net.mode == MOAT_NET_PROXY || p->net.mode == MOAT_NET_FIREWALL) {
        /* What the ruleset rejects (firewall.h; in proxy mode, direct connections). */
        int fd = nflog_open();
        if (fd < 0) {
            r = error_set_errno(err, fd, "firewall: cannot open the NFLOG socket");
            goto out;
        }
        s.desc[s.n] = (struct svc_desc){ .kind = SVC_NFLOG };
        s.fds[s.n++] = fd;
    }
    for (size_t i = 0; i < p->net.n_host_ports; i++)
        if ((r = add_pair(&s, SVC_HOST_PORT, SOCK_STREAM, p->net.host_ports[i], err)) < 0)
            goto out;
    s.count = (uint32_t)s.n;
    r = fdpass_send(chan, &s.count, sizeof s.count + s.n * sizeof *s.desc, s.fds, s.n);
    if (r < 0)
        error_set_errno(err, r, "cannot hand the sandbox's sockets to the supervisor");
out:
    for (size_t i = 0; i < s.n; i++)
        close(s.fds[i]);
    return r;
}

int sandbox_sockets_receive(int chan, struct svc_desc *desc, int *fds, size_t max, size_t *n)
{
    struct svc_set buf;
    size_t nfds;
    long len = fdpass_recv(chan, &buf.count, sizeof buf.count + sizeof buf.desc, fds, max, &nfds);
    if (len < 0)
        return (int)len;
    size_t nd = len >= (long)sizeof buf.count ? ((size_t)len - sizeof buf.count) / sizeof *buf.desc : 0;
    if (len < (long)sizeof buf.count || nd != nfds || nd != buf.count) {
        for (size_t i = 0; i < nfds; i++)
            close(fds[i]);
        return -EPROTO;
    }
    memcpy(desc, buf.desc, nd * sizeof *buf.desc);
    *n = nd;
    return 0;
}

int sandbox_socket_request(int chan, int family)
{
    uint8_t f = (uint8_t)(family == AF_INET6 ? 6 : 4);
    return fdpass_send(chan, &f, 1, NULL, 0);
}

int sandbox_socket_serve(int chan)
{
    uint8_t f;
    size_t n;
    int unused;
    long len = fdpass_recv(chan, &f, 1, &unused, 0, &n);
    if (len <= 0)
        return len == 0 ? -EPIPE : (int)len;
    int fd = socket(f == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int32_t status = fd < 0 ? -errno : 0;
    int r = fdpass_send(chan, &status, sizeof status, &fd, fd < 0 ? 0 : 1);
    if (fd >= 0)
        close(fd);
    return r;
}

int sandbox_socket_receive(int chan, int *fd)
{
    int32_t status = -EPROTO;
    size_t n;
    long len = fdpass_recv(chan, &status, sizeof status, fd, 1, &n);
    if (len < 0)
        return (int)len;
    if (len != sizeof status || (status == 0 && n != 1))
        return -EPROTO;
    return status;
}
