/* The mxc configuration loader's entry points (include/moat_mxc.h): parsing,
 * the version dispatch, the root of each contract, containment, and the
 * sections that belong to other platforms (Windows ProcessContainer, WSLC,
 * Windows Sandbox, macOS Seatbelt, LXC images, Hyperlight), which are
 * checked against the contract and then ignored with a warning.  Never
 * prints, never exits; the sections moat enforces are mapped in
 * load_mxc_process.c and load_mxc_network.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat_mxc.h"
#include "policy/json/load_json.h"
#include "policy/mxc/mxc.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/strv.h"

const char *moat_mxc_code_name(enum moat_mxc_code code)
{
    switch (code) {
    case MOAT_MXC_OK:
        return "ok";
    case MOAT_MXC_MALFORMED_REQUEST:
        return "malformed_request";
    case MOAT_MXC_UNSUPPORTED_CONTAINMENT:
        return "unsupported_containment";
    case MOAT_MXC_UNSUPPORTED_PHASE:
        return "unsupported_phase";
    case MOAT_MXC_BACKEND_UNAVAILABLE:
        return "backend_unavailable";
    case MOAT_MXC_MALFORMED_ID:
        return "malformed_id";
    case MOAT_MXC_STALE_ID:
        return "stale_id";
    case MOAT_MXC_NOT_PROVISIONED:
        return "not_provisioned";
    case MOAT_MXC_NOT_STARTED:
        return "not_started";
    case MOAT_MXC_ALREADY_STARTED:
        return "already_started";
    case MOAT_MXC_ALREADY_STOPPED:
        return "already_stopped";
    case MOAT_MXC_POLICY_VALIDATION:
        return "policy_validation";
    case MOAT_MXC_BACKEND_ERROR:
        return "backend_error";
    }
    return "backend_error";
}

/* ---- the other platforms' sections (checked, then ignored) ------------- */

#define B(k, v) {.key = k, .versions = v, .kind = MXC_BOOL}
#define S(k, v) {.key = k, .versions = v, .kind = MXC_STRING}
#define SS(k, v) {.key = k, .versions = v, .kind = MXC_STRINGS}
#define E(k, v, n) {.key = k, .versions = v, .kind = MXC_ENUM, .names = n}
#define O(k, v, s) {.key = k, .versions = v, .kind = MXC_OBJECT, .sub = s}
#define U(k, v, lo, hi) {.key = k, .versions = v, .kind = MXC_UINT, .min = lo, .max = hi}

static const char *const ui_isolations[] = {"container", "desktop", "handles", "atoms", NULL};
static const char *const system_settings[] = {"none", "parameters", "display", "all", NULL};
static const char *const capture_modes[] = {"block", "allow", NULL};
static const char *const clipboards[] = {"none", "read", "write", "all", NULL};
static const char *const launch_methods[] = {"exec", "open", NULL};
static const char *const transport_protocols[] = {"tcp", NULL};
static const char *const hyperlight_runtimes[] = {"agent", "python", "python-shell",
                                                  "node",  "bash",   "dotnet-jit", NULL};

/* AppContainer capability names (0.8.0-alpha and later): one name per entry,
 * and not the two learning-mode names mxc reserves for its own switches. */
static int check_capability(struct mxc_ctx *c, const json_t *v)
{
    const char *s = json_string_value(v);
    if (c->version == MXC_V06 || c->version == MXC_V07)
        return 0;
    if (strchr(s, ','))
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "a capability must not contain a comma; give each capability as its "
                        "own array entry");
    if (strcasecmp(s, "learningModeLogging") == 0 || strcasecmp(s, "permissiveLearningMode") == 0)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "\"%s\" is reserved (learningModeLogging and permissiveLearningMode, "
                        "in any case); use processContainer.learningMode instead",
                        s);
    return 0;
}

