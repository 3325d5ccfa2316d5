/* mxc's backend discovery answer for this host: `lxc-exec
 * --available-backends` prints it, libmxc_ffi's mxc_available_backends_json
 * returns it.  From the probes of `moat doctor`; prints nothing. */
#ifndef MOAT_CLI_MXC_BACKENDS_H
#define MOAT_CLI_MXC_BACKENDS_H

#include <stddef.h>

/* A JSON array of one {"backend": "bubblewrap", "capabilities": [...],
 * "warnings": [...]} (warnings only when something is limited), or empty
 * when moat cannot run here, with the reason in problem (size bytes; may
 * be NULL).  Indented by 2 when pretty.  malloc'd; NULL when out of memory. */
char *mxc_backends_json(char *problem, size_t size, int pretty);

#endif
