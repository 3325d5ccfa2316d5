/* mxc's process and filesystem sections: their contract checks (KEY=VALUE
 * environment entries, absolute paths, timeouts in milliseconds) and their
 * mapping onto moat's policy and the command to run.  Never prints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/mxc/mxc.h"
#include "policy/paths.h"
#include "policy/policy.h"
#include "util/strv.h"

/* ---- checks ---------------------------------------------------------------- */

static int check_env_entry(struct mxc_ctx *c, const json_t *v)
{
    const char *s = json_string_value(v), *eq = strchr(s, '=');
    char q[128];
    json_where_quote(q, sizeof q, s, 64);
    if (!eq)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "%s is not KEY=VALUE (mxc drops such entries silently; moat refuses "
                        "them)", q);
    if (eq == s)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "%s has an empty variable name", q);
    return 0;
}

static int check_cwd(struct mxc_ctx *c, const json_t *v)
{
    const struct mxc_field f = {.kind = MXC_STRING};
    int r = mxc_check_value(c, &f, v);
    if (r < 0)
        return r;
    const char *s = json_string_value(v);
    if (*s && *s != '/')
        return mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                        "the working directory must be an absolute path");
    return 0;
}

/* mxc refuses blank paths and double quotes (they break its mount
 * arguments); moat also wants them absolute, because a configuration passed
 * as base64 has no directory of its own to be relative to. */
static int check_path(struct mxc_ctx *c, const json_t *v)
{
    const char *s = json_string_value(v);
    if (strspn(s, " \t\r\n") == strlen(s))
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "blank path");
    if (strchr(s, '"'))
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "a path must not contain '\"'");
    if (s[0] != '/')
        return mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                        "not an absolute path");
    return 0;
}

const struct mxc_field mxc_process_fields[] = {
    {.key = "commandLine", .versions = MXC_ALL, .kind = MXC_NONEMPTY, .required = true},
    {.key = "cwd", .versions = MXC_ALL, .kind = MXC_CUSTOM, .fn = check_cwd},
    {.key = "env", .versions = MXC_ALL, .kind = MXC_STRINGS, .fn = check_env_entry},
    {.key = "inheritDefaultEnv", .versions = MXC_FROM(MXC_V09), .kind = MXC_BOOL},
    {.key = "timeout", .versions = MXC_ALL, .kind = MXC_UINT, .min = 0, .max = UINT32_MAX},
    {0},
};

const struct mxc_field mxc_filesystem_fields[] = {
    {.key = "readwritePaths", .versions = MXC_ALL, .kind = MXC_STRINGS, .fn = check_path},
    {.key = "readonlyPaths", .versions = MXC_ALL, .kind = MXC_STRINGS, .fn = check_path},
    {.key = "deniedPaths", .versions = MXC_ALL, .kind = MXC_STRINGS, .fn = check_path},
    {0},
};

/* ---- mapping ---------------------------------------------------------------- */

static int map_paths(struct mxc_ctx *c, const json_t *fs, const char *key,
                     struct moat_strv *into)
{
    const json_t *list = json_object_get(fs, key);
    if (!list)
        return 0;
    json_where_push_key(&c->w, key);
    size_t i;
    const json_t *e;
    int r = 0;
    json_array_foreach(list, i, e) {
        json_where_push_index(&c->w, i);
        struct moat_error perr = {0};
        char *norm = NULL, msg[256];
        /* As in moat's own format: a "$HOME" would name a directory of that
         * name, and a denied path would then hide nothing. */
        enum path_variable var = path_variable_message(json_string_value(e), msg, sizeof msg);
        if (var == PATH_VAR_EXPECTED)
            r = mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE, "\"%.64s\": %s",
                         json_string_value(e), msg);
        else if (var == PATH_VAR_LITERAL)
            r = mxc_warn(c, "\"%.64s\": %s", json_string_value(e), msg);
        if (r < 0)
            ;
        else if ((r = path_normalize(json_string_value(e), "/", &norm, &perr)) == -ENOMEM)
            r = mxc_oom(c);
        else if (r < 0)
            r = mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE, "%s", perr.msg);
        else if (strcmp(norm, "/") == 0 && into != &c->req->policy->fs.allow_read) {
            free(norm);
            r = mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                         into == &c->req->policy->fs.allow_write
                             ? "\"/\" would make the whole host writable; list the directories"
                             : "\"/\" would hide the whole filesystem");
        } else if (strv_push_owned(into, norm) < 0) {
            r = mxc_oom(c);
        }
        json_where_pop(&c->w);
        if (r < 0)
            break;
    }
    json_where_pop(&c->w);
    return r;
}

