/* Unit tests for the mxc configuration loader (src/policy/load_mxc*.c,
 * mxc_cidr.c): every fixture of tests/mxc/fixtures (valid ones load,
 * invalid ones are refused naming the field), and the mapping of each
 * contract's fields onto the moat policy.  Run from the top of the tree. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy/model.h"
#include "policy/mxc/mxc.h"
#include "policy/mxc/mxc_cidr.h"
#include "unit.h"

#define FIXTURES "tests/mxc/fixtures"

static struct moat_mxc_request req;
/* The loaded policy (it is a new one after every load). */
#define p (req.policy)
static struct moat_error err;
static enum moat_mxc_code code;

/* Load `json` as "c.json" with the caller in /home/u/proj; 0 or the error. */
static int load(const char *json)
{
    mxc_request_release(&req);
    err = (struct moat_error){0};
    return mxc_request_load(&req, json, strlen(json), "c.json", "/home/u/proj", &code, &err);
}

/* The error message, or "OK". */
static const char *load_msg(const char *json)
{
    return load(json) == 0 ? "OK" : err.msg;
}


static bool warned(const char *needle)
{
    for (size_t i = 0; i < req.policy->warnings.n; i++)
        if (strstr(req.policy->warnings.v[i], needle))
            return true;
    return false;
}


/* ---- the fixtures --------------------------------------------------------------------- */

/* What each invalid fixture must be refused for: the JSON path and the reason. */
static const struct {
    const char *file, *message;
    enum moat_mxc_code code;
} refusals[] = {
    {"0.6.0-alpha/invalid/experimental.json",
     "6:3: $.experimental: unknown field in the 0.6.0-alpha contract (it is in 0.8.0-alpha)",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.6.0-alpha/invalid/incomplete_lxc.json", "$.lxc: missing required field \"release\"",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.6.0-alpha/invalid/state_aware.json", "3:3: $.phase: unknown field",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.6.0-alpha/invalid/unknown_root_field.json", "6:3: $.unknownField: unknown field",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.7.0-alpha/invalid/moat_directional_too_early.json",
     "$.network.egress: unknown field in the 0.7.0-alpha contract (it is in 0.8.0-alpha and "
     "later)",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.7.0-alpha/invalid/moat_runtime_config_too_early.json",
     "$.runtimeConfig: unknown field in the 0.7.0-alpha contract", MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/capability_learning_mode_logging_reserved.json",
     "$.processContainer.capabilities[0]: \"LEARNINGmodeLOGGING\" is reserved",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/capability_permissive_learning_mode_reserved.json",
     "$.processContainer.capabilities[0]: \"PERMISSIVElearningMODE\" is reserved",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/capability_with_comma.json",
     "$.processContainer.capabilities[0]: a capability must not contain a comma",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/duplicate_process_container_alias.json",
     "7:3: $.appContainer: \"processContainer\" and \"appContainer\" are the same section",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/duplicate_seatbelt_alias.json",
     "$.macos_sandbox: \"seatbelt\" and \"macos_sandbox\" are the same section",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/incomplete_lxc.json", "$.lxc: missing required field \"release\"",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/seatbelt_invalid_launch_method.json",
     "8:21: $.seatbelt.launchMethod: unknown value \"invalid\" (expected one of: exec, open)",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/seatbelt_unknown_field.json",
     "8:5: $.seatbelt.unknownField: unknown field", MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/state_aware.json", "$.phase: unknown field in the 0.8.0-alpha",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/unknown_nested_field.json", "7:5: $.network.unknownField: unknown",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/unknown_root_field.json", "$.unknownField: unknown field",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/moat_mixed_shapes.json",
     "$.network.defaultPolicy: the legacy network shape", MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/moat_empty_rule_destinations.json",
     "$.network.egress.allow[0].to: must not be an empty array", MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/moat_endport_without_port.json",
     "$.network.egress.allow[0].ports[0]: endPort requires port", MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/moat_except_outside_cidr.json",
     "$.network.egress.allow[0].to[0].except[0]: must lie within the rule's cidr \"10.0.0.0/8\"",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.8.0-alpha/invalid/moat_hostname_in_cidr.json",
     "$.network.egress.allow[0].to[0].cidr: not an IP address or CIDR",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.9.0-alpha/invalid/moat_legacy_network.json",
     "$.network.defaultPolicy: unknown field in the 0.9.0-alpha contract (it is in "
     "0.6.0-alpha to 0.8.0-alpha)",
     MOAT_MXC_MALFORMED_REQUEST},
    {"0.9.0-alpha/invalid/moat_state_aware_exec.json", "$.phase: state-aware requests",
     MOAT_MXC_UNSUPPORTED_PHASE},
    {"0.9.0-alpha/invalid/moat_experimental.json", "$.experimental: unknown field",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_app_container_alias.json",
     "$.appContainer: unknown field in the 1.0.0 contract", MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_launch_method_removed.json",
     "$.seatbelt.launchMethod: unknown field in the 1.0.0 contract", MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_hyperlight_containment.json",
     "$.containment: unknown value \"hyperlight\"", MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_version_missing.json", "1:1: $: missing required field \"version\"",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_version_inexact.json",
     "$.version: unsupported contract version \"1.0\" (did you mean \"1.0.0\"?",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_null_field.json", "$.process.cwd: null is not allowed",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_wslc_port_out_of_range.json",
     "$.wslc.portMappings[0].windowsPort: 65536 is out of range (1 to 65535)",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_timeout_seconds.json", "$.process.timeout: expected an integer, got 1.5",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_empty_command_line.json", "$.process.commandLine: must not be empty",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.0.0/invalid/moat_proxy_with_rules.json",
     "$.runtimeConfig.networkProxy: requires network.egress.default \"deny\"",
     MOAT_MXC_POLICY_VALIDATION},
    {"1.0.0/invalid/moat_proxy_not_loopback.json",
     "$.runtimeConfig.networkProxy: the proxy must be on this host's loopback",
     MOAT_MXC_MALFORMED_REQUEST},
    {"1.1.0-alpha/invalid/moat_hyperlight_containment.json",
     "$.containment: \"hyperlight\" asks for a Hyperlight micro-VM",
     MOAT_MXC_UNSUPPORTED_CONTAINMENT},
    {"1.1.0-alpha/invalid/moat_system_settings.json",
     "$.processContainer.ui.systemSettings: unknown value \"everything\"",
     MOAT_MXC_MALFORMED_REQUEST},
};
#define N_REFUSALS (sizeof refusals / sizeof refusals[0])

