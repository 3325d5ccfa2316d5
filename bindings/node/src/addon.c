/* moat's Node binding, native half: Node-API functions over libmoat.so
 * (dlopen'd: the file MOAT_LIBRARY names, else libmoat.so.1), with a libuv
 * descriptor watcher (watch.c), so that the JavaScript in lib/ serves sandboxes from
 * Node's own event loop.  Never blocks that loop: moat_spawn runs on libuv's thread
 * pool and every other call here returns at once.  Never calls JavaScript
 * from inside libmoat: violation lines are queued and handed over when
 * moat_sandbox_try_wait has returned. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat.h"
#include "napi_util.h"
#include "watch.h"

#define SONAME "libmoat.so.1"

/* ---- the library ----------------------------------------------------- */

#define MOAT_FUNCTIONS(X)                                                                         \
    X(moat_policy_new) X(moat_policy_free) X(moat_policy_load_file) X(moat_policy_load_string)     \
    X(moat_policy_finalize) X(moat_policy_to_json) X(moat_policy_warning_count)                   \
    X(moat_policy_warning) X(moat_policy_network_mode) X(moat_net_mode_name)                      \
    X(moat_run_options_new) X(moat_run_options_free) X(moat_run_options_set_log)                  \
    X(moat_run_options_set_violation_callback) X(moat_run_options_set_pass_fds)                   \
    X(moat_run_options_set_stdio) X(moat_run_options_set_pty) X(moat_run_options_set_environ)     \
    X(moat_spawn) X(moat_sandbox_fd) X(moat_sandbox_take_fd) X(moat_sandbox_try_wait)             \
    X(moat_sandbox_kill) X(moat_sandbox_resize) X(moat_sandbox_pid) X(moat_sandbox_free)

/* Pointers typed from moat.h's own declarations: a changed prototype is a
 * compile error here, not a wrong call. */
static struct {
#define DECLARE(name) __typeof__(name) *name;
    MOAT_FUNCTIONS(DECLARE)
#undef DECLARE
} lib;
static bool lib_loaded;

static bool load_library(napi_env env)
{
    if (lib_loaded)
        return true;
    const char *from_env = getenv("MOAT_LIBRARY");
    const char *path = from_env && *from_env ? from_env : SONAME;
    char msg[1024];
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(msg, sizeof msg, "cannot load %s (from %s): %s", path,
                 from_env && *from_env ? "MOAT_LIBRARY" : "the system loader", dlerror());
        throw_moat(env, "library", -ENOENT, msg);
        return false;
    }
