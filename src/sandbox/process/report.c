/* The report pipe; see report.h. */
#include "sandbox/process/report.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void report_send(int fd, enum report_stage stage, const struct moat_error *err)
{
    struct report r = { .stage = stage, .code = err->code };
    memcpy(r.msg, err->msg, sizeof r.msg);
    r.msg[sizeof r.msg - 1] = '\0';
    /* The record is smaller than PIPE_BUF, so one write is atomic. */
    ssize_t n;
    do
        n = write(fd, &r, sizeof r);
    while (n < 0 && errno == EINTR);
}

int report_receive(int fd, struct report *out)
{
    size_t got = 0;
    while (got < sizeof *out) {
        ssize_t n = read(fd, (char *)out + got, sizeof *out - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got == sizeof *out;
}
