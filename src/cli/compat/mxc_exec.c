/* The lxc-exec executor of Microsoft's mxc, on top of libmoat: mxc's SDKs
 * 0.6 to 0.9 run `lxc-exec --config-base64 B64 ...` and pass the workload's
 * status through, and newer ones ask `lxc-exec --available-backends`.  Owns
 * the command line, the error envelope and the exit statuses; the config
 * itself is libmoat's (moat_mxc_load).  Prints only here and in main. */
#include "cli/compat/mxc_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/doctor/doctor.h"
#include "cli/compat/mxc_backends.h"
#include "moat.h"
#include "moat_mxc.h"
#include "net/proxy/base64.h"

#define MXC_EXIT_ERROR 255
/* A config is a few kilobytes; as for policy files, refuse what is clearly
 * not one before allocating for it. */
#define MXC_CONFIG_MAX (4u << 20)

struct mxc_args {
    const char *b64, *path, *log_file;
    bool dry_run, debug, experimental, testing, backends;
};

static FILE *log_out; /* --log-file, appended to */

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
    if (!log_out)
        return;
    char stamp[32];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(log_out, "%s moat[%d]: ", stamp, (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_out, fmt, ap);
    va_end(ap);
    fputc('\n', log_out);
    fflush(log_out);
}

/* The human line, then mxc's one-line envelope (the SDKs look for a line
 * that parses as {"error": {"code", "message"}}); status 255. */
static int fail(enum moat_mxc_code code, const char *msg)
{
    fprintf(stderr, "moat: %s\n", msg);
    json_t *env = json_pack("{s:{s:s,s:s}}", "error", "code", moat_mxc_code_name(code),
                            "message", msg);
    char *line = env ? json_dumps(env, JSON_COMPACT) : NULL;
    if (line)
        fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(env);
    log_line("error (%s): %s", moat_mxc_code_name(code), msg);
    return MXC_EXIT_ERROR;
}

void mxc_exec_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "Usage: %s --config-base64 B64 [--dry-run] [--debug] [--experimental]\n"
            "          [--allow-testing-features] [--log-file FILE]\n"
            "       %s [--config] FILE [same options]\n"
            "       %s --available-backends\n"
            "mxc's Linux executor (lxc-exec), run by moat: the config (mxc contracts\n"
            "0.6.0-alpha to 1.1.0-alpha) becomes a moat policy; see docs/compat-mxc.md.\n"
            "Exit status: the workload's; 255 with {\"error\":{...}} on stderr when the\n"
            "config is refused or the sandbox cannot be set up.\n",
            prog, prog, prog);
}

static int parse_args(int argc, char **argv, struct mxc_args *a, char *msg, size_t size)
{
    *a = (struct mxc_args){0};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char **value = strcmp(s, "--config-base64") == 0 ? &a->b64
                             : strcmp(s, "--config") == 0      ? &a->path
                             : strcmp(s, "--log-file") == 0    ? &a->log_file
                                                               : NULL;
        if (value) {
            if (i + 1 >= argc) {
                snprintf(msg, size, "%s needs a value", s);
                return -1;
            }
            *value = argv[++i];
        } else if (strcmp(s, "--dry-run") == 0) {
            a->dry_run = true;
        } else if (strcmp(s, "--debug") == 0) {
            a->debug = true;
        } else if (strcmp(s, "--experimental") == 0) {
            a->experimental = true;
        } else if (strcmp(s, "--allow-testing-features") == 0) {
            a->testing = true;
        } else if (strcmp(s, "--available-backends") == 0) {
            a->backends = true;
        } else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            return 1;
        } else if (s[0] == '-' && s[1]) {
            snprintf(msg, size, "unknown option %s (moat's lxc-exec has no --delete, "
                     "--containername or --setup-hyperlight: moat keeps no containers)", s);
            return -1;
        } else if (!a->path) {
            a->path = s;
        } else {
            snprintf(msg, size, "more than one config file given (%s)", s);
            return -1;
        }
    }
    if (!a->backends && !a->b64 && !a->path) {
        snprintf(msg, size, "no config given (--config-base64 B64, --config FILE or FILE)");
        return -1;
    }
    return 0;
}

/* ---- --available-backends ------------------------------------------------- */

static int available_backends(void)
{
    char problem[sizeof(((struct doctor_summary *)0)->problem)];
    char *text = mxc_backends_json(problem, sizeof problem, 1);
    if (!text)
        return MXC_EXIT_ERROR;
    puts(text);
    free(text);
    if (problem[0])
        fprintf(stderr, "moat: no backend available: %s\n", problem);
    return 0;
}

