/* mxc's error detail and owned strings: filled here, released by the
 * caller through mxc_error_detail_free / mxc_string_free.  Never prints. */
#ifndef MOAT_MXC_FFI_DETAIL_H
#define MOAT_MXC_FFI_DETAIL_H

#include "moat.h"
#include "mxc_ffi/abi.h"

/* Fill d (NULL: nothing to fill; it holds no live detail) with message and,
 * when given, the failing call and the errno (a negative one, or 0) behind
 * it; return status. */
int detail_set(struct MxcErrorDetail *d, int status, const char *message, const char *operation,
               int neg_errno);
/* The same with moat's message (err->code is the errno). */
int detail_from_moat(struct MxcErrorDetail *d, int status, const struct moat_error *err,
                     const char *operation);
/* Release what d's strings hold and null them (d itself is the caller's). */
void detail_release(struct MxcErrorDetail *d);

#endif
