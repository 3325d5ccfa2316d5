/* The srt settings loader's entry points (include/moat_srt.h): parsing, the
 * root of srt's schema, the keys that belong to other platforms or to srt's
 * own machinery (ripgrep, bwrap, socat, seccomp helper paths, Windows,
 * macOS switches), which are checked against the schema and then noted, and
 * the walker and messages the section files share.  Never prints, never
 * exits; filesystem and network are mapped in load_srt_fs.c and
 * load_srt_net.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat_srt.h"
#include "policy/json/load_json.h"
#include "policy/policy.h"
#include "policy/srt/srt.h"
#include "util/error.h"
#include "util/strv.h"

/* ---- messages ---------------------------------------------------------- */

int srt_fail(struct srt_ctx *c, enum json_locate_target target, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_where_vformat(&c->w, target, c->err->msg, sizeof c->err->msg, fmt, ap);
    va_end(ap);
    c->err->code = -EINVAL;
    return -EINVAL;
}

int srt_oom(struct srt_ctx *c)
{
    return error_set(c->err, -ENOMEM, "out of memory");
}

static int add_line(struct srt_ctx *c, struct moat_strv *into, const char *fmt, va_list ap)
{
    char line[1024];
    json_where_vformat(&c->w, JSON_LOCATE_KEY, line, sizeof line, fmt, ap);
    return strv_push(into, line) < 0 ? srt_oom(c) : 0;
}

int srt_warn(struct srt_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = add_line(c, &c->s->policy->warnings, fmt, ap);
    va_end(ap);
    return r;
}

int srt_note(struct srt_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = add_line(c, &c->s->notes, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- checking values --------------------------------------------------- */

static int type_error(struct srt_ctx *c, const json_t *v, const char *want)
{
    if (json_is_real(v))
        return srt_fail(c, JSON_LOCATE_VALUE, "expected %s, got %g", want, json_real_value(v));
    return srt_fail(c, JSON_LOCATE_VALUE, "expected %s, got %s", want, json_where_kind(v));
}

int srt_want_bool(struct srt_ctx *c, const json_t *v)
{
    return json_is_boolean(v) ? 0 : type_error(c, v, "a boolean");
}

int srt_want_string(struct srt_ctx *c, const json_t *v, bool nonempty)
{
    if (!json_is_string(v))
        return type_error(c, v, "a string");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return srt_fail(c, JSON_LOCATE_VALUE, "the string contains a NUL byte");
    if (nonempty && json_string_length(v) == 0)
        return srt_fail(c, JSON_LOCATE_VALUE, "must not be empty");
    return 0;
}

/* JavaScript has one number type: srt's integers may be written 3.0. */
int srt_want_int(struct srt_ctx *c, const json_t *v, long long lo, long long hi)
{
    double d;
    if (json_is_integer(v))
        d = (double)json_integer_value(v);
    else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)))
        d = json_real_value(v);
    else
        return type_error(c, v, "an integer");
    if (d < (double)lo || d > (double)hi)
        return srt_fail(c, JSON_LOCATE_VALUE, "%.0f is out of range (%lld to %lld)", d, lo, hi);
    return 0;
}

int srt_want_array(struct srt_ctx *c, const json_t *v,
                   int (*fn)(struct srt_ctx *c, const json_t *e))
{
    if (!json_is_array(v))
        return type_error(c, v, "an array");
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        json_where_push_index(&c->w, i);
        int r = fn ? fn(c, e) : srt_want_string(c, e, false);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    return 0;
}

static int want_nonempty_string(struct srt_ctx *c, const json_t *e)
{
    return srt_want_string(c, e, true);
}

int srt_want_strings(struct srt_ctx *c, const json_t *v, bool nonempty)
{
    return srt_want_array(c, v, nonempty ? want_nonempty_string : NULL);
}