static const struct mxc_field pc_ui_fields[] = {
    E("isolation", MXC_ALL, ui_isolations),
    B("desktopSystemControl", MXC_ALL),
    S("systemSettings", MXC_UPTO(MXC_V10)),
    E("systemSettings", MXC_V11, system_settings),
    B("ime", MXC_ALL),
    {0},
};
static const struct mxc_field pc_capture_fields[] = {
    E("mode", MXC_ALL, capture_modes),
    S("outputPath", MXC_ALL),
    B("retainEtl", MXC_ALL),
    {0},
};
static const struct mxc_field pc_network_fields[] = {
    S("allowedProxyPeer", MXC_ALL),
    {0},
};
static const struct mxc_field pc_filesystem_fields[] = {
    SS("enumeratePaths", MXC_ALL),
    {0},
};
static const struct mxc_field process_container_fields[] = {
    B("leastPrivilege", MXC_ALL),
    B("learningMode", MXC_FROM(MXC_V08)),
    {.key = "capabilities", .versions = MXC_ALL, .kind = MXC_STRINGS, .fn = check_capability},
    O("captureDenials", MXC_FROM(MXC_V08), pc_capture_fields),
    O("ui", MXC_ALL, pc_ui_fields),
    O("network", MXC_FROM(MXC_V08), pc_network_fields),
    O("filesystem", MXC_FROM(MXC_V09), pc_filesystem_fields),
    {0},
};
static const struct mxc_field lxc_fields[] = {
    {.key = "distribution", .versions = MXC_ALL, .kind = MXC_STRING, .required = true},
    {.key = "release", .versions = MXC_ALL, .kind = MXC_STRING, .required = true},
    {0},
};
static const struct mxc_field seatbelt_fields[] = {
    S("profileOverride", MXC_ALL),
    B("guiAccess", MXC_ALL),
    E("launchMethod", MXC_V07 | MXC_V08, launch_methods),
    B("nestedPty", MXC_ALL),
    B("keychainAccess", MXC_ALL),
    SS("extraMachLookups", MXC_ALL),
    {0},
};
static const struct mxc_field port_mapping_fields[] = {
    {.key = "containerPort", .versions = MXC_ALL, .kind = MXC_UINT, .required = true, .min = 1,
     .max = 65535},
    E("protocol", MXC_ALL, transport_protocols),
    {.key = "windowsPort", .versions = MXC_ALL, .kind = MXC_UINT, .required = true, .min = 1,
     .max = 65535},
    {0},
};
static const struct mxc_field wslc_fields[] = {
    U("cpuCount", MXC_ALL, 0, UINT32_MAX),
    B("gpu", MXC_ALL),
    S("image", MXC_ALL),
    S("imageTarPath", MXC_ALL),
    U("memoryMb", MXC_ALL, 0, INT64_MAX),
    {.key = "portMappings", .versions = MXC_ALL, .kind = MXC_OBJECTS, .sub = port_mapping_fields},
    S("storagePath", MXC_ALL),
    S("targetOs", MXC_ALL),
    {0},
};
static const struct mxc_field windows_sandbox_fields[] = {
    S("daemonPipeName", MXC_ALL),
    U("idleTimeout", MXC_ALL, 0, UINT32_MAX),
    U("idleTimeoutMs", MXC_ALL, 0, UINT32_MAX),
    {0},
};
static const struct mxc_field hyperlight_fields[] = {
    E("runtime", MXC_ALL, hyperlight_runtimes),
    {0},
};
static const struct mxc_field test_fields[] = {
    S("message", MXC_ALL),
    {0},
};
static const struct mxc_field lifecycle_fields[] = {
    B("destroyOnExit", MXC_ALL),
    B("preservePolicy", MXC_ALL),
    {0},
};
static const struct mxc_field fallback_fields[] = {
    B("allowDaclMutation", MXC_ALL),
    {0},
};
static const struct mxc_field ui_fields[] = {
    B("disable", MXC_ALL),
    E("clipboard", MXC_ALL, clipboards),
    B("injection", MXC_ALL),
    {0},
};
static const struct mxc_field telemetry_fields[] = {
    B("enabled", MXC_ALL),
    {0},
};

