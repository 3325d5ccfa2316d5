/* mxc_run_json: a request run to completion with its output captured, and
 * mxc_run_result_free.  The box never enters the handle table: this call
 * owns it from start to end, in the caller's thread. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mxc_ffi/box.h"
#include "mxc_ffi/detail.h"

/* Each stream is kept up to this much; the rest is read and dropped (with
 * a warning), so a workload cannot make its caller's memory its own. */
#define CAPTURE_MAX (128u << 20)
/* Once the command has ended, its pipes end when the sandbox's supervisor
 * has gone too: this long at most. */
#define DRAIN_GRACE_MS 2000

struct capture {
    int fd;
    char *buf;
    size_t len, cap;
    bool dropped;
};

/* One read; false at the end of the stream. */
static bool capture_read(struct capture *c)
{
    char chunk[65536];
    ssize_t n = read(c->fd, chunk, sizeof chunk);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR;
    if (n == 0)
        return false;
    size_t keep = c->len + (size_t)n <= CAPTURE_MAX ? (size_t)n : CAPTURE_MAX - c->len;
    c->dropped |= keep < (size_t)n;
    if (keep && c->len + keep + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < c->len + keep + 1)
            cap *= 2;
        char *grown = realloc(c->buf, cap);
        if (!grown) {
            c->dropped = true;
            return true;
        }
        c->buf = grown;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, chunk, keep);
    c->len += keep;
    return true;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read both streams until the command has ended and both are at their
 * end.  0, or the mxc status of a wait failure. */
static int capture_all(struct box *b, struct capture out[2])
{
    long long ended_at = -1;
    int st = 0;
    for (;;) {
        if ((st = box_observe(b)) != 0)
            return st;
        if (b->finished && ended_at < 0)
            ended_at = now_ms();
        if (out[0].fd < 0 && out[1].fd < 0 && b->finished)
            return 0;
        int timeout = -1;
        if (ended_at >= 0) {
            long long left = ended_at + DRAIN_GRACE_MS - now_ms();
            if (left <= 0)
                return 0;
            timeout = (int)left;
        }
        struct pollfd p[3] = { { .fd = out[0].fd, .events = POLLIN },
                               { .fd = out[1].fd, .events = POLLIN },
                               { .fd = b->finished ? -1 : box_events_fd(b), .events = POLLIN } };
        if (poll(p, 3, timeout) < 0 && errno != EINTR)
            return MXC_STATUS_BACKEND_ERROR;
        for (int i = 0; i < 2; i++)
            if (p[i].revents && !capture_read(&out[i])) {
                close(out[i].fd);
                out[i].fd = -1;
            }
    }
}

static char *capture_text(struct capture *c)
{
    if (!c->buf)
        return strdup("");
    c->buf[c->len] = '\0';
    char *s = c->buf;
    c->buf = NULL;
    return s;
}

MXC_API int32_t mxc_run_json(const char *request_json_utf8, int32_t experimental,
                             struct MxcRunResult *out)
{
    (void)experimental; /* mxc's gate for its experimental backends; moat has none */
    if (!out)
        return MXC_STATUS_NULL_ARGUMENT;
    *out = (struct MxcRunResult){ 0 };
    struct box *b;
    int st = box_start(request_json_utf8, BOX_CAPTURE, 0, 0, &b, &out->error);
    if (st != 0)
        return out->status = st;
    struct capture cap[2] = { { .fd = b->fds[1] }, { .fd = b->fds[2] } };
    b->fds[1] = b->fds[2] = -1;
    for (int i = 0; i < 2; i++)
        fcntl(cap[i].fd, F_SETFL, fcntl(cap[i].fd, F_GETFL) | O_NONBLOCK);
    pthread_mutex_lock(&b->lock);
    st = capture_all(b, cap);
    static const char *const names[] = { "stdout", "stderr" };
    for (int i = 0; i < 2; i++) {
        if (cap[i].dropped)
            notes_add(&b->notes, "moat: the command's %s was cut at %u bytes", names[i],
                      CAPTURE_MAX);
        if (cap[i].fd >= 0)
            close(cap[i].fd);
    }
    if (st != 0) {
        detail_set(&out->error, st, b->notes.n ? b->notes.v[b->notes.n - 1]
                                               : "waiting for the sandbox failed", NULL, 0);
    } else {
        out->exit_code = b->exit_code;
        out->timed_out = b->timed_out;
        out->stdout_utf8 = capture_text(&cap[0]);
        out->stderr_utf8 = capture_text(&cap[1]);
        bool oom;
        out->warnings_json_utf8 = notes_json(&b->notes, &oom);
        if (!out->stdout_utf8 || !out->stderr_utf8 || oom) {
            mxc_run_result_free(out);
            st = detail_set(&out->error, MXC_STATUS_BACKEND_ERROR, "out of memory", NULL,
                            -ENOMEM);
        }
    }
    pthread_mutex_unlock(&b->lock);
    free(cap[0].buf);
    free(cap[1].buf);
    box_destroy(&b->ref);
    return out->status = st;
}

/* Frees the strings and nulls them: a second call is harmless. */
MXC_API void mxc_run_result_free(struct MxcRunResult *r)
{
    if (!r)
        return;
    char **fields[] = { &r->stdout_utf8, &r->stderr_utf8, &r->output_metadata_json_utf8,
                        &r->warnings_json_utf8 };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
    detail_release(&r->error);
}
