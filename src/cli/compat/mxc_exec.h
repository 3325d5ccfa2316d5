/* mxc compatibility in the moat command: the lxc-exec executor (`moat mxc
 * ...`, or moat installed or linked as `lxc-exec`) and `moat check` of an
 * mxc configuration.  docs/compat-mxc.md describes both. */
#ifndef MOAT_CLI_MXC_EXEC_H
#define MOAT_CLI_MXC_EXEC_H

#include <stdbool.h>
#include <stdio.h>

/* lxc-exec's command line (argv[0] is the program or "mxc").  Returns the
 * workload's status, or 255 after writing mxc's error envelope
 * {"error":{"code":...,"message":...}} on stderr. */
int mxc_exec_main(int argc, char **argv);

/* lxc-exec's usage text, naming the program `prog`. */
void mxc_exec_usage(FILE *out, const char *prog);

/* `moat check` of the file at path when it is an mxc configuration (or
 * always, with force): warnings on stderr, the effective moat policy on
 * stdout; 0 or 125.  -1 when the file is not an mxc configuration and
 * force is false (the caller checks it as a moat policy). */
int mxc_check_main(const char *path, bool force);

#endif
