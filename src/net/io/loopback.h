/* Loopback endpoints, both families: the one place that builds 127.0.0.1 /
 * ::1 addresses and loopback listeners (the sandbox's services inside its
 * namespace, exposure listeners on the host, forwards). */
#ifndef MOAT_NET_LOOPBACK_H
#define MOAT_NET_LOOPBACK_H

#include <stdint.h>
#include <sys/socket.h>

/* 127.0.0.1:port (AF_INET) or [::1]:port (AF_INET6); returns its length. */
socklen_t loopback_sockaddr(int family, uint16_t port, struct sockaddr_storage *ss);

/* A non-blocking, close-on-exec socket of `type` bound to the loopback
 * address of `family` (IPv6-only for AF_INET6: never one dual-stack socket,
 * so an original destination is never ambiguous), listening if it is a
 * stream socket.  The fd, or -errno. */
int loopback_listen(int family, int type, uint16_t port);

#endif
