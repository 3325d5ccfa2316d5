/* The supervisor's network services for one sandbox: the DNS filter, the
 * HTTP and SOCKS5 proxies, host-port forwards and port exposure, all served
 * from one event loop on sockets the sandbox init made inside the sandbox's
 * namespace.  Owns the compiled network policy, the upstream resolvers and
 * the violation log; each service lives in its own file. */
#ifndef MOAT_NET_SERVICES_H
#define MOAT_NET_SERVICES_H

#include <stdbool.h>
#include <sys/types.h>

#include "net/dns/answer_cache.h"
#include "policy/model.h"
#include "net/dns/dns_upstream.h"
#include "net/rules/hostpat.h"
#include "net/io/loop.h"
#include "net/rules/netrule.h"
#include "net/sandbox_sockets.h"
#include "net/vlog.h"

#define PROXY_USER "moat"

struct listener;
struct expose_wait;

/* What one sandbox can make the supervisor hold (docs/network.md, "Bounds").  Connections
 * from the sandbox are counted from accept(2) until both of their sockets are closed; a
 * class is the phase in which a connection holds buffers of its own.  A listener whose
 * class (or the total) is full is not accepted from -- its connections wait in the kernel's
 * backlog -- until one of that class closes. */
enum conn_class {
    CONN_DNS_TCP,  /* a DNS-over-TCP connection, while open */
    CONN_HTTP,     /* an HTTP proxy connection, until it becomes a tunnel or closes */
    CONN_SOCKS,    /* a SOCKS5 handshake, until it becomes a tunnel or closes */
    CONN_RELAYED,  /* everything else: tunnels, intercepted connections, host-port forwards */
    CONN_CLASSES,
};
#define NET_CONNS_MAX 1024     /* every connection from the sandbox, in any phase */
#define NET_DNS_TCP_MAX 32
#define NET_HTTP_MAX 128       /* each holds up to ~150 KiB of buffers */
#define NET_SOCKS_MAX 128
#define NET_DNS_ANSWERED 32    /* recent answers remembered by the DNS filter */

struct net_services {
    struct loop *loop;
    const struct moat_policy *p;
    struct netpolicy np;
    struct dns_upstream *up;
    struct answer_cache *answers; /* the resolver's, for the connections it dials */
    bool v4_ok, v6_ok;        /* the host side reaches this family */
    char token[33];           /* the proxies' per-sandbox password */
    char proxy_user[256];     /* the user in the proxy URLs: "moat", or srt's "srt.<base64>" */
    char proxy_base[64];      /* what a client must present as its user (before any '.') */
    enum moat_proxy_style proxy_style; /* how a refused HTTP request is answered */
    struct vlog log;
    int chan;                 /* to the sandbox init (-1 before attach) */
    struct loop_watch chan_w;
    bool have_listeners;
    struct listener *listeners; /* in-sandbox and host-side, linked */
    struct expose_wait *waiting_head, *waiting_tail; /* FIFO of socket requests */
    struct dns_filter_ops *dns_ops; /* for the resolver: lives as long as ns */
    struct fakeip_map *fake;        /* firewall mode: names behind pool addresses */
    struct udp_relay *udp;          /* firewall mode: UDP flows (net/firewall/udp/udp_relay.h) */
    unsigned conns, in_class[CONN_CLASSES]; /* held now; see enum conn_class */
    /* The DNS filter's recent answers with addresses, by name and type (dns_server.c:
     * a name's other family is not waited for long once one has addresses). */
    struct dns_answered {
        char name[256]; /* as dns_msg.h spells a question's name */
        uint16_t qtype;
        uint64_t at_ms;
    } dns_answered[NET_DNS_ANSWERED];
    unsigned dns_answered_next;
    uint16_t host_http_port, host_socks_port; /* landlock isolation's proxies, or 0 */
};

/* Take a slot of class c for a connection about to be accepted: false when the class or
 * the total is full (the caller leaves the connection in the backlog). */
bool net_services_admit(struct net_services *ns, enum conn_class c);
/* The connection leaves class c but stays open (it became a tunnel). */
void net_services_leave_class(struct net_services *ns, enum conn_class c);
/* The connection is gone: its slot (and its class's, unless it left it) is free again. */
void net_services_release(struct net_services *ns, enum conn_class c);
/* A relay's done callback (ctx = ns) for a connection that left its class. */
void net_services_relay_done(void *ns);

/* Where violations go and how the proxies present themselves (the parts of
 * moat_run_options the services need). */
struct net_services_config {
    const char *log_path;    /* NULL: no log */
    moat_violation_fn fn;    /* NULL: no callback */
    void *ctx;
    const char *proxy_user;  /* NULL or "": PROXY_USER */
    enum moat_proxy_style proxy_style;
};

/* Before the clone: compile the policy, read the host's resolvers, bind the
 * host-side exposure listeners (so a busy port fails before anything runs). */
int net_services_new(struct loop *l, const struct moat_policy *p,
                     const struct net_services_config *cfg, struct net_services **out,
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
/* A proxy tunnel (CONNECT, SOCKS5) to authority, relayed once the workload's bytes are judged
 * as firewall mode judges a pool address's (net/firewall/names/name_gate.h): a shared server must
 * not be asked, through a tunnel to one name, for another site.  pending[0..n) are bytes the
 * workload already sent.  The connection has left its class (CONN_RELAYED); the tunnel
 * releases it.  An address as authority names no site and is relayed as it is. */
int tunnel_start_named(struct net_services *ns, int client, int fd, const void *pending,
                       size_t n, const char *authority);
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