static unsigned n_valid, n_invalid;
static bool refusal_seen[N_REFUSALS];

static void check_fixture(const char *rel, bool valid)
{
    char path[1200];
    snprintf(path, sizeof path, FIXTURES "/%s", rel);
    mxc_request_release(&req);
    err = (struct moat_error){0};
    int r = mxc_request_load_file(&req, path, &code, &err);
    if (valid) {
        n_valid++;
        if (r != 0) {
            fprintf(stderr, "  FAIL valid fixture %s refused: %s\n", rel, err.msg);
            unit_current_failed = 1;
        }
        if (r == 0 && (!req.argv || strcmp(req.argv[0], "/bin/sh") != 0))
            unit_current_failed = 1;
        return;
    }
    n_invalid++;
    if (r == 0) {
        fprintf(stderr, "  FAIL invalid fixture %s loaded\n", rel);
        unit_current_failed = 1;
        return;
    }
    for (size_t i = 0; i < N_REFUSALS; i++) {
        if (strcmp(refusals[i].file, rel) != 0)
            continue;
        refusal_seen[i] = true;
        /* The message starts with the file name and position. */
        if (strncmp(err.msg, path, strlen(path)) != 0 || !strstr(err.msg, refusals[i].message) ||
            code != refusals[i].code) {
            fprintf(stderr, "  FAIL %s:\n    got:  %s (%s)\n    want: ...%s (%s)\n", rel,
                    err.msg, moat_mxc_code_name(code), refusals[i].message,
                    moat_mxc_code_name(refusals[i].code));
            unit_current_failed = 1;
        }
        return;
    }
    fprintf(stderr, "  FAIL %s: no expected message in test_mxc.c (refused with: %s)\n", rel,
            err.msg);
    unit_current_failed = 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

TEST(every_fixture)
{
    struct dirent **versions;
    int nv = scandir(FIXTURES, &versions, NULL, by_name);
    CHECK(nv > 0);
    for (int v = 0; v < nv; v++) {
        for (int valid = 0; valid <= 1; valid++) {
            char dir[600];
            snprintf(dir, sizeof dir, FIXTURES "/%s/%s", versions[v]->d_name,
                     valid ? "valid" : "invalid");
            struct dirent **files;
            int nf = scandir(dir, &files, NULL, by_name);
            for (int f = 0; f < nf; f++) {
                const char *n = files[f]->d_name;
                if (strlen(n) > 5 && strcmp(n + strlen(n) - 5, ".json") == 0) {
                    char rel[1024];
                    snprintf(rel, sizeof rel, "%s/%s/%s", versions[v]->d_name,
                             valid ? "valid" : "invalid", n);
                    check_fixture(rel, valid);
                }
                free(files[f]);
            }
            if (nf > 0)
                free(files);
        }
        free(versions[v]);
    }
    if (nv > 0)
        free(versions);
    /* mxc's reference set has 18 valid and 15 invalid files; moat's add 11 and 23. */
    CHECK(n_valid >= 18 + 11);
    CHECK(n_invalid >= 15 + 23);
    for (size_t i = 0; i < N_REFUSALS; i++)
        if (!refusal_seen[i]) {
            fprintf(stderr, "  FAIL fixture %s is missing\n", refusals[i].file);
            unit_current_failed = 1;
        }
    printf("# %u valid and %u invalid fixtures\n", n_valid, n_invalid);
}

/* ---- syntax and versions -------------------------------------------------------------- */

TEST(syntax_and_versions)
{
    CHECK_STR(load_msg("{\"version\": \"1.0.0\",}"),
              "c.json:1:20: syntax error: trailing comma before '}'");
    CHECK_INT(code, MOAT_MXC_MALFORMED_REQUEST);
    CHECK_STR(load_msg("{\"version\": \"1.0.0\", \"version\": \"1.0.0\"}"),
              "c.json:1:22: duplicate key \"version\"");
    CHECK_STR(load_msg("[]"), "c.json:1:1: $: expected an object, got array");
    CHECK_STR(load_msg("{\"version\": 1, \"process\": {\"commandLine\": \"x\"}}"),
              "c.json:1:13: $.version: expected a string, got number");
    CHECK_HAS(load_msg("{\"version\": \"0.5.0-alpha\", \"process\": {\"commandLine\": \"x\"}}"),
              "$.version: unsupported contract version \"0.5.0-alpha\" (moat reads 0.6.0-alpha,");
    CHECK_HAS(load_msg("{\"version\": \"0.8.0\", \"process\": {\"commandLine\": \"x\"}}"),
              "(did you mean \"0.8.0-alpha\"?");
    CHECK_STR(load_msg("{\"version\": \"1.0.0\"}"),
              "c.json:1:1: $: missing required field \"process\"");
    CHECK_STR(load_msg("{\"version\": \"1.0.0\", \"process\": {}}"),
              "c.json:1:33: $.process: missing required field \"commandLine\"");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"a\\u0000b\"}}"),
              "$.process.commandLine: the string contains a NUL byte");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"comandLine\": \"x\"}}"),
              "$.process.comandLine: unknown field (did you mean \"commandLine\"?)");
    for (const char *const *v = (const char *const[]){"0.6.0-alpha", "0.7.0-alpha", "0.8.0-alpha",
                                                      "0.9.0-alpha", "1.0.0", "1.1.0-alpha",
                                                      NULL};
         *v; v++) {
        char json[128];
        snprintf(json, sizeof json, "{\"version\": \"%s\", \"process\": {\"commandLine\": \"x\"}}",
                 *v);
        CHECK_STR(load_msg(json), "OK");
        CHECK_STR(req.version, *v);
    }
}

