/* The supervisor's network services for one sandbox: the DNS filter, the
 * HTTP and SOCKS5 proxies, host-port forwards and port exposure, all served
 * from one event loop on sockets the sandbox init made inside the sandbox's
 * namespace.  Owns the compiled network policy, the upstream resolvers and
 * the violation log; each service lives in its own file. */
#ifndef MOAT_NET_SERVICES_H
#define MOAT_NET_SERVICES_H

#include <stdbool.h>
#include <sys/types.h>

#include "moat.h"
#include "net/dns/dns_upstream.h"
#include "net/rules/hostpat.h"
#include "net/io/loop.h"
#include "net/rules/netrule.h"
#include "net/sandbox_sockets.h"
#include "net/vlog.h"

#define PROXY_USER "moat"

struct listener;
struct expose_wait;

struct net_services {
    struct loop *loop;
    const struct moat_policy *p;
    struct netpolicy np;
    struct dns_upstream *up;
    bool v4_ok, v6_ok;        /* the host side reaches this family */
    char token[33];           /* the proxies' per-sandbox password */
    struct vlog log;
    int chan;                 /* to the sandbox init (-1 before attach) */
    struct loop_watch chan_w;
    bool have_listeners;
    struct listener *listeners; /* in-sandbox and host-side, linked */
    struct expose_wait *waiting_head, *waiting_tail; /* FIFO of socket requests */
    struct dns_filter_ops *dns_ops; /* for the resolver: lives as long as ns */
    struct fakeip_map *fake;        /* firewall mode: names behind pool addresses */
    struct udp_relay *udp;          /* firewall mode: UDP flows (net/firewall/udp_relay.h) */
    uint16_t host_http_port, host_socks_port; /* landlock isolation's proxies, or 0 */
};

/* Before the clone: compile the policy, read the host's resolvers, bind the
 * host-side exposure listeners (so a busy port fails before anything runs). */
int net_services_new(struct loop *l, const struct moat_policy *p,
                     const struct moat_run_options *o, struct net_services **out,
                     struct moat_error *err);
/* After the clone: take the channel to the init; the in-sandbox listeners
 * arrive over it. */
int net_services_attach(struct net_services *ns, int chan, pid_t init_pid,
                        char *const argv[]);
/* Landlock isolation (no network namespace): the HTTP and SOCKS5 proxies on
 * the host's 127.0.0.1, at ports the kernel picks (*http, *socks); their
 * credential is what keeps other local processes out.  Instead of attach's
 * in-sandbox sockets; no DNS service (the workload has no UDP). */
int net_services_listen_host(struct net_services *ns, uint16_t *http, uint16_t *socks,
                             struct moat_error *err);

/* After the sandbox exited: log what the kernel rejected and not yet told. */
void net_services_drain(struct net_services *ns);
void net_services_free(struct net_services *ns);

/* The DNS filter's policy callbacks, shared by the sandbox's DNS and the
 * proxies' resolver so a name means the same on both paths. */
struct dns_filter_ops;
void net_services_dns_ops(struct net_services *ns, struct dns_filter_ops *ops);

/* The environment the workload needs to find the proxies (appended). */
int net_services_env(const struct net_services *ns, struct moat_strv *env);

/* Service entry points, one per file. */
int dns_server_udp(struct net_services *ns, int fd);
int dns_server_tcp_accept(struct net_services *ns, int listen_fd);
/* need_credential false only on the JVM port (see MOAT_JVM_PROXY_PORT). */
int proxy_http_accept(struct net_services *ns, int listen_fd, bool need_credential);
int proxy_socks_accept(struct net_services *ns, int listen_fd);
int forward_host_port_accept(struct net_services *ns, int listen_fd, int family, uint16_t port);
int forward_expose_accept(struct net_services *ns, int listen_fd, uint16_t port);
void forward_expose_socket_ready(struct net_services *ns, int fd, int err);
int intercept_accept(struct net_services *ns, int listen_fd, int family);
/* Where an intercepted connection or UDP flow goes. */
struct intercept_dest {
    char authority[300];         /* "name:port" or "address:port" */
    char name[HOSTNAME_MAX + 1]; /* the pool address's name, or "" for a literal */
    int family;                  /* to dial: the workload's for a pool address, else AF_UNSPEC */
};

/* Firewall mode, for intercepted TCP and the UDP relay alike: where original
 * destination orig:port stands for.  -EACCES, logged as `kind`, when it was
 * never redirected or is a pool address whose entry expired. */
int intercept_authority(struct net_services *ns, const struct net_addr *orig, uint16_t port,
                        const char *kind, struct intercept_dest *out);

#endif