/* ---- containment --------------------------------------------------------- */

/* Each contract's enum, and what moat does with each value. */
static const struct {
    const char *name;
    unsigned versions;
    enum { RUN, RUN_WARN, REFUSE } what;
    const char *why;
} containments[] = {
    {"process", MXC_ALL, RUN, NULL},
    {"bubblewrap", MXC_ALL, RUN, NULL},
    {"processcontainer", MXC_ALL, RUN_WARN, "the Windows ProcessContainer"},
    {"appcontainer", MXC_UPTO(MXC_V09), RUN_WARN, "the Windows AppContainer"},
    {"lxc", MXC_ALL, RUN_WARN, "an LXC container"},
    {"seatbelt", MXC_FROM(MXC_V07), RUN_WARN, "macOS Seatbelt"},
    {"macos_sandbox", MXC_V07 | MXC_V08 | MXC_V09, RUN_WARN, "macOS Seatbelt"},
    {"isolation_session", MXC_FROM(MXC_V09), REFUSE, "a Windows isolation session"},
    {"wslc", MXC_FROM(MXC_V09), REFUSE, "a WSL container on Windows"},
    {"vm", MXC_V11, REFUSE, "a virtual machine"},
    {"windows_sandbox", MXC_V11, REFUSE, "Windows Sandbox, a virtual machine"},
    {"microvm", MXC_V11, REFUSE, "a Hyper-V micro-VM"},
    {"hyperlight", MXC_V11, REFUSE, "a Hyperlight micro-VM whose command line is source code "
                                    "for a guest runtime"},
};
#define N_CONTAINMENTS (sizeof containments / sizeof containments[0])

static int check_containment(struct mxc_ctx *c, const json_t *v)
{
    const char *names[N_CONTAINMENTS + 1];
    size_t n = 0;
    for (size_t i = 0; i < N_CONTAINMENTS; i++)
        if (containments[i].versions & c->version)
            names[n++] = containments[i].name;
    names[n] = NULL;
    const struct mxc_field f = {.key = "containment", .kind = MXC_ENUM, .names = names};
    int r = mxc_check_value(c, &f, v);
    if (r < 0)
        return r;
    const char *s = json_string_value(v);
    for (size_t i = 0; i < N_CONTAINMENTS; i++) {
        if (strcmp(containments[i].name, s) != 0)
            continue;
        if (containments[i].what == REFUSE)
            return mxc_fail(c, MOAT_MXC_UNSUPPORTED_CONTAINMENT, JSON_LOCATE_VALUE,
                            "\"%s\" asks for %s, which moat cannot provide: moat is a process "
                            "sandbox (use \"process\" or \"bubblewrap\")",
                            s, containments[i].why);
        if (containments[i].what == RUN_WARN)
            r = mxc_warn(c, "\"%s\" (%s) runs in moat's process sandbox on Linux", s,
                         containments[i].why);
        break;
    }
    if (r == 0 && !(c->req->containment = strdup(s)))
        return mxc_oom(c);
    return r;
}

/* ---- the root ------------------------------------------------------------ */

static int check_version_again(struct mxc_ctx *c, const json_t *v)
{
    (void)c, (void)v; /* checked before the walk: it chose the contract */
    return 0;
}

static int check_state_aware(struct mxc_ctx *c, const json_t *v)
{
    (void)v;
    return mxc_fail(c, MOAT_MXC_UNSUPPORTED_PHASE, JSON_LOCATE_KEY,
                    "state-aware requests (phase, sandboxId) are not supported: moat runs "
                    "one-shot requests only");
}

