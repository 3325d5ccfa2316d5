/* mxc's error detail (abi.h): moat's message, the call that failed and the
 * errno's name; and the two free functions the SDK calls on what this
 * library hands out.  Every string is malloc'd here and freed only by the
 * caller's free call. */
#include "mxc_ffi/detail.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int detail_set(struct MxcErrorDetail *d, int status, const char *message, const char *operation,
               int neg_errno)
{
    if (!d)
        return status;
    /* strerrorname_np: "EPERM"; the platform status mxc calls nativeCode. */
    const char *name = neg_errno < 0 ? strerrorname_np(-neg_errno) : NULL;
    *d = (struct MxcErrorDetail){
        .message_utf8 = dup_or_null(message),
        .operation_utf8 = dup_or_null(operation),
        .native_code_utf8 = dup_or_null(name),
    };
    return status;
}

int detail_from_moat(struct MxcErrorDetail *d, int status, const struct moat_error *err,
                     const char *operation)
{
    return detail_set(d, status, err->msg[0] ? err->msg : "moat failed without a message",
                      operation, err->code);
}

void detail_release(struct MxcErrorDetail *d)
{
    if (!d)
        return;
    char **fields[] = { &d->message_utf8, &d->operation_utf8, &d->native_code_utf8,
                        &d->remediation_utf8 };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

/* Safe on NULL and, since it nulls what it freed, when called twice. */
MXC_API void mxc_error_detail_free(struct MxcErrorDetail *detail)
{
    detail_release(detail);
}

MXC_API void mxc_string_free(char *s)
{
    free(s);
}
