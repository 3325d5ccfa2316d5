/* The policy model: defaults, copy/free, names, the merge helpers every
 * loader uses, and moat_policy_finalize's cross-field checks and warnings.
 * Never reads files or JSON (load_json.c does) and never touches the system
 * beyond getcwd/passwd for path expansion and stat(2) for the warnings
 * about paths that do not exist (enforcement never depends on it: the
 * mount builder resolves every path itself, through an fd). */
#include "policy/policy.h"
#include "net/rules/netrule.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "policy/paths.h"
#include "policy/protected.h"
#include "policy/warnings.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/strv.h"

void policy_init(struct moat_policy *p)
{
    *p = (struct moat_policy){0};
    p->fs.read_model = MOAT_READ_ALL;
    p->fs.private_tmp = true;
    p->fs.protect_defaults = true;
    p->net.mode = MOAT_NET_NONE;
}

void policy_release(struct moat_policy *p)
{
    strv_free(&p->sources);
    strv_free(&p->warnings);
    strv_free(&p->fs.deny_read);
    strv_free(&p->fs.allow_read);
    strv_free(&p->fs.allow_write);
    strv_free(&p->fs.deny_write);
    strv_free(&p->fs.unprotect);
    strv_free(&p->fs.protect);
    strv_free(&p->net.unix_sockets);
    strv_free(&p->net.allow);
    strv_free(&p->net.deny);
    free(p->net.expose);
    free(p->net.host_ports);
    strv_free(&p->proc.pass_env);
    strv_free(&p->proc.set_env);
    free(p->proc.cwd);
    policy_init(p);
}

struct moat_policy *moat_policy_new(void)
{
    struct moat_policy *p = malloc(sizeof *p);
    if (p)
        policy_init(p);
    return p;
}

void moat_policy_free(struct moat_policy *p)
{
    if (!p)
        return;
    policy_release(p);
    free(p);
}

enum moat_net_mode moat_policy_network_mode(const struct moat_policy *p)
{
    return p->net.mode;
}

size_t moat_policy_warning_count(const struct moat_policy *p)
{
    return p->warnings.n;
}

const char *moat_policy_warning(const struct moat_policy *p, size_t i)
{
    return i < p->warnings.n ? p->warnings.v[i] : NULL;
}

int moat_policy_debug_disable(struct moat_policy *p, const char *layer, struct moat_error *err)
{
    if (strcmp(layer, "landlock") == 0)
        p->debug_no_landlock = true;
    else if (strcmp(layer, "mounts") == 0)
        p->debug_no_mount_protection = true;
    else if (strcmp(layer, "guard") == 0)
        p->debug_no_guard = true;
    else
        return error_set(err, -EINVAL, "no layer \"%s\" (expected landlock, mounts or guard)",
                         layer);
    return 0;
}

int moat_policy_debug_fakeip_lifetime(struct moat_policy *p, unsigned seconds,
                                      struct moat_error *err)
{
    if (seconds < 1 || seconds > 86400)
        return error_set(err, -EINVAL, "pool address lifetime %u: expected 1 to 86400 seconds",
                         seconds);
    p->debug_fakeip_lifetime_s = seconds;
    return 0;
}

int moat_policy_debug_pause_at(struct moat_policy *p, const char *phase, struct moat_error *err)
{
    for (int i = 0; debug_pause_names[i]; i++)
        if (strcmp(phase, debug_pause_names[i]) == 0) {
            p->debug_pause_at = (enum moat_debug_pause)(i + 1);
            return 0;
        }
    return error_set(err, -EINVAL, "no set-up phase \"%s\" (expected clone, network, nftables, "
                     "mounts or exec)", phase);
}

const char *moat_net_mode_name(enum moat_net_mode m)
{
    switch (m) {
    case MOAT_NET_NONE:
        return "none";
    case MOAT_NET_PROXY:
        return "proxy";
    case MOAT_NET_FIREWALL:
        return "firewall";
    case MOAT_NET_HOST:
        return "host";
    }
    return "unknown";
}

const char *moat_isolation_name(enum moat_isolation m)
{
    switch (m) {
    case MOAT_ISOLATION_NAMESPACES:
        return "namespaces";
    case MOAT_ISOLATION_LANDLOCK:
        return "landlock";
    case MOAT_ISOLATION_AUTO:
        return "auto";
    }
    return "unknown";
}

