/* The moat command: a thin client of libmoat.  Parses the command line,
 * prints errors and maps them to exit statuses; all work is in the library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/connect.h"
#include "cli/doctor/doctor.h"
#include "cli/help.h"
#include "cli/compat/mxc_exec.h"
#include "cli/options.h"
#include "cli/session.h"
#include "cli/compat/srt_exec.h"
#include "cli/tell.h"
#include "moat.h"

static void print_notice(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "moat: %s\n", line);
}

static int fail(const struct moat_error *err)
{
    fprintf(stderr, "moat: %s\n", err->msg[0] ? err->msg : strerror(-err->code));
    return MOAT_EXIT_FAILURE;
}

/* A flag's value is loaded as a generated one-line JSON fragment named
 * "option --NAME"; a line:column inside that text means nothing to the user,
 * so drop it: "option --timeout:1:24: $.process..." -> "option --timeout: $.process...". */
static void drop_fragment_position(char *msg, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(msg, name, n) != 0 || msg[n] != ':')
        return;
    char *p = msg + n + 1;
    size_t digits = strspn(p, "0123456789:");
    if (digits && p[digits] == ' ')
        memmove(p, p + digits, strlen(p + digits) + 1);
}

/* What the policy accepts but would not do as written: said, not ignored. */
/* The policy's warnings on stderr; a flag's generated fragment shows as the
 * flag, without a position inside it. */
static int error_none(struct moat_error *err)
{
    err->code = -ENOMEM;
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return -ENOMEM;
}

static void show_warnings(const struct moat_policy *p, const struct run_options *o)
{
    for (size_t w = 0; w < moat_policy_warning_count(p); w++) {
        char line[1024];
        snprintf(line, sizeof line, "%s", moat_policy_warning(p, w));
        for (size_t i = 0; o && i < o->fragments.n; i++)
            drop_fragment_position(line, o->fragment_names.v[i]);
        fprintf(stderr, "moat: warning: %s\n", line);
    }
}

/* The policy: the files (merged in order), then each flag in order, then
 * finalize. */
static int build_policy(struct moat_policy *p, const struct run_options *o, struct moat_error *err)
{
    for (size_t i = 0; i < o->policy_files.n; i++)
        if (moat_policy_load_file(p, o->policy_files.v[i], err) < 0)
            return -1;
    char *cwd = getcwd(NULL, 0);
    int r = 0;
    for (size_t i = 0; i < o->fragments.n && r == 0; i++)
        r = moat_policy_load_string(p, o->fragments.v[i], o->fragment_names.v[i], cwd ? cwd : "/",
                                    err);
    free(cwd);
    if (r < 0) {
        for (size_t i = 0; i < o->fragments.n; i++)
            drop_fragment_position(err->msg, o->fragment_names.v[i]);
        return r;
    }
    if ((o->no_landlock && moat_policy_debug_disable(p, "landlock", err) < 0) ||
        (o->no_mount_protection && moat_policy_debug_disable(p, "mounts", err) < 0) ||
        (o->no_guard && moat_policy_debug_disable(p, "guard", err) < 0) ||
        (o->fakeip_lifetime_s &&
         moat_policy_debug_fakeip_lifetime(p, o->fakeip_lifetime_s, err) < 0) ||
        (o->pause_at && moat_policy_debug_pause_at(p, o->pause_at, err) < 0))
        return -1;
    return moat_policy_finalize(p, err);
}

static int cmd_run(int argc, char **argv)
{
    struct moat_error err = { 0 };
    struct run_options o;
    struct moat_policy *p = moat_policy_new();
    if (!p) {
        fputs("moat: out of memory\n", stderr);
        return MOAT_EXIT_FAILURE;
    }
    int r = options_parse_run(argc, argv, &o, &err);
    if (r == 1) {
        r = 0;
        goto out;
    }
    if (r < 0 || build_policy(p, &o, &err) < 0) {
        r = fail(&err);
        goto out;
    }
    show_warnings(p, &o);
    char *sh[] = { "/bin/sh", "-c", (char *)o.shell_command, NULL };
    /* Refusals reach the person: a short line each on stderr (--quiet: none), or with
     * --log - the JSON lines themselves. */
    static struct tell tell;
    tell = (struct tell){ .out = stderr };
    bool to_stderr = o.log_path && strcmp(o.log_path, "-") == 0;
    if (to_stderr)
        tell.json_out = stderr;
    struct moat_run_options *ro = moat_run_options_new();
    bool pty = session_wants_pty(o.pty);
    unsigned short rows, cols;
    session_window_size(&rows, &cols);
    if (!ro || moat_run_options_set_log(ro, to_stderr ? NULL : o.log_path) < 0 ||
        moat_run_options_set_pass_fds(ro, o.pass_fds, o.n_pass_fds) < 0) {
        moat_run_options_free(ro);
        r = fail(&(struct moat_error){ -ENOMEM, "out of memory" });
        goto out;
    }
    if (to_stderr || !o.quiet)
        moat_run_options_set_violation_callback(ro, tell_violation, &tell);
    moat_run_options_set_pty(ro, pty, rows, cols);
    moat_run_options_set_notice_callback(ro, print_notice, NULL);
    struct moat_sandbox *sb = NULL;
    r = moat_spawn(p, o.shell_command ? sh : o.command, ro, &sb, &err);
    moat_run_options_free(ro);
    if (r == 0) {
        r = session_run(sb, pty, &err);
        moat_sandbox_free(sb);
    }
    if (r < 0)
        r = fail(&err);
    else if ((r == MOAT_EXIT_NOT_FOUND || r == MOAT_EXIT_NOT_EXECUTABLE) && err.msg[0])
        fprintf(stderr, "moat: %s\n", err.msg);
out:
    options_free(&o);
    moat_policy_free(p);
    return r;
}

