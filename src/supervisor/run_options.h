/* struct moat_run_options behind the opaque handle of include/moat.h.  Every
 * pointer is owned (the setters copy), so a sandbox set-up reads it without
 * caring who built it. */
#ifndef MOAT_SUPERVISOR_RUN_OPTIONS_H
#define MOAT_SUPERVISOR_RUN_OPTIONS_H

#include "moat.h"

struct moat_run_options {
    char *log_path;                 /* NULL: no log */
    moat_violation_fn on_violation; /* NULL: no callback */
    void *ctx;
    int *pass_fds;
    size_t n_pass_fds;
    int stdin_fd, stdout_fd, stderr_fd; /* a descriptor, or MOAT_STDIO_* */
    bool pty;
    unsigned short pty_rows, pty_cols;
    char **environ;                 /* NULL: the process's */
    char *proxy_user;               /* NULL: "moat" */
    enum moat_proxy_style proxy_style;
    bool helper;                    /* a supervisor process even when single-threaded */
    bool wait_started;              /* moat_spawn returns once the command runs */
    void (*on_notice)(void *ctx, const char *line); /* NULL: not told */
    void *notice_ctx;
};

/* The defaults, for a caller that passed NULL (nothing to free). */
void run_options_defaults(struct moat_run_options *o);

#endif
