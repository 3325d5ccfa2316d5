/* What mxc's SDK can bind but moat does not do on Linux.  The state-aware
 * lifecycle (provision, start, exec into a kept sandbox, stop) needs a
 * sandbox that outlives its command, and moat's ends with it; the request
 * probe is Windows ProcessContainer's.  Each is refused with mxc's own
 * category and a message saying why, never a pretend success.  Telemetry
 * consent answers what mxc answers off Windows: not applicable (moat sends
 * no telemetry at all, so that is also the truth). */
#include <stdlib.h>
#include <string.h>

#include "mxc_ffi/abi.h"
#include "mxc_ffi/detail.h"

static const char no_lifecycle[] =
    "moat runs one-shot requests only: the state-aware lifecycle (phase, sandboxId: "
    "provision, start, exec, stop) needs a sandbox that outlives its command, and a moat "
    "sandbox ends with its command; use mxc_run_json or mxc_spawn_json";

MXC_API int32_t mxc_run_state_aware_json(const char *request_json_utf8, int32_t dry_run,
                                         int32_t experimental, struct MxcStateAwareResult *out)
{
    (void)request_json_utf8, (void)dry_run, (void)experimental;
    if (!out)
        return MXC_STATUS_NULL_ARGUMENT;
    *out = (struct MxcStateAwareResult){ 0 };
    return out->status = detail_set(&out->error, MXC_STATUS_UNSUPPORTED_PHASE, no_lifecycle,
                                    NULL, 0);
}

MXC_API void mxc_state_aware_result_free(struct MxcStateAwareResult *r)
{
    if (!r)
        return;
    free(r->response_json_utf8);
    r->response_json_utf8 = NULL;
    detail_release(&r->error);
}

static int32_t refuse_exec(struct MxcSandbox **out_handle, struct MxcErrorDetail *out_error)
{
    if (!out_handle)
        return MXC_STATUS_NULL_ARGUMENT;
    *out_handle = NULL;
    return detail_set(out_error, MXC_STATUS_UNSUPPORTED_PHASE, no_lifecycle, NULL, 0);
}

MXC_API int32_t mxc_exec_state_aware_json(const char *request_json_utf8, int32_t experimental,
                                          struct MxcSandbox **out_handle,
                                          struct MxcErrorDetail *out_error)
{
    (void)request_json_utf8, (void)experimental;
    return refuse_exec(out_handle, out_error);
}

MXC_API int32_t mxc_state_aware_exec_pty(const char *request_json_utf8, int32_t experimental,
                                         uint16_t rows, uint16_t cols,
                                         struct MxcSandbox **out_handle,
                                         struct MxcErrorDetail *out_error)
{
    (void)request_json_utf8, (void)experimental, (void)rows, (void)cols;
    return refuse_exec(out_handle, out_error);
}

MXC_API int32_t mxc_run_state_aware_exec_json(const char *request_json_utf8,
                                              int32_t experimental, struct MxcRunResult *out)
{
    (void)request_json_utf8, (void)experimental;
    if (!out)
        return MXC_STATUS_NULL_ARGUMENT;
    *out = (struct MxcRunResult){ 0 };
    return out->status = detail_set(&out->error, MXC_STATUS_UNSUPPORTED_PHASE, no_lifecycle,
                                    NULL, 0);
}

MXC_API int32_t mxc_probe_request_json_with_error(const char *request_json_utf8,
                                                  char **out_json_utf8,
                                                  struct MxcErrorDetail *out_error)
{
    (void)request_json_utf8;
    if (!out_json_utf8)
        return MXC_STATUS_NULL_ARGUMENT;
    *out_json_utf8 = NULL;
    return detail_set(out_error, MXC_STATUS_UNSUPPORTED_CONTAINMENT,
                      "the request probe is for Windows ProcessContainer, which moat does not "
                      "provide (moat's backend is Linux process containment)", NULL, 0);
}

/* ---- telemetry consent: mxc's answers off Windows --------------------- */

static const char consent_status[] =
    "{\"effectiveState\":\"not-applicable\",\"policy\":\"not-applicable\","
    "\"reason\":\"not-applicable\",\"storedState\":\"not-applicable\"}";
static const char consent_outcome[] =
    "{\"effectiveState\":\"not-applicable\",\"policy\":\"not-applicable\","
    "\"reason\":\"not-applicable\",\"result\":\"notApplicable\","
    "\"storedState\":\"not-applicable\"}";

static int32_t answer(const char *json, char **out_utf8)
{
    if (!out_utf8)
        return MXC_STATUS_NULL_ARGUMENT;
    *out_utf8 = strdup(json);
    return *out_utf8 ? MXC_STATUS_SUCCESS : MXC_STATUS_BACKEND_ERROR;
}

MXC_API int32_t mxc_telemetry_get_consent_status(char **out_utf8)
{
    return answer(consent_status, out_utf8);
}

MXC_API int32_t mxc_telemetry_withdraw_consent(char **out_utf8)
{
    return answer(consent_outcome, out_utf8);
}

/* The presenter is never called: there is nothing to consent to. */
MXC_API int32_t mxc_telemetry_request_consent(const char *locale_utf8,
                                              mxc_consent_presenter presenter, void *context,
                                              char **out_utf8)
{
    (void)locale_utf8, (void)presenter, (void)context;
    return answer(consent_outcome, out_utf8);
}
