/* mxc's handle API (mxc_spawn_json, mxc_spawn_pty_json and mxc_sandbox_*)
 * over a box (box.h).  Any thread may call any of these at any time: each
 * call takes a reference on the handle (a freed one is refused with
 * MXC_STATUS_STALE_ID) and the box's lock around libmoat's calls, and a
 * blocking wait sleeps without the lock, so kill, kill_for_timeout and
 * free from another thread reach a sandbox someone is waiting for. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mxc_ffi/box.h"
#include "mxc_ffi/detail.h"

/* The box behind h, referenced and locked; NULL with *status set. */
static struct box *enter(struct MxcSandbox *h, int *status)
{
    struct handle_ref *r = handles_get(h);
    if (!r) {
        *status = h ? MXC_STATUS_STALE_ID : MXC_STATUS_NULL_ARGUMENT;
        return NULL;
    }
    struct box *b = (struct box *)r;
    pthread_mutex_lock(&b->lock);
    *status = MXC_STATUS_SUCCESS;
    return b;
}

static void leave(struct box *b)
{
    pthread_mutex_unlock(&b->lock);
    handles_put(&b->ref);
}

static int32_t spawn_common(const char *json, enum box_stdio mode, uint16_t rows, uint16_t cols,
                            struct MxcSandbox **out_handle, struct MxcErrorDetail *out_error)
{
    if (out_error)
        *out_error = (struct MxcErrorDetail){ 0 };
    if (!out_handle)
        return detail_set(out_error, MXC_STATUS_NULL_ARGUMENT, "out_handle is null", NULL, 0);
    *out_handle = NULL;
    struct box *b;
    int st = box_start(json, mode, rows, cols, &b, out_error);
    if (st != 0)
        return st;
    struct MxcSandbox *h = handles_add(&b->ref);
    if (!h) {
        box_destroy(&b->ref);
        return detail_set(out_error, MXC_STATUS_BACKEND_ERROR, "out of memory", NULL, -ENOMEM);
    }
    *out_handle = h;
    return MXC_STATUS_SUCCESS;
}

/* experimental: mxc's gate for its experimental backends; moat has none. */
MXC_API int32_t mxc_spawn_json(const char *request_json_utf8, int32_t experimental,
                               struct MxcSandbox **out_handle, struct MxcErrorDetail *out_error)
{
    (void)experimental;
    return spawn_common(request_json_utf8, BOX_PIPES, 0, 0, out_handle, out_error);
}

MXC_API int32_t mxc_spawn_pty_json(const char *request_json_utf8, int32_t experimental,
                                   uint16_t rows, uint16_t cols, struct MxcSandbox **out_handle,
                                   struct MxcErrorDetail *out_error)
{
    (void)experimental;
    return spawn_common(request_json_utf8, BOX_PTY, rows, cols, out_handle, out_error);
}

/* The sandbox init's pid (its command's ancestor; the command's own pid is
 * in the sandbox's pid namespace); 0 for a handle that is not live. */
MXC_API uint32_t mxc_sandbox_id(struct MxcSandbox *handle)
{
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return 0;
    uint32_t pid = b->pid;
    leave(b);
    return pid;
}

MXC_API int32_t mxc_sandbox_take_native_stdio(struct MxcSandbox *handle,
                                              struct MxcNativeStdio *out_stdio)
{
    if (!out_stdio)
        return MXC_STATUS_NULL_ARGUMENT;
    *out_stdio = (struct MxcNativeStdio){ -1, -1, -1 };
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return st;
    if (b->stdio_taken) {
        leave(b);
        return MXC_STATUS_BACKEND_UNAVAILABLE; /* as mxc: transferred once */
    }
    b->stdio_taken = true;
    *out_stdio = (struct MxcNativeStdio){ b->fds[0], b->fds[1], b->fds[2] };
    b->fds[0] = b->fds[1] = b->fds[2] = -1;
    leave(b);
    return MXC_STATUS_SUCCESS;
}

MXC_API void mxc_native_pipe_close(intptr_t handle)
{
    if (handle >= 0 && handle <= INT32_MAX)
        close((int)handle);
}

static void report_end(const struct box *b, int32_t *out_exit, int32_t *out_timed_out)
{
    if (out_exit)
        *out_exit = b->exit_code;
    if (out_timed_out)
        *out_timed_out = b->timed_out;
}

MXC_API int32_t mxc_sandbox_try_wait(struct MxcSandbox *handle, int32_t *out_exit,
                                     int32_t *out_running, int32_t *out_timed_out)
{
    if (!out_exit || !out_running || !out_timed_out)
        return MXC_STATUS_NULL_ARGUMENT;
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return st;
    st = box_observe(b);
    *out_running = !b->finished;
    *out_exit = 0;
    *out_timed_out = 0;
    if (b->finished)
        report_end(b, out_exit, out_timed_out);
    leave(b);
    return st;
}

