/* The report pipe: how the sandbox tells the supervisor that set-up failed
 * or that exec failed, with the message.  Close-on-exec, so a successful exec
 * closes it with nothing written.  One record per sandbox, at most. */
#ifndef MOAT_SANDBOX_REPORT_H
#define MOAT_SANDBOX_REPORT_H

#include "policy/model.h"

enum report_stage {
    REPORT_SETUP = 1, /* moat could not build the sandbox: exit 125 */
    REPORT_EXEC,      /* the command could not be executed: 126/127 */
};

struct report {
    int stage;
    int code; /* -errno */
    char msg[sizeof(((struct moat_error *)0)->msg)];
};

/* Write one record (best effort: the writer is about to exit). */
void report_send(int fd, enum report_stage stage, const struct moat_error *err);
/* Read a record; 1 if one was read, 0 at EOF without one. */
int report_receive(int fd, struct report *out);

#endif
