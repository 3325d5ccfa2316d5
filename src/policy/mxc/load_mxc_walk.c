/* Checking an mxc document against one contract version, from the tables of
 * policy/mxc.h, and the loader's messages (errors and warnings with
 * position and JSON path).  Knows no field by name; never maps anything. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/mxc/mxc.h"
#include "policy/policy.h"
#include "util/error.h"
#include "util/strv.h"

const char *mxc_version_name(unsigned bit)
{
    switch (bit) {
    case MXC_V06:
        return "0.6.0-alpha";
    case MXC_V07:
        return "0.7.0-alpha";
    case MXC_V08:
        return "0.8.0-alpha";
    case MXC_V09:
        return "0.9.0-alpha";
    case MXC_V10:
        return "1.0.0";
    case MXC_V11:
        return "1.1.0-alpha";
    default:
        return "?";
    }
}

int mxc_fail(struct mxc_ctx *c, enum moat_mxc_code code, enum json_locate_target target,
             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_where_vformat(&c->w, target, c->err->msg, sizeof c->err->msg, fmt, ap);
    va_end(ap);
    c->err->code = -EINVAL;
    c->code = code;
    return -EINVAL;
}

int mxc_oom(struct mxc_ctx *c)
{
    c->code = MOAT_MXC_BACKEND_ERROR;
    return error_set(c->err, -ENOMEM, "out of memory");
}

int mxc_warn(struct mxc_ctx *c, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    json_where_vformat(&c->w, JSON_LOCATE_KEY, line, sizeof line, fmt, ap);
    va_end(ap);
    return strv_push(&c->req->policy->warnings, line) < 0 ? mxc_oom(c) : 0;
}

/* " (from 0.8.0-alpha)", " (in 0.6.0-alpha to 0.9.0-alpha)", " (in 1.1.0-alpha)". */
static void versions_text(unsigned mask, char *buf, size_t size)
{
    unsigned lo = mask & -mask, hi = lo;
    for (unsigned b = lo; b && b <= MXC_V11; b <<= 1)
        if (mask & b)
            hi = b;
    if (lo == hi)
        snprintf(buf, size, " (it is in %s)", mxc_version_name(lo));
    else if (hi == MXC_V11 && mask == MXC_FROM(lo))
        snprintf(buf, size, " (it is in %s and later)", mxc_version_name(lo));
    else
        snprintf(buf, size, " (it is in %s to %s)", mxc_version_name(lo), mxc_version_name(hi));
}

static int unknown_key(struct mxc_ctx *c, const char *key, const struct mxc_field *fields)
{
    for (const struct mxc_field *f = fields; f->key; f++) {
        if (strcmp(f->key, key) == 0) {
            char v[96];
            versions_text(f->versions, v, sizeof v);
            return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_KEY,
                            "unknown field in the %s contract%s", mxc_version_name(c->version),
                            v);
        }
    }
    const char *names[48];
    size_t n = 0;
    for (const struct mxc_field *f = fields; f->key && n + 1 < 48; f++)
        if ((f->versions & c->version) && !f->unlisted)
            names[n++] = f->key;
    names[n] = NULL;
    const char *s = policy_suggest(key, names);
    if (s)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_KEY,
                        "unknown field (did you mean \"%s\"?)", s);
    char list[600];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", names[i]);
    return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_KEY,
                    "unknown field (expected one of: %s)", list);
}

static int type_error(struct mxc_ctx *c, const json_t *v, const char *want)
{
    if (json_is_null(v))
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "null is not allowed (leave the field out instead)");
    if (json_is_real(v))
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "expected %s, got %g", want, json_real_value(v));
    return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE, "expected %s, got %s",
                    want, json_where_kind(v));
}

static int check_string(struct mxc_ctx *c, const json_t *v, bool nonempty)
{
    if (!json_is_string(v))
        return type_error(c, v, "a string");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "the string contains a NUL byte");
    if (nonempty && json_string_length(v) == 0)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "must not be empty");
    return 0;
}

static int check_enum(struct mxc_ctx *c, const json_t *v, const char *const *names)
{
    int r = check_string(c, v, false);
    if (r < 0)
        return r;
    const char *s = json_string_value(v);
    for (const char *const *n = names; *n; n++)
        if (strcmp(*n, s) == 0)
            return 0;
    char q[128], list[400];
    size_t o = 0;
    for (const char *const *n = names; *n && o < sizeof list; n++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", n == names ? "" : ", ", *n);
    json_where_quote(q, sizeof q, s, 64);
    return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                    "unknown value %s (expected one of: %s)", q, list);
}

static int check_uint(struct mxc_ctx *c, const json_t *v, uint64_t min, uint64_t max)
{
    if (!json_is_integer(v))
        return type_error(c, v, "an integer");
    json_int_t n = json_integer_value(v);
    if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "%lld is out of range (%llu to %llu)", (long long)n,
                        (unsigned long long)min, (unsigned long long)max);
    return 0;
}

static int check_array(struct mxc_ctx *c, const struct mxc_field *f, const json_t *v)
{
    if (!json_is_array(v))
        return type_error(c, v, "an array");
    if (f->nonempty && json_array_size(v) == 0)
        return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                        "must not be an empty array (leave the field out instead)");
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        json_where_push_index(&c->w, i);
        int r;
        if (f->kind == MXC_OBJECTS)
            r = mxc_check_object(c, e, f->sub);
        else if ((r = check_string(c, e, false)) == 0 && f->fn)
            r = f->fn(c, e);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    return 0;
}

int mxc_check_value(struct mxc_ctx *c, const struct mxc_field *f, const json_t *v)
{
    if (json_is_null(v) && f->kind != MXC_ANY)
        return type_error(c, v, "");
    switch (f->kind) {
    case MXC_BOOL:
        return json_is_boolean(v) ? 0 : type_error(c, v, "a boolean");
    case MXC_STRING:
        return check_string(c, v, false);
    case MXC_NONEMPTY:
        return check_string(c, v, true);
    case MXC_STRINGS:
    case MXC_OBJECTS:
        return check_array(c, f, v);
    case MXC_ANY:
        return 0;
    case MXC_OBJECT:
        return mxc_check_object(c, v, f->sub);
    case MXC_LENIENT:
        return json_is_object(v) ? 0 : type_error(c, v, "an object");
    case MXC_ENUM:
        return check_enum(c, v, f->names);
    case MXC_UINT:
        return check_uint(c, v, f->min, f->max);
    case MXC_CUSTOM:
        return f->fn(c, v);
    }
    return mxc_fail(c, MOAT_MXC_BACKEND_ERROR, JSON_LOCATE_VALUE, "internal error: field kind");
}

int mxc_check_object(struct mxc_ctx *c, const json_t *v, const struct mxc_field *fields)
{
    if (!json_is_object(v))
        return type_error(c, v, "an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        const struct mxc_field *f = fields;
        while (f->key && !(strcmp(f->key, key) == 0 && (f->versions & c->version)))
            f++;
        json_where_push_key(&c->w, key);
        int r = f->key ? mxc_check_value(c, f, val) : unknown_key(c, key, fields);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    for (const struct mxc_field *f = fields; f->key; f++)
        if (f->required && (f->versions & c->version) && !json_object_get(v, f->key))
            return mxc_fail(c, MOAT_MXC_MALFORMED_REQUEST, JSON_LOCATE_VALUE,
                            "missing required field \"%s\"", f->key);
    return 0;
}
