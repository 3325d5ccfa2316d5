/* PATH lookup and exec; see exec.h.  Mirrors execvp(3)'s rules: a name with
 * a slash is executed as is; otherwise each PATH entry is tried, and EACCES
 * seen on the way wins over a final ENOENT. */
#include "sandbox/process/exec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int exec_command(char *const argv[], char *const envp[], const char *path_var)
{
    const char *cmd = argv[0];
    if (!cmd || !*cmd)
        return -ENOENT;
    if (strchr(cmd, '/')) {
        execve(cmd, argv, envp);
        return -errno;
    }
    int result = -ENOENT;
    const char *p = path_var && *path_var ? path_var : "/usr/bin:/bin";
    while (*p) {
        size_t len = strcspn(p, ":");
        char full[4096];
        int n = snprintf(full, sizeof full, "%.*s%s%s", (int)len, p, len ? "/" : "", cmd);
        if (n > 0 && (size_t)n < sizeof full) {
            execve(full, argv, envp);
            if (errno == EACCES || (errno != ENOENT && errno != ENOTDIR))
                result = -errno;
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return result;
}
