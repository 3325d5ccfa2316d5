/* The policy file format: walks a parsed JSON document in document order,
 * validates every value and merges it into a policy, with FILE:LINE:COL and
 * the JSON path in every message.  Never parses text (jansson does), never
 * reads files, never prints. */
#include "policy/load_format.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "policy/json/json_where.h"
#include "policy/paths.h"
#include "policy/policy.h"
#include "policy/protected.h"
#include "policy/warnings.h"
#include "util/error.h"
#include "util/strv.h"

struct load_ctx {
    struct json_where w;  /* the text, its name for messages, and where we are in it */
    const char *base_dir; /* for relative paths */
    struct moat_policy *p; /* the scratch copy being merged into */
    struct moat_error *err;
};

/* ---- where we are, and saying what is wrong there ---------------------- */

static void push_key(struct load_ctx *c, const char *key)
{
    json_where_push_key(&c->w, key);
}

static void push_index(struct load_ctx *c, size_t index)
{
    json_where_push_index(&c->w, index);
}

static void pop(struct load_ctx *c)
{
    json_where_pop(&c->w);
}

static void quote(char *buf, size_t size, const char *s, size_t max)
{
    json_where_quote(buf, size, s, max);
}

/* "FILE:LINE:COL: $.path: msg" into out.  The position is that of the
 * current value (or of its key, for key problems). */
__attribute__((format(printf, 5, 6))) static void
located(const struct load_ctx *c, enum json_locate_target target, char *out, size_t size,
        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_where_vformat(&c->w, target, out, size, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 4, 5))) static int
load_fail(struct load_ctx *c, int code, enum json_locate_target target, const char *fmt, ...)
{
    char msg[640], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    located(c, target, line, sizeof line, "%s", msg);
    return error_set(c->err, code, "%s", line);
}

/* The same, as a warning in the policy (kept only if the whole file loads). */
__attribute__((format(printf, 2, 3))) static int load_warn(struct load_ctx *c, const char *fmt,
                                                           ...)
{
    char msg[640], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    located(c, JSON_LOCATE_VALUE, line, sizeof line, "%s", msg);
    return policy_warn(c->p, "%s", line) < 0 ? error_set(c->err, -ENOMEM, "out of memory") : 0;
}

static int oom(struct load_ctx *c)
{
    return error_set(c->err, -ENOMEM, "out of memory");
}

static int type_error(struct load_ctx *c, const json_t *v, const char *want)
{
    return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "expected %s, got %s", want, json_where_kind(v));
}

/* Where an integer is wanted, a real is shown by value: "got 80.5". */
static int int_type_error(struct load_ctx *c, const json_t *v, const char *want)
{
    if (json_is_real(v))
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "expected %s, got %g", want,
                         json_real_value(v));
    return type_error(c, v, want);
}

/* A string without embedded NUL (the file is parsed with JSON_ALLOW_NUL so
 * that "\u0000" is reported here, with its path, instead of as a bare
 * syntax error). `what` names it in the NUL message. */
static int want_string(struct load_ctx *c, const json_t *v, const char *what, const char **out)
{
    if (!json_is_string(v))
        return type_error(c, v, "a string");
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "%s contains a NUL byte", what);
    *out = s;
    return 0;
}