int srt_want_string_record(struct srt_ctx *c, const json_t *v, bool nonempty)
{
    if (!json_is_object(v))
        return type_error(c, v, "an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        json_where_push_key(&c->w, key);
        int r = srt_want_string(c, val, nonempty);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    return 0;
}

int srt_want_absolute(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_string(c, v, true);
    if (r == 0 && json_string_value(v)[0] != '/')
        r = srt_fail(c, JSON_LOCATE_VALUE, "must be an absolute path (srt refuses relative "
                     "binary paths)");
    return r;
}

/* ---- the walker -------------------------------------------------------- */

static const char *current_key(const struct srt_ctx *c)
{
    size_t d = c->w.depth;
    return d > 0 && d <= JSON_WHERE_MAX_DEPTH && c->w.path[d - 1].key ? c->w.path[d - 1].key
                                                                       : "?";
}

static int unknown_key(struct srt_ctx *c, const char *key, const struct srt_key *keys)
{
    const char *names[48];
    size_t n = 0;
    for (const struct srt_key *k = keys; k->key && n + 1 < 48; k++)
        names[n++] = k->key;
    names[n] = NULL;
    const char *s = policy_suggest(key, names);
    if (s)
        return srt_fail(c, JSON_LOCATE_KEY, "unknown key (did you mean \"%s\"?)", s);
    char list[700];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", names[i]);
    return srt_fail(c, JSON_LOCATE_KEY, "unknown key (srt %s has: %s)", MOAT_SRT_VERSION, list);
}

int srt_walk(struct srt_ctx *c, const json_t *v, const struct srt_key *keys)
{
    if (!json_is_object(v))
        return type_error(c, v, "an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        const struct srt_key *k = keys;
        while (k->key && strcmp(k->key, key) != 0)
            k++;
        json_where_push_key(&c->w, key);
        int r = k->key ? k->fn(c, val) : unknown_key(c, key, keys);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    for (const struct srt_key *k = keys; k->key; k++)
        if (k->required && !json_object_get(v, k->key))
            return srt_fail(c, JSON_LOCATE_VALUE, "missing required key \"%s\"", k->key);
    return 0;
}

/* ---- keys of other platforms and of srt's own machinery --------------- */

static int note_if_true(struct srt_ctx *c, const json_t *v, const char *what)
{
    int r = srt_want_bool(c, v);
    return r < 0 || !json_is_true(v) ? r : srt_note(c, "%s", what);
}

static int map_weaker_nested(struct srt_ctx *c, const json_t *v)
{
    return note_if_true(c, v, "moat does not weaken the sandbox for containers: the command "
                              "still gets a fresh /proc, and where moat cannot make one it "
                              "refuses to start (moat doctor says why)");
}

static int map_nested_userns(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    if (r == 0)
        c->s->policy->proc.allow_nested_namespaces = json_is_true(v);
    return r;
}

static int map_macos_only(struct srt_ctx *c, const json_t *v)
{
    return note_if_true(c, v, "macOS only; nothing to do on Linux, as in srt");
}

static int map_pty(struct srt_ctx *c, const json_t *v)
{
    return note_if_true(c, v, "macOS only: under moat, as under srt on Linux, the command can "
                              "always use a terminal (it gets a private /dev/pts)");
}

static int map_search_depth(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_int(c, v, 1, 10);
    return r < 0 ? r
                 : srt_note(c, "moot: moat does not search the working tree; its write guard "
                               "matches the protected names (srt's mandatory deny list among "
                               "them) case-insensitively at any depth, including names created "
                               "during the run");
}

static int check_ripgrep_key(struct srt_ctx *c, const json_t *v)
{
    const char *k = current_key(c);
    return strcmp(k, "args") == 0 ? srt_want_strings(c, v, false) : srt_want_string(c, v, false);
}

static int map_ripgrep(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"command", true, check_ripgrep_key},
        {"args", false, check_ripgrep_key},
        {"argv0", false, check_ripgrep_key},
        {NULL, false, NULL},
    };
    int r = srt_walk(c, v, keys);
    return r < 0 ? r
                 : srt_note(c, "not used: moat does not search the working tree for the "
                               "protected names (see mandatoryDenySearchDepth)");
}

static int check_any_string(struct srt_ctx *c, const json_t *v)
{
    return srt_want_string(c, v, false);
}

static int map_seccomp(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"applyPath", false, check_any_string},
        {"argv0", false, check_any_string},
        {NULL, false, NULL},
    };
    int r = srt_walk(c, v, keys);
    return r < 0 ? r
                 : srt_note(c, "not used: moat's seccomp filter is built in; srt's "
                               "apply-seccomp helper is not run");
}

static int map_binary_path(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_absolute(c, v);
    if (r < 0)
        return r;
    if (strcmp(current_key(c), "javaAgentJarPath") == 0)
        return srt_note(c, "not used: moat points JVMs at its proxy through JAVA_TOOL_OPTIONS "
                           "(a sandbox-only port that needs no credential); no agent is loaded");
    return srt_note(c, "not used: moat runs neither bubblewrap nor socat");
}