/* Not a field of any contract, but mxc's own bubblewrap documentation shows
 * it and lxc-exec up to 0.8 let unknown fields pass, so real configs carry
 * it (the #479 report's does).  Accepted there, with a warning. */
static int check_platform(struct mxc_ctx *c, const json_t *v)
{
    const struct mxc_field f = {.kind = MXC_STRING};
    int r = mxc_check_value(c, &f, v);
    return r < 0 ? r
                 : mxc_warn(c, "ignored: not part of the %s contract (mxc's documentation "
                               "shows it; its executor ignored it up to 0.8.0-alpha)",
                            mxc_version_name(c->version));
}

static const struct mxc_field root_fields[] = {
    {.key = "platform", .versions = MXC_UPTO(MXC_V08), .kind = MXC_CUSTOM, .unlisted = true,
     .fn = check_platform},
    S("$schema", MXC_FROM(MXC_V07)),
    {.key = "_comment", .versions = MXC_FROM(MXC_V07), .kind = MXC_ANY},
    {.key = "version", .versions = MXC_ALL, .kind = MXC_CUSTOM, .fn = check_version_again},
    {.key = "phase", .versions = MXC_FROM(MXC_V09), .kind = MXC_CUSTOM, .unlisted = true,
     .fn = check_state_aware},
    {.key = "sandboxId", .versions = MXC_FROM(MXC_V09), .kind = MXC_CUSTOM, .unlisted = true,
     .fn = check_state_aware},
    S("containerId", MXC_ALL),
    {.key = "containment", .versions = MXC_ALL, .kind = MXC_CUSTOM, .fn = check_containment},
    O("lifecycle", MXC_ALL, lifecycle_fields),
    {.key = "process", .versions = MXC_ALL, .kind = MXC_OBJECT, .sub = mxc_process_fields,
     .required = true},
    O("filesystem", MXC_ALL, mxc_filesystem_fields),
    O("fallback", MXC_ALL, fallback_fields),
    O("network", MXC_ALL, mxc_network_fields),
    O("ui", MXC_ALL, ui_fields),
    O("processContainer", MXC_ALL, process_container_fields),
    O("appContainer", MXC_UPTO(MXC_V09), process_container_fields),
    O("lxc", MXC_ALL, lxc_fields),
    O("seatbelt", MXC_FROM(MXC_V07), seatbelt_fields),
    O("macos_sandbox", MXC_V07 | MXC_V08 | MXC_V09, seatbelt_fields),
    O("runtimeConfig", MXC_FROM(MXC_V08), mxc_runtime_config_fields),
    {.key = "experimental", .versions = MXC_V08, .kind = MXC_LENIENT},
    O("telemetry", MXC_FROM(MXC_V09), telemetry_fields),
    O("wslc", MXC_FROM(MXC_V09), wslc_fields),
    O("hyperlight", MXC_V11, hyperlight_fields),
    O("test", MXC_V11, test_fields),
    O("windowsSandbox", MXC_V11, windows_sandbox_fields),
    {0},
};

static const struct {
    const char *name;
    unsigned bit;
} versions[] = {
    {"0.6.0-alpha", MXC_V06}, {"0.7.0-alpha", MXC_V07}, {"0.8.0-alpha", MXC_V08},
    {"0.9.0-alpha", MXC_V09}, {"1.0.0", MXC_V10},       {"1.1.0-alpha", MXC_V11},
};
#define N_VERSIONS (sizeof versions / sizeof versions[0])
#define VERSION_LIST "0.6.0-alpha, 0.7.0-alpha, 0.8.0-alpha, 0.9.0-alpha, 1.0.0, 1.1.0-alpha"