const char *moat_read_model_name(enum moat_read_model m)
{
    switch (m) {
    case MOAT_READ_ALL:
        return "all";
    case MOAT_READ_LISTED:
        return "listed";
    }
    return "unknown";
}

/* ---- copying ---------------------------------------------------------- */

static int strv_copy(struct moat_strv *dst, const struct moat_strv *src)
{
    *dst = (struct moat_strv){0};
    for (size_t i = 0; i < src->n; i++)
        if (strv_push(dst, src->v[i]) < 0)
            return -ENOMEM;
    return 0;
}

static int ports_copy(uint16_t **dst, size_t *ndst, const uint16_t *src, size_t n)
{
    *dst = NULL;
    *ndst = 0;
    if (n == 0)
        return 0;
    *dst = malloc(n * sizeof *src);
    if (!*dst)
        return -ENOMEM;
    memcpy(*dst, src, n * sizeof *src);
    *ndst = n;
    return 0;
}

static int str_copy(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -ENOMEM : 0;
}

int policy_copy(struct moat_policy *dst, const struct moat_policy *src)
{
    /* Scalars (and the rlimit table, stored inline) come across by value;
     * then every owned pointer is replaced by a copy of its own. */
    *dst = *src;
    dst->sources = dst->warnings = (struct moat_strv){0};
    dst->fs.deny_read = dst->fs.allow_read = dst->fs.allow_write = dst->fs.deny_write =
        dst->fs.unprotect = dst->fs.protect = (struct moat_strv){0};
    dst->net.allow = dst->net.deny = dst->net.unix_sockets = (struct moat_strv){0};
    dst->net.expose = dst->net.host_ports = NULL;
    dst->net.n_expose = dst->net.n_host_ports = 0;
    dst->proc.pass_env = dst->proc.set_env = (struct moat_strv){0};
    dst->proc.cwd = NULL;

    if (strv_copy(&dst->sources, &src->sources) < 0 ||
        strv_copy(&dst->warnings, &src->warnings) < 0 ||
        strv_copy(&dst->fs.deny_read, &src->fs.deny_read) < 0 ||
        strv_copy(&dst->fs.allow_read, &src->fs.allow_read) < 0 ||
        strv_copy(&dst->fs.allow_write, &src->fs.allow_write) < 0 ||
        strv_copy(&dst->fs.deny_write, &src->fs.deny_write) < 0 ||
        strv_copy(&dst->fs.unprotect, &src->fs.unprotect) < 0 ||
        strv_copy(&dst->fs.protect, &src->fs.protect) < 0 ||
        strv_copy(&dst->net.unix_sockets, &src->net.unix_sockets) < 0 ||
        strv_copy(&dst->net.allow, &src->net.allow) < 0 ||
        strv_copy(&dst->net.deny, &src->net.deny) < 0 ||
        ports_copy(&dst->net.expose, &dst->net.n_expose, src->net.expose, src->net.n_expose) <
            0 ||
        ports_copy(&dst->net.host_ports, &dst->net.n_host_ports, src->net.host_ports,
                   src->net.n_host_ports) < 0 ||
        strv_copy(&dst->proc.pass_env, &src->proc.pass_env) < 0 ||
        strv_copy(&dst->proc.set_env, &src->proc.set_env) < 0 ||
        str_copy(&dst->proc.cwd, src->proc.cwd) < 0) {
        moat_policy_free(dst);
        return -ENOMEM;
    }
    return 0;
}

/* ---- merge helpers ---------------------------------------------------- */

int policy_set_env(struct moat_policy *p, const char *name, const char *value)
{
    char *entry;
    if (asprintf(&entry, "%s=%s", name, value) < 0)
        return -ENOMEM;
    size_t nlen = strlen(name);
    struct moat_strv *env = &p->proc.set_env;
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->v[i], name, nlen) == 0 && env->v[i][nlen] == '=') {
            free(env->v[i]);
            env->v[i] = entry;
            return 0;
        }
    }
    return strv_push_owned(env, entry);
}

