/* The Node-API helpers the binding's native files share: moat's typed errors, arguments
 * read from JavaScript, values made for it, and tagged handles. */
#include "napi_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Throw an Error whose moatKind ("library", "policy", "setup", "usage")
 * and moatCode (-errno) lib/errors.js turns into its typed errors. */
napi_value throw_moat(napi_env env, const char *kind, int code, const char *msg)
{
    napi_value text, error, k, c;
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, NULL, text, &error);
    napi_create_string_utf8(env, kind, NAPI_AUTO_LENGTH, &k);
    napi_set_named_property(env, error, "moatKind", k);
    napi_create_int32(env, code, &c);
    napi_set_named_property(env, error, "moatCode", c);
    napi_throw(env, error);
    return NULL;
}

/* ---- arguments --------------------------------------------------------- */

bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
    size_t n = want;
    napi_get_cb_info(env, info, &n, argv, NULL, NULL);
    if (n < want) {
        throw_moat(env, "usage", -EINVAL, "moat native: too few arguments");
        return false;
    }
    return true;
}

/* A JS string as a malloc'd C string, or NULL (with an exception set). */
char *get_string(napi_env env, napi_value v)
{
    size_t len;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
        throw_moat(env, "usage", -EINVAL, "moat native: expected a string");
        return NULL;
    }
    char *s = malloc(len + 1);
    if (!s) {
        throw_moat(env, "usage", -ENOMEM, "out of memory");
        return NULL;
    }
    napi_get_value_string_utf8(env, v, s, len + 1, &len);
    if (strlen(s) != len) { /* a NUL inside: C would see a shorter string */
        free(s);
        throw_moat(env, "usage", -EINVAL, "a string passed to moat contains a NUL character");
        return NULL;
    }
    return s;
}

bool get_int(napi_env env, napi_value v, int32_t *out)
{
    if (napi_get_value_int32(env, v, out) != napi_ok) {
        throw_moat(env, "usage", -EINVAL, "moat native: expected a number");
        return false;
    }
    return true;
}

/* A JS array of strings as a NULL-terminated malloc'd vector. */
char **get_strv(napi_env env, napi_value arr)
{
    uint32_t n;
    if (napi_get_array_length(env, arr, &n) != napi_ok) {
        throw_moat(env, "usage", -EINVAL, "moat native: expected an array of strings");
        return NULL;
    }
    char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v) {
        throw_moat(env, "usage", -ENOMEM, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        napi_value e;
        napi_get_element(env, arr, i, &e);
        if (!(v[i] = get_string(env, e))) {
            for (uint32_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return NULL;
        }
    }
    return v;
}

void strv_free(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

napi_value make_int(napi_env env, int v)
{
    napi_value r;
    napi_create_int32(env, v, &r);
    return r;
}

napi_value make_string(napi_env env, const char *s)
{
    napi_value r;
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
    return r;
}

/* ---- handles ----------------------------------------------------------- */


void *get_handle(napi_env env, napi_value v, const napi_type_tag *tag, const char *what)
{
    bool ok = false;
    void *p = NULL;
    if (napi_check_object_type_tag(env, v, tag, &ok) != napi_ok || !ok ||
        napi_get_value_external(env, v, &p) != napi_ok || !p) {
        char msg[128];
        snprintf(msg, sizeof msg, "moat native: expected a %s handle", what);
        throw_moat(env, "usage", -EINVAL, msg);
        return NULL;
    }
    return p;
}

napi_value make_handle(napi_env env, void *p, napi_finalize fin, const napi_type_tag *tag)
{
    napi_value v;
    napi_create_external(env, p, fin, NULL, &v);
    napi_type_tag_object(env, v, tag);
    return v;
}