/* ---- the config -------------------------------------------------------------- */

static int read_config(const struct mxc_args *a, char **text, size_t *len, char *msg,
                       size_t size)
{
    if (a->b64) {
        size_t n = strlen(a->b64);
        if (n > MXC_CONFIG_MAX / 3 * 4 + 4) {
            snprintf(msg, size, "--config-base64: more than %u bytes of config", MXC_CONFIG_MAX);
            return -1;
        }
        *text = malloc(n / 4 * 3 + 4);
        if (!*text || base64_decode(a->b64, n, (uint8_t *)*text, n / 4 * 3 + 3, len) < 0) {
            snprintf(msg, size, "--config-base64: %s", *text ? "not valid base64 (standard "
                     "alphabet, RFC 4648)" : "out of memory");
            return -1;
        }
        (*text)[*len] = '\0';
        return 0;
    }
    FILE *f = fopen(a->path, "re");
    if (!f) {
        snprintf(msg, size, "cannot read config file %s: %s", a->path, strerror(errno));
        return -1;
    }
    *text = malloc(MXC_CONFIG_MAX + 1);
    *len = *text ? fread(*text, 1, MXC_CONFIG_MAX + 1, f) : 0;
    bool bad = ferror(f) || !*text;
    fclose(f);
    if (bad || *len > MXC_CONFIG_MAX) {
        snprintf(msg, size, "cannot read config file %s: %s", a->path,
                 bad ? "read error" : "larger than 4 MiB");
        return -1;
    }
    (*text)[*len] = '\0';
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show_warnings(const struct moat_mxc_request *req)
{
    for (size_t i = 0; i < moat_policy_warning_count(moat_mxc_request_policy(req)); i++) {
        fprintf(stderr, "moat: warning: %s\n", moat_policy_warning(moat_mxc_request_policy(req), i));
        log_line("warning: %s", moat_policy_warning(moat_mxc_request_policy(req), i));
    }
}

static int run_request(const struct moat_mxc_request *req, const struct mxc_args *a)
{
    if (a->debug) {
        char *json = moat_policy_to_json(moat_mxc_request_policy(req));
        fprintf(stderr, "moat: mxc %s config as a moat policy (command: /bin/sh -c %s; "
                "environment: %s):\n%s\n", moat_mxc_request_version(req), moat_mxc_request_argv(req)[2],
                moat_mxc_request_default_env(req) ? "moat's defaults + process.env" : "process.env only",
                json ? json : "(out of memory)");
        free(json);
    }
    log_line("mxc %s config, network mode %s", moat_mxc_request_version(req),
             moat_net_mode_name(moat_policy_network_mode(moat_mxc_request_policy(req))));
    if (a->dry_run) {
        struct doctor_summary s;
        doctor_summarize(&s);
        char msg[sizeof s.problem + 32];
        if (!s.problem[0] && moat_policy_network_mode(moat_mxc_request_policy(req)) != MOAT_NET_HOST && !s.netns)
            snprintf(s.problem, sizeof s.problem, "network namespaces are unavailable");
        if (!s.problem[0] && moat_policy_network_mode(moat_mxc_request_policy(req)) == MOAT_NET_FIREWALL && !s.nftables)
            snprintf(s.problem, sizeof s.problem, "nftables is unavailable in a user "
                     "namespace (needed for host and CIDR rules)");
        if (s.problem[0]) {
            snprintf(msg, sizeof msg, "validation failed: %s", s.problem);
            printf("Dry run completed. Result: %s\n", msg);
            fflush(stdout);
            return fail(MOAT_MXC_BACKEND_UNAVAILABLE, s.problem);
        }
        puts("Dry run completed. Result: validation passed");
        return 0;
    }
    /* Up to 0.8, and with an explicit env from 0.9, the workload's
     * environment is process.env alone: moat's defaults come from its own
     * environment, so there is none to take them from. */
    if (!moat_mxc_request_default_env(req))
        clearenv();
    struct moat_error err = {0};
    struct moat_run_options *ro = moat_run_options_new();
    if (!ro || moat_run_options_set_log(ro, a->log_file) < 0) {
        moat_run_options_free(ro);
        return fail(MOAT_MXC_BACKEND_ERROR, "out of memory");
    }
    double start = now();
    int r = moat_run_ex(moat_mxc_request_policy(req), moat_mxc_request_argv(req), ro, &err);
    moat_run_options_free(ro);
    double elapsed = now() - start;
    if (r < 0)
        return fail(MOAT_MXC_BACKEND_ERROR, err.msg[0] ? err.msg : strerror(-r));
    /* moat's 124 after the timer fired is the timeout (a workload exiting
     * 124 itself does so before it); mxc reports a timeout as an error. */
    if (r == MOAT_EXIT_TIMEOUT && moat_mxc_request_timeout_ms(req) && elapsed * 1000.0 >= moat_mxc_request_timeout_ms(req)) {
        char msg[96];
        snprintf(msg, sizeof msg, "script timed out after %ums", (unsigned)moat_mxc_request_timeout_ms(req));
        return fail(MOAT_MXC_BACKEND_ERROR, msg);
    }
    if ((r == MOAT_EXIT_NOT_FOUND || r == MOAT_EXIT_NOT_EXECUTABLE) && err.msg[0])
        fprintf(stderr, "moat: %s\n", err.msg);
    log_line("workload exited with status %d", r);
    return r;
}

int mxc_exec_main(int argc, char **argv)
{
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    struct mxc_args a;
    char msg[1200];
    int pr = parse_args(argc, argv, &a, msg, sizeof msg);
    if (pr == 1) {
        mxc_exec_usage(stdout, prog);
        return 0;
    }
    if (a.log_file) {
        log_out = fopen(a.log_file, "ae");
        if (!log_out)
            fprintf(stderr, "moat: warning: cannot open --log-file %s: %s\n", a.log_file,
                    strerror(errno));
    }
    if (pr < 0) {
        mxc_exec_usage(stderr, prog);
        return fail(MOAT_MXC_MALFORMED_REQUEST, msg);
    }
    if (a.backends)
        return available_backends();

    char *text = NULL;
    size_t len = 0;
    int rr = read_config(&a, &text, &len, msg, sizeof msg);
    /* The SDKs pass the whole config, environment values included, on our
     * command line, which every local user can read in /proc/PID/cmdline:
     * wipe it there as soon as it is read. */
    if (a.b64)
        memset((char *)a.b64, 0, strlen(a.b64));
    if (rr < 0) {
        free(text);
        return fail(MOAT_MXC_MALFORMED_REQUEST, msg);
    }
    char *cwd = getcwd(NULL, 0);
    struct moat_mxc_request *req;
    struct moat_error err = {0};
    enum moat_mxc_code code;
    int r = moat_mxc_load(text, len, a.b64 ? "--config-base64" : a.path, cwd ? cwd : "/", &req,
                          &code, &err);
    free(text);
    free(cwd);
    if (r < 0) {
        if (a.dry_run)
            printf("Dry run completed. Result: validation failed: %s\n", err.msg);
        fflush(stdout);
        return fail(code, err.msg);
    }
    show_warnings(req);
    r = run_request(req, &a);
    moat_mxc_request_free(req);
    if (log_out)
        fclose(log_out);
    return r;
}

int mxc_check_main(const char *path, bool force)
{
    if (!force) {
        FILE *f = fopen(path, "re");
        if (!f)
            return -1; /* the moat loader reports it */
        char *buf = malloc(MXC_CONFIG_MAX + 1);
        size_t n = buf ? fread(buf, 1, MXC_CONFIG_MAX, f) : 0;
        fclose(f);
        bool mxc = buf && moat_mxc_detect(buf, n);
        free(buf);
        if (!mxc)
            return -1;
    }
    struct moat_mxc_request *req;
    struct moat_error err = {0};
    enum moat_mxc_code code;
    if (moat_mxc_load_file(path, &req, &code, &err) < 0) {
        fprintf(stderr, "moat: %s\n", err.msg);
        return MOAT_EXIT_FAILURE;
    }
    show_warnings(req);
    fprintf(stderr, "moat: mxc %s config: runs /bin/sh -c with process.commandLine; "
            "environment: %s\n", moat_mxc_request_version(req),
            moat_mxc_request_default_env(req) ? "moat's defaults, then process.env"
                                              : "process.env only");
    char *json = moat_policy_to_json(moat_mxc_request_policy(req));
    int r = json ? 0 : MOAT_EXIT_FAILURE;
    if (json)
        puts(json);
    free(json);
    moat_mxc_request_free(req);
    return r;
}
