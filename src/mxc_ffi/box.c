/* A sandbox's state (box.h): observing its end and translating moat's
 * status into mxc's (exit code, timed out), and tearing it down.  The
 * caller holds b->lock; nothing here blocks. */
#include "mxc_ffi/box.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "mxc_ffi/detail.h"

/* mxc reports -1 for a command it killed (a timeout, or mxc_sandbox_kill):
 * its process had no exit code.  moat's status for a command killed by the
 * sandbox's end is 128+SIGKILL. */
static void record_end(struct box *b, int status, const struct moat_error *err)
{
    b->finished = true;
    b->exit_code = -1;
    if (status < 0) {
        b->wait_error = MXC_STATUS_BACKEND_ERROR;
        notes_add(&b->notes, "moat: the sandbox failed: %s", err->msg);
        return;
    }
    b->timed_out = moat_sandbox_timed_out(b->sb) || b->killed_for_timeout;
    if (!b->timed_out && !(b->killed && status == 128 + SIGKILL))
        b->exit_code = status;
    if ((status == MOAT_EXIT_NOT_FOUND || status == MOAT_EXIT_NOT_EXECUTABLE) && err->msg[0])
        notes_add(&b->notes, "moat: %s", err->msg);
}

int box_observe(struct box *b)
{
    if (b->finished)
        return b->wait_error;
    struct moat_error err = { 0 };
    int status = 0;
    int r = moat_sandbox_try_wait(b->sb, &status, &err);
    if (r != 0)
        record_end(b, r < 0 ? r : status, &err);
    return b->wait_error;
}

int box_events_fd(const struct box *b)
{
    return moat_sandbox_fd(b->sb, MOAT_FD_EVENTS);
}

void box_destroy(struct handle_ref *r)
{
    struct box *b = (struct box *)r;
    /* The relay first: it uses the pty master, which the sandbox owns. */
    pty_bridge_stop(b->bridge);
    moat_sandbox_free(b->sb); /* kills what still runs, reaps it */
    for (int i = 0; i < 3; i++)
        if (b->fds[i] >= 0)
            close(b->fds[i]);
    moat_mxc_request_free(b->req);
    notes_free(&b->notes);
    pthread_mutex_destroy(&b->lock);
    free(b);
}
