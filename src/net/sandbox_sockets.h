/* Sockets that must live in the sandbox's network namespace but be served
 * by the supervisor outside it: the DNS filter, the proxies, host-port
 * forwards, and connecting sockets for port exposure.  The sandbox init
 * creates them (it is the only process in that namespace with the right to
 * bind port 53) and hands them over a unix socketpair (SCM_RIGHTS). */
#ifndef MOAT_NET_SANDBOX_SOCKETS_H
#define MOAT_NET_SANDBOX_SOCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

#define MOAT_HTTP_PROXY_PORT 3128
/* The same proxy without the credential, for JVMs: they send none on
 * CONNECT (no system property sets an Authenticator).  Like every service
 * socket it exists only in the sandbox's namespace. */
#define MOAT_JVM_PROXY_PORT 3129
#define MOAT_SOCKS_PROXY_PORT 1080
#define MOAT_DNS_PORT 53

enum svc_kind {
    SVC_DNS_UDP = 1,
    SVC_DNS_TCP,
    SVC_HTTP_PROXY,
    SVC_SOCKS_PROXY,
    SVC_HOST_PORT,
    SVC_JVM_PROXY,
    SVC_INTERCEPT, /* firewall mode: redirected connections (net/firewall/firewall.h) */
    SVC_NFLOG,     /* firewall mode: packets the ruleset rejected (net/firewall/nflog.h) */
    SVC_UDP_TPROXY, /* firewall mode: UDP the ruleset hands over (net/firewall/udp/udp_relay.h) */
    SVC_UDP_RAW,    /* firewall mode: the UDP relay's way back in */
};

struct svc_desc {
    uint8_t kind;   /* enum svc_kind */
    uint8_t family; /* 4 or 6 */
    uint16_t port;
};

/* Does this policy need the in-sandbox services (and so the channel)? */
bool sandbox_sockets_needed(const struct moat_policy *p);

/* In the sandbox init: create every listening socket the policy needs, on
 * 127.0.0.1 and ::1 (IPv6 skipped only when the kernel has none), and send
 * them over chan in one message; udp_relay adds the UDP relay's sockets
 * (firewall_relays_udp).  0 or -errno with err filled. */
int sandbox_sockets_send(const struct moat_policy *p, bool udp_relay, int chan,
                         struct moat_error *err);

/* In the supervisor: receive that message.  *n descriptors with their fds. */
int sandbox_sockets_receive(int chan, struct svc_desc *desc, int *fds, size_t max, size_t *n);

/* Connecting sockets on demand (port exposure): the supervisor asks with
 * sandbox_socket_request(chan, family); the init answers each request in
 * order (sandbox_socket_serve) with one non-blocking TCP socket of that
 * family made in the sandbox's namespace. */
int sandbox_socket_request(int chan, int family);
int sandbox_socket_serve(int chan);
int sandbox_socket_receive(int chan, int *fd);

#endif
