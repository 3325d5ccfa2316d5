/* The srt executor on top of libmoat: srt's command line (as its option
 * parser reads it: options anywhere before "--", unknown ones kept with the
 * command, the last of a repeated option winning), its settings file search
 * and refusals, the command run with `bash -c` as srt runs it, and its exit
 * statuses.  The settings themselves are libmoat's (moat_srt_load).  Prints
 * only here and in main. */
#include "cli/compat/srt_exec.h"
#include "cli/tell.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat.h"
#include "moat_srt.h"
#include "policy/json/load_json.h"
#include "util/strv.h"

#define SRT_EXIT_ERROR 1
#define SETTINGS_MAX (4u << 20)

struct srt_args {
    const char *settings, *command, *control_fd;
    bool debug, help, version;
    char **words; /* the command's words: operands, then from the first unknown option on */
    size_t n_words;
    struct moat_strv rests; /* owns the "-x" left of "-dx" groups */
    const char *subcommand;
};

void srt_exec_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "Usage: %s [options] [command...]\n"
            "\n"
            "Run commands in a sandbox with network and filesystem restrictions: srt %s's\n"
            "command line and settings file, enforced by moat %s (docs/compat-srt.md).\n"
            "\n"
            "Options:\n"
            "  -V, --version          output the version number\n"
            "  -d, --debug            print the moat policy the settings map to, and notes\n"
            "  -s, --settings <path>  path to config file (default: ~/.srt-settings.json)\n"
            "  -c <command>           run command string directly (like sh -c), no escaping\n"
            "  --control-fd <fd>      not supported by moat (its policy is fixed at start)\n"
            "  -h, --help             display help for command\n"
            "\n"
            "The command runs with bash -c, each argument kept intact.  Exit status: the\n"
            "command's; 1 when the settings are refused or the sandbox cannot start.\n"
            "MOAT_LOG=FILE (or -, for stderr) appends moat's violation log.\n",
            prog, MOAT_SRT_VERSION, MOAT_VERSION);
}