int policy_set_rlimit(struct moat_policy *p, int resource, uint64_t soft, uint64_t hard)
{
    size_t i;
    for (i = 0; i < p->proc.n_rlimits; i++)
        if (p->proc.rlimits[i].resource == resource)
            break;
    if (i == MOAT_MAX_RLIMITS)
        return -E2BIG;
    p->proc.rlimits[i] = (struct moat_rlimit){.resource = resource, .soft = soft, .hard = hard};
    if (i == p->proc.n_rlimits)
        p->proc.n_rlimits++;
    return 0;
}

int policy_add_port(uint16_t **ports, size_t *n, uint16_t port)
{
    uint16_t *v = realloc(*ports, (*n + 1) * sizeof *v);
    if (!v)
        return -ENOMEM;
    v[(*n)++] = port;
    *ports = v;
    return 0;
}

/* ---- vocabularies ------------------------------------------------------ */

static const struct {
    const char *name;
    int resource;
} rlimit_table[] = {
    {"as", RLIMIT_AS},         {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},       {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},   {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},     {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},   {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
};
#define N_RLIMITS (sizeof rlimit_table / sizeof rlimit_table[0])
_Static_assert(N_RLIMITS <= MOAT_MAX_RLIMITS, "every named limit must fit in the policy");

const char *const policy_rlimit_names[] = {
    "as",     "core",  "cpu", "data",   "fsize",  "locks",      "memlock", "msgqueue", "nice",
    "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",   NULL,
};
_Static_assert(sizeof policy_rlimit_names / sizeof policy_rlimit_names[0] == N_RLIMITS + 1,
               "policy_rlimit_names and rlimit_table list the same limits");

int policy_rlimit_resource(const char *name)
{
    for (size_t i = 0; i < N_RLIMITS; i++)
        if (strcmp(rlimit_table[i].name, name) == 0)
            return rlimit_table[i].resource;
    return -1;
}

const char *policy_rlimit_name(int resource)
{
    for (size_t i = 0; i < N_RLIMITS; i++)
        if (rlimit_table[i].resource == resource)
            return rlimit_table[i].name;
    return NULL;
}

int policy_parse_size(const char *s, uint64_t *out)
{
    if (!isdigit((unsigned char)s[0]))
        return -EINVAL;
    uint64_t v = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -ERANGE;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    unsigned shift = 0;
    switch (*p) {
    case 'k': case 'K': shift = 10; p++; break;
    case 'm': case 'M': shift = 20; p++; break;
    case 'g': case 'G': shift = 30; p++; break;
    case 't': case 'T': shift = 40; p++; break;
    default: break;
    }
    if (*p != '\0' || v == 0)
        return -EINVAL;
    if (v > ((uint64_t)INT64_MAX >> shift))
        return -ERANGE;
    *out = v << shift;
    return 0;
}

static bool has_control_char(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

const char *policy_env_name_problem(const char *name)
{
    if (!*name)
        return "empty variable name";
    if (strchr(name, '='))
        return "variable name contains '='";
    return NULL;
}

const char *policy_pass_env_problem(const char *pattern)
{
    if (!*pattern)
        return "empty variable name";
    if (strchr(pattern, '='))
        return "variable name contains '='";
    /* The environment builder matches with fnmatch(3): keep every other
     * glob character out so a name means itself. */
    if (strpbrk(pattern, "?[]\\"))
        return "'?', '[', ']' and '\\' are not allowed (the only wildcard is a trailing '*')";
    const char *star = strchr(pattern, '*');
    if (star && star[1] != '\0')
        return "'*' is only allowed at the end (PREFIX_*)";
    return NULL;
}

const char *policy_net_rule_problem(const char *rule)
{
    if (!*rule)
        return "empty rule";
    for (const char *c = rule; *c; c++)
        if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r' || *c == '\v' || *c == '\f')
            return "rule contains whitespace";
    if (has_control_char(rule))
        return "rule contains a control character";
    return NULL;
}

/* Optimal string alignment distance, ASCII case folded. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *policy_suggest(const char *word, const char *const *candidates)
{
    if (strlen(word) > 64)
        return NULL;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (const char *const *c = candidates; *c; c++) {
        if (strlen(*c) > 64)
            continue;
        size_t d = edit_distance(word, *c);
        size_t limit = strlen(*c) <= 4 ? 1 : 2;
        if (d <= limit && d < best_d) {
            best = *c;
            best_d = d;
        }
    }
    return best;
}

/* ---- paths from the command line -------------------------------------- */

int moat_policy_add_path(struct moat_strv *list, const char *path, const char *base_dir,
                         struct moat_error *err)
{
    _cleanup_free_ char *cwd = NULL;
    if (!base_dir && path && path[0] != '/' && path[0] != '~') {
        cwd = getcwd(NULL, 0);
        if (!cwd)
            return error_set_errno(err, -errno, "cannot resolve \"%s\": getcwd", path);
        base_dir = cwd;
    }
    char *norm = NULL;
    int r = path_normalize(path, base_dir, &norm, err);
    if (r < 0)
        return r;
    r = strv_push_owned(list, norm);
    return r < 0 ? error_set(err, r, "out of memory") : 0;
}

/* ---- finalize ---------------------------------------------------------- */

static void strv_dedup(struct moat_strv *sv)
{
    size_t o = 0;
    for (size_t i = 0; i < sv->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < o && !seen; j++)
            seen = strcmp(sv->v[j], sv->v[i]) == 0;
        if (seen)
            free(sv->v[i]);
        else
            sv->v[o++] = sv->v[i];
    }
    sv->n = o;
    if (sv->v)
        sv->v[o] = NULL;
}

static void ports_dedup(uint16_t *v, size_t *n)
{
    size_t o = 0;
    for (size_t i = 0; i < *n; i++) {
        bool seen = false;
        for (size_t j = 0; j < o && !seen; j++)
            seen = v[j] == v[i];
        if (!seen)
            v[o++] = v[i];
    }
    *n = o;
}

static int finalize_paths(struct moat_strv *sv, const char *field, struct moat_error *err)
{
    for (size_t i = 0; i < sv->n; i++) {
        if (!path_clean_absolute(sv->v[i]))
            return error_set(err, -EINVAL, "%s: \"%s\" is not an absolute path", field,
                             sv->v[i]);
    }
    strv_dedup(sv);
    return 0;
}

/* The sandbox's /proc, /sys and /dev are its own.  Sharing the host's would
 * show every host process and, to a workload run by root, let it write host
 * sysctls (/proc/sys) and devices; hiding parts of them is what moat
 * already does (docs/security.md). */
static int refuse_special(const struct moat_strv *sv, const char *field, struct moat_error *err)
{
    static const char *const special[] = {"/proc", "/sys", "/dev", NULL};
    for (size_t i = 0; i < sv->n; i++)
        for (const char *const *s = special; *s; s++) {
            size_t n = strlen(*s);
            if (strncmp(sv->v[i], *s, n) == 0 && (sv->v[i][n] == '\0' || sv->v[i][n] == '/'))
                return error_set(err, -EINVAL, "%s: \"%s\": %s inside the sandbox is its own, "
                                 "not the host's, and cannot be shared or changed by a rule",
                                 field, sv->v[i], *s);
        }
    return 0;
}

static int finalize_protect(struct moat_policy *p, struct moat_error *err)
{
    for (size_t i = 0; i < p->fs.unprotect.n; i++)
        if (!protected_name_find(p->fs.unprotect.v[i]))
            return error_set(err, -EINVAL, "$.filesystem.unprotect: unknown protection \"%s\"",
                             p->fs.unprotect.v[i]);
    strv_dedup(&p->fs.unprotect);
    for (size_t i = 0; i < p->fs.protect.n; i++) {
        const char *why = protected_pattern_problem(p->fs.protect.v[i]);
        if (why)
            return error_set(err, -EINVAL, "$.filesystem.protect: \"%s\": %s",
                             p->fs.protect.v[i], why);
    }
    strv_dedup(&p->fs.protect);
    return 0;
}

static int finalize_fs(struct moat_policy *p, struct moat_error *err)
{
    if (p->fs.read_model != MOAT_READ_ALL && p->fs.read_model != MOAT_READ_LISTED)
        return error_set(err, -EINVAL, "$.filesystem.read: invalid read model %d",
                         (int)p->fs.read_model);
    int r;
    if ((r = finalize_paths(&p->fs.deny_read, "$.filesystem.denyRead", err)) < 0 ||
        (r = finalize_paths(&p->fs.allow_read, "$.filesystem.allowRead", err)) < 0 ||
        (r = finalize_paths(&p->fs.allow_write, "$.filesystem.allowWrite", err)) < 0 ||
        (r = finalize_paths(&p->fs.deny_write, "$.filesystem.denyWrite", err)) < 0 ||
        (r = refuse_special(&p->fs.deny_read, "$.filesystem.denyRead", err)) < 0 ||
        (r = refuse_special(&p->fs.allow_read, "$.filesystem.allowRead", err)) < 0 ||
        (r = refuse_special(&p->fs.allow_write, "$.filesystem.allowWrite", err)) < 0 ||
        (r = refuse_special(&p->fs.deny_write, "$.filesystem.denyWrite", err)) < 0)
        return r;
    /* Hiding "/" leaves nothing to run; the "listed" model is the way to
     * start from an empty view. */
    if (strv_contains(&p->fs.deny_read, "/"))
        return error_set(err, -EINVAL, "$.filesystem.denyRead: \"/\" would hide the whole "
                         "filesystem; use filesystem.read = \"listed\" instead");
    if (strv_contains(&p->fs.allow_write, "/"))
        return error_set(err, -EINVAL, "$.filesystem.allowWrite: \"/\" would make the host "
                         "writable; list the directories instead");
    return finalize_protect(p, err);
}

static int finalize_rules(struct moat_strv *sv, const char *field, struct moat_error *err)
{
    for (size_t i = 0; i < sv->n; i++) {
        const char *why = policy_net_rule_problem(sv->v[i]);
        if (why)
            return error_set(err, -EINVAL, "%s: \"%s\": %s", field, sv->v[i], why);
    }
    strv_dedup(sv);
    return 0;
}

static int finalize_ports(uint16_t *v, size_t *n, const char *field, struct moat_error *err)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == 0)
            return error_set(err, -EINVAL, "%s: port 0 out of range (1-65535)", field);
    ports_dedup(v, n);
    return 0;
}