#define RESOLVE(name)                                                                             \
    if (!(*(void **)&lib.name = dlsym(h, #name))) {                                               \
        snprintf(msg, sizeof msg, "%s has no %s: not libmoat, or another ABI than " SONAME "'s",  \
                 path, #name);                                                                    \
        dlclose(h);                                                                               \
        throw_moat(env, "library", -ENOENT, msg);                                                 \
        return false;                                                                             \
    }
    MOAT_FUNCTIONS(RESOLVE)
#undef RESOLVE
    lib_loaded = true;
    return true;
}

/* ---- handles ----------------------------------------------------------- */

static const napi_type_tag POLICY_TAG = { 0x6d6f6174706f6c31ULL, 0x9b1c2f0e5a7d4c13ULL };
static const napi_type_tag SANDBOX_TAG = { 0x6d6f617473627831ULL, 0x2e8f61c07b3a9d55ULL };

/* A policy lives while its JS handle or a sandbox that reads it does;
 * `users` counts the sandboxes, which forbid changing it. */
struct policy_ref {
    struct moat_policy *p;
    int refs, users;
    bool finalized;
};

static void policy_unref(struct policy_ref *r)
{
    if (--r->refs == 0) {
        lib.moat_policy_free(r->p);
        free(r);
    }
}

static void policy_finalize_cb(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    policy_unref(data);
}

static struct policy_ref *get_policy(napi_env env, napi_value v)
{
    return get_handle(env, v, &POLICY_TAG, "policy");
}

static struct policy_ref *get_policy_to_change(napi_env env, napi_value v)
{
    struct policy_ref *r = get_policy(env, v);
    if (r && r->users) {
        throw_moat(env, "usage", -EBUSY, "the policy is in use by a running sandbox: load into "
                   "a new Policy instead");
        return NULL;
    }
    return r;
}

/* ---- policy ------------------------------------------------------------ */

static napi_value policy_new(napi_env env, napi_callback_info info)
{
    (void)info;
    if (!load_library(env))
        return NULL;
    struct policy_ref *r = calloc(1, sizeof *r);
    if (!r || !(r->p = lib.moat_policy_new())) {
        free(r);
        return throw_moat(env, "usage", -ENOMEM, "out of memory");
    }
    r->refs = 1;
    return make_handle(env, r, policy_finalize_cb, &POLICY_TAG);
}

static napi_value policy_load_file(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    struct policy_ref *r;
    char *path;
    if (!get_args(env, info, 2, argv) || !(r = get_policy_to_change(env, argv[0])) ||
        !(path = get_string(env, argv[1])))
        return NULL;
    struct moat_error err = { 0 };
    int rc = lib.moat_policy_load_file(r->p, path, &err);
    free(path);
    if (rc < 0)
        return throw_moat(env, "policy", rc, err.msg);
    r->finalized = false;
    return NULL;
}

static napi_value policy_load_string(napi_env env, napi_callback_info info)
{
    napi_value argv[4];
    struct policy_ref *r;
    if (!get_args(env, info, 4, argv) || !(r = get_policy_to_change(env, argv[0])))
        return NULL;
    char *json = get_string(env, argv[1]);
    char *name = json ? get_string(env, argv[2]) : NULL;
    char *dir = name ? get_string(env, argv[3]) : NULL;
    int rc = 0;
    struct moat_error err = { 0 };
    if (dir)
        rc = lib.moat_policy_load_string(r->p, json, name, dir, &err);
    free(json);
    free(name);
    if (!dir)
        return NULL;
    free(dir);
    if (rc < 0)
        return throw_moat(env, "policy", rc, err.msg);
    r->finalized = false;
    return NULL;
}

static napi_value policy_finalize(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    struct policy_ref *r;
    if (!get_args(env, info, 1, argv) || !(r = get_policy_to_change(env, argv[0])))
        return NULL;
    struct moat_error err = { 0 };
    int rc = lib.moat_policy_finalize(r->p, &err);
    if (rc < 0)
        return throw_moat(env, "policy", rc, err.msg);
    r->finalized = true;
    return NULL;
}

static napi_value policy_is_finalized(napi_env env, napi_callback_info info)
{
    napi_value argv[1], v;
    struct policy_ref *r;
    if (!get_args(env, info, 1, argv) || !(r = get_policy(env, argv[0])))
        return NULL;
    napi_get_boolean(env, r->finalized, &v);
    return v;
}

static napi_value policy_to_json(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    struct policy_ref *r;
    if (!get_args(env, info, 1, argv) || !(r = get_policy(env, argv[0])))
        return NULL;
    char *json = lib.moat_policy_to_json(r->p);
    if (!json)
        return throw_moat(env, "usage", -ENOMEM, "out of memory");
    napi_value v = make_string(env, json);
    free(json);
    return v;
}

static napi_value policy_warnings(napi_env env, napi_callback_info info)
{
    napi_value argv[1], arr;
    struct policy_ref *r;
    if (!get_args(env, info, 1, argv) || !(r = get_policy(env, argv[0])))
        return NULL;
    size_t n = lib.moat_policy_warning_count(r->p);
    napi_create_array_with_length(env, n, &arr);
    for (size_t i = 0; i < n; i++)
        napi_set_element(env, arr, (uint32_t)i, make_string(env, lib.moat_policy_warning(r->p, i)));
    return arr;
}

static napi_value policy_network_mode(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    struct policy_ref *r;
    if (!get_args(env, info, 1, argv) || !(r = get_policy(env, argv[0])))
        return NULL;
    const char *name = lib.moat_net_mode_name(lib.moat_policy_network_mode(r->p));
    return make_string(env, name ? name : "unknown");
}

/* ---- sandbox ----------------------------------------------------------- */

struct sandbox_ref {
    struct moat_sandbox *s; /* NULL once closed */
    struct policy_ref *policy;
    /* Violation lines libmoat reported and JS has not taken yet. */
    char **lines;
    size_t n_lines, cap_lines;
    bool lines_lost;
    /* moat_spawn's work on the thread pool. */
    napi_async_work work;
    napi_deferred deferred;
    char **argv;
    struct moat_run_options *o;
    int rc;
    struct moat_error err;
};

/* libmoat's callback: in the thread that is inside moat_spawn or
 * moat_sandbox_try_wait, which is never running JavaScript then. */
static void on_violation(void *ctx, const char *line)
{
    struct sandbox_ref *sb = ctx;
    if (sb->n_lines == sb->cap_lines) {
        size_t cap = sb->cap_lines ? sb->cap_lines * 2 : 16;
        char **v = realloc(sb->lines, cap * sizeof *v);
        if (!v) {
            sb->lines_lost = true;
            return;
        }
        sb->lines = v;
        sb->cap_lines = cap;
    }
    char *copy = strdup(line);
    if (!copy) {
        sb->lines_lost = true;
        return;
    }
    sb->lines[sb->n_lines++] = copy;
}

static void sandbox_close(struct sandbox_ref *sb)
{
    if (sb->s) {
        lib.moat_sandbox_free(sb->s); /* kills what still runs */
        sb->s = NULL;
        sb->policy->users--;
    }
}

static void sandbox_destroy(struct sandbox_ref *sb)
{
    sandbox_close(sb);
    if (sb->policy)
        policy_unref(sb->policy);
    for (size_t i = 0; i < sb->n_lines; i++)
        free(sb->lines[i]);
    free(sb->lines);
    strv_free(sb->argv);
    if (sb->o)
        lib.moat_run_options_free(sb->o);
    free(sb);
}

static void sandbox_finalize_cb(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    sandbox_destroy(data);
}

static struct sandbox_ref *get_sandbox(napi_env env, napi_value v)
{
    return get_handle(env, v, &SANDBOX_TAG, "sandbox");
}

static struct sandbox_ref *get_live_sandbox(napi_env env, napi_value v)
{
    struct sandbox_ref *sb = get_sandbox(env, v);
    if (sb && !sb->s) {
        throw_moat(env, "usage", -EBADF, "the sandbox is closed");
        return NULL;
    }
    return sb;
}

static void spawn_execute(napi_env env, void *data)
{
    (void)env;
    struct sandbox_ref *sb = data;
    /* In a thread of a process that runs several: libmoat builds the
     * sandbox from a single-threaded helper process. */
    sb->rc = lib.moat_spawn(sb->policy->p, sb->argv, sb->o, &sb->s, &sb->err);
}

static void spawn_complete(napi_env env, napi_status status, void *data)
{
    struct sandbox_ref *sb = data;
    napi_delete_async_work(env, sb->work);
    sb->work = NULL;
    lib.moat_run_options_free(sb->o);
    sb->o = NULL;
    strv_free(sb->argv);
    sb->argv = NULL;
    if (status != napi_ok || sb->rc < 0) {
        napi_value text, error;
        napi_create_string_utf8(env, sb->rc < 0 ? sb->err.msg : "moat_spawn was cancelled",
                                NAPI_AUTO_LENGTH, &text);
        napi_create_error(env, NULL, text, &error);
        napi_set_named_property(env, error, "moatKind", make_string(env, "setup"));
        napi_set_named_property(env, error, "moatCode", make_int(env, sb->rc < 0 ? sb->rc : -ECANCELED));
        napi_reject_deferred(env, sb->deferred, error);
        sb->s = NULL;
        sb->policy->users--;
        sandbox_destroy(sb);
        return;
    }
    napi_resolve_deferred(env, sb->deferred, make_handle(env, sb, sandbox_finalize_cb, &SANDBOX_TAG));
}

/* The run options from a plain object lib/sandbox.js made:
 * { stdio: [in, out, err], pty: [rows, cols] | null, env: [...] | null,
 *   passFds: [...], log: string | null }. */
static bool build_options(napi_env env, napi_value spec, struct moat_run_options *o)
{
    napi_value v, e;
    napi_valuetype t;
    int32_t stdio[3], a, b;
    napi_get_named_property(env, spec, "stdio", &v);
    for (uint32_t i = 0; i < 3; i++) {
        napi_get_element(env, v, i, &e);
        if (!get_int(env, e, &stdio[i]))
            return false;
    }
    if (lib.moat_run_options_set_stdio(o, stdio[0], stdio[1], stdio[2]) < 0) {
        throw_moat(env, "usage", -EINVAL, "stdin, stdout, stderr: not descriptors moat accepts");
        return false;
    }
    napi_get_named_property(env, spec, "pty", &v);
    napi_typeof(env, v, &t);
    if (t == napi_object) {
        napi_get_element(env, v, 0, &e);
        if (!get_int(env, e, &a))
            return false;
        napi_get_element(env, v, 1, &e);
        if (!get_int(env, e, &b))
            return false;
        lib.moat_run_options_set_pty(o, true, (unsigned short)a, (unsigned short)b);
    }
    napi_get_named_property(env, spec, "env", &v);
    napi_typeof(env, v, &t);
    if (t == napi_object) {
        char **envp = get_strv(env, v);
        if (!envp)
            return false;
        int rc = lib.moat_run_options_set_environ(o, envp);
        strv_free(envp);
        if (rc < 0) {
            throw_moat(env, "usage", rc, "out of memory");
            return false;
        }
    }
    napi_get_named_property(env, spec, "passFds", &v);
    uint32_t n = 0;
    napi_get_array_length(env, v, &n);
    if (n) {
        int fds[256];
        if (n > 256) {
            throw_moat(env, "usage", -EINVAL, "passFds: at most 256 descriptors");
            return false;
        }
        for (uint32_t i = 0; i < n; i++) {
            napi_get_element(env, v, i, &e);
            if (!get_int(env, e, &fds[i]))
                return false;
        }
        if (lib.moat_run_options_set_pass_fds(o, fds, n) < 0) {
            throw_moat(env, "usage", -ENOMEM, "out of memory");
            return false;
        }
    }
    napi_get_named_property(env, spec, "log", &v);
    napi_typeof(env, v, &t);
    if (t == napi_string) {
        char *path = get_string(env, v);
        if (!path)
            return false;
        int rc = lib.moat_run_options_set_log(o, path);
        free(path);
        if (rc < 0) {
            throw_moat(env, "usage", rc, "out of memory");
            return false;
        }
    }
    return true;
}

/* spawn(policy, argv, options) -> Promise<sandbox handle> */
static napi_value sandbox_spawn(napi_env env, napi_callback_info info)
{
    napi_value argv[3], promise, name;
    struct policy_ref *pol;
    if (!get_args(env, info, 3, argv) || !(pol = get_policy(env, argv[0])))
        return NULL;
    if (!pol->finalized)
        return throw_moat(env, "usage", -EINVAL, "the policy is not finalized");
    struct sandbox_ref *sb = calloc(1, sizeof *sb);
    if (!sb || !(sb->o = lib.moat_run_options_new())) {
        free(sb);
        return throw_moat(env, "usage", -ENOMEM, "out of memory");
    }
    sb->policy = pol;
    pol->refs++;
    if (!(sb->argv = get_strv(env, argv[1])) || !build_options(env, argv[2], sb->o)) {
        sandbox_destroy(sb);
        return NULL;
    }
    if (!sb->argv[0]) {
        sandbox_destroy(sb);
        return throw_moat(env, "usage", -EINVAL, "argv is empty");
    }
    lib.moat_run_options_set_violation_callback(sb->o, on_violation, sb);
    napi_create_promise(env, &sb->deferred, &promise);
    napi_create_string_utf8(env, "moat.spawn", NAPI_AUTO_LENGTH, &name);
    napi_create_async_work(env, NULL, name, spawn_execute, spawn_complete, sb, &sb->work);
    pol->users++; /* from now on the sandbox reads it */
    napi_queue_async_work(env, sb->work);
    return promise;
}

/* tryWait(sandbox) -> { done, status, error: {code, message} | null,
 * execError, violations: [line, ...], lost } */
static napi_value sandbox_try_wait(napi_env env, napi_callback_info info)
{
    napi_value argv[1], res, arr, v;
    struct sandbox_ref *sb;
    if (!get_args(env, info, 1, argv) || !(sb = get_live_sandbox(env, argv[0])))
        return NULL;
    int status = -1;
    struct moat_error err = { 0 };
    int rc = lib.moat_sandbox_try_wait(sb->s, &status, &err);
    napi_create_object(env, &res);
    napi_get_boolean(env, rc != 0, &v);
    napi_set_named_property(env, res, "done", v);
    napi_get_null(env, &v);
    napi_set_named_property(env, res, "status", rc == 1 ? make_int(env, status) : v);
    napi_set_named_property(env, res, "execError", rc == 1 && err.msg[0] ? make_string(env, err.msg) : v);
    if (rc < 0) {
        napi_value e;
        napi_create_object(env, &e);
        napi_set_named_property(env, e, "code", make_int(env, rc));
        napi_set_named_property(env, e, "message", make_string(env, err.msg[0] ? err.msg : strerror(-rc)));
        napi_set_named_property(env, res, "error", e);
    } else {
        napi_set_named_property(env, res, "error", v);
    }
    napi_create_array_with_length(env, sb->n_lines, &arr);
    for (size_t i = 0; i < sb->n_lines; i++) {
        napi_set_element(env, arr, (uint32_t)i, make_string(env, sb->lines[i]));
        free(sb->lines[i]);
    }
    sb->n_lines = 0;
    napi_set_named_property(env, res, "violations", arr);
    napi_get_boolean(env, sb->lines_lost, &v);
    sb->lines_lost = false;
    napi_set_named_property(env, res, "lost", v);
    return res;
}

static napi_value sandbox_fd(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    struct sandbox_ref *sb;
    int32_t which, take;
    if (!get_args(env, info, 3, argv) || !(sb = get_live_sandbox(env, argv[0])) ||
        !get_int(env, argv[1], &which) || !get_int(env, argv[2], &take))
        return NULL;
    return make_int(env, take ? lib.moat_sandbox_take_fd(sb->s, (enum moat_fd)which)
                              : lib.moat_sandbox_fd(sb->s, (enum moat_fd)which));
}

static napi_value sandbox_kill(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    struct sandbox_ref *sb;
    int32_t sig;
    if (!get_args(env, info, 2, argv) || !(sb = get_live_sandbox(env, argv[0])) ||
        !get_int(env, argv[1], &sig))
        return NULL;
    return make_int(env, lib.moat_sandbox_kill(sb->s, sig));
}

static napi_value sandbox_resize(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    struct sandbox_ref *sb;
    int32_t rows, cols;
    if (!get_args(env, info, 3, argv) || !(sb = get_live_sandbox(env, argv[0])) ||
        !get_int(env, argv[1], &rows) || !get_int(env, argv[2], &cols))
        return NULL;
    if (rows < 0 || rows > 65535 || cols < 0 || cols > 65535)
        return throw_moat(env, "usage", -EINVAL, "resize: rows and columns are 0 to 65535");
    return make_int(env, lib.moat_sandbox_resize(sb->s, (unsigned short)rows,
                                                 (unsigned short)cols));
}

static napi_value sandbox_pid(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    struct sandbox_ref *sb;
    if (!get_args(env, info, 1, argv) || !(sb = get_live_sandbox(env, argv[0])))
        return NULL;
    return make_int(env, lib.moat_sandbox_pid(sb->s));
}

static napi_value sandbox_close_js(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    struct sandbox_ref *sb;
    if (!get_args(env, info, 1, argv) || !(sb = get_sandbox(env, argv[0])))
        return NULL;
    sandbox_close(sb);
    return NULL;
}

/* ---- the module -------------------------------------------------------- */

NAPI_MODULE_INIT()
{
    static const struct {
        const char *name;
        napi_callback fn;
    } fns[] = {
        { "policyNew", policy_new },
        { "policyLoadFile", policy_load_file },
        { "policyLoadString", policy_load_string },
        { "policyFinalize", policy_finalize },
        { "policyIsFinalized", policy_is_finalized },
        { "policyToJson", policy_to_json },
        { "policyWarnings", policy_warnings },
        { "policyNetworkMode", policy_network_mode },
        { "spawn", sandbox_spawn },
        { "tryWait", sandbox_try_wait },
        { "fd", sandbox_fd },
        { "kill", sandbox_kill },
        { "resize", sandbox_resize },
        { "pid", sandbox_pid },
        { "close", sandbox_close_js },
        { "watch", watch_fd },
        { "rewatch", watch_change },
        { "unwatch", watch_stop },
        { "dupNonblocking", dup_nonblocking },
    };
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        napi_value f;
        napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
        napi_set_named_property(env, exports, fns[i].name, f);
    }
    napi_value v;
    napi_create_string_utf8(env, SONAME, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, exports, "soname", v);
    return exports;
}
