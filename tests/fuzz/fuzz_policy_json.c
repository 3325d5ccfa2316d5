/* Fuzz target: moat's policy file (src/policy/load_json.c, load_format.c, policy.c,
 * to_json.c).  The input is a policy file's text.  Checks that a refused file leaves the
 * policy untouched and says where the problem is, and that an accepted one prints (the
 * `moat check` output) as a policy file that loads back to the same policy, before and
 * after moat_policy_finalize.
 * fuzz-flags: -dict=tests/fuzz/policy_json.dict
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat.h"
#include "util/cleanup.h"

#define NAME "fuzz.json"
#define BASE "/base/dir"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* "~" in paths expands from HOME: the same expansion on every run. */
    setenv("HOME", "/home/fuzz", 1);
    return 0;
}

/* p printed, loaded into a fresh policy and printed again: the same text. */
static char *round_trip(const struct moat_policy *p, const char *what)
{
    char *json = moat_policy_to_json(p);
    struct moat_policy *q = moat_policy_new();
    FUZZ_CHECK(json && q);
    struct moat_error err = {0};
    int r = moat_policy_load_string(q, json, NAME, BASE, &err);
    FUZZ_CHECKF(r == 0, "%s policy printed as\n%s\ndoes not load: %s", what, json, err.msg);
    _cleanup_free_ char *again = moat_policy_to_json(q);
    FUZZ_CHECKF(again && strcmp(json, again) == 0, "%s policy printed as\n%s\nloads back as\n%s",
                what, json, again);
    moat_policy_free(q);
    return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_cstr(data, size);
    struct moat_policy *p = moat_policy_new(), *fresh = moat_policy_new();
    FUZZ_CHECK(p && fresh);
    struct moat_error err = {0};
    int r = moat_policy_load_string(p, text, NAME, BASE, &err);
    if (r < 0) {
        FUZZ_CHECK(err.code == r && (r == -EINVAL || r == -ENOMEM));
        FUZZ_CHECKF(strncmp(err.msg, NAME ":", strlen(NAME ":")) == 0,
                    "error does not name the file: %s", err.msg);
        /* Nothing half-applied. */
        _cleanup_free_ char *got = moat_policy_to_json(p);
        _cleanup_free_ char *want = moat_policy_to_json(fresh);
        FUZZ_CHECK(got && want && strcmp(got, want) == 0);
        FUZZ_CHECK(moat_policy_warning_count(p) == 0);
        moat_policy_free(p);
        moat_policy_free(fresh);
        return 0;
    }
    for (size_t i = 0; i < moat_policy_warning_count(p); i++)
        FUZZ_CHECK(moat_policy_warning(p, i) && moat_policy_warning(p, i)[0]);
    FUZZ_CHECK(!moat_policy_warning(p, moat_policy_warning_count(p)));

    free(round_trip(p, "loaded"));
    struct moat_error ferr = {0};
    if (moat_policy_finalize(p, &ferr) == 0) {
        _cleanup_free_ char *json = round_trip(p, "finalized");
        /* Finalizing is idempotent: a finalized policy, loaded and finalized, is unchanged. */
        struct moat_policy *q = moat_policy_new();
        struct moat_error qerr = {0};
        FUZZ_CHECK(q && moat_policy_load_string(q, json, NAME, BASE, &qerr) == 0);
        FUZZ_CHECKF(moat_policy_finalize(q, &qerr) == 0, "finalized policy\n%s\nrefused: %s",
                    json, qerr.msg);
        _cleanup_free_ char *again = moat_policy_to_json(q);
        FUZZ_CHECKF(again && strcmp(json, again) == 0, "finalized twice:\n%s\nthen\n%s", json,
                    again);
        moat_policy_free(q);
    } else {
        FUZZ_CHECK(ferr.msg[0]);
    }
    moat_policy_free(p);
    moat_policy_free(fresh);
    return 0;
}