/* " (did you mean \"x\"?)" or " (expected one of: a, b, c)". */
static void hint(char *buf, size_t size, const char *word, const char *const *candidates)
{
    const char *s = policy_suggest(word, candidates);
    if (s) {
        snprintf(buf, size, " (did you mean \"%s\"?)", s);
        return;
    }
    size_t o = (size_t)snprintf(buf, size, " (expected one of: ");
    for (const char *const *k = candidates; *k && o < size; k++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", k == candidates ? "" : ", ", *k);
    if (o < size)
        snprintf(buf + o, size - o, ")");
}

/* ---- the format, as a table -------------------------------------------- */

enum field_kind {
    FIELD_SECTION,    /* nested object, `sub` */
    FIELD_IGNORED,    /* "$schema": a string, otherwise ignored */
    FIELD_BOOL,       /* bool at off */
    FIELD_PATHS,      /* struct moat_strv at off, each entry a normalised path */
    FIELD_READ_MODEL, /* enum moat_read_model at off */
    FIELD_UNPROTECT,  /* struct moat_strv at off, each a protected_names entry */
    FIELD_PROTECT,    /* struct moat_strv at off, each a relative name */
    FIELD_UNIX,       /* allowUnixSockets: bool at off, or paths into strv at off2 */
    FIELD_NET_MODE,   /* enum moat_net_mode at off */
    FIELD_ISOLATION,  /* enum moat_isolation at off */
    FIELD_RULES,      /* struct moat_strv at off, host/address rules */
    FIELD_PORTS,      /* uint16_t * at off, size_t count at off2 */
    FIELD_ENV,        /* object NAME -> VALUE into proc.set_env */
    FIELD_PASS_ENV,   /* struct moat_strv at off, NAME or PREFIX_* */
    FIELD_CWD,        /* char * at off, a path or null */
    FIELD_TIMEOUT,    /* double at off, > 0, or null */
    FIELD_RLIMITS,    /* object name -> limit into proc.rlimits */
    FIELD_SIZE,       /* uint64_t bytes at off, > 0, or null */
    FIELD_COUNT,      /* uint64_t at off, > 0, or null */
};

struct field {
    const char *key;
    enum field_kind kind;
    size_t off, off2;
    const struct field *sub;
};

#define F(key, kind, member) {key, kind, offsetof(struct moat_policy, member), 0, NULL}

static const struct field filesystem_fields[] = {
    F("read", FIELD_READ_MODEL, fs.read_model),
    F("denyRead", FIELD_PATHS, fs.deny_read),
    F("allowRead", FIELD_PATHS, fs.allow_read),
    F("allowWrite", FIELD_PATHS, fs.allow_write),
    F("denyWrite", FIELD_PATHS, fs.deny_write),
    F("privateTmp", FIELD_BOOL, fs.private_tmp),
    F("protectDefaults", FIELD_BOOL, fs.protect_defaults),
    F("unprotect", FIELD_UNPROTECT, fs.unprotect),
    F("protect", FIELD_PROTECT, fs.protect),
    F("tmpSize", FIELD_SIZE, fs.tmp_size),
    {0},
};

static const struct field network_fields[] = {
    F("mode", FIELD_NET_MODE, net.mode),
    F("allow", FIELD_RULES, net.allow),
    F("deny", FIELD_RULES, net.deny),
    F("allowLocalBinding", FIELD_BOOL, net.allow_local_binding),
    {"allowUnixSockets", FIELD_UNIX, offsetof(struct moat_policy, net.allow_unix_sockets),
     offsetof(struct moat_policy, net.unix_sockets), NULL},
    {"expose", FIELD_PORTS, offsetof(struct moat_policy, net.expose),
     offsetof(struct moat_policy, net.n_expose), NULL},
    {"hostPorts", FIELD_PORTS, offsetof(struct moat_policy, net.host_ports),
     offsetof(struct moat_policy, net.n_host_ports), NULL},
    {0},
};

static const struct field process_fields[] = {
    F("env", FIELD_ENV, proc.set_env),
    F("passEnv", FIELD_PASS_ENV, proc.pass_env),
    F("cwd", FIELD_CWD, proc.cwd),
    F("timeout", FIELD_TIMEOUT, proc.timeout),
    F("rlimits", FIELD_RLIMITS, proc.rlimits),
    F("memoryMax", FIELD_SIZE, proc.memory_max),
    F("pidsMax", FIELD_COUNT, proc.pids_max),
    F("allowNestedNamespaces", FIELD_BOOL, proc.allow_nested_namespaces),
    F("isolation", FIELD_ISOLATION, proc.isolation),
    {0},
};

static const struct field root_fields[] = {
    {"$schema", FIELD_IGNORED, 0, 0, NULL},
    {"filesystem", FIELD_SECTION, 0, 0, filesystem_fields},
    {"network", FIELD_SECTION, 0, 0, network_fields},
    {"process", FIELD_SECTION, 0, 0, process_fields},
    {0},
};

#define AT(c, off, type) ((type *)(void *)((char *)(c)->p + (off)))

/* ---- element loaders ---------------------------------------------------- */

typedef int (*elem_fn)(struct load_ctx *c, const json_t *v, void *arg);

static int load_array(struct load_ctx *c, const json_t *v, elem_fn elem, void *arg)
{
    if (!json_is_array(v))
        return type_error(c, v, "an array");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        push_index(c, i);
        int r = elem(c, e, arg);
        pop(c);
        if (r < 0)
            return r;
    }
    return 0;
}

