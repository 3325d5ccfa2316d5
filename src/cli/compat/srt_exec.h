/* srt compatibility in the moat command: the srt executor (`moat srt ...`,
 * or moat installed or linked as `srt`) and `moat check` of an srt settings
 * file.  docs/compat-srt.md describes both. */
#ifndef MOAT_CLI_SRT_EXEC_H
#define MOAT_CLI_SRT_EXEC_H

#include <stdbool.h>
#include <stdio.h>

/* srt's command line (argv[0] is the program, or "srt").  Returns the
 * command's status, or 1 (as srt) when the settings or the arguments are
 * refused or the sandbox cannot be set up. */
int srt_exec_main(int argc, char **argv);

/* The usage text, with prog as the program's name ("srt", "moat srt"). */
void srt_exec_usage(FILE *out, const char *prog);

/* `moat check` of the file at path when it is an srt settings file (or
 * always, with force): warnings and notes on stderr, the effective moat
 * policy on stdout; 0 or 125.  -1 when the file is not srt settings and
 * force is false (the caller checks it otherwise). */
int srt_check_main(const char *path, bool force);

#endif