/* The contract is the exact string: "0.8.0" or "0.8" is not "0.8.0-alpha". */
static int pick_version(struct mxc_ctx *c)
{
    const json_t *v = json_object_get(c->root, "version");
    if (!v)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "missing required field \"version\" (one of " VERSION_LIST ")");
    json_where_push_key(&c->w, "version");
    int r;
    if (!json_is_string(v)) {
        r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                     "expected a string, got %s", json_where_kind(v));
    } else {
        const char *s = json_string_value(v);
        for (size_t i = 0; i < N_VERSIONS; i++) {
            if (strcmp(versions[i].name, s) == 0) {
                c->version = versions[i].bit;
                snprintf(c->req->version, sizeof c->req->version, "%s", s);
                json_where_pop(&c->w);
                return 0;
            }
        }
        const char *near = NULL;
        size_t sl = strlen(s);
        for (size_t i = 0; i < N_VERSIONS && !near; i++)
            if (sl >= 3 && strncmp(versions[i].name, s, sl) == 0)
                near = versions[i].name;
        char q[96];
        json_where_quote(q, sizeof q, s, 40);
        if (near)
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "unsupported contract version %s (did you mean \"%s\"? versions are "
                         "matched exactly)", q, near);
        else
            r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "unsupported contract version %s (moat reads " VERSION_LIST ")", q);
    }
    json_where_pop(&c->w);
    return r;
}

/* processContainer/appContainer and seatbelt/macos_sandbox are one section
 * under two names: giving both is ambiguous. */
static int check_aliases(struct mxc_ctx *c)
{
    static const char *const pairs[][2] = {{"processContainer", "appContainer"},
                                           {"seatbelt", "macos_sandbox"}};
    for (size_t i = 0; i < 2; i++) {
        if (!json_object_get(c->root, pairs[i][0]) || !json_object_get(c->root, pairs[i][1]))
            continue;
        json_where_push_key(&c->w, pairs[i][1]);
        int r = mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_KEY,
                         "\"%s\" and \"%s\" are the same section under two names; give one",
                         pairs[i][0], pairs[i][1]);
        json_where_pop(&c->w);
        return r;
    }
    return 0;
}

