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
 *     struct moat_srt_settings *s;  struct moat_error err = {0};
 *     if (moat_srt_load(json, len, "~/.srt-settings.json", cwd, NULL, &s, &err) < 0) ...
 *     const struct moat_policy *p = moat_srt_settings_policy(s);
 *     for (size_t i = 0; i < moat_policy_warning_count(p); i++) show(moat_policy_warning(p, i));
 *     ... unset moat_srt_settings_unset_env(s, i) in the command's environment ...
 *     struct moat_run_options *o = moat_run_options_new();
 *     moat_run_options_set_proxy_identity(o, user, MOAT_PROXY_STYLE_SRT); ...
 *     int status = moat_run_ex(p, argv, o, &err);
 *     moat_run_options_free(o);
 *     moat_srt_settings_free(s);
 */
#ifndef MOAT_SRT_H
#define MOAT_SRT_H

#include <stdbool.h>
#include <stddef.h>

#include "moat.h"

/* The srt release whose settings schema and command line moat follows. */
#define MOAT_SRT_VERSION "0.0.83"

/* Loaded settings: the policy plus what the caller arranges around it.
 * Opaque; read through the moat_srt_settings_* accessors. */
struct moat_srt_settings;

/* Parse, validate against srt's schema and map.  `name` labels messages;
 * `cwd` (absolute) is the directory relative paths are resolved against, as
 * srt resolves them against its working directory; `~` is $HOME.  The path
 * of the settings file itself, when `source` is not NULL, is kept read-only
 * in the sandbox.  Returns 0 with *out set, or -EINVAL / -ENOMEM with err
 * set. */
MOAT_API int moat_srt_load(const char *json, size_t len, const char *name, const char *cwd,
                           const char *source, struct moat_srt_settings **out,
                           struct moat_error *err);

/* srt's built-in settings, used when no file is given and
 * ~/.srt-settings.json does not exist: no network, no writes. */
#define MOAT_SRT_DEFAULT_SETTINGS                                                             \
    "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"                            \
    "\"filesystem\":{\"denyRead\":[],\"allowRead\":[],\"allowWrite\":[],\"denyWrite\":[]}}"

/* Release settings (NULL is fine); what the accessors returned goes too. */
MOAT_API void moat_srt_settings_free(struct moat_srt_settings *s);

/* The policy, finalised: ready for moat_spawn.  The environment passes
 * through (srt's command inherits its caller's), with srt's own variables
 * set (SANDBOX_RUNTIME=1, TMPDIR, git's safe.directory entries).  Keys
 * accepted but not acted on as srt would are its warnings
 * (moat_policy_warning), to show on every run. */
MOAT_API const struct moat_policy *moat_srt_settings_policy(const struct moat_srt_settings *s);
/* credentials.envVars with mode "deny": the variables the command must not
 * inherit, which the caller removes from the environment it runs with. */
MOAT_API size_t moat_srt_settings_unset_env_count(const struct moat_srt_settings *s);
MOAT_API const char *moat_srt_settings_unset_env(const struct moat_srt_settings *s, size_t i);
/* Keys accepted and mapped, or without effect on Linux (as in srt): one
 * line each ("settings.json:4:5: $.mandatoryDenySearchDepth: ..."), shown by
 * `moat check` and `srt -d`.  NULL past the end. */
MOAT_API size_t moat_srt_settings_note_count(const struct moat_srt_settings *s);
MOAT_API const char *moat_srt_settings_note(const struct moat_srt_settings *s, size_t i);

/* srt's quoting of an argument vector into the one string it runs with
 * `bash -c`: each argument kept intact, bare when it holds only
 * [A-Za-z0-9_./:@+,=-] (and does not start with '='), else single-quoted,
 * "''" for an empty one.  malloc'd, or NULL when out of memory. */
MOAT_API char *moat_srt_quote(char *const argv[]);

/* The proxy user name srt gives a command, which attributes its requests:
 * "srt." and the base64 of the command's first 100 characters (UTF-16 code
 * units, as JavaScript counts them), or "srt" when that would exceed 255
 * bytes.  0, or -ENOSPC when buf is too small (256 bytes always suffice). */
MOAT_API int moat_srt_proxy_user(const char *command, char *buf, size_t size);

/* Whether a JSON text is an srt settings file rather than a moat policy: a
 * top-level object whose "network" has "allowedDomains" or "deniedDomains"
 * (keys moat's format does not have), or with a top-level key only srt's
 * schema has ("credentials", "ignoreViolations", "ripgrep", ...). */
MOAT_API bool moat_srt_detect(const char *json, size_t len);

#endif