/* ---- process and filesystem ---------------------------------------------------------------- */

TEST(process_maps_to_sh_c_env_and_timeout)
{
    CHECK_INT(load("{\"version\": \"0.6.0-alpha\", \"process\": {\"commandLine\": \"echo $A\", "
                   "\"env\": [\"A=1=2\", \"B=\", \"A=3\"], \"timeout\": 1500, "
                   "\"cwd\": \"/srv/x/../y\"}}"),
              0);
    CHECK_STR(req.argv[0], "/bin/sh");
    CHECK_STR(req.argv[1], "-c");
    CHECK_STR(req.argv[2], "echo $A");
    CHECK(req.argv[3] == NULL);
    CHECK_INT(req.policy->proc.set_env.n, 2);
    CHECK_STR(req.policy->proc.set_env.v[0], "A=3"); /* a later entry wins */
    CHECK_STR(req.policy->proc.set_env.v[1], "B=");
    CHECK(!req.default_env);
    CHECK_INT(req.timeout_ms, 1500);
    CHECK(req.policy->proc.timeout == 1.5);
    CHECK_STR(req.policy->proc.cwd, "/srv/y");
    CHECK_INT(req.policy->fs.read_model, MOAT_READ_LISTED);

    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\", "
                       "\"env\": [\"NOEQ\"]}}"),
              "$.process.env[0]: \"NOEQ\" is not KEY=VALUE");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\", "
                       "\"env\": [\"=v\"]}}"),
              "$.process.env[0]: \"=v\" has an empty variable name");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\", "
                       "\"timeout\": 4294967296}}"),
              "$.process.timeout: 4294967296 is out of range (0 to 4294967295)");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\", "
                       "\"timeout\": -1}}"),
              "is out of range");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\", "
                       "\"cwd\": \"rel\"}}"),
              "$.process.cwd: the working directory must be an absolute path");
    CHECK_INT(code, MOAT_MXC_POLICY_VALIDATION);
    CHECK_HAS(load_msg("{\"version\": \"0.8.0-alpha\", \"process\": {\"commandLine\": \"x\", "
                       "\"inheritDefaultEnv\": true}}"),
              "$.process.inheritDefaultEnv: unknown field in the 0.8.0-alpha contract (it is in "
              "0.9.0-alpha and later)");
}

/* Up to 0.8 the environment is exactly process.env; from 0.9 an omitted env
 * means the defaults, and inheritDefaultEnv layers env on them. */
TEST(environment_by_version)
{
    CHECK_INT(load("{\"version\": \"0.8.0-alpha\", \"process\": {\"commandLine\": \"x\"}}"), 0);
    CHECK(!req.default_env);
    CHECK_INT(load("{\"version\": \"0.9.0-alpha\", \"process\": {\"commandLine\": \"x\"}}"), 0);
    CHECK(req.default_env);
    CHECK_INT(load("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\", "
                   "\"env\": []}}"),
              0);
    CHECK(!req.default_env);
    CHECK_INT(load("{\"version\": \"1.1.0-alpha\", \"process\": {\"commandLine\": \"x\", "
                   "\"env\": [\"A=1\"], \"inheritDefaultEnv\": true}}"),
              0);
    CHECK(req.default_env);
    CHECK_STR(req.policy->proc.set_env.v[0], "A=1");
}