/* "$HOME/x": refused, "$Recycle.Bin": warned (path_variable_message). */
static int check_dollar(struct load_ctx *c, const char *s)
{
    char msg[256], q[128];
    enum path_variable kind = path_variable_message(s, msg, sizeof msg);
    if (kind == PATH_VAR_NONE)
        return 0;
    quote(q, sizeof q, s, 64);
    if (kind == PATH_VAR_LITERAL)
        return load_warn(c, "%s: %s", q, msg);
    return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "%s: %s", q, msg);
}

static int elem_path(struct load_ctx *c, const json_t *v, void *arg)
{
    const char *s = NULL;
    int r = want_string(c, v, "path", &s);
    if (r < 0 || (r = check_dollar(c, s)) < 0)
        return r;
    struct moat_error perr = {0};
    char *norm = NULL;
    r = path_normalize(s, c->base_dir, &norm, &perr);
    if (r == -ENOMEM)
        return oom(c);
    if (r < 0)
        return load_fail(c, r, JSON_LOCATE_VALUE, "%s", perr.msg);
    return strv_push_owned(arg, norm) < 0 ? oom(c) : 0;
}

static int elem_unprotect(struct load_ctx *c, const json_t *v, void *arg)
{
    const char *s = NULL;
    int r = want_string(c, v, "string", &s);
    if (r < 0)
        return r;
    if (!protected_name_find(s)) {
        char q[128];
        quote(q, sizeof q, s, 64);
        const char *names[PROTECTED_NAMES_MAX];
        protected_name_list(names, PROTECTED_NAMES_MAX);
        const char *close = policy_suggest(s, names);
        if (close)
            return load_fail(c, -EINVAL, JSON_LOCATE_VALUE,
                             "unknown protection %s (did you mean \"%s\"?)", q, close);
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE,
                         "unknown protection %s (docs/policy.md lists the names)", q);
    }
    return strv_push(arg, s) < 0 ? oom(c) : 0;
}

static int elem_protect(struct load_ctx *c, const json_t *v, void *arg)
{
    const char *s = NULL;
    int r = want_string(c, v, "name", &s);
    if (r < 0)
        return r;
    const char *why = protected_pattern_problem(s);
    if (why) {
        char q[128];
        quote(q, sizeof q, s, 64);
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "name %s: %s", q, why);
    }
    return strv_push(arg, s) < 0 ? oom(c) : 0;
}

static int elem_rule(struct load_ctx *c, const json_t *v, void *arg)
{
    const char *s = NULL;
    int r = want_string(c, v, "rule", &s);
    if (r < 0)
        return r;
    const char *why = policy_net_rule_problem(s);
    if (why) {
        char q[128];
        quote(q, sizeof q, s, 64);
        return *s ? load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "%s: %s", q, why)
                  : load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "%s", why);
    }
    return strv_push(arg, s) < 0 ? oom(c) : 0;
}

static int elem_pass_env(struct load_ctx *c, const json_t *v, void *arg)
{
    const char *s = NULL;
    int r = want_string(c, v, "variable name", &s);
    if (r < 0)
        return r;
    const char *why = policy_pass_env_problem(s);
    if (why)
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "%s", why);
    return strv_push(arg, s) < 0 ? oom(c) : 0;
}

struct ports_ref {
    uint16_t **v;
    size_t *n;
};

static int elem_port(struct load_ctx *c, const json_t *v, void *arg)
{
    struct ports_ref *ref = arg;
    if (!json_is_integer(v))
        return int_type_error(c, v, "an integer port");
    json_int_t port = json_integer_value(v);
    if (port < 1 || port > 65535)
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "port %lld out of range (1-65535)",
                         (long long)port);
    return policy_add_port(ref->v, ref->n, (uint16_t)port) < 0 ? oom(c) : 0;
}

