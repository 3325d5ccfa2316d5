/* Proxy variables; see proxy_env.h. */
#include "net/proxy/proxy_env.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/sandbox_sockets.h"
#include "sandbox/process/env.h"

/* A user name as URL userinfo (RFC 3986 §3.2.1): '+', '/' and '=' of a base64 label
 * percent-encoded, as srt writes them; clients decode it before they send it. */
static void userinfo(const char *user, char *out, size_t size)
{
    size_t o = 0;
    for (const char *c = user; *c && o + 4 < size; c++)
        o += (size_t)(strchr("+/=", *c) ? snprintf(out + o, size - o, "%%%02X", (unsigned char)*c)
                                        : snprintf(out + o, size - o, "%c", *c));
    out[o] = '\0';
}

int proxy_env_add(struct moat_strv *env, const char *user, const char *token)
{
    return proxy_env_add_ports(env, user, token, MOAT_HTTP_PROXY_PORT, MOAT_SOCKS_PROXY_PORT,
                               MOAT_JVM_PROXY_PORT);
}

int proxy_env_add_ports(struct moat_strv *env, const char *user, const char *token,
                        int http_port, int socks_port, int jvm_port)
{
    char http[960], socks[960], self[PATH_MAX] = "moat", u[800];
    userinfo(user, u, sizeof u);
    snprintf(http, sizeof http, "http://%s:%s@127.0.0.1:%d", u, token, http_port);
    snprintf(socks, sizeof socks, "socks5h://%s:%s@127.0.0.1:%d", u, token, socks_port);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0)
        self[n] = '\0';
    char java[512], ssh[PATH_MAX + 128], rsync[960], port[8];
    snprintf(port, sizeof port, "%d", http_port);
    /* The JVM ignores HTTP(S)_PROXY and sends no credential on CONNECT: it
     * gets the sandbox-only port that needs none. */
    snprintf(java, sizeof java,
             "-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=%d -Dhttps.proxyHost=127.0.0.1 "
             "-Dhttps.proxyPort=%d -Dhttp.nonProxyHosts=localhost|127.0.0.1|[::1]",
             jvm_port, jvm_port);
    /* ssh has no proxy support of its own: moat itself speaks CONNECT for it. */
    snprintf(ssh, sizeof ssh, "ssh -o ProxyCommand='%s connect %%h %%p'", self);
    snprintf(rsync, sizeof rsync, "%s:%s@127.0.0.1:%d", user, token, http_port);
    const char *no_proxy = "localhost,127.0.0.1,::1";
    struct { const char *name, *value; } vars[] = {
        { "HTTP_PROXY", http },          { "http_proxy", http },
        { "HTTPS_PROXY", http },         { "https_proxy", http },
        { "ALL_PROXY", socks },          { "all_proxy", socks },
        { "NO_PROXY", no_proxy },        { "no_proxy", no_proxy },
        { "GRPC_PROXY", http },          { "grpc_proxy", http },
        { "JAVA_TOOL_OPTIONS", java },   { "NODE_USE_ENV_PROXY", "1" },
        { "GIT_SSH_COMMAND", ssh },      { "npm_config_proxy", http },
        { "npm_config_https_proxy", http }, { "PIP_PROXY", http },
        { "CLOUDSDK_PROXY_TYPE", "http" }, { "CLOUDSDK_PROXY_ADDRESS", "127.0.0.1" },
        { "CLOUDSDK_PROXY_PORT", port }, { "CLOUDSDK_PROXY_USERNAME", user },
        { "CLOUDSDK_PROXY_PASSWORD", token }, { "DOCKER_HTTP_PROXY", http },
        { "DOCKER_HTTPS_PROXY", http },  { "RSYNC_PROXY", rsync },
    };
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        if (jvm_port == 0 && strcmp(vars[i].name, "JAVA_TOOL_OPTIONS") == 0)
            continue;
        char entry[PATH_MAX + 1024];
        snprintf(entry, sizeof entry, "%s=%s", vars[i].name, vars[i].value);
        int r = env_put(env, entry);
        if (r < 0)
            return r;
    }
    return 0;
}
