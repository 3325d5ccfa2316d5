/* The moat command: a thin client of libmoat.  Parses the command line,
 * prints errors and maps them to exit statuses; all work is in the library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/connect.h"
#include "cli/doctor.h"
#include "cli/mxc_exec.h"
#include "cli/options.h"
#include "cli/session.h"
#include "moat.h"

static void usage(FILE *out)
{
    fputs("Usage: moat run [OPTIONS] [--policy FILE] -- COMMAND [ARG...]\n"
          "       moat run [OPTIONS] [--policy FILE] -c 'SHELL COMMAND'\n"
          "       moat check [--format moat|mxc] FILE   validate a policy (or an mxc\n"
          "                           config), print the effective policy as JSON\n"
          "       moat mxc --config-base64 B64 [...]   mxc's lxc-exec (also as lxc-exec)\n"
          "       moat doctor         what this kernel and host support\n"
          "       moat connect HOST PORT   inside a sandbox: a tunnel through its proxy on\n"
          "                           stdin/stdout (git's ssh ProxyCommand)\n"
          "       moat --version | --help\n"
          "\n"
          "`moat run --help` lists the run options.  Exit status: the command's own;\n"
          "125 when moat itself fails (bad policy, set-up error).\n",
          out);
}

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
static void drop_fragment_position(struct moat_error *err, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(err->msg, name, n) != 0 || err->msg[n] != ':')
        return;
    char *p = err->msg + n + 1;
    size_t digits = strspn(p, "0123456789:");
    if (digits && p[digits] == ' ')
        memmove(p, p + digits, strlen(p + digits) + 1);
}

/* The policy: the file (if any), then each flag in order, then finalize. */
static int build_policy(struct moat_policy *p, const struct run_options *o, struct moat_error *err)
{
    if (o->policy_file && moat_policy_load_file(p, o->policy_file, err) < 0)
        return -1;
    char *cwd = getcwd(NULL, 0);
    int r = 0;
    for (size_t i = 0; i < o->fragments.n && r == 0; i++)
        r = moat_policy_load_string(p, o->fragments.v[i], o->fragment_names.v[i], cwd ? cwd : "/",
                                    err);
    free(cwd);
    if (r < 0) {
        for (size_t i = 0; i < o->fragments.n; i++)
            drop_fragment_position(err, o->fragment_names.v[i]);
        return r;
    }
    p->debug_no_landlock = o->no_landlock;
    p->debug_no_mount_protection = o->no_mount_protection;
    p->debug_no_guard = o->no_guard;
    p->debug_fakeip_lifetime_s = o->fakeip_lifetime_s;
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
    char *sh[] = { "/bin/sh", "-c", (char *)o.shell_command, NULL };
    struct moat_run_options ro;
    moat_run_options_init(&ro);
    ro.log_path = o.log_path;
    ro.on_notice = print_notice;
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
    const char *format = NULL;
    if (argc == 4 && strcmp(argv[1], "--format") == 0) {
        format = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc != 2 || argv[1][0] == '-' ||
        (format && strcmp(format, "moat") != 0 && strcmp(format, "mxc") != 0)) {
        fputs("Usage: moat check [--format moat|mxc] FILE\n", stderr);
        return MOAT_EXIT_FAILURE;
    }
    if (!format || strcmp(format, "mxc") == 0) {
        int m = mxc_check_main(argv[1], format != NULL);
        if (m >= 0)
            return m;
    }
    struct moat_error err = { 0 };
    struct moat_policy p;
    moat_policy_init(&p);
    int r = 0;
    if (moat_policy_load_file(&p, argv[1], &err) < 0 || moat_policy_finalize(&p, &err) < 0) {
        r = fail(&err);
    } else {
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
    if (argc < 2) {
        usage(stderr);
        return MOAT_EXIT_FAILURE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "doctor") == 0)
        return doctor_run(stdout);
    if (strcmp(cmd, "mxc") == 0)
        return mxc_exec_main(argc - 1, argv + 1);
    if (strcmp(cmd, "connect") == 0)
        return connect_main(argc - 1, argv + 1);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("moat %s\n", MOAT_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "moat: unknown command '%s'\n", cmd);
    usage(stderr);
    return MOAT_EXIT_FAILURE;
}