static int check_ignore_list(struct srt_ctx *c, const json_t *v)
{
    return srt_want_strings(c, v, false);
}

static int map_ignore_violations(struct srt_ctx *c, const json_t *v)
{
    if (!json_is_object(v))
        return type_error(c, v, "an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        json_where_push_key(&c->w, key);
        int r = check_ignore_list(c, val);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    return srt_note(c, "moat's violation log (MOAT_LOG) records every denial; it is not "
                       "filtered (srt's command line shows no violations at all)");
}

/* One GIT_CONFIG_KEY_n/VALUE_n pair. */
static int git_config_pair(struct srt_ctx *c, long n, const char *key, const char *value)
{
    char k[40], val[40];
    snprintf(k, sizeof k, "GIT_CONFIG_KEY_%ld", n);
    snprintf(val, sizeof val, "GIT_CONFIG_VALUE_%ld", n);
    return policy_set_env(c->s->policy, k, key) < 0 ||
                   policy_set_env(c->s->policy, val, value) < 0
               ? srt_oom(c)
               : 0;
}

/* As srt composes them: continuing an inherited GIT_CONFIG_COUNT (an
 * explicit 0 opts out), each directory exactly and with "/" "*" (git 2.46
 * matches the glob), and beyond 8 directories a single "*". */
#define GIT_SAFE_WILDCARD_THRESHOLD 8
static int map_git_dirs(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_strings(c, v, false);
    if (r < 0)
        return r;
    const char *base = getenv("GIT_CONFIG_COUNT");
    if (base && strcmp(base, "0") == 0)
        return srt_note(c, "GIT_CONFIG_COUNT=0 in the environment: no safe.directory entries "
                           "are added, as srt does");
    char *end = NULL;
    long n = base && *base ? strtol(base, &end, 10) : 0;
    if (!base || !*base || *end || n < 0 || n > 1000)
        n = 0;
    long start = n;
    struct moat_strv dirs = {0};
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", json_string_value(e));
        size_t len = strlen(dir);
        while (len > 0 && dir[len - 1] == '/')
            dir[--len] = '\0';
        if (len == 0 && json_string_length(e) == 0)
            continue;
        if (len == 0)
            snprintf(dir, sizeof dir, "/"); /* a bare root keeps its slash */
        if (!strv_contains(&dirs, dir) && strv_push(&dirs, dir) < 0) {
            strv_free(&dirs);
            return srt_oom(c);
        }
    }
    if (dirs.n > GIT_SAFE_WILDCARD_THRESHOLD) {
        r = git_config_pair(c, n++, "safe.directory", "*");
    } else {
        for (i = 0; i < dirs.n && r == 0; i++) {
            char glob[4200];
            const char *d = dirs.v[i];
            snprintf(glob, sizeof glob, "%s%s*", d, d[strlen(d) - 1] == '/' ? "" : "/");
            if ((r = git_config_pair(c, n++, "safe.directory", d)) == 0)
                r = git_config_pair(c, n++, "safe.directory", glob);
        }
    }
    strv_free(&dirs);
    if (r < 0 || n == start)
        return r;
    char num[24];
    snprintf(num, sizeof num, "%ld", n);
    return policy_set_env(c->s->policy, "GIT_CONFIG_COUNT", num) < 0 ? srt_oom(c) : 0;
}

static int map_git(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"safeDirectories", false, map_git_dirs},
        {NULL, false, NULL},
    };
    return srt_walk(c, v, keys);
}

/* ---- windows: checked as srt's schema says, then noted ---------------- */

static bool is_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (size_t g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
                  (*s >= 'A' && *s <= 'F')))
                return false;
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

