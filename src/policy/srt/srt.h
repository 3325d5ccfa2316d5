/* Internals of the srt settings loader (include/moat_srt.h), shared by its
 * files: the walker that checks an object's keys against a table (unknown
 * keys refused, required ones demanded, document order), the type checks
 * and messages, and the per-section mappings.  load_srt.c owns the root and
 * the keys that belong to other platforms or to srt's own machinery,
 * load_srt_fs.c the filesystem section and credentials, load_srt_net.c the
 * network section.  Never prints, never exits. */
#ifndef MOAT_POLICY_SRT_H
#define MOAT_POLICY_SRT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy/model.h"
#include "moat_srt.h"
#include "policy/json/json_where.h"
#include "util/strv.h"

/* Behind the opaque handle of include/moat_srt.h. */
struct moat_srt_settings {
    struct moat_policy *policy; /* finalised once loaded */
    struct moat_strv unset_env; /* credentials.envVars with mode "deny" */
    struct moat_strv notes;     /* mapped, or without effect on Linux */
};

/* Fill a caller's (zeroed) settings; on failure they are left empty. */
int srt_settings_load(struct moat_srt_settings *s, const char *json, size_t len,
                      const char *name, const char *cwd, const char *source,
                      struct moat_error *err);
void srt_settings_release(struct moat_srt_settings *s);

struct srt_ctx {
    struct json_where w;
    const char *cwd;  /* relative paths are resolved against it, as srt does */
    const json_t *root;
    struct moat_srt_settings *s; /* being filled */
    struct moat_error *err;
    /* Gathered while walking, applied once the whole document is read. */
    bool fs_disabled;
    bool allow_git_config;
    bool want_firewall;          /* "moat": {"networkMode": "firewall"} */
    unsigned http_proxy_port, socks_proxy_port; /* external proxies, 0: none */
};

/* Record a failure at the current path (the value's position, or its key's)
 * and return -EINVAL. */
int srt_fail(struct srt_ctx *c, enum json_locate_target target, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int srt_oom(struct srt_ctx *c);
/* A warning or a note at the current path (the key's position); 0 or -ENOMEM. */
int srt_warn(struct srt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int srt_note(struct srt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- checking values --------------------------------------------------- */

/* Each checks the value at the current path; 0 or -EINVAL with the message. */
int srt_want_bool(struct srt_ctx *c, const json_t *v);
int srt_want_string(struct srt_ctx *c, const json_t *v, bool nonempty);
int srt_want_int(struct srt_ctx *c, const json_t *v, long long lo, long long hi);
/* An array whose elements each pass fn (pushed as [i]); fn may be NULL for
 * "any string". */
int srt_want_array(struct srt_ctx *c, const json_t *v,
                   int (*fn)(struct srt_ctx *c, const json_t *e));
/* An array of strings, each checked as srt_want_string(nonempty). */
int srt_want_strings(struct srt_ctx *c, const json_t *v, bool nonempty);
/* An object whose members are all strings: {name: string, ...}. */
int srt_want_string_record(struct srt_ctx *c, const json_t *v, bool nonempty);
/* An absolute path (srt's binaryPathSchema: bwrapPath, socatPath, ...). */
int srt_want_absolute(struct srt_ctx *c, const json_t *v);

struct srt_key {
    const char *key;
    bool required;
    /* Checks the value (its key pushed) and maps it. */
    int (*fn)(struct srt_ctx *c, const json_t *v);
};

/* Check `v` as an object of `keys`: every member known (a misspelt one gets
 * "did you mean"), required keys present, each key's fn run in document
 * order.  The caller has pushed v's path. */
int srt_walk(struct srt_ctx *c, const json_t *v, const struct srt_key *keys);

/* A path entry of denyRead, allowRead, allowWrite and denyWrite (or a
 * credential file's path): a string, or {"path": "...", "literal": true}.
 * *text is the path as written; *literal whether it is marked literal. */
int srt_path_entry(struct srt_ctx *c, const json_t *v, const char **text, bool *literal);
/* `text` relative to c->cwd, `~` expanded, cleaned: malloc'd in *out. */
int srt_path_normalize(struct srt_ctx *c, const char *text, char **out);
/* Does the text hold glob characters (* ? [ ])? */
bool srt_has_glob(const char *text);

/* ---- the sections ------------------------------------------------------ */

int srt_map_filesystem(struct srt_ctx *c, const json_t *v);
int srt_map_credentials(struct srt_ctx *c, const json_t *v);
int srt_map_network(struct srt_ctx *c, const json_t *v);
/* After the walk: the default write paths and srt's environment (fs), the
 * network mode, external proxies and proxy environment (net). */
int srt_finish_filesystem(struct srt_ctx *c);
int srt_finish_network(struct srt_ctx *c);

#endif
