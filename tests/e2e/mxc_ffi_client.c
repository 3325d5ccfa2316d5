/* A C caller of libmxc_ffi.so for the end-to-end tests: loads the library
 * by path with dlopen, as the mxc SDK's koffi does, and drives its ABI
 * (src/mxc_ffi/abi.h) through one scenario, printing one fact per line for
 * tests/e2e/test_mxc_ffi.sh to check.
 *   mxc_ffi_client LIB run CONFIG_FILE    mxc_run_json; status, exit, output, warnings
 *   mxc_ffi_client LIB SCENARIO           spawn | untaken | kill | timeout | stale |
 *                                         free-while-waiting | threads | pty | pty-eof |
 *                                         warned |
 *                                         errors | unsupported | backends
 * Scenario configs are contract 1.0.0 requests, as SDK 1.0.1 writes them. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mxc_ffi/abi.h"

/* The library's functions, looked up by name as the SDK binds them. */
static struct {
#define FN(ret, name, ...) ret (*name)(__VA_ARGS__);
#include "mxc_ffi_client_fns.h"
#undef FN
} f;

static void load(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("dlopen: %s\n", dlerror());
        exit(2);
    }
#define FN(ret, name, ...)                                                                   \
    if (!(*(void **)&f.name = dlsym(h, #name))) {                                            \
        printf("missing %s\n", #name);                                                       \
        exit(2);                                                                             \
    }
#include "mxc_ffi_client_fns.h"
#undef FN
}

static _Thread_local char config[8192]; /* per thread: the threads scenario builds requests at once */

/* A 1.0.0 request as the SDK writes it, running command, with more members
 * of process (instead of "timeout": 0) and of the request. */
static const char *request_with(const char *command, const char *process, const char *extra)
{
    snprintf(config, sizeof config,
             "{\"version\":\"1.0.0\",\"containerId\":\"c0ffee\",\"containment\":\"process\","
             "\"lifecycle\":{\"destroyOnExit\":true,\"preservePolicy\":false},"
             "\"process\":{\"commandLine\":\"%s\",%s}%s%s}",
             command, process ? process : "\"timeout\":0", extra ? "," : "", extra ? extra : "");
    return config;
}

static const char *request(const char *command, const char *extra)
{
    return request_with(command, NULL, extra);
}

static const char *str(const char *s)
{
    return s ? s : "(null)";
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "re");
    size_t n = fp ? fread(config, 1, sizeof config - 1, fp) : 0;
    if (!fp)
        return 2;
    fclose(fp);
    config[n] = '\0';
    struct MxcRunResult r;
    int32_t st = f.mxc_run_json(config, 0, &r);
    printf("status %d\n", st);
    if (st == 0) {
        printf("exit %d\ntimed_out %d\n", r.exit_code, r.timed_out);
        printf("stdout %s", str(r.stdout_utf8));
        printf("\nstderr %s", str(r.stderr_utf8));
        printf("\nwarnings %s\n", str(r.warnings_json_utf8));
    } else {
        printf("message %s\n", str(r.error.message_utf8));
        printf("operation %s\n", str(r.error.operation_utf8));
    }
    f.mxc_run_result_free(&r);
    f.mxc_run_result_free(&r); /* nulled by the first: harmless */
    return 0;
}

static struct MxcSandbox *spawn(const char *json)
{
    struct MxcSandbox *h = NULL;
    struct MxcErrorDetail d;
    int32_t st = f.mxc_spawn_json(json, 0, &h, &d);
    if (st != 0) {
        printf("spawn %d: %s\n", st, str(d.message_utf8));
        f.mxc_error_detail_free(&d);
        exit(1);
    }
    return h;
}

static void print_wait(struct MxcSandbox *h, const char *what)
{
    int32_t code = 55, to = 55;
    int32_t st = f.mxc_sandbox_wait(h, &code, &to);
    printf("%s %d exit %d timed_out %d\n", what, st, code, to);
}

static void print_try_wait(struct MxcSandbox *h, const char *what)
{
    int32_t code = 55, running = 55, to = 55;
    int32_t st = f.mxc_sandbox_try_wait(h, &code, &running, &to);
    printf("%s %d running %d exit %d timed_out %d\n", what, st, running, code, to);
}

static void read_until_eof(int fd, const char *label)
{
    char buf[4096];
    ssize_t n;
    printf("%s [", label);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    printf("]\n");
}

/* Streaming through the native stdio: stdin in, stdout and stderr out. */
static int scenario_spawn(void)
{
    struct MxcSandbox *h = spawn(request("cat; echo done >&2; exit 7", NULL));
    printf("id %s\n", f.mxc_sandbox_id(h) > 1 ? "a pid" : "none");
    char *w = (char *)1;
    int32_t st = f.mxc_sandbox_warnings_json(h, &w);
    printf("warnings %d %s\n", st, str(w));
    f.mxc_string_free(w);
    struct MxcNativeStdio io;
    printf("take %d\n", f.mxc_sandbox_take_native_stdio(h, &io));
    struct MxcNativeStdio again;
    st = f.mxc_sandbox_take_native_stdio(h, &again);
    printf("take again %d %ld %ld %ld\n", st, (long)again.stdin_handle,
           (long)again.stdout_handle, (long)again.stderr_handle);
    print_try_wait(h, "try_wait");
    if (write((int)io.stdin_handle, "line1\nline2\n", 12) != 12)
        return 1;
    f.mxc_native_pipe_close(io.stdin_handle);
    read_until_eof((int)io.stdout_handle, "stdout");
    read_until_eof((int)io.stderr_handle, "stderr");
    f.mxc_native_pipe_close(io.stdout_handle);
    f.mxc_native_pipe_close(io.stderr_handle);
    print_wait(h, "wait");
    print_try_wait(h, "try_wait after");
    print_wait(h, "wait again");
    printf("kill after %d\n", f.mxc_sandbox_kill(h));
    char *m = (char *)1;
    st = f.mxc_sandbox_output_metadata_json(h, &m);
    printf("metadata %d %s\n", st, str(m));
    f.mxc_sandbox_free(h);
    return 0;
}

/* Nobody takes the output: wait drains it, so the command cannot block on
 * a full pipe (4 MiB is far past a pipe's 64 KiB). */
static int scenario_untaken(void)
{
    struct MxcSandbox *h = spawn(request("head -c 4194304 /dev/zero; cat; exit 4", NULL));
    print_wait(h, "wait");
    f.mxc_sandbox_free(h);
    return 0;
}

static int scenario_kill(void)
{
    struct MxcSandbox *h = spawn(request("sleep 300", NULL));
    print_try_wait(h, "try_wait");
    printf("kill %d\n", f.mxc_sandbox_kill(h));
    printf("kill again %d\n", f.mxc_sandbox_kill(h));
    print_wait(h, "wait");
    printf("kill_for_timeout after the end %d\n", f.mxc_sandbox_kill_for_timeout(h));
    print_try_wait(h, "try_wait after");
    f.mxc_sandbox_free(h);
    return 0;
}

/* kill_for_timeout, and the request's own timeout. */
static int scenario_timeout(void)
{
    struct MxcSandbox *h = spawn(request("sleep 300", NULL));
    printf("kill_for_timeout %d\n", f.mxc_sandbox_kill_for_timeout(h));
    print_wait(h, "wait");
    f.mxc_sandbox_free(h);
    h = spawn(request_with("sleep 300", "\"timeout\":300", NULL));
    double start = now();
    print_wait(h, "own timeout");
    printf("took under 10 s %d\n", now() - start < 10);
    f.mxc_sandbox_free(h);
    h = spawn(request("exit 124", NULL));
    print_wait(h, "exit 124");
    f.mxc_sandbox_free(h);
    return 0;
}

/* Every call on a freed handle is refused, never a crash; NULL likewise. */
static int scenario_stale(void)
{
    struct MxcSandbox *h = spawn(request("true", NULL));
    print_wait(h, "wait");
    f.mxc_sandbox_free(h);
    f.mxc_sandbox_free(h);
    print_wait(h, "wait freed");
    print_try_wait(h, "try_wait freed");
    printf("kill freed %d\n", f.mxc_sandbox_kill(h));
    printf("kill_for_timeout freed %d\n", f.mxc_sandbox_kill_for_timeout(h));
    printf("resize freed %d\n", f.mxc_sandbox_pty_resize(h, 10, 10));
    char *w = (char *)1;
    int32_t st = f.mxc_sandbox_warnings_json(h, &w);
    printf("warnings freed %d %s\n", st, str(w));
    struct MxcNativeStdio io;
    printf("take freed %d\n", f.mxc_sandbox_take_native_stdio(h, &io));
    printf("id freed %u\n", f.mxc_sandbox_id(h));
    print_try_wait(NULL, "try_wait NULL");
    printf("id NULL %u\n", f.mxc_sandbox_id(NULL));
    f.mxc_sandbox_free(NULL);
    struct MxcErrorDetail d = { 0 };
    f.mxc_error_detail_free(&d);
    f.mxc_error_detail_free(NULL);
    f.mxc_run_result_free(NULL);
    printf("survived\n");
    return 0;
}

static void *wait_thread(void *h)
{
    print_wait(h, "waiter");
    return NULL;
}

/* A wait blocked in one thread, the handle freed in another: the waiter
 * returns (its sandbox killed), and the box outlives it. */
static int scenario_free_while_waiting(void)
{
    struct MxcSandbox *h = spawn(request("sleep 300", NULL));
    pthread_t t;
    pthread_create(&t, NULL, wait_thread, h);
    usleep(300 * 1000);
    double start = now();
    f.mxc_sandbox_free(h);
    pthread_join(t, NULL);
    printf("waiter returned in under 10 s %d\n", now() - start < 10);
    print_try_wait(h, "after");
    return 0;
}

#define THREADS 8
static int thread_ok[THREADS];

/* Each thread runs its own sandboxes, with pipes and with run_json, and
 * checks it got its own output back. */
static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    char cmd[128], want[64], json[8192];
    for (int round = 0; round < 3; round++) {
        snprintf(cmd, sizeof cmd, "echo thread-%d-%d; exit %d", i, round, i + 10);
        snprintf(want, sizeof want, "thread-%d-%d\n", i, round);
        snprintf(json, sizeof json, "%s", request(cmd, NULL));
        struct MxcRunResult r;
        if (f.mxc_run_json(json, 0, &r) != 0 || r.exit_code != i + 10 ||
            strcmp(str(r.stdout_utf8), want) != 0)
            return NULL;
        f.mxc_run_result_free(&r);
        struct MxcSandbox *h = NULL;
        struct MxcErrorDetail d;
        struct MxcNativeStdio io;
        if (f.mxc_spawn_json(json, 0, &h, &d) != 0 || f.mxc_sandbox_take_native_stdio(h, &io))
            return NULL;
        char buf[64] = { 0 };
        ssize_t n = read((int)io.stdout_handle, buf, sizeof buf - 1);
        int32_t code, to;
        int32_t st = f.mxc_sandbox_wait(h, &code, &to);
        f.mxc_native_pipe_close(io.stdin_handle);
        f.mxc_native_pipe_close(io.stdout_handle);
        f.mxc_native_pipe_close(io.stderr_handle);
        f.mxc_sandbox_free(h);
        if (st != 0 || code != i + 10 || n <= 0 || strcmp(buf, want) != 0)
            return NULL;
    }
    thread_ok[i] = 1;
    return NULL;
}