static int error_exit(const char *fmt, const char *a, const char *b)
{
    fputs("Error: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return SRT_EXIT_ERROR;
}

/* ---- the command line, as commander (srt's parser) reads it ------------ */

enum opt { O_NONE, O_VERSION, O_DEBUG, O_SETTINGS, O_C, O_CONTROL_FD, O_HELP };

static const struct {
    const char *s, *l; /* short, long (either may be NULL) */
    enum opt id;
    bool value;
    const char *flags; /* for "argument missing" */
} options[] = {
    {"-V", "--version", O_VERSION, false, "-V, --version"},
    {"-d", "--debug", O_DEBUG, false, "-d, --debug"},
    {"-s", "--settings", O_SETTINGS, true, "-s, --settings <path>"},
    {"-c", NULL, O_C, true, "-c <command>"},
    {NULL, "--control-fd", O_CONTROL_FD, true, "--control-fd <fd>"},
    {"-h", "--help", O_HELP, false, "-h, --help"},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static int find_option(const char *arg)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if ((options[i].s && strcmp(options[i].s, arg) == 0) ||
            (options[i].l && strcmp(options[i].l, arg) == 0))
            return (int)i;
    return -1;
}

/* 0 to go on; 1 to exit 0 (help, version printed); -1 error printed. */
static int take(struct srt_args *a, int i, const char *value, const char *prog)
{
    switch (options[i].id) {
    case O_VERSION:
        printf("%s (moat %s)\n", MOAT_SRT_VERSION, MOAT_VERSION);
        return 1;
    case O_HELP:
        a->help = true;
        return 0;
    case O_DEBUG:
        a->debug = true;
        return 0;
    case O_SETTINGS:
        a->settings = value;
        return 0;
    case O_C:
        a->command = value;
        return 0;
    case O_CONTROL_FD:
        a->control_fd = value;
        return 0;
    case O_NONE:
        break;
    }
    (void)prog;
    return 0;
}

static int parse_args(int argc, char **argv, struct srt_args *a, const char *prog)
{
    *a = (struct srt_args){0};
    /* Operands and unknown options keep their order; after the first
     * unknown option everything goes after the operands, which (as only
     * operands precede it) is the original order again. */
    a->words = calloc((size_t)argc + 1, sizeof *a->words);
    char **unknown = calloc((size_t)argc + 1, sizeof *unknown);
    char *pending = NULL; /* the rest of a group of short flags ("-dc x") */
    size_t n_unknown = 0;
    bool to_unknown = false;
    int r = 0;
    if (!a->words || !unknown) {
        free(unknown);
        error_exit("%s%s", "out of memory", "");
        return -1;
    }
    for (int k = 1; k < argc || pending;) {
        char *arg = pending ? pending : argv[k++];
        pending = NULL;
        if (strcmp(arg, "--") == 0) {
            if (to_unknown)
                unknown[n_unknown++] = arg;
            for (; k < argc; k++) {
                if (to_unknown)
                    unknown[n_unknown++] = argv[k];
                else
                    a->words[a->n_words++] = argv[k];
            }
            break;
        }
        bool maybe_option = arg[0] == '-' && arg[1];
        int i = maybe_option ? find_option(arg) : -1;
        if (i >= 0) {
            const char *value = NULL;
            if (options[i].value) {
                if (k >= argc) {
                    fprintf(stderr, "error: option '%s' argument missing\n", options[i].flags);
                    r = -1;
                    break;
                }
                value = argv[k++];
            }
            if ((r = take(a, i, value, prog)) != 0)
                break;
            continue;
        }
        /* "-dc x", "-sFILE": the first letter a known short option. */
        if (strlen(arg) > 2 && arg[0] == '-' && arg[1] != '-') {
            char flag[3] = {'-', arg[1], '\0'};
            i = find_option(flag);
            if (i >= 0) {
                if (options[i].value) {
                    if ((r = take(a, i, arg + 2, prog)) != 0)
                        break;
                } else {
                    if ((r = take(a, i, NULL, prog)) != 0)
                        break;
                    char *rest = NULL;
                    if (asprintf(&rest, "-%s", arg + 2) < 0 ||
                        strv_push_owned(&a->rests, rest) < 0) {
                        error_exit("%s%s", "out of memory", "");
                        r = -1;
                        break;
                    }
                    pending = rest;
                }
                continue;
            }
        }
        /* "--settings=FILE" */
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        if (eq && eq > arg + 2) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
            i = find_option(name);
            if (i >= 0 && options[i].value) {
                if ((r = take(a, i, eq + 1, prog)) != 0)
                    break;
                continue;
            }
        }
        if (maybe_option)
            to_unknown = true;
        if (to_unknown)
            unknown[n_unknown++] = arg;
        else
            a->words[a->n_words++] = arg;
    }
    /* A subcommand is the first operand, before any unknown option. */
    if (r == 0 && a->n_words) {
        const char *w = a->words[0];
        if (strcmp(w, "proxy") == 0 || strcmp(w, "windows-install") == 0 ||
            strcmp(w, "windows-uninstall") == 0)
            a->subcommand = w;
    }
    for (size_t j = 0; j < n_unknown; j++)
        a->words[a->n_words++] = unknown[j];
    a->words[a->n_words] = NULL;
    free(unknown);
    return r;
}

/* ---- the settings file ------------------------------------------------- */

static char *default_settings_path(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/";
    }
    char *path = NULL;
    return asprintf(&path, "%s/.srt-settings.json", home) < 0 ? NULL : path;
}

static const char FILE_RULES[] = "this file's rules (its denyRead, allowRead and credential "
                                 "entries included)";

static int refuse_settings(const char *reason, const char *lost)
{
    fprintf(stderr, "Error: %s\n", reason);
    fprintf(stderr, "Refusing to run with the built-in defaults, which would drop %s.\n", lost);
    return SRT_EXIT_ERROR;
}

/* The text of the settings: 0 with *text (malloc'd; NULL when the default
 * file does not exist: srt's built-in settings), or the exit status. */
static int read_settings(const char *path, bool explicit, char **text, size_t *len,
                         bool *regular)
{
    *text = NULL;
    *len = 0;
    char msg[4300];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (e == ENOENT && !explicit)
            return 0;
        if (e == ENOENT) {
            snprintf(msg, sizeof msg, "%s does not exist.", path);
            return refuse_settings(msg, "the rules --settings asked for");
        }
        snprintf(msg, sizeof msg, "%s could not be read (%s).", path, strerror(e));
        return refuse_settings(msg, FILE_RULES);
    }
    *regular = S_ISREG(st.st_mode);
    char *buf = malloc(SETTINGS_MAX + 1);
    size_t n = 0;
    ssize_t got = 0;
    while (buf && n <= SETTINGS_MAX &&
           ((got = read(fd, buf + n, SETTINGS_MAX + 1 - n)) > 0 || (got < 0 && errno == EINTR)))
        n += got > 0 ? (size_t)got : 0;
    int e = errno;
    close(fd);
    if (!buf || got < 0 || n > SETTINGS_MAX) {
        free(buf);
        snprintf(msg, sizeof msg, "%s could not be read (%s).", path,
                 !buf ? "out of memory" : got < 0 ? strerror(e) : "larger than 4 MiB");
        return refuse_settings(msg, FILE_RULES);
    }
    buf[n] = '\0';
    if (strspn(buf, " \t\r\n\v\f") == n) {
        free(buf);
        snprintf(msg, sizeof msg, "%s is empty. Delete it, or put a config in it.", path);
        return refuse_settings(msg, FILE_RULES);
    }
    *text = buf;
    *len = n;
    return 0;
}