static int finalize_net(struct moat_policy *p, struct moat_error *err)
{
    switch (p->net.mode) {
    case MOAT_NET_NONE:
    case MOAT_NET_PROXY:
    case MOAT_NET_FIREWALL:
    case MOAT_NET_HOST:
        break;
    default:
        return error_set(err, -EINVAL, "$.network.mode: invalid mode %d", (int)p->net.mode);
    }
    int r;
    if ((r = finalize_paths(&p->net.unix_sockets, "$.network.allowUnixSockets", err)) < 0)
        return r;
    if (p->net.allow_unix_sockets && p->net.unix_sockets.n)
        return error_set(err, -EINVAL, "$.network.allowUnixSockets: true (every socket) and a "
                         "list of socket paths were both given; choose one");
    if ((r = finalize_rules(&p->net.allow, "$.network.allow", err)) < 0 ||
        (r = finalize_rules(&p->net.deny, "$.network.deny", err)) < 0 ||
        (r = finalize_ports(p->net.expose, &p->net.n_expose, "$.network.expose", err)) < 0 ||
        (r = finalize_ports(p->net.host_ports, &p->net.n_host_ports, "$.network.hostPorts",
                            err)) < 0)
        return r;
    /* The host's network is unfiltered: a deny rule there would be a
     * promise moat does not keep (allow rules only warn: everything is
     * allowed already, see policy_warn_no_effect). */
    if (p->net.mode == MOAT_NET_HOST && p->net.deny.n)
        return error_set(err, -EINVAL, "$.network.deny: \"%s\" cannot be enforced in network "
                         "mode \"host\" (the host's network, unfiltered); use mode \"firewall\" "
                         "with allow [\"*\"] to refuse only the denied destinations",
                         p->net.deny.v[0]);
    if (p->net.mode == MOAT_NET_HOST && (p->net.n_expose || p->net.n_host_ports))
        return error_set(err, -EINVAL, "$.network.%s: needs an isolated network; with mode "
                         "\"host\" the sandbox shares the host's ports already",
                         p->net.n_expose ? "expose" : "hostPorts");
    /* Parse every rule now, with the network module's own parser, so `moat
     * check` refuses what `moat run` would (errors name $.network.allow[i]). */
    struct netpolicy np;
    if ((r = netpolicy_build(&p->net.allow, &p->net.deny, &np, err)) < 0)
        return r;
    netpolicy_free(&np);
    return 0;
}

