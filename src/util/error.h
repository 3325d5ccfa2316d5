/* Filling struct moat_error.  Library code returns -errno and, where a human
 * needs context, records a message here.  Never prints, never exits. */
#ifndef MOAT_UTIL_ERROR_H
#define MOAT_UTIL_ERROR_H

#include "policy/model.h"

/* Record `code` (a negative errno) with a printf-style message and return it,
 * so callers can write `return error_set(err, -EINVAL, "...")`.  When the
 * message is for a failed syscall, error_set_errno appends ": strerror". */
int error_set(struct moat_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int error_set_errno(struct moat_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message ("while X: <old message>"). */
void error_prefix(struct moat_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