TEST(filesystem_is_the_listed_model)
{
    CHECK_INT(load("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                   "\"filesystem\": {\"readwritePaths\": [\"/home/u/proj\", \"/tmp\"], "
                   "\"readonlyPaths\": [\"/opt/tool/\"], \"deniedPaths\": [\"/home/u/proj/.env\"]}}"),
              0);
    CHECK_INT(p->fs.read_model, MOAT_READ_LISTED);
    CHECK(strv_contains(&p->fs.allow_write, "/home/u/proj") &&
          strv_contains(&p->fs.allow_write, "/tmp"));
    CHECK(strv_contains(&p->fs.allow_read, "/opt/tool"));
    CHECK(strv_contains(&p->fs.deny_read, "/home/u/proj/.env"));
    CHECK(p->fs.protect_defaults && p->fs.private_tmp);
    /* The caller's directory is listed: the command starts there. */
    CHECK_STR(p->proc.cwd, "/home/u/proj");

    CHECK_INT(load("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                   "\"filesystem\": {\"readonlyPaths\": [\"/srv\"], "
                   "\"deniedPaths\": [\"/home/u\"]}}"),
              0);
    CHECK_STR(req.policy->proc.cwd, "/"); /* not visible: "/" */

    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"filesystem\": {\"readonlyPaths\": [\"relative/dir\"]}}"),
              "$.filesystem.readonlyPaths[0]: not an absolute path");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"filesystem\": {\"deniedPaths\": [\"  \"]}}"),
              "$.filesystem.deniedPaths[0]: blank path");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"filesystem\": {\"readwritePaths\": [\"/a\\\"b\"]}}"),
              "$.filesystem.readwritePaths[0]: a path must not contain '\"'");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"filesystem\": {\"readwritePaths\": [\"/usr/..\"]}}"),
              "$.filesystem.readwritePaths[0]: \"/\" would make the whole host writable");
}

/* A "$HOME" in a path would name a directory of that name, and a denied
 * path would hide nothing: refused, as in moat's own format (and a policy
 * printed from the config loads back); "$Recycle.Bin" is only warned of. */
TEST(variables_in_paths_as_in_moats_format)
{
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"filesystem\": {\"deniedPaths\": [\"/home/$USER/.ssh\"]}}"),
              "$.filesystem.deniedPaths[0]: \"/home/$USER/.ssh\": moat does not expand variables");
    CHECK_INT(code, MOAT_MXC_POLICY_VALIDATION);
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"filesystem\": {\"readonlyPaths\": [\"/usr$$$A$$r\"]}}"),
              "\"$A\" would be a directory of that name");
    CHECK_INT(load("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                   "\"filesystem\": {\"readonlyPaths\": [\"/mnt/c/$Recycle.Bin\"]}}"),
              0);
    CHECK(warned("\"$Recycle\" is taken literally"));
}

/* ---- the legacy network shape ------------------------------------------------------------------ */

#define LEGACY(version, net)                                                                  \
    "{\"version\": \"" version "\", \"process\": {\"commandLine\": \"x\"}, \"network\": " net "}"

TEST(legacy_block_and_allowed_hosts)
{
    CHECK_INT(load(LEGACY("0.6.0-alpha", "{}")), 0);
    CHECK_INT(req.policy->net.mode, MOAT_NET_NONE);
    CHECK(req.policy->net.allow_local_binding); /* inside the sandbox only */

    /* The #479 report: hostnames honoured, both families, the loopback entry left out. */
    CHECK_INT(load(LEGACY("0.6.0-alpha",
                          "{\"defaultPolicy\": \"block\", \"enforcementMode\": \"firewall\", "
                          "\"allowedHosts\": [\"api.anthropic.com\", \"127.0.0.1\", "
                          "\"2001:db8::/32\"], \"blockedHosts\": [\"2001:db8::66\"]}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_FIREWALL);
    CHECK_INT(p->net.allow.n, 2);
    CHECK(strv_contains(&p->net.allow, "api.anthropic.com") && strv_contains(&p->net.allow, "2001:db8::/32"));
    CHECK(strv_contains(&p->net.deny, "2001:db8::66"));
    CHECK(warned("$.network.allowedHosts[1]: \"127.0.0.1\" is left out"));
    CHECK(!warned("enforcementMode"));

    /* capabilities (the default): still enforced, and said so. */
    CHECK_INT(load(LEGACY("0.7.0-alpha", "{\"allowedHosts\": [\"example.com\"]}")), 0);
    CHECK_INT(req.policy->net.mode, MOAT_NET_FIREWALL);
    CHECK(warned("$.network.allowedHosts: the host lists are enforced"));

    /* Only loopback entries: nothing to reach outside. */
    CHECK_INT(load(LEGACY("0.8.0-alpha", "{\"allowedHosts\": [\"localhost\", \"::1\"]}")), 0);
    CHECK_INT(req.policy->net.mode, MOAT_NET_NONE);
    CHECK_INT(req.policy->net.allow.n, 0);

    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"allowedHosts\": [\"*.com\"]}")),
              "$.network.allowedHosts[0]: \"*.com\": host pattern \"*.com\" would allow a "
              "whole top-level domain");
    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"defaultPolicy\": \"open\"}")),
              "$.network.defaultPolicy: unknown value \"open\" (expected one of: allow, block)");
}