static void show_warnings(const struct moat_policy *p)
{
    for (size_t i = 0; i < moat_policy_warning_count(p); i++)
        fprintf(stderr, "moat: warning: %s\n", moat_policy_warning(p, i));
}

static void show_notes(const struct moat_srt_settings *s)
{
    for (size_t i = 0; i < moat_srt_settings_note_count(s); i++)
        fprintf(stderr, "moat: note: %s\n", moat_srt_settings_note(s, i));
}

/* ---- running ----------------------------------------------------------- */

/* bash as srt finds it (`which bash`): the first in $PATH, so $0 is the same. */
static void find_bash(char *buf, size_t size)
{
    const char *path = getenv("PATH");
    snprintf(buf, size, "bash");
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        char cand[4096];
        snprintf(cand, sizeof cand, "%.*s/bash", (int)n, p);
        if (n && cand[0] == '/' && access(cand, X_OK) == 0) {
            snprintf(buf, size, "%s", cand);
            return;
        }
        p += n + (p[n] == ':');
    }
}

static int run(const struct moat_srt_settings *s, const char *command, bool debug)
{
    char bash[4096];
    find_bash(bash, sizeof bash);
    char *argv[] = {bash, "-c", (char *)command, NULL};
    char user[256];
    moat_srt_proxy_user(command, user, sizeof user);
    if (debug) {
        char *json = moat_policy_to_json(moat_srt_settings_policy(s));
        show_notes(s);
        fprintf(stderr, "moat: command: %s -c %s\nmoat: the settings as a moat policy:\n%s\n",
                bash, command, json ? json : "(out of memory)");
        free(json);
    }
    /* What credentials.envVars denies never reaches the command. */
    for (size_t i = 0; i < moat_srt_settings_unset_env_count(s); i++)
        unsetenv(moat_srt_settings_unset_env(s, i));
    const char *log = getenv("MOAT_LOG");
    /* Refusals reach the person as under `moat run` (a short line each on
     * stderr), or with MOAT_LOG=- the JSON lines themselves. */
    static struct tell tell;
    tell = (struct tell){ .out = stderr };
    if (log && strcmp(log, "-") == 0)
        tell.json_out = stderr;
    struct moat_error err = {0};
    struct moat_run_options *ro = moat_run_options_new();
    int r = -ENOMEM;
    if (ro && moat_run_options_set_proxy_identity(ro, user, MOAT_PROXY_STYLE_SRT) == 0 &&
        moat_run_options_set_log(ro, log && *log && strcmp(log, "-") != 0 ? log : NULL) == 0) {
        moat_run_options_set_violation_callback(ro, tell_violation, &tell);
        r = moat_run_ex(moat_srt_settings_policy(s), argv, ro, &err);
    }
    moat_run_options_free(ro);
    if (r < 0) {
        fprintf(stderr, "Error: %s\n", err.msg[0] ? err.msg : strerror(-r));
        return SRT_EXIT_ERROR;
    }
    if ((r == MOAT_EXIT_NOT_FOUND || r == MOAT_EXIT_NOT_EXECUTABLE) && err.msg[0])
        fprintf(stderr, "moat: %s\n", err.msg);
    return r;
}

static bool control_fd_valid(const char *v)
{
    size_t n = strspn(v, "0123456789");
    return n > 0 && v[n] == '\0' && (n > 1 || v[0] >= '3');
}

