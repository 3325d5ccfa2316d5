/* Fuzz target: mxc's one-shot configuration (include/moat_mxc.h; src/policy/load_mxc*.c,
 * mxc_cidr.c), which the `moat mxc` executor and the SDK hand over.  The input is one
 * config's text.  Checks that a refused config sets no request, names the file and gives
 * one of mxc's error categories; that an accepted one is detected as mxc, runs its command
 * line with /bin/sh -c, and carries a finalized policy that prints as a moat policy file
 * loading back (through moat's own JSON loader) to the same policy; and that loading is
 * deterministic.
 * fuzz-flags: -dict=tests/fuzz/mxc.dict
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_policy.h"
#include "moat.h"
#include "moat_mxc.h"
#include "util/cleanup.h"

#define NAME "config.json"
#define BASE "/base/dir"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("HOME", "/home/fuzz", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct moat_mxc_request *req = (struct moat_mxc_request *)1;
    struct moat_error err = {0};
    enum moat_mxc_code code = (enum moat_mxc_code)-1;
    int r = moat_mxc_load(text, size, NAME, BASE, &req, &code, &err);
    if (r < 0) {
        FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(code > MOAT_MXC_OK && code <= MOAT_MXC_BACKEND_ERROR);
        FUZZ_CHECK(moat_mxc_code_name(code) && *moat_mxc_code_name(code));
        FUZZ_CHECKF(strncmp(err.msg, NAME ":", strlen(NAME ":")) == 0,
                    "error does not name the file: %s", err.msg);
        return 0;
    }
    FUZZ_CHECK(req && code == MOAT_MXC_OK);
    const char *version = moat_mxc_request_version(req);
    FUZZ_CHECK(version && version[0]);
    FUZZ_CHECK(moat_mxc_detect(text, size));
    char *const *argv = moat_mxc_request_argv(req);
    FUZZ_CHECK(argv && argv[0] && argv[1] && argv[2] && !argv[3]);
    FUZZ_CHECK(strcmp(argv[0], "/bin/sh") == 0 && strcmp(argv[1], "-c") == 0);
    const struct moat_policy *policy = moat_mxc_request_policy(req);
    FUZZ_CHECK(policy);
    for (size_t i = 0; i < moat_policy_warning_count(policy); i++)
        FUZZ_CHECK(moat_policy_warning(policy, i) && moat_policy_warning(policy, i)[0]);
    _cleanup_free_ char *json = fuzz_mapped_policy_loads_back(policy, BASE, "config");

    /* Deterministic: the same text, the same request. */
    struct moat_mxc_request *twice = NULL;
    FUZZ_CHECK(moat_mxc_load(text, size, NAME, BASE, &twice, &code, &err) == 0);
    _cleanup_free_ char *json2 = moat_policy_to_json(moat_mxc_request_policy(twice));
    FUZZ_CHECK(json2 && strcmp(json, json2) == 0);
    FUZZ_CHECK(strcmp(argv[2], moat_mxc_request_argv(twice)[2]) == 0);
    FUZZ_CHECK(moat_mxc_request_timeout_ms(twice) == moat_mxc_request_timeout_ms(req));
    FUZZ_CHECK(moat_mxc_request_default_env(twice) == moat_mxc_request_default_env(req));
    FUZZ_CHECK(moat_policy_warning_count(moat_mxc_request_policy(twice)) ==
               moat_policy_warning_count(policy));
    moat_mxc_request_free(twice);
    moat_mxc_request_free(req);
    return 0;
}
