/* The moat command: a thin client of libmoat.  Parses the command line,
 * prints errors and maps them to exit statuses; all work is in the library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/connect.h"
#include "cli/doctor.h"
#include "cli/help.h"
#include "cli/mxc_exec.h"
#include "cli/options.h"
#include "cli/session.h"
#include "cli/srt_exec.h"
#include "cli/tell.h"
#include "moat.h"

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
static void show_warnings(const struct moat_policy *p)
{
    for (size_t i = 0; i < p->warnings.n; i++)
        fprintf(stderr, "moat: warning: %s\n", p->warnings.v[i]);
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
    for (size_t w = 0; w < p->warnings.n; w++)
        for (size_t i = 0; i < o->fragments.n; i++)
            drop_fragment_position(p->warnings.v[w], o->fragment_names.v[i]);
    p->debug_no_landlock = o->no_landlock;
    p->debug_no_mount_protection = o->no_mount_protection;
    p->debug_no_guard = o->no_guard;
    p->debug_fakeip_lifetime_s = o->fakeip_lifetime_s;
    p->debug_pause_at = o->pause_at;
    return moat_policy_finalize(p, err);
}

static int cmd_run(int argc, char **argv)
{
    struct moat_error err = { 0 };
    struct run_options o;
    struct moat_policy p;
    moat_policy_init(&p);
    int r = options_parse_run(argc, argv, &o, &err);
    if (r == 1) {
        r = 0;
        goto out;
    }
    if (r < 0 || build_policy(&p, &o, &err) < 0) {
        r = fail(&err);
        goto out;
    }
    show_warnings(&p);
    char *sh[] = { "/bin/sh", "-c", (char *)o.shell_command, NULL };
    /* Refusals reach the person: a short line each on stderr (--quiet: none), or with
     * --log - the JSON lines themselves. */
    static struct tell tell;
    tell = (struct tell){ .out = stderr };
    bool to_stderr = o.log_path && strcmp(o.log_path, "-") == 0;
    if (to_stderr)
        tell.json_out = stderr;
    struct moat_run_options ro;
    moat_run_options_init(&ro);
    ro.log_path = to_stderr ? NULL : o.log_path;
    if (to_stderr || !o.quiet) {
        ro.on_violation = tell_violation;
        ro.ctx = &tell;
    }
    ro.pass_fds = o.pass_fds;
    ro.n_pass_fds = o.n_pass_fds;
    ro.pty = session_wants_pty(o.pty);
    session_window_size(&ro.pty_rows, &ro.pty_cols);
    struct moat_sandbox *sb = NULL;
    r = moat_spawn(&p, o.shell_command ? sh : o.command, &ro, &sb, &err);
    if (r == 0) {
        r = session_run(sb, ro.pty, &err);
        moat_sandbox_free(sb);
    }
    if (r < 0)
        r = fail(&err);
    else if ((r == MOAT_EXIT_NOT_FOUND || r == MOAT_EXIT_NOT_EXECUTABLE) && err.msg[0])
        fprintf(stderr, "moat: %s\n", err.msg);
out:
    options_free(&o);
    moat_policy_free(&p);
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
    struct moat_policy p;
    moat_policy_init(&p);
    int r = 0;
    for (int i = 1; i < argc && r == 0; i++)
        r = moat_policy_load_file(&p, argv[i], &err);
    if (r < 0 || moat_policy_finalize(&p, &err) < 0) {
        r = fail(&err);
    } else {
        show_warnings(&p);
        char *json = moat_policy_to_json(&p);
        if (json)
            puts(json);
        else
            r = MOAT_EXIT_FAILURE;
        free(json);
    }
    moat_policy_free(&p);
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
