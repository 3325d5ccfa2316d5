/* mxc_version and mxc_available_backends_json: what this library is and
 * what this host supports, from the same probes as `moat doctor` and
 * `lxc-exec --available-backends` (src/cli/mxc_backends.c). */
#include <stdlib.h>

#include "cli/compat/mxc_backends.h"
#include "moat.h"
#include "mxc_ffi/abi.h"

/* mxc's version is its SDK's; moat's library answers with moat's own. */
MXC_API const char *mxc_version(void)
{
    return "moat " MOAT_VERSION;
}

/* A JSON array (empty when moat cannot run here); NULL when out of memory. */
MXC_API char *mxc_available_backends_json(void)
{
    return mxc_backends_json(NULL, 0, 0);
}