static int check_windows_key(struct srt_ctx *c, const json_t *v)
{
    const char *k = current_key(c);
    int r;
    if (strcmp(k, "backend") == 0) {
        if ((r = srt_want_string(c, v, false)) < 0)
            return r;
        const char *s = json_string_value(v);
        if (strcmp(s, "mxc") != 0 && strcmp(s, "srt-win") != 0)
            return srt_fail(c, JSON_LOCATE_VALUE, "expected \"mxc\" or \"srt-win\"");
        return 0;
    }
    if (strcmp(k, "sandboxUser") == 0) {
        if ((r = srt_want_string(c, v, true)) < 0)
            return r;
        if (json_string_length(v) > 20)
            return srt_fail(c, JSON_LOCATE_VALUE, "Windows local usernames are limited to 20 "
                            "characters");
        return 0;
    }
    if (strcmp(k, "sublayerGuid") == 0 || strcmp(k, "wfpSublayerGuid") == 0) {
        if ((r = srt_want_string(c, v, false)) < 0)
            return r;
        return is_uuid(json_string_value(v)) ? 0 : srt_fail(c, JSON_LOCATE_VALUE, "not a UUID");
    }
    if (strcmp(k, "proxyPortRange") == 0) {
        if (!json_is_array(v) || json_array_size(v) != 2)
            return srt_fail(c, JSON_LOCATE_VALUE, "expected [low, high]");
        for (size_t i = 0; i < 2; i++) {
            json_where_push_index(&c->w, i);
            r = srt_want_int(c, json_array_get(v, i), i ? -(1LL << 53) : 1, i ? 65535 : 1LL << 53);
            json_where_pop(&c->w);
            if (r < 0)
                return r;
        }
        double lo = json_number_value(json_array_get(v, 0)),
               hi = json_number_value(json_array_get(v, 1));
        if (!(lo <= hi && hi - lo <= 64))
            return srt_fail(c, JSON_LOCATE_VALUE, "low must be <= high and the range width "
                            "<= 64");
        return 0;
    }
    /* srtWin */
    static const struct srt_key srt_win[] = {
        {"path", true, check_windows_key},
        {NULL, false, NULL},
    };
    if (strcmp(k, "path") == 0)
        return srt_want_string(c, v, true);
    return srt_walk(c, v, srt_win);
}

static int map_windows(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"backend", false, check_windows_key},
        {"sandboxUser", false, check_windows_key},
        {"sublayerGuid", false, check_windows_key},
        {"wfpSublayerGuid", false, check_windows_key},
        {"proxyPortRange", false, check_windows_key},
        {"srtWin", false, check_windows_key},
        {NULL, false, NULL},
    };
    int r = srt_walk(c, v, keys);
    return r < 0 ? r : srt_note(c, "Windows only; nothing to do on Linux, as in srt");
}

/* ---- moat's own key: what srt's settings cannot say -------------------- */

/* srt drops keys it does not know, so the same file still runs under srt. */
static int map_moat_network(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_string(c, v, false);
    if (r < 0)
        return r;
    const char *s = json_string_value(v);
    if (strcmp(s, "proxy") != 0 && strcmp(s, "firewall") != 0)
        return srt_fail(c, JSON_LOCATE_VALUE, "expected \"proxy\" (srt's model: programs "
                        "that ignore the proxy variables cannot connect) or \"firewall\" "
                        "(they are filtered too)");
    c->want_firewall = strcmp(s, "firewall") == 0;
    return 0;
}

static int map_moat(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"networkMode", false, map_moat_network},
        {NULL, false, NULL},
    };
    return srt_walk(c, v, keys);
}

static int map_schema(struct srt_ctx *c, const json_t *v)
{
    return srt_want_string(c, v, false); /* an editor's hint; no meaning */
}

static const struct srt_key root_keys[] = {
    {"network", true, srt_map_network},
    {"filesystem", true, srt_map_filesystem},
    {"credentials", false, srt_map_credentials},
    {"ignoreViolations", false, map_ignore_violations},
    {"enableWeakerNestedSandbox", false, map_weaker_nested},
    {"allowNestedUserNamespaces", false, map_nested_userns},
    {"enableWeakerNetworkIsolation", false, map_macos_only},
    {"allowAppleEvents", false, map_macos_only},
    {"ripgrep", false, map_ripgrep},
    {"mandatoryDenySearchDepth", false, map_search_depth},
    {"allowPty", false, map_pty},
    {"seccomp", false, map_seccomp},
    {"bwrapPath", false, map_binary_path},
    {"socatPath", false, map_binary_path},
    {"javaAgentJarPath", false, map_binary_path},
    {"windows", false, map_windows},
    {"git", false, map_git},
    {"moat", false, map_moat},
    {"$schema", false, map_schema},
    {NULL, false, NULL},
};

/* ---- entry points ------------------------------------------------------ */

