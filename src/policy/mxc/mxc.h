/* Internals of the mxc configuration loader (include/moat_mxc.h), shared by
 * its files: the contract versions, the table-driven walker that checks a
 * document against one contract, and the per-section mappings onto the moat
 * policy.  load_mxc.c owns the root and the other platforms' sections,
 * load_mxc_process.c process and filesystem, load_mxc_network.c network and
 * runtimeConfig.  Never prints, never exits. */
#ifndef MOAT_POLICY_MXC_H
#define MOAT_POLICY_MXC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy/model.h"
#include "moat_mxc.h"
#include "policy/json/json_where.h"

/* Behind the opaque handle of include/moat_mxc.h (the accessors say what
 * each field holds). */
struct moat_mxc_request {
    char version[16];
    struct moat_policy *policy;
    char **argv;
    bool default_env;
    uint32_t timeout_ms;
    char *container_id;
    char *containment;
};

/* Fill a caller's request; on failure it is left empty (safe to release). */
int mxc_request_load(struct moat_mxc_request *req, const char *json, size_t len,
                     const char *name, const char *base_dir, enum moat_mxc_code *code,
                     struct moat_error *err);
int mxc_request_load_file(struct moat_mxc_request *req, const char *path,
                          enum moat_mxc_code *code, struct moat_error *err);
void mxc_request_release(struct moat_mxc_request *req);

/* One bit per contract. */
enum {
    MXC_V06 = 1u << 0, /* 0.6.0-alpha */
    MXC_V07 = 1u << 1, /* 0.7.0-alpha */
    MXC_V08 = 1u << 2, /* 0.8.0-alpha */
    MXC_V09 = 1u << 3, /* 0.9.0-alpha */
    MXC_V10 = 1u << 4, /* 1.0.0 */
    MXC_V11 = 1u << 5, /* 1.1.0-alpha */
};
#define MXC_ALL 0x3fu
#define MXC_FROM(v) (MXC_ALL & ~((v) - 1u)) /* v and every later contract */
#define MXC_UPTO(v) ((v) | ((v) - 1u))      /* v and every earlier contract */

/* The contract's name for one bit ("0.8.0-alpha"). */
const char *mxc_version_name(unsigned bit);

struct mxc_ctx {
    struct json_where w;
    unsigned version; /* one MXC_V* bit */
    const char *base_dir;
    const json_t *root;
    struct moat_mxc_request *req; /* being filled */
    struct moat_error *err;
    enum moat_mxc_code code; /* the failure's category, when one is returned */
};

/* Record a failure at the current path (the value's position, or its key's)
 * and return -EINVAL (-ENOMEM for MXC_OOM). */
int mxc_fail(struct mxc_ctx *c, enum moat_mxc_code code, enum json_locate_target target,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int mxc_oom(struct mxc_ctx *c);
/* Add a warning at the current path; 0 or -ENOMEM. */
int mxc_warn(struct mxc_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- checking a value against the contract ---------------------------- */

enum mxc_kind {
    MXC_BOOL,
    MXC_STRING,       /* any string without NUL */
    MXC_NONEMPTY,     /* a string of at least one character */
    MXC_STRINGS,      /* array of MXC_STRING */
    MXC_ANY,          /* any JSON value ("_comment") */
    MXC_OBJECT,       /* object with `sub` fields */
    MXC_OBJECTS,      /* array of MXC_OBJECT */
    MXC_ENUM,         /* one of `names` */
    MXC_UINT,         /* integer in [min, max] */
    MXC_CUSTOM,       /* fn checks it */
    MXC_LENIENT,      /* an object, contents not checked (0.8's "experimental") */
};

struct mxc_field {
    const char *key;
    unsigned versions; /* where the contract has it */
    enum mxc_kind kind;
    bool required;
    bool nonempty;                   /* MXC_OBJECTS: minItems 1 */
    bool unlisted;                   /* left out of "expected one of" (refused or tolerated) */
    const struct mxc_field *sub;     /* MXC_OBJECT, MXC_OBJECTS */
    const char *const *names;        /* MXC_ENUM, NULL-terminated */
    uint64_t min, max;               /* MXC_UINT */
    int (*fn)(struct mxc_ctx *c, const json_t *v); /* MXC_CUSTOM; also run for MXC_STRINGS'
                                                    * elements when set */
};

/* Check `v` as an object of `fields` for c->version: unknown or
 * other-version keys, null, types, enums, ranges, required keys; walked in
 * document order so the first error reported is the first in the file.  The
 * caller has pushed v's path. */
int mxc_check_object(struct mxc_ctx *c, const json_t *v, const struct mxc_field *fields);
/* One field's value (its key pushed by the caller). */
int mxc_check_value(struct mxc_ctx *c, const struct mxc_field *f, const json_t *v);

/* ---- the sections ------------------------------------------------------ */

extern const struct mxc_field mxc_process_fields[];
extern const struct mxc_field mxc_filesystem_fields[];
extern const struct mxc_field mxc_network_fields[];
extern const struct mxc_field mxc_runtime_config_fields[];

/* Map the checked document's sections onto c->req (policy, argv, env,
 * timeout).  Each pushes the paths it reports. */
int mxc_map_process(struct mxc_ctx *c);
int mxc_map_filesystem(struct mxc_ctx *c);
int mxc_map_network(struct mxc_ctx *c);
/* After filesystem: the working directory when process.cwd is absent. */
int mxc_map_default_cwd(struct mxc_ctx *c);

#endif
