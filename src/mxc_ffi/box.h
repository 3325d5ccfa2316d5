/* One sandbox as libmxc_ffi holds it: the loaded request (whose policy the
 * sandbox reads while it runs), libmoat's handle, the caller's descriptors
 * until taken, its warnings and, once seen, how it ended.  Shared by the
 * one-shot run (run.c) and the handle API (lifecycle.c). */
#ifndef MOAT_MXC_FFI_BOX_H
#define MOAT_MXC_FFI_BOX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "moat.h"
#include "moat_mxc.h"
#include "mxc_ffi/abi.h"
#include "mxc_ffi/handles.h"
#include "mxc_ffi/notes.h"
#include "mxc_ffi/pty_bridge.h"

enum box_stdio {
    BOX_PIPES,   /* stdin, stdout, stderr: pipes for the caller (mxc_spawn_json) */
    BOX_CAPTURE, /* stdin /dev/null; stdout and stderr: pipes (mxc_run_json) */
    BOX_PTY,     /* a terminal, relayed through two pipes (mxc_spawn_pty_json) */
};

struct box {
    struct handle_ref ref; /* first: the handle table's */
    /* One libmoat call at a time on sb; never held while blocking, so a
     * kill or free from another thread always gets through. */
    pthread_mutex_t lock;
    struct moat_mxc_request *req;
    struct moat_sandbox *sb;
    uint32_t pid;
    int fds[3]; /* the caller's ends, until taken: stdin (write), stdout, stderr (read) */
    bool stdio_taken;
    struct pty_bridge *bridge;
    struct notes notes;
    /* How it ended, once seen. */
    bool finished, killed, killed_for_timeout, timed_out;
    int32_t exit_code;
    int wait_error; /* 0, or the mxc status of a failure seen instead of an end */
};

/* Parse and check the request (mxc's statuses for a null pointer, text
 * that is not UTF-8, and each config error moat_mxc_load reports), start
 * it, and return the box, not yet in the handle table.  0, or the mxc
 * status with err filled. */
int box_start(const char *json, enum box_stdio mode, uint16_t rows, uint16_t cols,
              struct box **out, struct MxcErrorDetail *err);
/* With b->lock held: serve the sandbox once without waiting and record its
 * end if it came.  0, or the mxc status of a wait failure. */
int box_observe(struct box *b);
/* With b->lock held: the descriptor to wait on for something to observe. */
int box_events_fd(const struct box *b);
/* The handle table's destructor: stop, reap and release everything. */
void box_destroy(struct handle_ref *r);

#endif
