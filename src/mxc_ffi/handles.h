/* The handles a caller of libmxc_ffi holds: numbers, not addresses, looked
 * up in one table, so a handle used after mxc_sandbox_free, or freed twice,
 * is refused instead of reaching freed memory; a handle's object lives
 * until the last call using it returns.  Thread-safe. */
#ifndef MOAT_MXC_FFI_HANDLES_H
#define MOAT_MXC_FFI_HANDLES_H

#include <stdint.h>

#include "mxc_ffi/abi.h"

/* Embedded first in each object behind a handle. */
struct handle_ref {
    uintptr_t token;
    unsigned refs;                         /* the table's, and one per call in flight */
    void (*destroy)(struct handle_ref *r); /* called once the last reference is gone */
};

/* Enter r (refs must be 1: the table's) and return the handle for it, or
 * NULL when out of memory. */
struct MxcSandbox *handles_add(struct handle_ref *r);
/* The object behind h with a reference for the caller, or NULL for NULL,
 * a handle never given out, or one retired. */
struct handle_ref *handles_get(struct MxcSandbox *h);
/* Drop a reference; the last one destroys the object. */
void handles_put(struct handle_ref *r);
/* Take h out of the table (later lookups fail) and hand the table's
 * reference to the caller; NULL when h is not in it. */
struct handle_ref *handles_retire(struct MxcSandbox *h);

#endif
