/* A client of libmoat's spawn API for the end-to-end tests: each mode runs
 * one scenario through the public header only and prints what it saw, one
 * fact per line, for tests/e2e/test_api.sh to check.
 *   api_client [--threads] pipes | kill | trywait | violation DIR | pty | setup-error |
 *              options | timeout | wait-started | helper | stdin-eof
 * --threads starts a busy thread first: the library must then run the
 * sandbox from a single-threaded helper (supervised.c), and the same
 * scenario must still hold. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat.h"

static volatile int stop_thread;
static void *busy(void *unused)
{
    (void)unused;
    while (!stop_thread)
        free(malloc(64)); /* hold malloc's locks as often as possible */
    return NULL;
}

static int violations;
static void on_violation(void *ctx, const char *line)
{
    (void)ctx;
    violations++;
    printf("violation %s\n", line);
}

static struct moat_policy *policy(const char *json)
{
    struct moat_policy *p = moat_policy_new();
    struct moat_error err = { 0 };
    if (!p || (json && moat_policy_load_string(p, json, "test", "/", &err) < 0) ||
        moat_policy_finalize(p, &err) < 0) {
        printf("policy error: %s\n", err.msg);
        exit(2);
    }
    return p;
}

static int spawn(struct moat_policy *p, char **argv, struct moat_run_options *o,
                 struct moat_sandbox **s)
{
    struct moat_error err = { 0 };
    int r = moat_spawn(p, argv, o, s, &err);
    if (r < 0)
        printf("spawn error %d: %s\n", r, err.msg);
    return r;
}

static void read_all(int fd, const char *label)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf - 1)) > 0) {
        buf[n] = '\0';
        printf("%s %s", label, buf);
    }
}

static int scenario_pipes(void)
{
    struct moat_run_options *o = moat_run_options_new();
    moat_run_options_set_stdio(o, MOAT_STDIO_PIPE, MOAT_STDIO_PIPE, MOAT_STDIO_PIPE);
    char *argv[] = { "/bin/sh", "-c", "read x; echo out:$x; echo err:$x >&2; exit 3", NULL };
    struct moat_sandbox *s;
    int r = spawn(policy(NULL), argv, o, &s);
    moat_run_options_free(o);
    if (r < 0)
        return 1;
    int in = moat_sandbox_take_fd(s, MOAT_FD_STDIN);
    if (write(in, "hello\n", 6) != 6)
        return 1;
    close(in);
    struct moat_error err = { 0 };
    int status = moat_sandbox_wait(s, &err);
    read_all(moat_sandbox_fd(s, MOAT_FD_STDOUT), "stdout");
    read_all(moat_sandbox_fd(s, MOAT_FD_STDERR), "stderr");
    printf("status %d\n", status);
    moat_sandbox_free(s);
    return 0;
}

static int scenario_kill(void)
{
    char *argv[] = { "/bin/sleep", "30", NULL };
    struct moat_sandbox *s;
    if (spawn(policy(NULL), argv, NULL, &s) < 0)
        return 1;
    struct moat_error err = { 0 };
    int st;
    printf("running %d\n", moat_sandbox_try_wait(s, &st, &err));
    printf("kill %d\n", moat_sandbox_kill(s, SIGTERM));
    printf("status %d\n", moat_sandbox_wait(s, &err));
    printf("kill after %d\n", moat_sandbox_kill(s, SIGTERM));
    moat_sandbox_free(s);
    return 0;
}

/* A caller's own event loop: poll MOAT_FD_EVENTS, call try_wait. */
static int scenario_trywait(void)
{
    char *argv[] = { "/bin/sh", "-c", "sleep 0.3; exit 4", NULL };
    struct moat_sandbox *s;
    if (spawn(policy("{\"process\": {\"timeout\": 5}}"), argv, NULL, &s) < 0)
        return 1;
    int st = -1, rounds = 0;
    struct moat_error err = { 0 };
    for (;;) {
        struct pollfd pfd = { .fd = moat_sandbox_fd(s, MOAT_FD_EVENTS), .events = POLLIN };
        poll(&pfd, 1, 2000);
        rounds++;
        int r = moat_sandbox_try_wait(s, &st, &err);
        if (r != 0)
            break;
    }
    printf("status %d after %s\n", st, rounds < 100 ? "few rounds" : "many rounds");
    moat_sandbox_free(s);
    return 0;
}

