/* moat — compatibility with Anthropic's sandbox-runtime (srt): its settings
 * file (the schema of srt 0.0.83) read and mapped onto one moat policy.
 * docs/compat-srt.md says what every key does.
 *
 * Like the rest of libmoat this never prints and never exits: a failure is
 * -errno with a message in struct moat_error (FILE:LINE:COL: $.json.path:
 * what is wrong); keys moat accepts but does not act on as srt would are
 * listed in the policy's `warnings` (the list every loader shares), and keys
 * it maps onto something else, or that have
 * no effect on Linux, in `notes`, for the caller to show.  The `srt`
 * executor (`moat srt`, or moat run as `srt`) is a thin client of this API.
 *
 *     struct moat_srt_settings s;  struct moat_error err = {0};
 *     if (moat_srt_load(&s, json, len, "~/.srt-settings.json", cwd, &err) < 0) ...
 *     for (size_t i = 0; i < s.policy.warnings.n; i++) show(s.policy.warnings.v[i]);
 *     ... unset s.unset_env in the environment the command inherits ...
 *     struct moat_run_options o;  moat_run_options_init(&o);
 *     o.proxy_style = MOAT_PROXY_STYLE_SRT; ...
 *     int status = moat_run_ex(&s.policy, argv, &o, &err);
 *     moat_srt_settings_free(&s);
 */
#ifndef MOAT_SRT_H
#define MOAT_SRT_H

#include <stdbool.h>
#include <stddef.h>

#include "moat.h"

/* The srt release whose settings schema and command line moat follows. */
#define MOAT_SRT_VERSION "0.0.83"

struct moat_srt_settings {
    /* Finalised (moat_policy_finalize has run): ready for moat_run_ex.  The
     * environment passes through (srt's command inherits its caller's), with
     * srt's own variables set (SANDBOX_RUNTIME=1, TMPDIR, git's
     * safe.directory entries). */
    struct moat_policy *policy;
    /* credentials.envVars with mode "deny": variables the command must not
     * inherit.  The caller removes them from the environment it runs with. */
    struct moat_strv unset_env;
    /* (Accepted, but moat does not do what srt would: policy.warnings, one
     * line each, with position and JSON path.  Shown on every run.) */
    /* Accepted and mapped, or without effect on Linux (as in srt): one line
     * each ("settings.json:4:5: $.mandatoryDenySearchDepth: ...").  Shown by
     * `moat check` and `srt -d`. */
    struct moat_strv notes;
};

/* Parse, validate against srt's schema and map.  `name` labels messages;
 * `cwd` (absolute) is the directory relative paths are resolved against, as
 * srt resolves them against its working directory; `~` is $HOME.  The path
 * of the settings file itself, when `source` is not NULL, is kept read-only
 * in the sandbox.  Returns 0, or -EINVAL / -ENOMEM with err set.  On failure
 * s is left empty (safe to free). */
int moat_srt_load(struct moat_srt_settings *s, const char *json, size_t len, const char *name,
                  const char *cwd, const char *source, struct moat_error *err);

/* srt's built-in settings, used when no file is given and
 * ~/.srt-settings.json does not exist: no network, no writes. */
#define MOAT_SRT_DEFAULT_SETTINGS                                                             \
    "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"                            \
    "\"filesystem\":{\"denyRead\":[],\"allowRead\":[],\"allowWrite\":[],\"denyWrite\":[]}}"

void moat_srt_settings_free(struct moat_srt_settings *s);

/* srt's quoting of an argument vector into the one string it runs with
 * `bash -c`: each argument kept intact, bare when it holds only
 * [A-Za-z0-9_./:@+,=-] (and does not start with '='), else single-quoted,
 * "''" for an empty one.  malloc'd, or NULL when out of memory. */
char *moat_srt_quote(char *const argv[]);

/* The proxy user name srt gives a command, which attributes its requests:
 * "srt." and the base64 of the command's first 100 characters (UTF-16 code
 * units, as JavaScript counts them), or "srt" when that would exceed 255
 * bytes.  0, or -ENOSPC when buf is too small (256 bytes always suffice). */
int moat_srt_proxy_user(const char *command, char *buf, size_t size);

/* Whether a JSON text is an srt settings file rather than a moat policy: a
 * top-level object whose "network" has "allowedDomains" or "deniedDomains"
 * (keys moat's format does not have), or with a top-level key only srt's
 * schema has ("credentials", "ignoreViolations", "ripgrep", ...). */
bool moat_srt_detect(const char *json, size_t len);

#endif
