/* The two parts of the policy-file reader that other formats' loaders share
 * (mxc's): reading a file whole, and jansson's syntax errors presented as
 * FILE:LINE:COL with a plain-words reason. */
#ifndef MOAT_POLICY_LOAD_JSON_H
#define MOAT_POLICY_LOAD_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

/* The whole file (at most 4 MiB), NUL-terminated, in *out (malloc'd);
 * *regular tells whether it is a regular file (a pipe or /dev/stdin has no
 * path worth protecting).  0 or -errno with err naming the file. */
int load_json_read_file(const char *path, char **out, size_t *len, bool *regular,
                        struct moat_error *err);

/* The error for a failed json_loadb of text[0..len): always -EINVAL (or
 * -ENOMEM), err = "NAME:LINE:COL: what is wrong" at the token's start. */
int load_json_syntax_error(const char *text, size_t len, const char *name,
                           const json_error_t *je, struct moat_error *err);

#endif
