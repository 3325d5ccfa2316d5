/* The policy file format (see docs/policy.md): validating a parsed JSON
 * document and merging it into a struct moat_policy. */
#ifndef MOAT_POLICY_LOAD_FORMAT_H
#define MOAT_POLICY_LOAD_FORMAT_H

#include <jansson.h>

#include "policy/model.h"

/* Merge `root` into p.  text/len is the document jansson parsed (to find
 * positions for messages), name the file name for messages, base_dir the
 * absolute directory relative paths are resolved against.  Returns 0 or
 * -EINVAL / -ENOMEM with err set; on error p holds a partial merge, so
 * callers pass a scratch copy. */
int load_format_apply(struct moat_policy *p, const json_t *root, const char *text, size_t len,
                      const char *name, const char *base_dir, struct moat_error *err);

#endif
