/* moat_run_options_*: the options of one spawn, built field by field so the
 * structure can grow without breaking the library's users. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/run_options.h"

void run_options_defaults(struct moat_run_options *o)
{
    *o = (struct moat_run_options){ .stdin_fd = MOAT_STDIO_INHERIT,
                                    .stdout_fd = MOAT_STDIO_INHERIT,
                                    .stderr_fd = MOAT_STDIO_INHERIT };
}

struct moat_run_options *moat_run_options_new(void)
{
    struct moat_run_options *o = malloc(sizeof *o);
    if (o)
        run_options_defaults(o);
    return o;
}

static void free_environ(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

void moat_run_options_free(struct moat_run_options *o)
{
    if (!o)
        return;
    free(o->log_path);
    free(o->pass_fds);
    free_environ(o->environ);
    free(o->proxy_user);
    free(o);
}

/* Replace *slot with a copy of s (NULL stays NULL). */
static int replace_string(char **slot, const char *s)
{
    char *copy = NULL;
    if (s && !(copy = strdup(s)))
        return -ENOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

int moat_run_options_set_log(struct moat_run_options *o, const char *path)
{
    return replace_string(&o->log_path, path);
}

void moat_run_options_set_violation_callback(struct moat_run_options *o, moat_violation_fn fn,
                                             void *ctx)
{
    o->on_violation = fn;
    o->ctx = ctx;
}

int moat_run_options_set_pass_fds(struct moat_run_options *o, const int *fds, size_t n)
{
    int *copy = NULL;
    if (n && !(copy = malloc(n * sizeof *copy)))
        return -ENOMEM;
    if (n)
        memcpy(copy, fds, n * sizeof *copy);
    free(o->pass_fds);
    o->pass_fds = copy;
    o->n_pass_fds = n;
    return 0;
}

static bool stdio_valid(int fd)
{
    return fd >= 0 || fd == MOAT_STDIO_INHERIT || fd == MOAT_STDIO_PIPE || fd == MOAT_STDIO_NULL;
}

int moat_run_options_set_stdio(struct moat_run_options *o, int in, int out, int err)
{
    if (!stdio_valid(in) || !stdio_valid(out) || !stdio_valid(err))
        return -EINVAL;
    o->stdin_fd = in;
    o->stdout_fd = out;
    o->stderr_fd = err;
    return 0;
}

void moat_run_options_set_pty(struct moat_run_options *o, bool on, unsigned short rows,
                              unsigned short cols)
{
    o->pty = on;
    o->pty_rows = rows;
    o->pty_cols = cols;
}

int moat_run_options_set_environ(struct moat_run_options *o, char *const *envp)
{
    char **copy = NULL;
    if (envp) {
        size_t n = 0;
        while (envp[n])
            n++;
        if (!(copy = calloc(n + 1, sizeof *copy)))
            return -ENOMEM;
        for (size_t i = 0; i < n; i++)
            if (!(copy[i] = strdup(envp[i]))) {
                free_environ(copy);
                return -ENOMEM;
            }
    }
    free_environ(o->environ);
    o->environ = copy;
    return 0;
}

int moat_run_options_set_proxy_identity(struct moat_run_options *o, const char *user,
                                        enum moat_proxy_style style)
{
    int r = replace_string(&o->proxy_user, user);
    if (r == 0)
        o->proxy_style = style;
    return r;
}

void moat_run_options_set_helper(struct moat_run_options *o, bool on)
{
    o->helper = on;
}

void moat_run_options_set_wait_started(struct moat_run_options *o, bool on)
{
    o->wait_started = on;
}

void moat_run_options_set_notice_callback(struct moat_run_options *o,
                                          void (*fn)(void *ctx, const char *line), void *ctx)
{
    o->on_notice = fn;
    o->notice_ctx = ctx;
}