static int scenario_threads(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += thread_ok[i];
    }
    printf("threads ok %d of %d\n", ok, THREADS);
    return 0;
}

/* Read the pty's output until it contains want (or its end). */
static void read_until(int fd, char *acc, size_t size, const char *want)
{
    size_t len = strlen(acc);
    while (!strstr(acc, want) && len + 1 < size) {
        ssize_t n = read(fd, acc + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        acc[len] = '\0';
    }
}

static int scenario_pty(void)
{
    struct MxcSandbox *h = NULL;
    struct MxcErrorDetail d;
    int32_t st = f.mxc_spawn_pty_json(request("tty; stty size; read line; echo got $line; "
                                              "stty size; exit 3", NULL),
                                      0, 30, 100, &h, &d);
    printf("spawn %d\n", st);
    if (st != 0)
        return 1;
    struct MxcNativeStdio io;
    st = f.mxc_sandbox_take_native_stdio(h, &io);
    printf("take %d stderr %ld\n", st, (long)io.stderr_handle);
    static char out[8192];
    read_until((int)io.stdout_handle, out, sizeof out, "30 100");
    printf("resize %d\n", f.mxc_sandbox_pty_resize(h, 40, 120));
    if (write((int)io.stdin_handle, "hello\n", 6) != 6)
        return 1;
    read_until((int)io.stdout_handle, out, sizeof out, "40 120");
    for (char *c = out; *c; c++)
        if (*c == '\r')
            *c = ' ';
    printf("terminal [%s]\n", out);
    print_wait(h, "wait");
    printf("resize after the end %d\n", f.mxc_sandbox_pty_resize(h, 50, 50));
    printf("resize 0 rows %d\n", f.mxc_sandbox_pty_resize(h, 0, 50));
    f.mxc_native_pipe_close(io.stdin_handle);
    f.mxc_native_pipe_close(io.stdout_handle);
    f.mxc_sandbox_free(h);
    st = f.mxc_spawn_pty_json(request("true", NULL), 0, 0, 80, &h, &d);
    printf("0 rows %d %s\n", st, str(d.message_utf8));
    f.mxc_error_detail_free(&d);
    return 0;
}

/* Closing the input is the terminal's end of file: cat ends, after a
 * partial line too. */
static int scenario_pty_eof(void)
{
    struct MxcSandbox *h = NULL;
    struct MxcErrorDetail d;
    if (f.mxc_spawn_pty_json(request("cat; echo cat ended", NULL), 0, 24, 80, &h, &d) != 0)
        return 1;
    struct MxcNativeStdio io;
    f.mxc_sandbox_take_native_stdio(h, &io);
    if (write((int)io.stdin_handle, "abc\npartial", 11) != 11)
        return 1;
    f.mxc_native_pipe_close(io.stdin_handle);
    static char out[4096];
    read_until((int)io.stdout_handle, out, sizeof out, "cat ended");
    printf("saw cat ended %d\n", strstr(out, "cat ended") != NULL);
    print_wait(h, "wait");
    f.mxc_native_pipe_close(io.stdout_handle);
    f.mxc_sandbox_free(h);
    return 0;
}

/* A request with a warning: it leads the stderr of a spawned command and
 * its terminal; the handle reports none (SDK 1.0.1 cannot take them). */
static int scenario_warned(void)
{
    const char *ui = "\"ui\":{\"disable\":false}";
    struct MxcSandbox *h = spawn(request("echo out; echo err >&2", ui));
    char *w = (char *)1;
    int32_t st = f.mxc_sandbox_warnings_json(h, &w);
    printf("warnings %d %s\n", st, str(w));
    struct MxcNativeStdio io;
    f.mxc_sandbox_take_native_stdio(h, &io);
    read_until_eof((int)io.stdout_handle, "stdout");
    read_until_eof((int)io.stderr_handle, "stderr");
    print_wait(h, "wait");
    f.mxc_native_pipe_close(io.stdin_handle);
    f.mxc_native_pipe_close(io.stdout_handle);
    f.mxc_native_pipe_close(io.stderr_handle);
    f.mxc_sandbox_free(h);
    struct MxcErrorDetail d;
    if (f.mxc_spawn_pty_json(request("echo on-terminal", ui), 0, 24, 80, &h, &d) != 0)
        return 1;
    f.mxc_sandbox_take_native_stdio(h, &io);
    static char out[8192];
    read_until((int)io.stdout_handle, out, sizeof out, "on-terminal\r\n");
    for (char *c = out; *c; c++)
        if (*c == '\r')
            *c = '|';
    printf("terminal [%s]\n", out);
    print_wait(h, "wait");
    f.mxc_native_pipe_close(io.stdin_handle);
    f.mxc_native_pipe_close(io.stdout_handle);
    f.mxc_sandbox_free(h);
    return 0;
}

static void print_run_error(const char *what, const char *json)
{
    struct MxcRunResult r;
    int32_t st = f.mxc_run_json(json, 0, &r);
    printf("%s %d %d: %s\n", what, st, r.status, str(r.error.message_utf8));
    f.mxc_run_result_free(&r);
}

static int scenario_errors(void)
{
    print_run_error("null", NULL);
    print_run_error("utf8", "{\"version\":\"1.0.0\",\"x\":\"\xff\"}");
    print_run_error("bogus", request("true", "\"bogus\":1"));
    print_run_error("relative", request("true", "\"filesystem\":{\"readonlyPaths\":[\"rel\"]}"));
    print_run_error("vm", "{\"version\":\"1.0.0\",\"containment\":\"vm\",\"process\":"
                          "{\"commandLine\":\"true\"}}");
    print_run_error("unversioned", "{\"process\":{\"commandLine\":\"true\"}}");
    printf("run NULL out %d\n", f.mxc_run_json(request("true", NULL), 0, NULL));
    struct MxcErrorDetail d;
    struct MxcSandbox *h = (struct MxcSandbox *)1;
    int32_t st = f.mxc_spawn_json(request("true", "\"bogus\":1"), 0, &h, &d);
    printf("spawn bogus %d handle %s: %s\n", st, h ? "set" : "null", str(d.message_utf8));
    f.mxc_error_detail_free(&d);
    f.mxc_error_detail_free(&d);
    printf("spawn NULL out %d\n", f.mxc_spawn_json(request("true", NULL), 0, NULL, &d));
    f.mxc_error_detail_free(&d);
    /* The sandbox cannot start: moat_spawn's message, at spawn. */
    st = f.mxc_spawn_json(request_with("true", "\"cwd\":\"/nonexistent-mxc-cwd\"", NULL), 0, &h,
                          &d);
    printf("spawn cwd %d handle %s op %s native %s: %s\n", st, h ? "set" : "null",
           str(d.operation_utf8), str(d.native_code_utf8), str(d.message_utf8));
    f.mxc_error_detail_free(&d);
    return 0;
}

static int scenario_unsupported(void)
{
    struct MxcStateAwareResult sa;
    int32_t st = f.mxc_run_state_aware_json("{\"version\":\"1.0.0\",\"phase\":\"provision\"}",
                                            0, 0, &sa);
    printf("state-aware %d %d: %s\n", st, sa.status, str(sa.error.message_utf8));
    f.mxc_state_aware_result_free(&sa);
    f.mxc_state_aware_result_free(&sa);
    struct MxcSandbox *h = (struct MxcSandbox *)1;
    struct MxcErrorDetail d;
    st = f.mxc_exec_state_aware_json("{}", 0, &h, &d);
    printf("exec %d handle %s\n", st, h ? "set" : "null");
    f.mxc_error_detail_free(&d);
    h = (struct MxcSandbox *)1;
    st = f.mxc_state_aware_exec_pty("{}", 0, 24, 80, &h, &d);
    printf("exec pty %d handle %s\n", st, h ? "set" : "null");
    f.mxc_error_detail_free(&d);
    struct MxcRunResult r;
    printf("run exec %d\n", f.mxc_run_state_aware_exec_json("{}", 0, &r));
    f.mxc_run_result_free(&r);
    char *json = (char *)1;
    st = f.mxc_probe_request_json_with_error(NULL, &json, &d);
    printf("probe %d json %s: %s\n", st, str(json), str(d.message_utf8));
    f.mxc_error_detail_free(&d);
    char *s = NULL;
    st = f.mxc_telemetry_get_consent_status(&s);
    printf("consent status %d %s\n", st, str(s));
    f.mxc_string_free(s);
    st = f.mxc_telemetry_withdraw_consent(&s);
    printf("withdraw %d %s\n", st, str(s));
    f.mxc_string_free(s);
    st = f.mxc_telemetry_request_consent("en-US", NULL, NULL, &s);
    printf("request consent %d %s\n", st, str(s));
    f.mxc_string_free(s);
    printf("consent NULL out %d\n", f.mxc_telemetry_get_consent_status(NULL));
    return 0;
}

static int scenario_backends(void)
{
    char *j = f.mxc_available_backends_json();
    printf("backends %s\n", str(j));
    f.mxc_string_free(j);
    printf("version %s\n", f.mxc_version());
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN); /* as Node does */
    if (argc < 3)
        return 2;
    load(argv[1]);
    const char *s = argv[2];
    if (!strcmp(s, "run") && argc > 3) return run_file(argv[3]);
    if (!strcmp(s, "spawn")) return scenario_spawn();
    if (!strcmp(s, "untaken")) return scenario_untaken();
    if (!strcmp(s, "kill")) return scenario_kill();
    if (!strcmp(s, "timeout")) return scenario_timeout();
    if (!strcmp(s, "stale")) return scenario_stale();
    if (!strcmp(s, "free-while-waiting")) return scenario_free_while_waiting();
    if (!strcmp(s, "threads")) return scenario_threads();
    if (!strcmp(s, "pty")) return scenario_pty();
    if (!strcmp(s, "pty-eof")) return scenario_pty_eof();
    if (!strcmp(s, "warned")) return scenario_warned();
    if (!strcmp(s, "errors")) return scenario_errors();
    if (!strcmp(s, "unsupported")) return scenario_unsupported();
    if (!strcmp(s, "backends")) return scenario_backends();
    return 2;
}