static bool is_true(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static bool is_false(const json_t *o, const char *key)
{
    return json_is_false(json_object_get(o, key));
}

/* One warning per section moat does not use, and per value whose request
 * moat does not honour (a default it already meets needs none). */
static int warn_ignored_sections(struct mxc_ctx *c)
{
    static const struct {
        const char *key, *what;
    } sections[] = {
        {"processContainer", "Windows ProcessContainer settings"},
        {"appContainer", "Windows AppContainer settings"},
        {"seatbelt", "macOS Seatbelt settings"},
        {"macos_sandbox", "macOS Seatbelt settings"},
        {"lxc", "the LXC image (moat runs the host's own system, read-only)"},
        {"wslc", "WSL container settings (Windows)"},
        {"windowsSandbox", "Windows Sandbox settings"},
        {"hyperlight", "Hyperlight settings"},
        {"experimental", "experimental mxc features"},
        {"test", "mxc's placeholder test feature"},
    };
    int r = 0;
    for (size_t i = 0; i < sizeof sections / sizeof *sections && r == 0; i++) {
        if (!json_object_get(c->root, sections[i].key))
            continue;
        json_where_push_key(&c->w, sections[i].key);
        r = mxc_warn(c, "ignored on Linux: %s", sections[i].what);
        json_where_pop(&c->w);
    }
    const json_t *ui = json_object_get(c->root, "ui");
    if (r == 0 && ui) {
        json_where_push_key(&c->w, "ui");
        const json_t *clip = json_object_get(ui, "clipboard");
        if (is_false(ui, "disable") || is_true(ui, "injection") ||
            (clip && strcmp(json_string_value(clip), "none") != 0))
            r = mxc_warn(c, "ignored: the UI policy is Windows-only; the sandbox has no "
                            "display, clipboard or input-injection access (AF_UNIX sockets "
                            "are refused, so no X11 or Wayland socket either)");
        json_where_pop(&c->w);
    }
    const json_t *lc = json_object_get(c->root, "lifecycle");
    if (r == 0 && lc) {
        json_where_push_key(&c->w, "lifecycle");
        if (is_false(lc, "destroyOnExit"))
            r = mxc_warn(c, "destroyOnExit false is not honoured: a moat sandbox always ends "
                            "with its command");
        else if (is_true(lc, "preservePolicy"))
            r = mxc_warn(c, "preservePolicy true has no effect: moat changes nothing on the "
                            "host, so there is no policy to keep");
        json_where_pop(&c->w);
    }
    const json_t *tm = json_object_get(c->root, "telemetry");
    if (r == 0 && tm && is_true(tm, "enabled")) {
        json_where_push_key(&c->w, "telemetry");
        r = mxc_warn(c, "ignored: moat sends no telemetry");
        json_where_pop(&c->w);
    }
    return r;
}

static int load_checked(struct mxc_ctx *c)
{
    int r;
    if ((r = check_aliases(c)) < 0 || (r = warn_ignored_sections(c)) < 0)
        return r;
    const json_t *id = json_object_get(c->root, "containerId");
    if (id && !(c->req->container_id = strdup(json_string_value(id))))
        return mxc_oom(c);
    if ((r = mxc_map_filesystem(c)) < 0 || (r = mxc_map_process(c)) < 0 ||
        (r = mxc_map_network(c)) < 0 || (r = mxc_map_default_cwd(c)) < 0)
        return r;
    /* The same checks `moat run` makes; a config that passes here runs. */
    struct moat_error ferr = {0};
    r = moat_policy_finalize(c->req->policy, &ferr);
    if (r == -ENOMEM)
        return mxc_oom(c);
    if (r < 0) {
        c->code = MOAT_MXC_POLICY_VALIDATION;
        return error_set(c->err, r, "%s: the moat policy made from it is refused: %s",
                         c->w.name, ferr.msg);
    }
    return 0;
}

int mxc_request_load(struct moat_mxc_request *req, const char *json, size_t len,
                     const char *name, const char *base_dir, enum moat_mxc_code *code,
                     struct moat_error *err)
{
    *req = (struct moat_mxc_request){0};
    if (!(req->policy = moat_policy_new()))
        return error_set(err, -ENOMEM, "out of memory");
    if (!name)
        name = "<config>";
    struct mxc_ctx c = {
        .w = {.text = json, .len = len, .name = name},
        .base_dir = base_dir,
        .req = req,
        .err = err,
        .code = MOAT_MXC_MALFORMED_REQUEST,
    };
    int r;
    json_t *root = NULL;
    if (!json) {
        r = error_set(err, -EINVAL, "%s: no configuration text given", name);
    } else if (!base_dir || base_dir[0] != '/') {
        c.code = MOAT_MXC_BACKEND_ERROR;
        r = error_set(err, -EINVAL, "%s: the base directory must be an absolute path", name);
    } else {
        json_error_t je;
        root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        if (!root)
            r = load_json_syntax_error(json, len, name, &je, err);
        else if (!json_is_object(root))
            r = mxc_fail(&c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                         "expected an object, got %s", json_where_kind(root));
        else if ((c.root = root, r = pick_version(&c)) == 0 &&
                 (r = mxc_check_object(&c, root, root_fields)) == 0)
            r = load_checked(&c);
    }
    json_decref(root);
    if (code)
        *code = r < 0 ? c.code : MOAT_MXC_OK;
    if (r < 0)
        mxc_request_release(req);
    return r;
}

int mxc_request_load_file(struct moat_mxc_request *req, const char *path,
                          enum moat_mxc_code *code, struct moat_error *err)
{
    *req = (struct moat_mxc_request){0};
    if (code)
        *code = MOAT_MXC_MALFORMED_REQUEST;
    if (!path)
        return error_set(err, -EINVAL, "no configuration file given");
    _cleanup_free_ char *text = NULL, *cwd = getcwd(NULL, 0);
    size_t len = 0;
    bool regular = false;
    int r = load_json_read_file(path, &text, &len, &regular, err);
    if (r < 0)
        return r;
    if (!cwd)
        return error_set_errno(err, -errno, "%s: cannot get the current directory", path);
    return mxc_request_load(req, text, len, path, cwd, code, err);
}

/* A new request filled by load (which leaves it empty on failure). */
static int request_new(struct moat_mxc_request **out, enum moat_mxc_code *code,
                       struct moat_error *err, int (*load)(struct moat_mxc_request *, void *),
                       void *arg)
{
    struct moat_mxc_request *req = calloc(1, sizeof *req);
    if (!req) {
        if (code)
            *code = MOAT_MXC_BACKEND_ERROR;
        return error_set(err, -ENOMEM, "out of memory");
    }
    int r = load(req, arg);
    if (r < 0) {
        free(req);
        return r;
    }
    *out = req;
    return 0;
}

struct load_args {
    const char *json, *name, *base_dir, *path;
    size_t len;
    enum moat_mxc_code *code;
    struct moat_error *err;
};

static int load_text(struct moat_mxc_request *req, void *arg)
{
    const struct load_args *a = arg;
    return mxc_request_load(req, a->json, a->len, a->name, a->base_dir, a->code, a->err);
}

static int load_file(struct moat_mxc_request *req, void *arg)
{
    const struct load_args *a = arg;
    return mxc_request_load_file(req, a->path, a->code, a->err);
}

int moat_mxc_load(const char *json, size_t len, const char *name, const char *base_dir,
                  struct moat_mxc_request **out, enum moat_mxc_code *code, struct moat_error *err)
{
    struct load_args a = { .json = json, .len = len, .name = name, .base_dir = base_dir,
                           .code = code, .err = err };
    return request_new(out, code, err, load_text, &a);
}

int moat_mxc_load_file(const char *path, struct moat_mxc_request **out, enum moat_mxc_code *code,
                       struct moat_error *err)
{
    struct load_args a = { .path = path, .code = code, .err = err };
    return request_new(out, code, err, load_file, &a);
}

void mxc_request_release(struct moat_mxc_request *req)
{
    moat_policy_free(req->policy);
    if (req->argv)
        for (char **a = req->argv; *a; a++)
            free(*a);
    free(req->argv);
    free(req->container_id);
    free(req->containment);
    *req = (struct moat_mxc_request){0};
}

void moat_mxc_request_free(struct moat_mxc_request *req)
{
    if (req)
        mxc_request_release(req);
    free(req);
}

const struct moat_policy *moat_mxc_request_policy(const struct moat_mxc_request *req)
{
    return req->policy;
}

char *const *moat_mxc_request_argv(const struct moat_mxc_request *req)
{
    return req->argv;
}

const char *moat_mxc_request_version(const struct moat_mxc_request *req)
{
    return req->version;
}

bool moat_mxc_request_default_env(const struct moat_mxc_request *req)
{
    return req->default_env;
}

uint32_t moat_mxc_request_timeout_ms(const struct moat_mxc_request *req)
{
    return req->timeout_ms;
}

const char *moat_mxc_request_container_id(const struct moat_mxc_request *req)
{
    return req->container_id;
}

const char *moat_mxc_request_containment(const struct moat_mxc_request *req)
{
    return req->containment;
}

bool moat_mxc_detect(const char *json, size_t len)
{
    json_t *root = json ? json_loadb(json, len, JSON_ALLOW_NUL, NULL) : NULL;
    bool mxc = false;
    if (json_is_object(root)) {
        const json_t *process = json_object_get(root, "process");
        mxc = json_object_get(root, "version") || json_object_get(root, "containment") ||
              json_object_get(root, "containerId") ||
              (json_is_object(process) && json_object_get(process, "commandLine"));
    }
    json_decref(root);
    return mxc;
}
