/* Starting a request (box.h's box_start): the checks mxc makes before a
 * config is read, moat_mxc_load, the run options that give the command
 * exactly the environment its contract says, and moat_spawn.  The policy
 * enforced is the one the loader made from the caller's JSON, nothing
 * added or relaxed here. */
#include "mxc_ffi/box.h"

#include <errno.h>
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
 * exactly process.env (an empty start; the policy adds process.env). */
static struct moat_run_options *options_for(struct box *b, enum box_stdio mode, uint16_t rows,
                                            uint16_t cols)
{
    struct moat_run_options *o = moat_run_options_new();
    char *no_env[] = { NULL };
    if (!o || (!moat_mxc_request_default_env(b->req) && moat_run_options_set_environ(o, no_env) < 0)) {
        moat_run_options_free(o);
        return NULL;
    }
    moat_run_options_set_helper(o, true);
    moat_run_options_set_wait_started(o, true);
    moat_run_options_set_violation_callback(o, notes_violation, &b->notes);
    if (mode == BOX_PTY)
        moat_run_options_set_pty(o, true, rows, cols);
    else
        moat_run_options_set_stdio(o, mode == BOX_CAPTURE ? MOAT_STDIO_NULL : MOAT_STDIO_PIPE,
                                   MOAT_STDIO_PIPE, MOAT_STDIO_PIPE);
    return o;
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
    struct moat_run_options *o = options_for(b, mode, rows, cols);
    if (!o)
        return detail_set(err, MXC_STATUS_BACKEND_ERROR, "out of memory", "moat_spawn", -ENOMEM);
    struct moat_error me = { 0 };
    int r = moat_spawn(moat_mxc_request_policy(b->req), moat_mxc_request_argv(b->req), o, &b->sb,
                       &me);
    moat_run_options_free(o);
    if (r < 0)
        return detail_from_moat(err, MXC_STATUS_BACKEND_ERROR, &me, "moat_spawn");
    b->pid = (uint32_t)moat_sandbox_pid(b->sb);
    if (mode != BOX_PTY) {
        b->fds[0] = moat_sandbox_take_fd(b->sb, MOAT_FD_STDIN);
        b->fds[1] = moat_sandbox_take_fd(b->sb, MOAT_FD_STDOUT);
        b->fds[2] = moat_sandbox_take_fd(b->sb, MOAT_FD_STDERR);
        return 0;
    }
    r = pty_bridge_start(moat_sandbox_fd(b->sb, MOAT_FD_PTY), &b->fds[0], &b->fds[1], &b->bridge);
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
