/* Starting a request (box.h's box_start): the checks mxc makes before a
 * config is read, moat_mxc_load, the run options that give the command
 * exactly the environment its contract says, and moat_spawn.  The policy
 * enforced is the one the loader made from the caller's JSON, nothing
 * added or relaxed here. */
#include "mxc_ffi/box.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mxc_ffi/detail.h"

#define PTY_SIZE_MAX 32767 /* rows and columns, as mxc bounds them */

/* Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
 * past U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                 : (c & 0xf8) == 0xf0 ? 3 : 4;
        if (n == 4 || len - i <= n) /* a lead byte that is none, or cut short */
            return false;
        uint32_t cp = n == 0 ? c : c & (0x3fu >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const uint32_t min[] = { 0, 0x80, 0x800, 0x10000 };
        if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

static int error_oom(struct moat_error *me)
{
    me->code = -ENOMEM;
    snprintf(me->msg, sizeof me->msg, "out of memory");
    return -ENOMEM;
}

static struct box *box_new(void)
{
    struct box *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->ref = (struct handle_ref){ .refs = 1, .destroy = box_destroy };
    pthread_mutex_init(&b->lock, NULL);
    b->fds[0] = b->fds[1] = b->fds[2] = -1;
    notes_init(&b->notes);
    return b;
}

/* How the command runs: a supervisor process of its own (the caller need
 * not poll for the sandbox's services to run), spawn returning once it
 * runs (set-up failures are spawn failures, with moat's message), and the
 * environment of its contract: moat's defaults from this process's, or
 * exactly process.env (an empty start; the policy adds process.env).
 * err_fd: the command's stderr, or -1 for a pipe of libmoat's. */
static struct moat_run_options *options_for(struct box *b, enum box_stdio mode, uint16_t rows,
                                            uint16_t cols, int err_fd)
{
    struct moat_run_options *o = moat_run_options_new();
    char *no_env[] = { NULL };
    const char *log = getenv("MOAT_MXC_LOG");
    if (!o || (!moat_mxc_request_default_env(b->req) && moat_run_options_set_environ(o, no_env) < 0) ||
        (log && *log && moat_run_options_set_log(o, log) < 0)) {
        moat_run_options_free(o);
        return NULL;
    }
    moat_run_options_set_helper(o, true);
    moat_run_options_set_wait_started(o, true);
    if (mode == BOX_CAPTURE) /* only a run's result can carry them back */
        moat_run_options_set_violation_callback(o, notes_violation, &b->notes);
    if (mode == BOX_PTY)
        moat_run_options_set_pty(o, true, rows, cols);
    else
        moat_run_options_set_stdio(o, mode == BOX_CAPTURE ? MOAT_STDIO_NULL : MOAT_STDIO_PIPE,
                                   MOAT_STDIO_PIPE, err_fd >= 0 ? err_fd : MOAT_STDIO_PIPE);
    return o;
}

/* A spawned sandbox's warnings cannot go through mxc_sandbox_warnings_json
 * to SDK 1.0.1: koffi hands its char** out parameter to the SDK as a
 * string, which the SDK then fails to decode (TypeError) and passes back
 * to mxc_string_free as a temporary copy (docs/compat-mxc.md).  So they are
 * the first lines of the command's stderr, as `moat run` and lxc-exec show
 * them: written into its stderr pipe before the command starts. */
static int stderr_with_warnings(const struct box *b, int *read_end, int *write_end)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    /* Less than a pipe's 64 KiB: the write cannot block. */
    char *text = notes_text(&b->notes, 60000, "\n");
    size_t len = text ? strlen(text) : 0;
    bool whole = text && write(p[1], text, len) == (ssize_t)len;
    free(text);
    if (!whole) {
        close(p[0]);
        close(p[1]);
        return -ENOMEM;
    }
    *read_end = p[0];
    *write_end = p[1];
    return 0;
}