static int scenario_violation(const char *dir)
{
    char json[512];
    snprintf(json, sizeof json, "{\"filesystem\": {\"allowWrite\": [\"%s\"]}}", dir);
    struct moat_run_options *o = moat_run_options_new();
    moat_run_options_set_violation_callback(o, on_violation, NULL);
    char path[512];
    snprintf(path, sizeof path, "echo x > %s/.bashrc; exit 0", dir);
    char *argv[] = { "/bin/sh", "-c", path, NULL };
    struct moat_sandbox *s;
    int r = spawn(policy(json), argv, o, &s);
    moat_run_options_free(o);
    if (r < 0)
        return 1;
    struct moat_error err = { 0 };
    printf("status %d\n", moat_sandbox_wait(s, &err));
    printf("violations %d\n", violations);
    moat_sandbox_free(s);
    return 0;
}

static int scenario_pty(void)
{
    struct moat_run_options *o = moat_run_options_new();
    moat_run_options_set_pty(o, true, 33, 99);
    char *argv[] = { "/bin/sh", "-c", "tty; stty size", NULL };
    struct moat_sandbox *s;
    int r = spawn(policy(NULL), argv, o, &s);
    moat_run_options_free(o);
    if (r < 0)
        return 1;
    int master = moat_sandbox_fd(s, MOAT_FD_PTY);
    printf("master %s\n", master >= 0 ? "yes" : "no");
    struct moat_error err = { 0 };
    int status = moat_sandbox_wait(s, &err);
    char buf[512];
    ssize_t n = read(master, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    for (char *c = buf; *c; c++)
        if (*c == '\r')
            *c = ' ';
    printf("pty %s", buf);
    printf("status %d\n", status);
    moat_sandbox_free(s);
    return 0;
}

/* The setters copy: the caller's strings and arrays are changed after they
 * were set, the options freed before the command runs, and it still sees
 * what was set.  Bad stdio values are refused. */
static int scenario_options(void)
{
    struct moat_run_options *o = moat_run_options_new();
    char var[] = "MOAT_API_TEST=from-options";
    char *env[] = { var, NULL };
    int devnull = open("/dev/null", O_RDONLY);
    int fds[] = { devnull };
    int pipefd[2];
    if (!o || devnull < 3 || pipe(pipefd) < 0)
        return 1;
    printf("bad stdio %d\n", moat_run_options_set_stdio(o, -7, MOAT_STDIO_PIPE, MOAT_STDIO_PIPE));
    if (moat_run_options_set_environ(o, env) < 0 || moat_run_options_set_pass_fds(o, fds, 1) < 0 ||
        moat_run_options_set_stdio(o, MOAT_STDIO_NULL, pipefd[1], MOAT_STDIO_INHERIT) < 0)
        return 1;
    strcpy(var, "MOAT_API_TEST=changed!!!!!");
    fds[0] = 0;
    char script[128];
    snprintf(script, sizeof script, "echo \"$MOAT_API_TEST\"; [ -e /proc/self/fd/%d ] && echo "
             "passed fd; read x || echo stdin empty", devnull);
    char *argv[] = { "/bin/sh", "-c", script, NULL };
    struct moat_sandbox *s;
    int r = spawn(policy("{\"process\": {\"passEnv\": [\"MOAT_API_TEST\"]}}"), argv, o, &s);
    moat_run_options_free(o);
    close(pipefd[1]);
    if (r < 0)
        return 1;
    struct moat_error err = { 0 };
    int status = moat_sandbox_wait(s, &err);
    read_all(pipefd[0], "stdout");
    printf("status %d\n", status);
    moat_sandbox_free(s);
    return 0;
}

/* Two sandboxes with stdin pipes: closing the caller's end of each must be
 * EOF for its command at once, though the other sandbox's init is a copy of
 * the caller made while that end was open. */
static int scenario_stdin_eof(void)
{
    struct moat_run_options *o = moat_run_options_new();
    moat_run_options_set_stdio(o, MOAT_STDIO_PIPE, MOAT_STDIO_PIPE, MOAT_STDIO_INHERIT);
    char *argv[] = { "/bin/sh", "-c", "cat; echo eof", NULL };
    struct moat_policy *p = policy(NULL);
    struct moat_sandbox *a, *b;
    int r = spawn(p, argv, o, &a);
    if (r == 0 && (r = spawn(p, argv, o, &b)) < 0)
        moat_sandbox_free(a);
    moat_run_options_free(o);
    if (r < 0)
        return 1;
    struct moat_error err = { 0 };
    close(moat_sandbox_take_fd(a, MOAT_FD_STDIN));
    int status = moat_sandbox_wait(a, &err);
    read_all(moat_sandbox_fd(a, MOAT_FD_STDOUT), "first");
    printf("first status %d\n", status);
    int st = -1;
    printf("second running %d\n", moat_sandbox_try_wait(b, &st, &err));
    close(moat_sandbox_take_fd(b, MOAT_FD_STDIN));
    status = moat_sandbox_wait(b, &err);
    read_all(moat_sandbox_fd(b, MOAT_FD_STDOUT), "second");
    printf("second status %d\n", status);
    moat_sandbox_free(a);
    moat_sandbox_free(b);
    return 0;
}

static int scenario_setup_error(void)
{
    char *argv[] = { "/nonexistent/command", NULL };
    struct moat_sandbox *s;
    if (spawn(policy(NULL), argv, NULL, &s) < 0)
        return 1;
    struct moat_error err = { 0 };
    int status = moat_sandbox_wait(s, &err);
    printf("status %d: %s\n", status, err.msg);
    moat_sandbox_free(s);
    return 0;
}

/* moat_sandbox_timed_out: the policy's timeout ends one command; another
 * exits 124 by itself, with the same status and no timeout. */
static int scenario_timeout(void)
{
    const char *scripts[] = { "sleep 30", "exit 124" };
    for (int i = 0; i < 2; i++) {
        char *argv[] = { "/bin/sh", "-c", (char *)scripts[i], NULL };
        struct moat_sandbox *s;
        if (spawn(policy("{\"process\": {\"timeout\": 0.3}}"), argv, NULL, &s) < 0)
            return 1;
        struct moat_error err = { 0 };
        int status = moat_sandbox_wait(s, &err);
        printf("%s: status %d timed out %d\n", scripts[i], status, moat_sandbox_timed_out(s));
        moat_sandbox_free(s);
    }
    return 0;
}

/* moat_run_options_set_wait_started: a sandbox that cannot start (its
 * working directory is missing) fails moat_spawn itself; one that starts
 * is running when moat_spawn returns. */
static int scenario_wait_started(void)
{
    struct moat_run_options *o = moat_run_options_new();
    moat_run_options_set_wait_started(o, true);
    char *argv[] = { "/bin/sh", "-c", "exit 5", NULL };
    struct moat_sandbox *s = NULL;
    struct moat_error err = { 0 };
    int r = moat_spawn(policy("{\"process\": {\"cwd\": \"/nonexistent-moat-cwd\"}}"), argv, o,
                       &s, &err);
    printf("spawn %s: %s\n", r < 0 ? "failed" : "succeeded", err.msg);
    if (r == 0)
        moat_sandbox_free(s);
    if (spawn(policy(NULL), argv, o, &s) < 0)
        return 1;
    printf("status %d\n", moat_sandbox_wait(s, &err));
    moat_sandbox_free(s);
    moat_run_options_free(o);
    return 0;
}

/* moat_run_options_set_helper: the timeout (a service of the supervisor)
 * holds while the caller never polls; its own process ends the sandbox. */
static int scenario_helper(void)
{
    struct moat_run_options *o = moat_run_options_new();
    moat_run_options_set_helper(o, true);
    char *argv[] = { "/bin/sleep", "30", NULL };
    struct moat_sandbox *s;
    int r = spawn(policy("{\"process\": {\"timeout\": 0.2}}"), argv, o, &s);
    moat_run_options_free(o);
    if (r < 0)
        return 1;
    int pid = moat_sandbox_pid(s);
    usleep(1500 * 1000); /* no poll: only a supervisor of its own can end it */
    printf("init gone before any poll %d\n", kill(pid, 0) < 0 && errno == ESRCH);
    struct moat_error err = { 0 };
    int status = moat_sandbox_wait(s, &err);
    printf("status %d timed out %d\n", status, moat_sandbox_timed_out(s));
    moat_sandbox_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int a = 1;
    pthread_t t;
    if (a < argc && strcmp(argv[a], "--threads") == 0) {
        pthread_create(&t, NULL, busy, NULL);
        a++;
    }
    if (a >= argc)
        return 2;
    const char *mode = argv[a];
    int r = 2;
    if (!strcmp(mode, "pipes")) r = scenario_pipes();
    else if (!strcmp(mode, "kill")) r = scenario_kill();
    else if (!strcmp(mode, "trywait")) r = scenario_trywait();
    else if (!strcmp(mode, "violation") && a + 1 < argc) r = scenario_violation(argv[a + 1]);
    else if (!strcmp(mode, "pty")) r = scenario_pty();
    else if (!strcmp(mode, "setup-error")) r = scenario_setup_error();
    else if (!strcmp(mode, "options")) r = scenario_options();
    else if (!strcmp(mode, "timeout")) r = scenario_timeout();
    else if (!strcmp(mode, "wait-started")) r = scenario_wait_started();
    else if (!strcmp(mode, "helper")) r = scenario_helper();
    else if (!strcmp(mode, "stdin-eof")) r = scenario_stdin_eof();
    stop_thread = 1;
    return r;
}