static int load_checked(struct srt_ctx *c)
{
    struct moat_policy *p = c->s->policy;
    /* srt's command inherits its caller's environment whole. */
    if (strv_push(&p->proc.pass_env, "*") < 0 ||
        policy_set_env(p, "SANDBOX_RUNTIME", "1") < 0)
        return srt_oom(c);
    int r = srt_walk(c, c->root, root_keys);
    if (r < 0 || (r = srt_finish_filesystem(c)) < 0 || (r = srt_finish_network(c)) < 0)
        return r;
    struct moat_error ferr = {0};
    r = moat_policy_finalize(p, &ferr);
    if (r == -ENOMEM)
        return srt_oom(c);
    if (r < 0)
        return error_set(c->err, r, "%s: the moat policy made from it is refused: %s",
                         c->w.name, ferr.msg);
    return 0;
}

int srt_settings_load(struct moat_srt_settings *s, const char *json, size_t len,
                      const char *name, const char *cwd, const char *source,
                      struct moat_error *err)
{
    *s = (struct moat_srt_settings){0};
    if (!(s->policy = moat_policy_new()))
        return error_set(err, -ENOMEM, "out of memory");
    if (!name)
        name = "<settings>";
    struct srt_ctx c = {
        .w = {.text = json, .len = len, .name = name},
        .cwd = cwd,
        .s = s,
        .err = err,
    };
    int r;
    json_t *root = NULL;
    if (!json) {
        r = error_set(err, -EINVAL, "%s: no settings text given", name);
    } else if (!cwd || cwd[0] != '/') {
        r = error_set(err, -EINVAL, "%s: the working directory must be an absolute path", name);
    } else if (source && strv_push(&s->policy->sources, source) < 0) {
        r = srt_oom(&c);
    } else {
        json_error_t je;
        root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        if (!root)
            r = load_json_syntax_error(json, len, name, &je, err);
        else if (!json_is_object(root))
            r = type_error(&c, root, "an object");
        else
            r = (c.root = root, load_checked(&c));
    }
    json_decref(root);
    if (r < 0)
        srt_settings_release(s);
    return r;
}

int moat_srt_load(const char *json, size_t len, const char *name, const char *cwd,
                  const char *source, struct moat_srt_settings **out, struct moat_error *err)
{
    struct moat_srt_settings *s = calloc(1, sizeof *s);
    if (!s)
        return error_set(err, -ENOMEM, "out of memory");
    int r = srt_settings_load(s, json, len, name, cwd, source, err);
    if (r < 0) {
        free(s);
        return r;
    }
    *out = s;
    return 0;
}

void srt_settings_release(struct moat_srt_settings *s)
{
    moat_policy_free(s->policy);
    strv_free(&s->unset_env);
    strv_free(&s->notes);
    *s = (struct moat_srt_settings){0};
}

void moat_srt_settings_free(struct moat_srt_settings *s)
{
    if (s)
        srt_settings_release(s);
    free(s);
}

const struct moat_policy *moat_srt_settings_policy(const struct moat_srt_settings *s)
{
    return s->policy;
}

size_t moat_srt_settings_unset_env_count(const struct moat_srt_settings *s)
{
    return s->unset_env.n;
}

const char *moat_srt_settings_unset_env(const struct moat_srt_settings *s, size_t i)
{
    return i < s->unset_env.n ? s->unset_env.v[i] : NULL;
}

size_t moat_srt_settings_note_count(const struct moat_srt_settings *s)
{
    return s->notes.n;
}

const char *moat_srt_settings_note(const struct moat_srt_settings *s, size_t i)
{
    return i < s->notes.n ? s->notes.v[i] : NULL;
}

bool moat_srt_detect(const char *json, size_t len)
{
    static const char *const srt_only[] = {
        "credentials", "ignoreViolations", "enableWeakerNestedSandbox",
        "allowNestedUserNamespaces", "enableWeakerNetworkIsolation", "allowAppleEvents",
        "ripgrep", "mandatoryDenySearchDepth", "allowPty", "seccomp", "bwrapPath", "socatPath",
        "javaAgentJarPath", "windows", "git", NULL,
    };
    json_t *root = json ? json_loadb(json, len, JSON_ALLOW_NUL, NULL) : NULL;
    bool srt = false;
    if (json_is_object(root)) {
        const json_t *net = json_object_get(root, "network");
        srt = json_is_object(net) && (json_object_get(net, "allowedDomains") ||
                                      json_object_get(net, "deniedDomains"));
        for (const char *const *k = srt_only; *k && !srt; k++)
            srt = json_object_get(root, *k) != NULL;
    }
    json_decref(root);
    return srt;
}
