/* The effective policy as JSON, in the input format's own key names and
 * order, every field present (defaults and "unset" as null), so the output
 * is itself a policy file that loads back to the same policy.  Never
 * validates (finalize does) and never prints: returns a string. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "policy/policy.h"

/* Policy strings come from a UTF-8 file or from the command line, where a
 * path may be any bytes; jansson refuses non-UTF-8.  Then show each
 * non-ASCII byte as U+FFFD rather than fail the whole dump. */
static json_t *str(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *safe = malloc(n * 3 + 1);
    if (!safe)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x80) {
            safe[o++] = s[i];
        } else {
            memcpy(safe + o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
    }
    safe[o] = '\0';
    j = json_string(safe);
    free(safe);
    return j;
}

static json_t *strv(const struct moat_strv *sv)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < sv->n; i++)
        if (json_array_append_new(a, str(sv->v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *ports(const uint16_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_integer(v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* 0 means unset for these counters: null. */
static json_t *count_or_null(uint64_t v)
{
    return v ? json_integer((json_int_t)v) : json_null();
}

static json_t *limit(uint64_t v)
{
    return v == (uint64_t)RLIM_INFINITY ? json_string("unlimited")
                                        : json_integer((json_int_t)v);
}

static json_t *rlimits(const struct moat_policy *p)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < p->proc.n_rlimits && i < MOAT_MAX_RLIMITS; i++) {
        const struct moat_rlimit *rl = &p->proc.rlimits[i];
        const char *name = policy_rlimit_name(rl->resource);
        if (!name)
            continue; /* finalize refuses these; nothing the format can say */
        json_t *v = rl->soft == (uint64_t)RLIM_INFINITY && rl->hard == (uint64_t)RLIM_INFINITY
                        ? json_string("unlimited")
                        : json_pack("{s:o, s:o}", "soft", limit(rl->soft), "hard",
                                    limit(rl->hard));
        if (json_object_set_new(o, name, v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *env(const struct moat_policy *p)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < p->proc.set_env.n; i++) {
        const char *e = p->proc.set_env.v[i], *eq = strchr(e, '=');
        if (!eq)
            continue;
        char *name = strndup(e, (size_t)(eq - e));
        json_t *v = str(eq + 1);
        int r = name && v ? json_object_set_new(o, name, v) : -1;
        if (r < 0 && !(name && v))
            json_decref(v);
        free(name);
        if (r < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* json_pack's "o" steals a reference and fails cleanly (freeing the others)
 * when any value is NULL, so allocation failures anywhere give NULL. */
static json_t *filesystem(const struct moat_policy *p)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o}",
                     "read", moat_read_model_name(p->fs.read_model),
                     "denyRead", strv(&p->fs.deny_read),
                     "allowRead", strv(&p->fs.allow_read),
                     "allowWrite", strv(&p->fs.allow_write),
                     "denyWrite", strv(&p->fs.deny_write),
                     "privateTmp", (int)p->fs.private_tmp,
                     "protectDefaults", (int)p->fs.protect_defaults,
                     "unprotect", strv(&p->fs.unprotect),
                     "protect", strv(&p->fs.protect),
                     "tmpSize", count_or_null(p->fs.tmp_size));
}

static json_t *network(const struct moat_policy *p)
{
    return json_pack("{s:s, s:o, s:o, s:b, s:o, s:o, s:o}",
                     "mode", moat_net_mode_name(p->net.mode),
                     "allow", strv(&p->net.allow),
                     "deny", strv(&p->net.deny),
                     "allowLocalBinding", (int)p->net.allow_local_binding,
                     "allowUnixSockets", p->net.unix_sockets.n ? strv(&p->net.unix_sockets)
                                                               : json_boolean(p->net.allow_unix_sockets),
                     "expose", ports(p->net.expose, p->net.n_expose),
                     "hostPorts", ports(p->net.host_ports, p->net.n_host_ports));
}

static json_t *process(const struct moat_policy *p)
{
    /* A whole number of seconds prints as an integer ("30", not "30.0"). */
    double t = p->proc.timeout;
    json_t *timeout;
    if (!(t > 0))
        timeout = json_null();
    else if (t <= POLICY_TIMEOUT_MAX && t == (double)(json_int_t)t)
        timeout = json_integer((json_int_t)t);
    else
        timeout = json_real(t);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s}",
                     "env", env(p),
                     "passEnv", strv(&p->proc.pass_env),
                     "cwd", p->proc.cwd ? str(p->proc.cwd) : json_null(),
                     "timeout", timeout,
                     "rlimits", rlimits(p),
                     "memoryMax", count_or_null(p->proc.memory_max),
                     "pidsMax", count_or_null(p->proc.pids_max),
                     "allowNestedNamespaces", (int)p->proc.allow_nested_namespaces,
                     "isolation", moat_isolation_name(p->proc.isolation));
}

/* Fewest digits that still read back as the same double: 15 usually do
 * ("0.1"), some values need 17. */
static int real_precision(double t)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.15g", t);
    return strtod(buf, NULL) == t ? 15 : 17;
}

char *moat_policy_to_json(const struct moat_policy *p)
{
    json_t *root = json_pack("{s:o, s:o, s:o}", "filesystem", filesystem(p), "network",
                             network(p), "process", process(p));
    if (!root)
        return NULL;
    char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(real_precision(p->proc.timeout)));
    json_decref(root);
    return out;
}
