/* Filling struct moat_error; see error.h. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void error_vformat(struct moat_error *err, int code, bool with_errno, const char *fmt,
                          va_list ap)
{
    if (!err)
        return;
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (with_errno) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len, ": %s", strerror(-code));
    }
}

int error_set(struct moat_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vformat(err, code, false, fmt, ap);
    va_end(ap);
    return code;
}

int error_set_errno(struct moat_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vformat(err, code, true, fmt, ap);
    va_end(ap);
    return code;
}

void error_prefix(struct moat_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation is fine here: the tail of a long message is the least useful. */
    size_t n = strnlen(prefix, sizeof err->msg - 3);
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof err->msg - n - 3;
    size_t m = strnlen(old, room);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
}