/* Untaken output is read and dropped while waiting, so the command never
 * blocks on a full pipe nobody reads; untaken input is closed, so it sees
 * its end (the terminal's end of file with a pty). */
static void drain_untaken(struct box *b)
{
    for (int i = 1; i < 3; i++) {
        if (b->fds[i] < 0)
            continue;
        char buf[65536];
        ssize_t n;
        while ((n = read(b->fds[i], buf, sizeof buf)) > 0)
            ;
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(b->fds[i]);
            b->fds[i] = -1;
        }
    }
}

MXC_API int32_t mxc_sandbox_wait(struct MxcSandbox *handle, int32_t *out_exit,
                                 int32_t *out_timed_out)
{
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return st;
    if (!b->stdio_taken) {
        b->stdio_taken = true; /* from now on the untaken ends are drained here */
        if (b->fds[0] >= 0)
            close(b->fds[0]);
        b->fds[0] = -1;
        for (int i = 1; i < 3; i++)
            if (b->fds[i] >= 0)
                fcntl(b->fds[i], F_SETFL, fcntl(b->fds[i], F_GETFL) | O_NONBLOCK);
    }
    while ((st = box_observe(b)) == 0 && !b->finished) {
        struct pollfd p[3] = { { .fd = box_events_fd(b), .events = POLLIN },
                               { .fd = b->fds[1], .events = POLLIN },
                               { .fd = b->fds[2], .events = POLLIN } };
        pthread_mutex_unlock(&b->lock);
        poll(p, 3, -1); /* negative fds are ignored; EINTR: look again */
        pthread_mutex_lock(&b->lock);
        drain_untaken(b);
    }
    if (st == 0)
        report_end(b, out_exit, out_timed_out);
    leave(b);
    return st;
}

/* mxc_sandbox_kill and _kill_for_timeout: the whole sandbox (SIGKILL to its
 * init ends its pid namespace).  A sandbox already over is not an error. */
static int32_t kill_box(struct MxcSandbox *handle, bool for_timeout)
{
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return st;
    if (!b->finished) {
        int r = moat_sandbox_kill(b->sb, SIGKILL);
        if (r < 0 && r != -ESRCH)
            st = MXC_STATUS_BACKEND_ERROR;
        else {
            b->killed = true;
            /* mxc: a later end is reported as timed out. */
            b->killed_for_timeout |= for_timeout;
        }
    }
    leave(b);
    return st;
}

MXC_API int32_t mxc_sandbox_kill(struct MxcSandbox *handle)
{
    return kill_box(handle, false);
}

MXC_API int32_t mxc_sandbox_kill_for_timeout(struct MxcSandbox *handle)
{
    return kill_box(handle, true);
}

/* None, always: SDK 1.0.1 cannot take a string from here (start.c says
 * why), so a spawned sandbox's warnings are the first lines of its stderr
 * or terminal instead; mxc_run_json returns its warnings in its result. */
MXC_API int32_t mxc_sandbox_warnings_json(struct MxcSandbox *handle, char **out_json_utf8)
{
    if (!out_json_utf8)
        return MXC_STATUS_NULL_ARGUMENT;
    *out_json_utf8 = NULL;
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return st;
    leave(b);
    return MXC_STATUS_SUCCESS;
}

/* mxc's output metadata is Windows' denial capture; moat has none: a
 * success with no metadata, as mxc's Linux backend answers. */
MXC_API int32_t mxc_sandbox_output_metadata_json(struct MxcSandbox *handle,
                                                 char **out_json_utf8)
{
    if (!out_json_utf8)
        return MXC_STATUS_NULL_ARGUMENT;
    *out_json_utf8 = NULL;
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return st;
    leave(b);
    return MXC_STATUS_SUCCESS;
}

MXC_API int32_t mxc_sandbox_pty_resize(struct MxcSandbox *handle, uint16_t rows, uint16_t cols)
{
    if (rows < 1 || cols < 1 || rows > 32767 || cols > 32767)
        return MXC_STATUS_MALFORMED_REQUEST;
    int st;
    struct box *b = enter(handle, &st);
    if (!b)
        return st;
    if (!b->bridge)
        st = MXC_STATUS_BACKEND_ERROR; /* as mxc: not attached to a terminal */
    else if (!b->finished && moat_sandbox_resize(b->sb, rows, cols) < 0)
        st = MXC_STATUS_BACKEND_ERROR;
    leave(b);
    return st;
}

/* Kill what still runs; the box goes when the last call using it returns
 * (a wait in another thread returns at once: its sandbox has ended). */
MXC_API void mxc_sandbox_free(struct MxcSandbox *handle)
{
    struct handle_ref *r = handles_retire(handle);
    if (!r)
        return; /* NULL, or freed already */
    struct box *b = (struct box *)r;
    pthread_mutex_lock(&b->lock);
    if (!b->finished && moat_sandbox_kill(b->sb, SIGKILL) == 0)
        b->killed = true;
    pthread_mutex_unlock(&b->lock);
    handles_put(r);
}