/* ---- process.rlimits ---------------------------------------------------- */

static void limit_str(char *buf, size_t size, uint64_t v)
{
    if (v == (uint64_t)RLIM_INFINITY)
        snprintf(buf, size, "unlimited");
    else
        snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* N (>= 0) or "unlimited". */
static int rlimit_value(struct load_ctx *c, const json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0)
            return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "limit must be >= 0, got %lld",
                             (long long)n);
        *out = (uint64_t)n;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = NULL;
        int r = want_string(c, v, "string", &s);
        if (r < 0)
            return r;
        if (strcmp(s, "unlimited") == 0) {
            *out = (uint64_t)RLIM_INFINITY;
            return 0;
        }
        char q[128];
        quote(q, sizeof q, s, 64);
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE,
                         "expected a number or \"unlimited\", got %s", q);
    }
    return int_type_error(c, v, "a number or \"unlimited\"");
}

static int rlimit_pair(struct load_ctx *c, const json_t *v, uint64_t *soft, uint64_t *hard)
{
    static const char *const keys[] = {"soft", "hard", NULL};
    bool have_soft = false, have_hard = false;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        push_key(c, key);
        int r;
        if (strcmp(key, "soft") == 0) {
            r = rlimit_value(c, val, soft);
            have_soft = true;
        } else if (strcmp(key, "hard") == 0) {
            r = rlimit_value(c, val, hard);
            have_hard = true;
        } else {
            char h[256];
            hint(h, sizeof h, key, keys);
            r = load_fail(c, -EINVAL, JSON_LOCATE_KEY, "unknown key%s", h);
        }
        pop(c);
        if (r < 0)
            return r;
    }
    if (!have_soft || !have_hard)
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE,
                         "missing \"%s\" (give both soft and hard, or one number for both)",
                         have_soft ? "hard" : "soft");
    return 0;
}

static int load_rlimit(struct load_ctx *c, const char *name, const json_t *v)
{
    int resource = policy_rlimit_resource(name);
    if (resource < 0) {
        char h[512];
        hint(h, sizeof h, name, policy_rlimit_names);
        return load_fail(c, -EINVAL, JSON_LOCATE_KEY, "unknown resource limit%s", h);
    }
    uint64_t soft = 0, hard = 0;
    int r;
    if (json_is_object(v))
        r = rlimit_pair(c, v, &soft, &hard);
    else if (json_is_integer(v) || json_is_string(v))
        r = rlimit_value(c, v, &soft);
    else
        r = int_type_error(c, v, "a number, \"unlimited\" or {\"soft\": ..., \"hard\": ...}");
    if (r < 0)
        return r;
    if (!json_is_object(v))
        hard = soft;
    if (soft > hard) {
        char s[32], h[32];
        limit_str(s, sizeof s, soft);
        limit_str(h, sizeof h, hard);
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE,
                         "soft limit %s is above hard limit %s", s, h);
    }
    return policy_set_rlimit(c->p, resource, soft, hard) < 0 ? oom(c) : 0;
}

/* ---- fields ------------------------------------------------------------- */

static int load_object(struct load_ctx *c, const json_t *v, const struct field *fields);

static int load_env(struct load_ctx *c, const json_t *v)
{
    if (!json_is_object(v))
        return type_error(c, v, "an object");
    const char *name;
    json_t *val;
    json_object_foreach((json_t *)v, name, val) {
        push_key(c, name);
        const char *why = policy_env_name_problem(name), *value = NULL;
        int r = why ? load_fail(c, -EINVAL, JSON_LOCATE_KEY, "%s", why)
                    : want_string(c, val, "value", &value);
        if (r == 0 && policy_set_env(c->p, name, value) < 0)
            r = oom(c);
        pop(c);
        if (r < 0)
            return r;
    }
    return 0;
}