static int load(struct box *b, const char *json, size_t len, struct MxcErrorDetail *err)
{
    char *cwd = getcwd(NULL, 0);
    enum moat_mxc_code code = MOAT_MXC_MALFORMED_REQUEST;
    struct moat_error me = { 0 };
    int r = moat_mxc_load(json, len, "request", cwd ? cwd : "/", &b->req, &code, &me);
    free(cwd);
    if (r < 0)
        return detail_from_moat(err, code != MOAT_MXC_OK ? (int)code : MXC_STATUS_BACKEND_ERROR,
                                &me, NULL);
    notes_add_policy(&b->notes, moat_mxc_request_policy(b->req));
    return 0;
}

static int spawn(struct box *b, enum box_stdio mode, uint16_t rows, uint16_t cols,
                 struct MxcErrorDetail *err)
{
    int err_r = -1, err_w = -1, r = 0;
    if (mode == BOX_PIPES && (r = stderr_with_warnings(b, &err_r, &err_w)) < 0)
        return detail_set(err, MXC_STATUS_BACKEND_ERROR, "cannot create the command's stderr",
                          "pipe2", r);
    struct moat_run_options *o = options_for(b, mode, rows, cols, err_w);
    struct moat_error me = { 0 };
    r = o ? moat_spawn(moat_mxc_request_policy(b->req), moat_mxc_request_argv(b->req), o, &b->sb,
                       &me)
          : error_oom(&me);
    moat_run_options_free(o);
    if (err_w >= 0)
        close(err_w); /* the command has its own copy now */
    if (r < 0) {
        if (err_r >= 0)
            close(err_r);
        return detail_from_moat(err, MXC_STATUS_BACKEND_ERROR, &me, "moat_spawn");
    }
    b->pid = (uint32_t)moat_sandbox_pid(b->sb);
    if (mode != BOX_PTY) {
        b->fds[0] = moat_sandbox_take_fd(b->sb, MOAT_FD_STDIN);
        b->fds[1] = moat_sandbox_take_fd(b->sb, MOAT_FD_STDOUT);
        b->fds[2] = err_r >= 0 ? err_r : moat_sandbox_take_fd(b->sb, MOAT_FD_STDERR);
        return 0;
    }
    /* The terminal shows the warnings first, as stderr does above. */
    char *shown = notes_text(&b->notes, 60000, "\r\n");
    r = shown ? pty_bridge_start(moat_sandbox_fd(b->sb, MOAT_FD_PTY), shown, &b->fds[0],
                                 &b->fds[1], &b->bridge)
              : -ENOMEM;
    free(shown);
    if (r < 0)
        return detail_set(err, MXC_STATUS_BACKEND_ERROR, "cannot relay the sandbox's terminal",
                          "pty_bridge_start", r);
    return 0;
}

int box_start(const char *json, enum box_stdio mode, uint16_t rows, uint16_t cols,
              struct box **out, struct MxcErrorDetail *err)
{
    if (!json)
        return detail_set(err, MXC_STATUS_NULL_ARGUMENT, "request JSON pointer is null", NULL, 0);
    size_t len = strlen(json);
    if (!utf8_valid((const unsigned char *)json, len))
        return detail_set(err, MXC_STATUS_INVALID_UTF8, "request JSON is not UTF-8", NULL, 0);
    if (mode == BOX_PTY && (rows < 1 || cols < 1 || rows > PTY_SIZE_MAX || cols > PTY_SIZE_MAX))
        return detail_set(err, MXC_STATUS_MALFORMED_REQUEST,
                          "PTY rows and columns must be between 1 and 32767", NULL, 0);
    struct box *b = box_new();
    if (!b)
        return detail_set(err, MXC_STATUS_BACKEND_ERROR, "out of memory", NULL, -ENOMEM);
    int st = load(b, json, len, err);
    if (st == 0)
        st = spawn(b, mode, rows, cols, err);
    if (st != 0) {
        box_destroy(&b->ref);
        return st;
    }
    *out = b;
    return 0;
}