/* mxc's filesystem model is moat's "listed" one: a system baseline, then the
 * listed paths; at one path the most restrictive entry wins in both. */
int mxc_map_filesystem(struct mxc_ctx *c)
{
    struct moat_policy *p = c->req->policy;
    p->fs.read_model = MOAT_READ_LISTED;
    const json_t *fs = json_object_get(c->root, "filesystem");
    if (!fs)
        return 0;
    json_where_push_key(&c->w, "filesystem");
    int r;
    if ((r = map_paths(c, fs, "readwritePaths", &p->fs.allow_write)) == 0 &&
        (r = map_paths(c, fs, "readonlyPaths", &p->fs.allow_read)) == 0)
        r = map_paths(c, fs, "deniedPaths", &p->fs.deny_read);
    json_where_pop(&c->w);
    return r;
}

int mxc_map_process(struct mxc_ctx *c)
{
    struct moat_mxc_request *req = c->req;
    const json_t *proc = json_object_get(c->root, "process");
    req->argv = calloc(4, sizeof *req->argv);
    if (!req->argv || !(req->argv[0] = strdup("/bin/sh")) || !(req->argv[1] = strdup("-c")) ||
        !(req->argv[2] = strdup(json_string_value(json_object_get(proc, "commandLine")))))
        return mxc_oom(c);

    const json_t *env = json_object_get(proc, "env");
    size_t i;
    const json_t *e;
    json_array_foreach(env, i, e) {
        const char *s = json_string_value(e), *eq = strchr(s, '=');
        char name[512];
        size_t n = (size_t)(eq - s);
        json_where_push_key(&c->w, "process");
        json_where_push_key(&c->w, "env");
        json_where_push_index(&c->w, i);
        int r = 0;
        if (n >= sizeof name)
            r = mxc_fail(c, MOAT_MXC_POLICY_VALIDATION, JSON_LOCATE_VALUE,
                         "variable name longer than %zu bytes", sizeof name - 1);
        json_where_pop(&c->w);
        json_where_pop(&c->w);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
        memcpy(name, s, n);
        name[n] = '\0';
        if (policy_set_env(req->policy, name, eq + 1) < 0) /* a later entry wins */
            return mxc_oom(c);
    }
    /* Up to 0.8 the environment is exactly process.env; from 0.9 an omitted
     * env means the backend's defaults, and inheritDefaultEnv layers env on
     * top of them. */
    if (c->version & MXC_FROM(MXC_V09))
        req->default_env = !env || json_is_true(json_object_get(proc, "inheritDefaultEnv"));

    const json_t *t = json_object_get(proc, "timeout");
    req->timeout_ms = t ? (uint32_t)json_integer_value(t) : 0;
    req->policy->proc.timeout = req->timeout_ms / 1000.0;

    const json_t *cwd = json_object_get(proc, "cwd");
    if (cwd && *json_string_value(cwd)) {
        struct moat_error perr = {0};
        int r = path_normalize(json_string_value(cwd), "/", &req->policy->proc.cwd, &perr);
        if (r < 0)
            return mxc_oom(c); /* absolute, non-empty: only allocation can fail */
    }
    return 0;
}

static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return true;
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool under_any(const char *path, const struct moat_strv *roots)
{
    for (size_t i = 0; i < roots->n; i++)
        if (under(path, roots->v[i]))
            return true;
    return false;
}

/* Without process.cwd: the caller's directory when the sandbox shows it
 * (a listed path, not denied), else "/" (mxc's backends likewise pick a
 * directory the sandbox can use rather than fail). */
int mxc_map_default_cwd(struct mxc_ctx *c)
{
    struct moat_policy *p = c->req->policy;
    if (p->proc.cwd)
        return 0;
    const char *base = c->base_dir;
    bool visible = (under_any(base, &p->fs.allow_write) || under_any(base, &p->fs.allow_read)) &&
                   !under_any(base, &p->fs.deny_read);
    p->proc.cwd = strdup(visible ? base : "/");
    return p->proc.cwd ? 0 : mxc_oom(c);
}
