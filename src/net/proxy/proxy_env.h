/* The environment that points the common toolchains at the sandbox's
 * proxies: always the literal 127.0.0.1 (never "localhost", which may
 * resolve to ::1 first), with the per-sandbox credential in the URLs. */
#ifndef MOAT_NET_PROXY_ENV_H
#define MOAT_NET_PROXY_ENV_H

#include "policy/model.h"

/* Append (replacing same-named entries) to env.  git's ssh ProxyCommand is
 * this program itself (`moat connect %h %p`, found via /proc/self/exe). */
int proxy_env_add(struct moat_strv *env, const char *user, const char *token);

/* The same for proxies at other ports (landlock isolation: on the host's
 * loopback, where the kernel picked them); jvm_port 0: no JVM settings
 * (the JVM sends no credential, and a port without one would be open to
 * every local process). */
int proxy_env_add_ports(struct moat_strv *env, const char *user, const char *token,
                        int http_port, int socks_port, int jvm_port);

#endif