int srt_exec_main(int argc, char **argv)
{
    const char *prog = "srt";
    struct srt_args a;
    int r = parse_args(argc, argv, &a, prog);
    if (r != 0) {
        free(a.words);
        strv_free(&a.rests);
        return r > 0 ? 0 : SRT_EXIT_ERROR;
    }
    if (a.help) {
        srt_exec_usage(stdout, prog);
        free(a.words);
        strv_free(&a.rests);
        return 0;
    }
    if (a.subcommand) {
        fprintf(stderr, "Error: srt %s is not supported by moat (%s)\n", a.subcommand,
                strcmp(a.subcommand, "proxy") == 0
                    ? "the standalone proxy with an external decider"
                    : "Windows only");
        free(a.words);
        strv_free(&a.rests);
        return SRT_EXIT_ERROR;
    }
    if (a.control_fd && !control_fd_valid(a.control_fd)) {
        fprintf(stderr, "error: option '--control-fd <fd>' argument '%s' is invalid. must be "
                "an integer file descriptor >= 3 (0-2 are stdin, stdout and stderr).\n",
                a.control_fd);
        free(a.words);
        strv_free(&a.rests);
        return SRT_EXIT_ERROR;
    }
    if (a.debug)
        setenv("SRT_DEBUG", "true", 1);

    /* srt: `options.settings || default`, so an empty value is the default. */
    if (a.settings && !*a.settings)
        a.settings = NULL;
    char *def = a.settings ? NULL : default_settings_path();
    const char *path = a.settings ? a.settings : def;
    char *text = NULL, *cwd = getcwd(NULL, 0);
    size_t len = 0;
    bool regular = false;
    struct moat_srt_settings *s = NULL;
    int status = SRT_EXIT_ERROR;
    if (!path || !cwd) {
        status = error_exit("%s%s", "cannot find the settings file or the working directory",
                            "");
        goto out;
    }
    if ((status = read_settings(path, a.settings != NULL, &text, &len, &regular)) != 0)
        goto out;
    char *source = NULL;
    if (text && regular)
        source = path[0] == '/' ? strdup(path) : (asprintf(&source, "%s/%s", cwd, path) < 0
                                                      ? NULL
                                                      : source);
    struct moat_error err = {0};
    r = text ? moat_srt_load(text, len, path, cwd, source, &s, &err)
             : moat_srt_load(MOAT_SRT_DEFAULT_SETTINGS, strlen(MOAT_SRT_DEFAULT_SETTINGS),
                             "srt's built-in settings", cwd, NULL, &s, &err);
    free(source);
    if (r < 0) {
        status = refuse_settings(err.msg, FILE_RULES);
        goto out;
    }
    if (a.control_fd) {
        status = error_exit("--control-fd %s is not supported by moat: its policy is fixed "
                            "when the sandbox starts. Refusing to run the command without the "
                            "control channel it asks for.%s", a.control_fd, "");
        goto out;
    }
    show_warnings(moat_srt_settings_policy(s));
    char *quoted = NULL;
    const char *command = a.command && *a.command ? a.command : NULL;
    if (!command && a.n_words)
        command = quoted = moat_srt_quote(a.words);
    if (!command) {
        status = error_exit("%s%s", a.n_words ? "out of memory"
                                              : "No command specified. Use -c <command> or "
                                                "provide command arguments.", "");
        goto out;
    }
    status = run(s, command, a.debug);
    free(quoted);
out:
    moat_srt_settings_free(s);
    free(text);
    free(cwd);
    free(def);
    free(a.words);
    strv_free(&a.rests);
    return status;
}

/* ---- moat check -------------------------------------------------------- */

int srt_check_main(const char *path, bool force)
{
    char *text = NULL;
    size_t len = 0;
    bool regular = false;
    struct moat_error err = {0};
    if (load_json_read_file(path, &text, &len, &regular, &err) < 0) {
        if (!force)
            return -1; /* the moat loader reports it */
        fprintf(stderr, "moat: %s\n", err.msg);
        return MOAT_EXIT_FAILURE;
    }
    if (!force && !moat_srt_detect(text, len)) {
        free(text);
        return -1;
    }
    char *cwd = getcwd(NULL, 0);
    struct moat_srt_settings *s;
    int r = moat_srt_load(text, len, path, cwd ? cwd : "/", NULL, &s, &err);
    free(text);
    free(cwd);
    if (r < 0) {
        fprintf(stderr, "moat: %s\n", err.msg);
        return MOAT_EXIT_FAILURE;
    }
    show_warnings(moat_srt_settings_policy(s));
    show_notes(s);
    fprintf(stderr, "moat: srt %s settings: the command runs with bash -c, in the caller's "
            "environment%s\n", MOAT_SRT_VERSION,
            moat_srt_settings_unset_env_count(s) ? " less the credentials.envVars it denies" : "");
    char *json = moat_policy_to_json(moat_srt_settings_policy(s));
    r = json ? 0 : MOAT_EXIT_FAILURE;
    if (json)
        puts(json);
    free(json);
    moat_srt_settings_free(s);
    return r;
}