static int load_rlimits(struct load_ctx *c, const json_t *v)
{
    if (!json_is_object(v))
        return type_error(c, v, "an object");
    const char *name;
    json_t *val;
    json_object_foreach((json_t *)v, name, val) {
        push_key(c, name);
        int r = load_rlimit(c, name, val);
        pop(c);
        if (r < 0)
            return r;
    }
    return 0;
}

/* One of `names` (NULL-terminated), by index. */
static int load_enum(struct load_ctx *c, const json_t *v, const char *const *names,
                     const char *what, const char *expected, int *out)
{
    const char *s = NULL;
    int r = want_string(c, v, "string", &s);
    if (r < 0)
        return r;
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    }
    char q[128];
    quote(q, sizeof q, s, 64);
    return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "unknown %s %s (expected %s)", what, q,
                     expected);
}

static int load_cwd(struct load_ctx *c, const json_t *v, char **cwd)
{
    if (json_is_null(v)) {
        free(*cwd);
        *cwd = NULL;
        return 0;
    }
    const char *s = NULL;
    int r = want_string(c, v, "path", &s);
    if (r < 0 || (r = check_dollar(c, s)) < 0)
        return r;
    struct moat_error perr = {0};
    char *norm = NULL;
    r = path_normalize(s, c->base_dir, &norm, &perr);
    if (r == -ENOMEM)
        return oom(c);
    if (r < 0)
        return load_fail(c, r, JSON_LOCATE_VALUE, "%s", perr.msg);
    free(*cwd);
    *cwd = norm;
    return 0;
}

static int load_timeout(struct load_ctx *c, const json_t *v, double *out)
{
    if (json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (!json_is_number(v))
        return type_error(c, v, "a number of seconds");
    double t = json_number_value(v);
    if (!(t > 0))
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "must be > 0, got %g", t);
    if (t > POLICY_TIMEOUT_MAX)
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "must be at most %g seconds, got %g",
                         POLICY_TIMEOUT_MAX, t);
    *out = t;
    return 0;
}

static int load_size(struct load_ctx *c, const json_t *v, uint64_t *out)
{
    if (json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n <= 0)
            return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "must be > 0, got %lld",
                             (long long)n);
        *out = (uint64_t)n;
        return 0;
    }
    if (!json_is_string(v))
        return int_type_error(c, v, "bytes (an integer) or a size such as \"512M\"");
    const char *s = NULL;
    int r = want_string(c, v, "size", &s);
    if (r < 0)
        return r;
    char q[128];
    quote(q, sizeof q, s, 64);
    r = policy_parse_size(s, out);
    if (r == -ERANGE)
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "size %s is too large", q);
    if (r < 0)
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE,
                         "invalid size %s (expected bytes, or a number with K, M, G or T)", q);
    return 0;
}

static int load_count(struct load_ctx *c, const json_t *v, uint64_t *out)
{
    if (json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v))
        return int_type_error(c, v, "a positive integer");
    json_int_t n = json_integer_value(v);
    if (n <= 0)
        return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "must be > 0, got %lld", (long long)n);
    *out = (uint64_t)n;
    return 0;
}