static int finalize_env(struct moat_policy *p, struct moat_error *err)
{
    for (size_t i = 0; i < p->proc.pass_env.n; i++) {
        const char *why = policy_pass_env_problem(p->proc.pass_env.v[i]);
        if (why)
            return error_set(err, -EINVAL, "$.process.passEnv: \"%s\": %s",
                             p->proc.pass_env.v[i], why);
    }
    strv_dedup(&p->proc.pass_env);
    for (size_t i = 0; i < p->proc.set_env.n; i++) {
        const char *e = p->proc.set_env.v[i], *eq = strchr(e, '=');
        if (!eq || eq == e)
            return error_set(err, -EINVAL, "$.process.env: \"%s\" is not NAME=VALUE", e);
    }
    strv_dedup(&p->proc.set_env);
    return 0;
}

static int finalize_proc(struct moat_policy *p, struct moat_error *err)
{
    int r = finalize_env(p, err);
    if (r < 0)
        return r;
    if (p->proc.cwd && !path_clean_absolute(p->proc.cwd))
        return error_set(err, -EINVAL, "$.process.cwd: \"%s\" is not an absolute path",
                         p->proc.cwd);
    /* written so that NaN fails too */
    if (!(p->proc.timeout >= 0 && p->proc.timeout <= POLICY_TIMEOUT_MAX))
        return error_set(err, -EINVAL, "$.process.timeout: %g is not between 0 and %g seconds",
                         p->proc.timeout, POLICY_TIMEOUT_MAX);
    if (p->proc.n_rlimits > MOAT_MAX_RLIMITS)
        return error_set(err, -EINVAL, "$.process.rlimits: too many limits");
    for (size_t i = 0; i < p->proc.n_rlimits; i++) {
        const struct moat_rlimit *rl = &p->proc.rlimits[i];
        const char *name = policy_rlimit_name(rl->resource);
        if (!name)
            return error_set(err, -EINVAL, "$.process.rlimits: unknown resource %d",
                             rl->resource);
        for (size_t j = 0; j < i; j++)
            if (p->proc.rlimits[j].resource == rl->resource)
                return error_set(err, -EINVAL, "$.process.rlimits.%s: set twice", name);
        /* Values JSON can carry: a count up to INT64_MAX, or infinity. */
        if ((rl->soft != (uint64_t)RLIM_INFINITY && rl->soft > INT64_MAX) ||
            (rl->hard != (uint64_t)RLIM_INFINITY && rl->hard > INT64_MAX))
            return error_set(err, -EINVAL, "$.process.rlimits.%s: value too large", name);
        if (rl->soft > rl->hard)
            return error_set(err, -EINVAL, "$.process.rlimits.%s: soft limit is above the "
                             "hard limit", name);
    }
    if (p->proc.memory_max > INT64_MAX)
        return error_set(err, -EINVAL, "$.process.memoryMax: too large");
    if (p->proc.pids_max > INT64_MAX)
        return error_set(err, -EINVAL, "$.process.pidsMax: too large");
    return 0;
}

int moat_policy_finalize(struct moat_policy *p, struct moat_error *err)
{
    /* The policy files are write-protected inside the sandbox by path: a
     * relative one would protect the wrong file. */
    for (size_t i = 0; i < p->sources.n; i++)
        if (!path_clean_absolute(p->sources.v[i]))
            return error_set(err, -EINVAL, "policy source \"%s\" is not an absolute path",
                             p->sources.v[i]);
    strv_dedup(&p->sources);
    int r;
    if ((r = finalize_fs(p, err)) < 0 || (r = finalize_net(p, err)) < 0 ||
        (r = finalize_proc(p, err)) < 0)
        return r;
    if ((r = policy_warn_no_effect(p)) < 0)
        return error_set(err, r, "out of memory");
    strv_dedup(&p->warnings);
    return 0;
}
