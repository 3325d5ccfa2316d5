/* Shared by the fuzz targets of the loaders that map another format to a moat policy (mxc,
 * srt): the mapped policy, printed, must load and finalize as a moat policy file and print
 * again as the same text. */
#ifndef MOAT_TESTS_FUZZ_POLICY_H
#define MOAT_TESTS_FUZZ_POLICY_H

#include <string.h>

#include "fuzz.h"
#include "moat.h"
#include "util/cleanup.h"

/* The printed policy (malloc'd, the caller frees); what names the source ("config",
 * "settings") in the message of a failure. */
static inline char *fuzz_mapped_policy_loads_back(const struct moat_policy *mapped,
                                                  const char *base, const char *what)
{
    char *json = moat_policy_to_json(mapped);
    struct moat_policy *p = moat_policy_new();
    struct moat_error err = {0};
    FUZZ_CHECK(json && p);
    FUZZ_CHECKF(moat_policy_load_string(p, json, "policy.json", base, &err) == 0 &&
                    moat_policy_finalize(p, &err) == 0,
                "the policy mapped from the %s,\n%s\nis refused: %s", what, json, err.msg);
    _cleanup_free_ char *again = moat_policy_to_json(p);
    FUZZ_CHECKF(again && strcmp(json, again) == 0, "mapped policy\n%s\nloads back as\n%s", json,
                again);
    moat_policy_free(p);
    return json;
}

#endif