static int load_field(struct load_ctx *c, const struct field *f, const json_t *v)
{
    static const char *const read_models[] = {"all", "listed", NULL};
    static const char *const net_modes[] = {"none", "proxy", "firewall", "host", NULL};
    _Static_assert(MOAT_READ_ALL == 0 && MOAT_READ_LISTED == 1, "read_models order");
    _Static_assert(MOAT_NET_NONE == 0 && MOAT_NET_PROXY == 1 && MOAT_NET_FIREWALL == 2 &&
                       MOAT_NET_HOST == 3,
                   "net_modes order");
    static const char *const isolations[] = {"namespaces", "landlock", "auto", NULL};
    _Static_assert(MOAT_ISOLATION_NAMESPACES == 0 && MOAT_ISOLATION_LANDLOCK == 1 &&
                       MOAT_ISOLATION_AUTO == 2,
                   "isolations order");
    int r, i = 0;

    switch (f->kind) {
    case FIELD_SECTION:
        return load_object(c, v, f->sub);
    case FIELD_IGNORED: {
        const char *s = NULL;
        return want_string(c, v, "string", &s);
    }
    case FIELD_BOOL:
        if (!json_is_boolean(v))
            return type_error(c, v, "a boolean");
        *AT(c, f->off, bool) = json_is_true(v);
        return 0;
    case FIELD_PATHS:
        return load_array(c, v, elem_path, AT(c, f->off, struct moat_strv));
    case FIELD_READ_MODEL:
        r = load_enum(c, v, read_models, "read model", "all or listed", &i);
        if (r == 0)
            *AT(c, f->off, enum moat_read_model) = (enum moat_read_model)i;
        return r;
    case FIELD_UNPROTECT:
        return load_array(c, v, elem_unprotect, AT(c, f->off, struct moat_strv));
    case FIELD_PROTECT:
        return load_array(c, v, elem_protect, AT(c, f->off, struct moat_strv));
    case FIELD_UNIX:
        /* true/false: every AF_UNIX socket or none; a list: only connecting
         * to those socket paths (replacing false, as flags extend files). */
        if (json_is_boolean(v)) {
            *AT(c, f->off, bool) = json_is_true(v);
            return 0;
        }
        if (!json_is_array(v))
            return type_error(c, v, "a boolean or an array of socket paths");
        return load_array(c, v, elem_path, AT(c, f->off2, struct moat_strv));
    case FIELD_NET_MODE:
        r = load_enum(c, v, net_modes, "mode", "none, proxy, firewall or host", &i);
        if (r == 0)
            *AT(c, f->off, enum moat_net_mode) = (enum moat_net_mode)i;
        return r;
    case FIELD_ISOLATION:
        r = load_enum(c, v, isolations, "isolation", "namespaces, landlock or auto", &i);
        if (r == 0)
            *AT(c, f->off, enum moat_isolation) = (enum moat_isolation)i;
        return r;
    case FIELD_RULES:
        return load_array(c, v, elem_rule, AT(c, f->off, struct moat_strv));
    case FIELD_PORTS: {
        struct ports_ref ref = {AT(c, f->off, uint16_t *), AT(c, f->off2, size_t)};
        return load_array(c, v, elem_port, &ref);
    }
    case FIELD_ENV:
        return load_env(c, v);
    case FIELD_PASS_ENV:
        return load_array(c, v, elem_pass_env, AT(c, f->off, struct moat_strv));
    case FIELD_CWD:
        return load_cwd(c, v, AT(c, f->off, char *));
    case FIELD_TIMEOUT:
        return load_timeout(c, v, AT(c, f->off, double));
    case FIELD_RLIMITS:
        return load_rlimits(c, v);
    case FIELD_SIZE:
        return load_size(c, v, AT(c, f->off, uint64_t));
    case FIELD_COUNT:
        return load_count(c, v, AT(c, f->off, uint64_t));
    }
    return load_fail(c, -EINVAL, JSON_LOCATE_VALUE, "internal error: unknown field kind");
}

/* An object whose keys are `fields`, walked in document order so the first
 * error reported is the first in the file. */
static int load_object(struct load_ctx *c, const json_t *v, const struct field *fields)
{
    if (!json_is_object(v))
        return type_error(c, v, "an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        const struct field *f = fields;
        while (f->key && strcmp(f->key, key) != 0)
            f++;
        push_key(c, key);
        int r;
        if (f->key) {
            r = load_field(c, f, val);
        } else {
            const char *names[16];
            size_t n = 0;
            for (const struct field *g = fields; g->key && n + 1 < 16; g++)
                names[n++] = g->key;
            names[n] = NULL;
            char h[512];
            hint(h, sizeof h, key, names);
            r = load_fail(c, -EINVAL, JSON_LOCATE_KEY, "unknown key%s", h);
        }
        pop(c);
        if (r < 0)
            return r;
    }
    return 0;
}

int load_format_apply(struct moat_policy *p, const json_t *root, const char *text, size_t len,
                      const char *name, const char *base_dir, struct moat_error *err)
{
    struct load_ctx c = {
        .w = { .text = text, .len = len, .name = name },
        .base_dir = base_dir, .p = p, .err = err,
    };
    return load_object(&c, root, root_fields);
}
