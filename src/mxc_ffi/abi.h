/* libmxc_ffi's ABI: the functions, structures and status numbers of the
 * library @microsoft/mxc-sdk 1.0.1 loads in-process (its dist/bindings/ modules
 * bind them with koffi), as mxc publishes them: same names, same layouts.
 * Declarations only; docs/compat-mxc.md says what each does in moat.  A C
 * caller (tests/e2e/mxc_ffi_client.c) includes this header. */
#ifndef MOAT_MXC_FFI_ABI_H
#define MOAT_MXC_FFI_ABI_H

#include <stdint.h>

/* Only these functions leave the library (src/mxc_ffi/exports.map too). */
#define MXC_API __attribute__((visibility("default")))

/* Status numbers: 0, mxc's error categories 1-12 (moat_mxc_code's numbers,
 * include/moat_mxc.h), and the FFI's own. */
enum {
    MXC_STATUS_SUCCESS = 0,
    MXC_STATUS_MALFORMED_REQUEST = 1,
    MXC_STATUS_UNSUPPORTED_CONTAINMENT = 2,
    MXC_STATUS_UNSUPPORTED_PHASE = 3,
    MXC_STATUS_BACKEND_UNAVAILABLE = 4,
    MXC_STATUS_STALE_ID = 6, /* moat: a handle already freed (never reused) */
    MXC_STATUS_POLICY_VALIDATION = 11,
    MXC_STATUS_BACKEND_ERROR = 12,
    MXC_STATUS_NULL_ARGUMENT = 100,
    MXC_STATUS_INVALID_UTF8 = 101,
};

/* Why a call failed.  Every non-null string is the caller's, released by
 * mxc_error_detail_free (alone) or the owning result's free function. */
struct MxcErrorDetail {
    char *message_utf8;
    char *operation_utf8;   /* the call that failed ("moat_spawn"), or NULL */
    char *native_code_utf8; /* the errno's name ("EPERM"), or NULL */
    char *remediation_utf8; /* what to do about it, or NULL */
};

/* mxc_run_json's result: caller's storage, library's strings. */
struct MxcRunResult {
    int32_t status;
    int32_t exit_code; /* -1 when timed out or killed */
    int32_t timed_out;
    char *stdout_utf8;
    char *stderr_utf8;
    struct MxcErrorDetail error;
    char *output_metadata_json_utf8; /* always NULL in moat */
    char *warnings_json_utf8;        /* ["...", ...], NULL when none */
};

/* The command's descriptors, the caller's once taken; -1 when absent. */
struct MxcNativeStdio {
    intptr_t stdin_handle;
    intptr_t stdout_handle;
    intptr_t stderr_handle;
};

struct MxcStateAwareResult {
    int32_t status;
    char *response_json_utf8;
    struct MxcErrorDetail error;
};

/* A running sandbox, opaque: the value is a number this library gave out,
 * never an address of its memory (handles.c). */
struct MxcSandbox;

/* Called back by mxc_telemetry_request_consent on Windows; never by moat. */
typedef int32_t (*mxc_consent_presenter)(const char *prompt_json_utf8, void *context);

MXC_API const char *mxc_version(void);
MXC_API char *mxc_available_backends_json(void);
MXC_API void mxc_string_free(char *s);
MXC_API void mxc_error_detail_free(struct MxcErrorDetail *detail);

MXC_API int32_t mxc_run_json(const char *request_json_utf8, int32_t experimental,
                             struct MxcRunResult *out);
MXC_API void mxc_run_result_free(struct MxcRunResult *r);

MXC_API int32_t mxc_spawn_json(const char *request_json_utf8, int32_t experimental,
                               struct MxcSandbox **out_handle, struct MxcErrorDetail *out_error);
MXC_API int32_t mxc_spawn_pty_json(const char *request_json_utf8, int32_t experimental,
                                   uint16_t rows, uint16_t cols, struct MxcSandbox **out_handle,
                                   struct MxcErrorDetail *out_error);
MXC_API uint32_t mxc_sandbox_id(struct MxcSandbox *handle);
MXC_API int32_t mxc_sandbox_take_native_stdio(struct MxcSandbox *handle,
                                              struct MxcNativeStdio *out_stdio);
MXC_API void mxc_native_pipe_close(intptr_t handle);
MXC_API int32_t mxc_sandbox_try_wait(struct MxcSandbox *handle, int32_t *out_exit,
                                     int32_t *out_running, int32_t *out_timed_out);
MXC_API int32_t mxc_sandbox_wait(struct MxcSandbox *handle, int32_t *out_exit,
                                 int32_t *out_timed_out);
MXC_API int32_t mxc_sandbox_kill(struct MxcSandbox *handle);
MXC_API int32_t mxc_sandbox_kill_for_timeout(struct MxcSandbox *handle);
MXC_API int32_t mxc_sandbox_warnings_json(struct MxcSandbox *handle, char **out_json_utf8);
MXC_API int32_t mxc_sandbox_output_metadata_json(struct MxcSandbox *handle,
                                                 char **out_json_utf8);
MXC_API int32_t mxc_sandbox_pty_resize(struct MxcSandbox *handle, uint16_t rows, uint16_t cols);
MXC_API void mxc_sandbox_free(struct MxcSandbox *handle);

/* What moat does not provide on Linux (unsupported.c): refused with mxc's
 * category and a message saying why, or (telemetry) mxc's own answer off
 * Windows. */
MXC_API int32_t mxc_run_state_aware_json(const char *request_json_utf8, int32_t dry_run,
                                         int32_t experimental, struct MxcStateAwareResult *out);
MXC_API void mxc_state_aware_result_free(struct MxcStateAwareResult *r);
MXC_API int32_t mxc_exec_state_aware_json(const char *request_json_utf8, int32_t experimental,
                                          struct MxcSandbox **out_handle,
                                          struct MxcErrorDetail *out_error);
MXC_API int32_t mxc_run_state_aware_exec_json(const char *request_json_utf8,
                                              int32_t experimental, struct MxcRunResult *out);
MXC_API int32_t mxc_state_aware_exec_pty(const char *request_json_utf8, int32_t experimental,
                                         uint16_t rows, uint16_t cols,
                                         struct MxcSandbox **out_handle,
                                         struct MxcErrorDetail *out_error);
MXC_API int32_t mxc_probe_request_json_with_error(const char *request_json_utf8,
                                                  char **out_json_utf8,
                                                  struct MxcErrorDetail *out_error);
MXC_API int32_t mxc_telemetry_get_consent_status(char **out_utf8);
MXC_API int32_t mxc_telemetry_withdraw_consent(char **out_utf8);
MXC_API int32_t mxc_telemetry_request_consent(const char *locale_utf8,
                                              mxc_consent_presenter presenter, void *context,
                                              char **out_utf8);

#endif
