/* Executing the workload: PATH lookup in the *workload's* environment (libc's
 * execvp would search the caller's PATH), and the errno that decides 126/127. */
#ifndef MOAT_SANDBOX_EXEC_H
#define MOAT_SANDBOX_EXEC_H

#include "policy/model.h"

/* Only returns on failure, with -errno: -ENOENT means not found (127),
 * anything else not executable (126).  A file without "#!" that the kernel
 * refuses (ENOEXEC) runs as `/bin/sh FILE ARG...`, as with execvp(3). */
int exec_command(char *const argv[], char *const envp[], const char *path_var);

#endif
