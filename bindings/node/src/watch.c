/* Descriptors in Node's event loop for moat's Node binding: a libuv poll watcher that calls
 * back into JavaScript on each readiness, and non-blocking duplicates of the sandbox's
 * descriptors, so lib/ serves a sandbox without ever blocking the loop. */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "napi_util.h"

static const napi_type_tag WATCHER_TAG = { 0x6d6f617477617431ULL, 0x71d4e3a8c2b65f09ULL };

/* A watcher: a uv_poll_t on a descriptor in Node's loop, calling back into
 * JavaScript on each readiness.  While it watches it holds itself alive;
 * its memory goes when both the handle is closed and the JS value freed. */
struct watcher {
    uv_poll_t poll;
    napi_env env;
    napi_ref callback, self;
    napi_async_context actx;
    bool watching, closed, finalized;
};

static void watcher_maybe_free(struct watcher *w)
{
    if (w->closed && w->finalized)
        free(w);
}

static void watcher_closed(uv_handle_t *h)
{
    struct watcher *w = h->data;
    w->closed = true;
    watcher_maybe_free(w);
}

static void watcher_stop(struct watcher *w)
{
    if (!w->watching)
        return;
    w->watching = false;
    uv_poll_stop(&w->poll);
    uv_close((uv_handle_t *)&w->poll, watcher_closed);
    napi_delete_reference(w->env, w->callback);
    napi_delete_reference(w->env, w->self);
    napi_async_destroy(w->env, w->actx);
}

static void watcher_finalize_cb(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    struct watcher *w = data;
    w->finalized = true;
    watcher_maybe_free(w);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct watcher *w = h->data;
    napi_env env = w->env;
    napi_handle_scope scope;
    napi_value cb, recv, args[2], error;
    bool pending = false;
    napi_open_handle_scope(env, &scope);
    napi_get_reference_value(env, w->callback, &cb);
    napi_get_global(env, &recv);
    args[0] = make_int(env, status);
    args[1] = make_int(env, events);
    napi_make_callback(env, w->actx, recv, cb, 2, args, NULL);
    /* What the callback threw is the program's uncaught exception. */
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &error) == napi_ok)
        napi_fatal_exception(env, error);
    napi_close_handle_scope(env, scope);
}

/* watch(fd, events, callback(status, events)) -> watcher handle;
 * events: 1 readable, 2 writable (UV_READABLE, UV_WRITABLE). */
napi_value watch_fd(napi_env env, napi_callback_info info)
{
    napi_value argv[3], handle, name;
    int32_t fd, events;
    uv_loop_t *loop;
    if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], &fd) ||
        !get_int(env, argv[1], &events))
        return NULL;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok)
        return throw_moat(env, "usage", -EIO, "no event loop");
    struct watcher *w = calloc(1, sizeof *w);
    if (!w)
        return throw_moat(env, "usage", -ENOMEM, "out of memory");
    int rc = uv_poll_init(loop, &w->poll, fd);
    if (rc < 0) {
        free(w);
        return throw_moat(env, "usage", rc, uv_strerror(rc));
    }
    w->poll.data = w;
    w->env = env;
    handle = make_handle(env, w, watcher_finalize_cb, &WATCHER_TAG);
    napi_create_reference(env, argv[2], 1, &w->callback);
    napi_create_reference(env, handle, 1, &w->self);
    napi_create_string_utf8(env, "moat.watch", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &w->actx);
    w->watching = true;
    rc = uv_poll_start(&w->poll, events & (UV_READABLE | UV_WRITABLE), on_poll);
    if (rc < 0) {
        watcher_stop(w);
        return throw_moat(env, "usage", rc, uv_strerror(rc));
    }
    return handle;
}

/* rewatch(watcher, events): change what it waits for. */
napi_value watch_change(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    struct watcher *w;
    int32_t events;
    if (!get_args(env, info, 2, argv) ||
        !(w = get_handle(env, argv[0], &WATCHER_TAG, "watcher")) || !get_int(env, argv[1], &events))
        return NULL;
    if (w->watching) {
        int rc = uv_poll_start(&w->poll, events & (UV_READABLE | UV_WRITABLE), on_poll);
        if (rc < 0)
            return throw_moat(env, "usage", rc, uv_strerror(rc));
    }
    return NULL;
}

napi_value watch_stop(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    struct watcher *w;
    if (!get_args(env, info, 1, argv) || !(w = get_handle(env, argv[0], &WATCHER_TAG, "watcher")))
        return NULL;
    watcher_stop(w);
    return NULL;
}

/* dupNonblocking(fd) -> a close-on-exec, non-blocking copy of fd. */
napi_value dup_nonblocking(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    int32_t fd;
    if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd))
        return NULL;
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return throw_moat(env, "usage", -errno, strerror(errno));
    /* The flag belongs to the open file description, which the sandbox's
     * own copy shares: that copy is only used for resizing. */
    int fl = fcntl(copy, F_GETFL);
    if (fl < 0 || fcntl(copy, F_SETFL, fl | O_NONBLOCK) < 0) {
        int e = errno;
        close(copy);
        return throw_moat(env, "usage", -e, strerror(e));
    }
    return make_int(env, copy);
}