static int cmd_check(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (help_is_flag(argv[i])) {
            help_print("check", stdout);
            return 0;
        }
    const char *format = NULL;
    if (argc >= 4 && strcmp(argv[1], "--format") == 0) {
        format = argv[2];
        argc -= 2;
        argv += 2;
    }
    bool bad = argc < 2 || (format && strcmp(format, "moat") != 0 && strcmp(format, "mxc") != 0 &&
                            strcmp(format, "srt") != 0);
    for (int i = 1; i < argc; i++)
        bad = bad || argv[i][0] == '-';
    if (bad) {
        fputs("Usage: moat check [--format moat|mxc|srt] FILE...\n", stderr);
        return MOAT_EXIT_FAILURE;
    }
    /* One srt settings file or mxc config, or moat policies merged in the
     * order given. */
    if (argc == 2 && (!format || strcmp(format, "srt") == 0)) {
        int m = srt_check_main(argv[1], format != NULL);
        if (m >= 0)
            return m;
    } else if (format && strcmp(format, "srt") == 0) {
        fputs("moat: check: one srt settings file at a time\n", stderr);
        return MOAT_EXIT_FAILURE;
    }
    if (argc == 2 && (!format || strcmp(format, "mxc") == 0)) {
        int m = mxc_check_main(argv[1], format != NULL);
        if (m >= 0)
            return m;
    } else if (format && strcmp(format, "mxc") == 0) {
        fputs("moat: check: one mxc config at a time\n", stderr);
        return MOAT_EXIT_FAILURE;
    }
    struct moat_error err = { 0 };
    struct moat_policy *p = moat_policy_new();
    int r = p ? 0 : error_none(&err);
    for (int i = 1; i < argc && r == 0; i++)
        r = moat_policy_load_file(p, argv[i], &err);
    if (r < 0 || moat_policy_finalize(p, &err) < 0) {
        r = fail(&err);
    } else {
        show_warnings(p, NULL);
        char *json = moat_policy_to_json(p);
        if (json)
            puts(json);
        else
            r = MOAT_EXIT_FAILURE;
        free(json);
    }
    moat_policy_free(p);
    return r;
}

int main(int argc, char **argv)
{
    moat_set_process_args(argc, argv);
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strcmp(base, "lxc-exec") == 0)
        return mxc_exec_main(argc, argv);
    if (strcmp(base, "srt") == 0)
        return srt_exec_main(argc, argv);
    if (argc < 2) {
        help_usage(stderr);
        return MOAT_EXIT_FAILURE;
    }
    const char *cmd = argv[1];
    /* `moat COMMAND --help` and `moat COMMAND --version`, for every command
     * (run and check also take them after other options). */
    if (argc >= 3 && help_is_flag(argv[2]) && help_print(cmd, stdout))
        return 0;
    if (argc >= 3 && (strcmp(argv[2], "--version") == 0 || strcmp(argv[2], "-V") == 0) &&
        help_known(cmd)) {
        printf("moat %s\n", MOAT_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0)
        return help_main(argc - 1, argv + 1);
    if (strcmp(cmd, "doctor") == 0 && argc > 2) {
        fprintf(stderr, "moat: doctor takes no arguments, got '%s'\n", argv[2]);
        return MOAT_EXIT_FAILURE;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "doctor") == 0)
        return doctor_run(stdout);
    if (strcmp(cmd, "mxc") == 0)
        return mxc_exec_main(argc - 1, argv + 1);
    if (strcmp(cmd, "srt") == 0)
        return srt_exec_main(argc - 1, argv + 1);
    if (strcmp(cmd, "connect") == 0)
        return connect_main(argc - 1, argv + 1);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("moat %s\n", MOAT_VERSION);
        return 0;
    }
    if (help_is_flag(cmd)) {
        help_usage(stdout);
        return 0;
    }
    fprintf(stderr, "moat: unknown command '%s'\n", cmd);
    help_usage(stderr);
    return MOAT_EXIT_FAILURE;
}