TEST(legacy_allow)
{
    /* Alone: the host's network, as mxc gives it; binding as allowLocalNetwork says. */
    CHECK_INT(load(LEGACY("0.6.0-alpha", "{\"defaultPolicy\": \"allow\"}")), 0);
    CHECK_INT(req.policy->net.mode, MOAT_NET_HOST);
    CHECK(!req.policy->net.allow_local_binding);
    CHECK(warned("$.network.defaultPolicy: \"allow\" in the legacy shape is the host's network"));
    CHECK_INT(load(LEGACY("0.6.0-alpha", "{\"defaultPolicy\": \"allow\", "
                                         "\"allowLocalNetwork\": true}")),
              0);
    CHECK(req.policy->net.allow_local_binding);

    /* With a block list: everything but those, filtered (never mode host). */
    CHECK_INT(load(LEGACY("0.6.0-alpha", "{\"defaultPolicy\": \"allow\", \"enforcementMode\": "
                                         "\"both\", \"blockedHosts\": [\"bad.example\", "
                                         "\"127.0.0.1\"], \"allowedHosts\": [\"x.example\"]}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_FIREWALL);
    CHECK(strv_contains(&p->net.allow, "*") && strv_contains(&p->net.allow, "0.0.0.0/0") &&
          strv_contains(&p->net.allow, "::/0"));
    CHECK(strv_contains(&p->net.deny, "bad.example") && strv_contains(&p->net.deny, "127.0.0.1"));
    CHECK(!strv_contains(&p->net.allow, "x.example"));
    CHECK(warned("$.network.allowedHosts: has no effect"));
}

TEST(legacy_proxies)
{
    /* builtinTestServer: moat's own proxy, the lists as its policy. */
    CHECK_INT(load(LEGACY("0.6.0-alpha", "{\"proxy\": {\"builtinTestServer\": true}, "
                                         "\"allowedHosts\": [\"pypi.org\"]}")),
              0);
    CHECK_INT(req.policy->net.mode, MOAT_NET_PROXY);
    CHECK(strv_contains(&req.policy->net.allow, "pypi.org") && req.policy->net.allow.n == 1);
    CHECK_INT(load(LEGACY("0.8.0-alpha", "{\"proxy\": {\"builtinTestServer\": true}, "
                                         "\"enforcementMode\": \"firewall\"}")),
              0);
    CHECK_INT(req.policy->net.mode, MOAT_NET_FIREWALL);
    CHECK(strv_contains(&req.policy->net.allow, "*")); /* no list: every host, as mxc's test proxy */
    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"proxy\": {\"builtinTestServer\": false}}")),
              "$.network.proxy.builtinTestServer: must be true");
    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"proxy\": {}}")),
              "$.network.proxy: give exactly one of localhost, builtinTestServer and url");
    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"proxy\": {\"localhost\": 1, \"url\": \"x\"}}")),
              "give exactly one");

    /* A proxy on the host's loopback: reached through hostPorts, and nothing else. */
    CHECK_INT(load(LEGACY("0.6.0-alpha", "{\"proxy\": {\"localhost\": 3128}, \"allowLocalNetwork\": "
                                         "false}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_NONE);
    CHECK_INT(p->net.n_host_ports, 1);
    CHECK_INT(p->net.host_ports[0], 3128);
    CHECK(strv_contains(&p->proc.set_env, "HTTPS_PROXY=http://127.0.0.1:3128"));
    CHECK(strv_contains(&p->proc.set_env, "all_proxy=http://127.0.0.1:3128"));

    /* A remote proxy: firewall mode with one rule for it; NO_PROXY dropped as mxc does. */
    CHECK_INT(load("{\"version\": \"0.6.0-alpha\", \"process\": {\"commandLine\": \"x\", "
                   "\"env\": [\"NO_PROXY=*\", \"HTTP_PROXY=http://other:1\"]}, \"network\": "
                   "{\"proxy\": {\"url\": \"https://u:p@[2001:db8::8]:8443/x\"}}}"),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_FIREWALL);
    CHECK(strv_contains(&p->net.allow, "tcp://[2001:db8::8]:8443") && p->net.allow.n == 1);
    CHECK(strv_contains(&p->proc.set_env, "HTTP_PROXY=https://u:p@[2001:db8::8]:8443/x"));
    CHECK(!strv_contains(&p->proc.set_env, "NO_PROXY=*"));
    CHECK(warned("NO_PROXY from process.env is dropped"));
    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"proxy\": {\"url\": \"socks5://127.0.0.1:1\"}}")),
              "$.network.proxy.url: the scheme must be http or https");
    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"proxy\": {\"url\": \"http://127.0.0.1\"}}")),
              "$.network.proxy.url: expected http(s)://HOST:PORT (the port is required)");
    CHECK_HAS(load_msg(LEGACY("0.6.0-alpha", "{\"proxy\": {\"url\": \"http://127.0.0.2:8\"}}")),
              "the proxy must be localhost, 127.0.0.1 or [::1]");

    /* Host lists with an external proxy bind direct connections only, and say so. */
    CHECK_INT(load(LEGACY("0.8.0-alpha", "{\"proxy\": {\"localhost\": 3128}, "
                                         "\"allowedHosts\": [\"a.example\"]}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_FIREWALL);
    CHECK(strv_contains(&p->net.allow, "a.example") && p->net.n_host_ports == 1);
    CHECK(warned("$.network.allowedHosts: applies to direct connections only"));
}

/* ---- the directional shape ------------------------------------------------------------------------- */

#define DIRECTIONAL(net) LEGACY("1.0.0", net)

TEST(directional_rules)
{
    CHECK_INT(load(DIRECTIONAL("{\"egress\": {\"default\": \"deny\"}}")), 0);
    CHECK_INT(req.policy->net.mode, MOAT_NET_NONE);
    CHECK(req.policy->net.allow_local_binding);

    CHECK_INT(load(DIRECTIONAL("{\"egress\": {\"allow\": [{\"to\": [{\"cidr\": "
                               "\"0.0.0.0/0\", \"except\": [\"10.0.0.0/8\", \"192.168.0.0/16\"]}], "
                               "\"ports\": [{\"protocol\": \"tcp\", \"port\": 443}]}]}}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_FIREWALL);
    CHECK(strv_contains(&p->net.allow, "tcp://0.0.0.0/5:443"));
    CHECK(strv_contains(&p->net.allow, "tcp://11.0.0.0/8:443"));
    CHECK(strv_contains(&p->net.allow, "tcp://192.0.0.0/9:443"));
    CHECK(!strv_contains(&p->net.allow, "tcp://10.0.0.0/8:443"));
    /* The siblings along the path to each exception: prefixes 2-8 and 2-16. */
    CHECK_INT(p->net.allow.n, 7 + 15);

    /* No "to": every name and address, on the given ports; "any" is no scheme. */
    CHECK_INT(load(DIRECTIONAL("{\"egress\": {\"allow\": [{\"ports\": [{\"port\": 53, "
                               "\"endPort\": 54}]}], \"deny\": [{\"to\": [{\"cidr\": "
                               "\"2001:db8::/32\"}], \"ports\": [{\"protocol\": \"udp\"}]}]}}")),
              0);
    CHECK(strv_contains(&p->net.allow, "0.0.0.0/0:53") && strv_contains(&p->net.allow, "[::]/0:54"));
    CHECK(strv_contains(&p->net.allow, "*:53") && strv_contains(&p->net.allow, "*:54"));
    CHECK_INT(p->net.allow.n, 6);
    CHECK(strv_contains(&p->net.deny, "udp://2001:db8::/32"));

    /* ICMP: nothing to allow, said so; an ICMP-only policy is mode none. */
    CHECK_INT(load(DIRECTIONAL("{\"egress\": {\"allow\": [{\"ports\": [{\"protocol\": "
                               "\"icmp\"}]}]}}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_NONE);
    CHECK(warned("$.network.egress.allow[0].ports[0]: ICMP is not allowed"));
    CHECK_HAS(load_msg(DIRECTIONAL("{\"egress\": {\"allow\": [{\"ports\": [{\"protocol\": "
                                   "\"icmp\", \"port\": 1}]}]}}")),
              "$.network.egress.allow[0].ports[0]: protocol \"icmp\" takes no port");
    CHECK_HAS(load_msg(DIRECTIONAL("{\"egress\": {\"allow\": [{\"ports\": [{\"port\": 9, "
                                   "\"endPort\": 8}]}]}}")),
              "endPort 8 is below port 9");
    CHECK_HAS(load_msg(DIRECTIONAL("{\"egress\": {\"allow\": [{\"to\": [{\"cidr\": "
                                   "\"10.0.0.1/8\"}]}]}}")),
              "$.network.egress.allow[0].to[0].cidr: host bits are set after the prefix; did "
              "you mean 10.0.0.0/8?");
    CHECK_HAS(load_msg(DIRECTIONAL("{\"egress\": {\"allow\": [{\"ports\": [{\"protocol\": "
                                   "\"tcp\", \"port\": 1, \"endPort\": 65535}]}]}}")),
              "$.network.egress.allow[0].ports[0]: the rules would expand to more than 1024");
    CHECK_INT(code, MOAT_MXC_POLICY_VALIDATION);
    CHECK_HAS(load_msg(DIRECTIONAL("{\"egress\": {\"allow\": [{\"ports\": []}]}}")),
              "$.network.egress.allow[0].ports: must not be an empty array");
}

TEST(directional_default_allow_and_ingress)
{
    /* Everything but the host's loopback, deny rules kept: firewall mode. */
    CHECK_INT(load(DIRECTIONAL("{\"egress\": {\"default\": \"allow\", \"deny\": [{\"to\": "
                               "[{\"cidr\": \"203.0.113.0/24\"}]}]}}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_FIREWALL);
    CHECK(strv_contains(&p->net.allow, "*") && strv_contains(&p->net.allow, "0.0.0.0/0"));
    CHECK(strv_contains(&p->net.deny, "203.0.113.0/24"));

    /* And the host's loopback too: that is the host's network. */
    CHECK_INT(load(DIRECTIONAL("{\"egress\": {\"default\": \"allow\"}, \"ingress\": "
                               "{\"hostLoopback\": \"allow\"}}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_HOST);
    CHECK(!p->net.allow_local_binding); /* ingress.default deny: no listening on the host */

    CHECK_INT(load(DIRECTIONAL("{\"egress\": {\"default\": \"deny\"}, \"ingress\": "
                               "{\"default\": \"allow\", \"hostLoopback\": \"allow\"}}")),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_NONE);
    CHECK(warned("$.network.ingress.hostLoopback: \"allow\" is not honoured"));
    CHECK(warned("$.network.ingress.default: inbound connections are not possible"));

    CHECK_HAS(load_msg(DIRECTIONAL("{\"ingress\": {\"default\": \"open\"}}")),
              "$.network.ingress.default: unknown value \"open\" (expected one of: allow, deny)");
}

TEST(runtime_proxy)
{
    CHECK_INT(load("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                   "\"runtimeConfig\": {\"networkProxy\": \"http://[::1]:3128\"}}"),
              0);
    CHECK_INT(p->net.mode, MOAT_NET_NONE);
    CHECK_INT(p->net.n_host_ports, 1);
    CHECK_INT(p->net.host_ports[0], 3128);
    CHECK(strv_contains(&p->proc.set_env, "HTTP_PROXY=http://[::1]:3128"));
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"runtimeConfig\": {\"networkProxy\": \"http://localhost\"}}"),
              "$.runtimeConfig.networkProxy: expected http(s)://HOST:PORT");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"network\": {\"egress\": {\"default\": \"allow\"}}, "
                       "\"runtimeConfig\": {\"networkProxy\": \"http://localhost:1\"}}"),
              "requires network.egress.default \"deny\"");
    /* 0.8 allows both shapes, not both at once. */
    CHECK_HAS(load_msg("{\"version\": \"0.8.0-alpha\", \"process\": {\"commandLine\": \"x\"}, "
                       "\"network\": {\"proxy\": {\"localhost\": 1}}, "
                       "\"runtimeConfig\": {\"networkProxy\": \"http://localhost:1\"}}"),
              "$.network.proxy: the legacy network shape (defaultPolicy, enforcementMode, "
              "allowedHosts, blockedHosts, allowLocalNetwork, proxy) cannot be mixed with "
              "runtimeConfig");
}

/* ---- containment and the other platforms' sections ---------------------------------------------------- */

TEST(containment_and_other_platforms)
{
    CHECK_INT(load("{\"version\": \"1.0.0\", \"containment\": \"bubblewrap\", \"process\": "
                   "{\"commandLine\": \"x\"}}"),
              0);
    CHECK_INT(req.policy->warnings.n, 0);
    CHECK_STR(req.containment, "bubblewrap");
    CHECK_INT(load("{\"version\": \"1.0.0\", \"containment\": \"lxc\", \"lxc\": "
                   "{\"distribution\": \"alpine\", \"release\": \"3.20\"}, \"process\": "
                   "{\"commandLine\": \"x\"}, \"ui\": {\"clipboard\": \"all\"}, "
                   "\"telemetry\": {\"enabled\": true}}"),
              0);
    CHECK(warned("$.containment: \"lxc\" (an LXC container) runs in moat's process sandbox"));
    CHECK(warned("$.lxc: ignored on Linux: the LXC image"));
    CHECK(warned("$.ui: ignored"));
    CHECK(warned("$.telemetry: ignored"));
    /* Defaults moat already meets need no warning. */
    CHECK_INT(load("{\"version\": \"1.0.0\", \"process\": {\"commandLine\": \"x\"}, \"ui\": "
                   "{\"disable\": true, \"clipboard\": \"none\", \"injection\": false}, "
                   "\"lifecycle\": {\"destroyOnExit\": true}, \"fallback\": "
                   "{\"allowDaclMutation\": false}}"),
              0);
    CHECK_INT(req.policy->warnings.n, 0);
    for (const char *const *c = (const char *const[]){"wslc", "isolation_session", NULL}; *c;
         c++) {
        char json[160];
        snprintf(json, sizeof json, "{\"version\": \"1.0.0\", \"containment\": \"%s\", "
                                    "\"process\": {\"commandLine\": \"x\"}}", *c);
        CHECK_HAS(load_msg(json), "$.containment: \"");
        CHECK_INT(code, MOAT_MXC_UNSUPPORTED_CONTAINMENT);
    }
    CHECK_INT(load("{\"version\": \"0.6.0-alpha\", \"platform\": \"linux\", \"process\": "
                   "{\"commandLine\": \"x\"}}"),
              0);
    CHECK(warned("$.platform: ignored: not part of the 0.6.0-alpha contract"));
    CHECK_HAS(load_msg("{\"version\": \"0.9.0-alpha\", \"platform\": \"linux\", \"process\": "
                       "{\"commandLine\": \"x\"}}"),
              "$.platform: unknown field in the 0.9.0-alpha contract");
    CHECK_HAS(load_msg("{\"version\": \"1.0.0\", \"sandboxId\": \"a:1\", \"process\": "
                       "{\"commandLine\": \"x\"}}"),
              "$.sandboxId: state-aware requests");
    CHECK_INT(code, MOAT_MXC_UNSUPPORTED_PHASE);
}

TEST(detect)
{
    const char *mxc[] = {"{\"version\": \"1.0.0\"}", "{\"containment\": \"process\"}",
                         "{\"process\": {\"commandLine\": \"x\"}}", "{\"containerId\": \"a\"}"};
    const char *moat[] = {"{}", "{\"process\": {\"timeout\": 5}}", "[1]", "not json",
                          "{\"network\": {\"mode\": \"none\"}}"};
    for (size_t i = 0; i < 4; i++)
        CHECK(moat_mxc_detect(mxc[i], strlen(mxc[i])));
    for (size_t i = 0; i < 5; i++)
        CHECK(!moat_mxc_detect(moat[i], strlen(moat[i])));
    CHECK(!moat_mxc_detect(NULL, 0));
}

TEST(codes_have_wire_names)
{
    CHECK_STR(moat_mxc_code_name(MOAT_MXC_MALFORMED_REQUEST), "malformed_request");
    CHECK_STR(moat_mxc_code_name(MOAT_MXC_UNSUPPORTED_CONTAINMENT), "unsupported_containment");
    CHECK_STR(moat_mxc_code_name(MOAT_MXC_UNSUPPORTED_PHASE), "unsupported_phase");
    CHECK_STR(moat_mxc_code_name(MOAT_MXC_BACKEND_UNAVAILABLE), "backend_unavailable");
    CHECK_STR(moat_mxc_code_name(MOAT_MXC_ALREADY_STOPPED), "already_stopped");
    CHECK_STR(moat_mxc_code_name(MOAT_MXC_POLICY_VALIDATION), "policy_validation");
    CHECK_STR(moat_mxc_code_name(MOAT_MXC_BACKEND_ERROR), "backend_error");
    CHECK_INT(MOAT_MXC_POLICY_VALIDATION, 11);
    CHECK_INT(MOAT_MXC_BACKEND_ERROR, 12);
}

/* ---- CIDR arithmetic ------------------------------------------------------------------------------ */

static struct net_cidr cidr(const char *s)
{
    struct net_cidr c = {0};
    CHECK_INT(cidr_parse(s, &c), 0);
    return c;
}

static void expect_blocks(const char *base, const char *const *except, size_t n_ex,
                          const char *want, int line)
{
    struct net_cidr b = cidr(base), ex[8], out[300];
    for (size_t i = 0; i < n_ex; i++)
        ex[i] = cidr(except[i]);
    int n = mxc_cidr_subtract(&b, ex, n_ex, out, 300);
    char got[4096] = "";
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        char t[64];
        cidr_format(&out[i], t, sizeof t);
        o += (size_t)snprintf(got + o, sizeof got - o, "%s%s", i ? " " : "", t);
    }
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  FAIL line %d: %s minus ...\n    got:  %s\n    want: %s\n", line, base,
                got, want);
        unit_current_failed = 1;
    }
}
#define BLOCKS(base, want, ...)                                                               \
    expect_blocks(base, (const char *const[]){__VA_ARGS__},                                   \
                  sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), want,    \
                  __LINE__)

TEST(cidr_subtraction)
{
    BLOCKS("10.0.0.0/8", "10.0.0.0/9 10.128.0.0/10 10.192.0.0/11 10.224.0.0/12 10.240.0.0/13 "
                         "10.248.0.0/14 10.252.0.0/15 10.254.0.0/16 10.255.0.0/17 "
                         "10.255.128.0/18 10.255.192.0/19 10.255.224.0/20 10.255.240.0/21 "
                         "10.255.248.0/22 10.255.252.0/23 10.255.254.0/24 10.255.255.0/25 "
                         "10.255.255.128/26 10.255.255.192/27 10.255.255.224/28 "
                         "10.255.255.240/29 10.255.255.248/30 10.255.255.252/31 "
                         "10.255.255.254/32",
           "10.255.255.255/32");
    BLOCKS("203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25");
    BLOCKS("203.0.113.0/24", "", "203.0.113.0/24");
    BLOCKS("2001:db8::/32", "2001:db8::/33", "2001:db8:8000::/33");
    BLOCKS("2001:db8::/32", "2001:db8::/33 2001:db8:c000::/34", "2001:db8:8000::/34");
    /* A different family's exception leaves the block whole. */
    BLOCKS("203.0.113.0/24", "203.0.113.0/24", "2001:db8::/32");
    struct net_cidr big = cidr("::/0"), ex = cidr("2001:db8::1/128"), out[200];
    CHECK_INT(mxc_cidr_subtract(&big, &ex, 1, out, 64), -E2BIG);
    CHECK_INT(mxc_cidr_subtract(&big, &ex, 1, out, 200), 128);

    char t[80];
    struct net_cidr c = cidr("2001:db8::/32");
    CHECK_INT(mxc_cidr_rule(&c, "tcp://", 443, t, sizeof t), 0);
    CHECK_STR(t, "tcp://[2001:db8::]/32:443");
    CHECK_INT(mxc_cidr_rule(&c, "", 0, t, sizeof t), 0);
    CHECK_STR(t, "2001:db8::/32");
    c = cidr("::ffff:203.0.113.0/120");
    CHECK_INT(mxc_cidr_rule(&c, "udp://", 53, t, sizeof t), 0);
    CHECK_STR(t, "udp://203.0.113.0/24:53");
    CHECK_INT(mxc_cidr_rule(&c, "udp://", 53, t, 8), -ENOSPC);
}

int main(void)
{
    RUN(every_fixture);
    RUN(syntax_and_versions);
    RUN(process_maps_to_sh_c_env_and_timeout);
    RUN(environment_by_version);
    RUN(filesystem_is_the_listed_model);
    RUN(variables_in_paths_as_in_moats_format);
    RUN(legacy_block_and_allowed_hosts);
    RUN(legacy_allow);
    RUN(legacy_proxies);
    RUN(directional_rules);
    RUN(directional_default_allow_and_ingress);
    RUN(runtime_proxy);
    RUN(containment_and_other_platforms);
    RUN(detect);
    RUN(codes_have_wire_names);
    RUN(cidr_subtraction);
    mxc_request_release(&req);
    return UNIT_DONE();
}
