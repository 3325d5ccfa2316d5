/* moat — compatibility with Microsoft's mxc: its one-shot configuration
 * contracts 0.6.0-alpha to 1.1.0-alpha, read and mapped onto one moat policy
 * plus the process to run.  docs/compat-mxc.md says what every field does.
 *
 * Like the rest of libmoat this never prints and never exits: a failure is
 * -errno with a message in struct moat_error (FILE:LINE:COL: $.json.path:
 * what is wrong) and mxc's own error category; what moat accepts but does
 * not do as mxc would is listed in the policy's warnings
 * (moat_policy_warning, the list every loader uses), for the caller to
 * show.  The lxc-exec executor (`moat mxc`) is a thin client of this API.
 *
 *     struct moat_mxc_request *req;  struct moat_error err = {0};
 *     enum moat_mxc_code code;
 *     if (moat_mxc_load(json, len, "config.json", cwd, &req, &code, &err) < 0) ...
 *     const struct moat_policy *p = moat_mxc_request_policy(req);
 *     for (size_t i = 0; i < moat_policy_warning_count(p); i++) show(moat_policy_warning(p, i));
 *     int status = moat_run_ex(p, moat_mxc_request_argv(req), NULL, &err);
 *     moat_mxc_request_free(req);
 */
#ifndef MOAT_MXC_H
#define MOAT_MXC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat.h"

/* mxc's error categories, by their native status numbers (the SDK maps
 * these to the snake_case codes of the wire envelope). */
enum moat_mxc_code {
    MOAT_MXC_OK = 0,
    MOAT_MXC_MALFORMED_REQUEST = 1,       /* not JSON, unknown field, wrong type, bad value */
    MOAT_MXC_UNSUPPORTED_CONTAINMENT = 2, /* a VM or Windows-only backend */
    MOAT_MXC_UNSUPPORTED_PHASE = 3,       /* a state-aware request (phase/sandboxId) */
    MOAT_MXC_BACKEND_UNAVAILABLE = 4,     /* this host cannot run moat's sandbox */
    MOAT_MXC_MALFORMED_ID = 5,
    MOAT_MXC_STALE_ID = 6,
    MOAT_MXC_NOT_PROVISIONED = 7,
    MOAT_MXC_NOT_STARTED = 8,
    MOAT_MXC_ALREADY_STARTED = 9,
    MOAT_MXC_ALREADY_STOPPED = 10,
    MOAT_MXC_POLICY_VALIDATION = 11, /* well-formed, but a policy moat cannot enforce as asked */
    MOAT_MXC_BACKEND_ERROR = 12,     /* the sandbox could not be set up */
};

/* "malformed_request", ... "backend_error" (the wire envelope's "code"). */
MOAT_API const char *moat_mxc_code_name(enum moat_mxc_code code);

/* A loaded request: everything moat needs to run it.  Opaque; read through
 * the moat_mxc_request_* accessors. */
struct moat_mxc_request;

/* Parse, validate against the contract its "version" names, and map.
 * `name` labels messages; `base_dir` (absolute) is the caller's working
 * directory: the sandbox starts there when process.cwd is absent and it is
 * visible in the sandbox, else in "/".  Returns 0 with *out set, or
 * -EINVAL / -ENOMEM with err set and *code saying mxc's category (code may
 * be NULL). */
MOAT_API int moat_mxc_load(const char *json, size_t len, const char *name, const char *base_dir,
                           struct moat_mxc_request **out, enum moat_mxc_code *code,
                           struct moat_error *err);

/* The same, from a file (at most 4 MiB); base_dir is the current directory. */
MOAT_API int moat_mxc_load_file(const char *path, struct moat_mxc_request **out,
                                enum moat_mxc_code *code, struct moat_error *err);

/* Release a request (NULL is fine); what the accessors returned goes too. */
MOAT_API void moat_mxc_request_free(struct moat_mxc_request *req);

/* The policy, finalised (moat_policy_finalize has run): ready for
 * moat_spawn.  Its warnings list what moat accepted but does not do as
 * mxc's Linux backend would, or ignores because it belongs to another
 * platform: one line each, with position and JSON path ("config.json:3:5:
 * $.ui: ..."), followed by moat_policy_finalize's own. */
MOAT_API const struct moat_policy *moat_mxc_request_policy(const struct moat_mxc_request *req);
/* {"/bin/sh", "-c", process.commandLine, NULL}: mxc runs the command line
 * with the POSIX shell. */
MOAT_API char *const *moat_mxc_request_argv(const struct moat_mxc_request *req);
/* The contract, exactly as declared: "0.6.0-alpha" ... "1.1.0-alpha". */
MOAT_API const char *moat_mxc_request_version(const struct moat_mxc_request *req);
/* How the command's environment starts, before the policy's own variables
 * (process.env and the proxy variables) are applied.  true: moat's default
 * environment, taken from the caller (PATH, HOME, TERM, LANG, LC_*, USER,
 * LOGNAME, SHELL and the CA-certificate variables, docs/policy.md); false:
 * empty (moat still supplies a PATH when none is set).  The caller arranges
 * it (moat_run_options_set_environ, or the executor clears its own). */
MOAT_API bool moat_mxc_request_default_env(const struct moat_mxc_request *req);
/* process.timeout in milliseconds; 0: none.  (The policy enforces it too.) */
MOAT_API uint32_t moat_mxc_request_timeout_ms(const struct moat_mxc_request *req);
/* containerId, or NULL. */
MOAT_API const char *moat_mxc_request_container_id(const struct moat_mxc_request *req);
/* containment as declared ("process", "bubblewrap", ...), or NULL. */
MOAT_API const char *moat_mxc_request_containment(const struct moat_mxc_request *req);

/* Whether a JSON text is an mxc config rather than a moat policy: a
 * top-level object with "version", "containment", "containerId" or
 * "process.commandLine" (none of which a moat policy has).  Text that is
 * not a JSON object is not mxc. */
MOAT_API bool moat_mxc_detect(const char *json, size_t len);

#endif
