/* Where a value sits in a JSON document, for the messages of every policy
 * loader (moat's format, mxc's, srt's): a stack of path segments, and
 * "NAME:LINE:COL: $.a.b[2]: message" with the position found again in the
 * original text (json_locate).  Never parses, never allocates, never prints. */
#ifndef MOAT_POLICY_JSON_WHERE_H
#define MOAT_POLICY_JSON_WHERE_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

#include "policy/json/json_locate.h"

/* Deeper than any path of the formats read with it
 * ($.network.egress.allow[0].to[0].except[0] is 8). */
#define JSON_WHERE_MAX_DEPTH 12

struct json_where {
    const char *text; /* the document jansson parsed */
    size_t len;
    const char *name; /* file name for messages */
    struct json_locate_seg path[JSON_WHERE_MAX_DEPTH];
    size_t depth; /* may exceed the array: deeper segments are not named */
};

void json_where_push_key(struct json_where *w, const char *key);
void json_where_push_index(struct json_where *w, size_t index);
void json_where_pop(struct json_where *w);

/* "$", "$.process.env[2]", "$[\"odd key\"]". */
void json_where_path(const struct json_where *w, char *buf, size_t size);

/* "NAME:LINE:COL: $.path: " + message, of the value (or of the last key)
 * at the current path; "NAME: $.path: message" when it cannot be found. */
void json_where_vformat(const struct json_where *w, enum json_locate_target target, char *buf,
                        size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* `s` as a JSON string literal for messages: quoted, escaped, cut at max
 * bytes (on a UTF-8 boundary) with "...". */
void json_where_quote(char *buf, size_t size, const char *s, size_t max);

/* "object", "array", "string", "number", "boolean", "null". */
const char *json_where_kind(const json_t *v);

#endif
