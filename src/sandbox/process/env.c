/* The workload's environment; see env.h.  Pure: no getenv, no syscalls. */
#include "sandbox/process/env.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

/* Kept by default: what a shell and most tools need to behave normally,
 * and the variables that point TLS clients at extra CA certificates (a
 * TLS-inspecting corporate proxy's): they name files, never hold a secret,
 * and without them every HTTPS request fails behind such a proxy. */
static const char *const default_keep[] = {
    "PATH", "HOME", "TERM", "LANG", "LC_*", "USER", "LOGNAME", "SHELL",
    "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", NULL,
};

static bool name_matches(const char *pattern, const char *entry)
{
    size_t n = strcspn(entry, "=");
    char name[256];
    if (n >= sizeof name)
        return false;
    memcpy(name, entry, n);
    name[n] = '\0';
    return fnmatch(pattern, name, 0) == 0;
}

static bool kept(const struct moat_policy *p, const char *entry)
{
    for (const char *const *k = default_keep; *k; k++)
        if (name_matches(*k, entry))
            return true;
    for (size_t i = 0; i < p->proc.pass_env.n; i++)
        if (name_matches(p->proc.pass_env.v[i], entry))
            return true;
    return false;
}

/* Replace NAME=... if present, else append. */
int env_put(struct moat_strv *env, const char *entry)
{
    size_t n = strcspn(entry, "=");
    for (size_t i = 0; i < env->n; i++)
        if (strncmp(env->v[i], entry, n) == 0 && env->v[i][n] == '=') {
            char *copy = strdup(entry);
            if (!copy)
                return -ENOMEM;
            free(env->v[i]);
            env->v[i] = copy;
            return 0;
        }
    return strv_push(env, entry);
}

const char *env_lookup(const struct moat_strv *env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < env->n; i++)
        if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
            return env->v[i] + n + 1;
    return NULL;
}

int env_build(const struct moat_policy *p, char *const *environ_in,
              const struct moat_strv *extra, struct moat_strv *out)
{
    int r = 0;
    *out = (struct moat_strv){ 0 };
    for (char *const *e = environ_in; e && *e && r == 0; e++)
        if (strchr(*e, '=') && kept(p, *e))
            r = env_put(out, *e);
    if (r == 0 && !env_lookup(out, "PATH"))
        r = env_put(out, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
    for (size_t i = 0; extra && i < extra->n && r == 0; i++)
        r = env_put(out, extra->v[i]);
    for (size_t i = 0; i < p->proc.set_env.n && r == 0; i++)
        r = env_put(out, p->proc.set_env.v[i]);
    if (r < 0)
        strv_free(out);
    return r;
}
