/* The Node-API helpers of moat's Node binding (napi_util.c): each one that fails sets
 * a JavaScript exception first (an Error with moatKind and moatCode, see lib/errors.js). */
#ifndef MOAT_NODE_NAPI_UTIL_H
#define MOAT_NODE_NAPI_UTIL_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Throw an Error whose moatKind ("library", "policy", "setup", "usage")
 * and moatCode (-errno) lib/errors.js turns into its typed errors; NULL. */
napi_value throw_moat(napi_env env, const char *kind, int code, const char *msg);

/* The call's first `want` arguments into argv; false (thrown) if fewer. */
bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
/* A JS string as a malloc'd C string, or NULL (with an exception set). */
char *get_string(napi_env env, napi_value v);
bool get_int(napi_env env, napi_value v, int32_t *out);
/* A JS array of strings as a NULL-terminated malloc'd vector, or NULL. */
char **get_strv(napi_env env, napi_value arr);
void strv_free(char **v);
napi_value make_int(napi_env env, int v);
napi_value make_string(napi_env env, const char *s);

/* Externals carry a type tag, so a policy can never be passed as a sandbox. */
void *get_handle(napi_env env, napi_value v, const napi_type_tag *tag, const char *what);
napi_value make_handle(napi_env env, void *p, napi_finalize fin, const napi_type_tag *tag);

#endif
