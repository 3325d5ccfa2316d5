/* libmxc_ffi's functions for tests/e2e/mxc_ffi_client.c: FN(return type,
 * name, parameter types...), expanded once into pointers, once into their
 * dlsym lookups.  No include guard: included twice on purpose. */
FN(const char *, mxc_version, void)
FN(char *, mxc_available_backends_json, void)
FN(void, mxc_string_free, char *)
FN(void, mxc_error_detail_free, struct MxcErrorDetail *)
FN(int32_t, mxc_run_json, const char *, int32_t, struct MxcRunResult *)
FN(void, mxc_run_result_free, struct MxcRunResult *)
FN(int32_t, mxc_spawn_json, const char *, int32_t, struct MxcSandbox **, struct MxcErrorDetail *)
FN(int32_t, mxc_spawn_pty_json, const char *, int32_t, uint16_t, uint16_t, struct MxcSandbox **,
   struct MxcErrorDetail *)
FN(uint32_t, mxc_sandbox_id, struct MxcSandbox *)
FN(int32_t, mxc_sandbox_take_native_stdio, struct MxcSandbox *, struct MxcNativeStdio *)
FN(void, mxc_native_pipe_close, intptr_t)
FN(int32_t, mxc_sandbox_try_wait, struct MxcSandbox *, int32_t *, int32_t *, int32_t *)
FN(int32_t, mxc_sandbox_wait, struct MxcSandbox *, int32_t *, int32_t *)
FN(int32_t, mxc_sandbox_kill, struct MxcSandbox *)
FN(int32_t, mxc_sandbox_kill_for_timeout, struct MxcSandbox *)
FN(int32_t, mxc_sandbox_warnings_json, struct MxcSandbox *, char **)
FN(int32_t, mxc_sandbox_output_metadata_json, struct MxcSandbox *, char **)
FN(int32_t, mxc_sandbox_pty_resize, struct MxcSandbox *, uint16_t, uint16_t)
FN(void, mxc_sandbox_free, struct MxcSandbox *)
FN(int32_t, mxc_run_state_aware_json, const char *, int32_t, int32_t,
   struct MxcStateAwareResult *)
FN(void, mxc_state_aware_result_free, struct MxcStateAwareResult *)
FN(int32_t, mxc_exec_state_aware_json, const char *, int32_t, struct MxcSandbox **,
   struct MxcErrorDetail *)
FN(int32_t, mxc_run_state_aware_exec_json, const char *, int32_t, struct MxcRunResult *)
FN(int32_t, mxc_state_aware_exec_pty, const char *, int32_t, uint16_t, uint16_t,
   struct MxcSandbox **, struct MxcErrorDetail *)
FN(int32_t, mxc_probe_request_json_with_error, const char *, char **, struct MxcErrorDetail *)
FN(int32_t, mxc_telemetry_get_consent_status, char **)
FN(int32_t, mxc_telemetry_withdraw_consent, char **)
FN(int32_t, mxc_telemetry_request_consent, const char *, mxc_consent_presenter, void *, char **)
