/* PATH lookup and exec; see exec.h.  Mirrors execvp(3)'s rules: a name with
 * a slash is executed as is; otherwise each PATH entry is tried, and EACCES
 * seen on the way wins over a final ENOENT.  A file the kernel will not
 * execute (ENOEXEC: a script without "#!") is run by /bin/sh, as execvp,
 * env(1), timeout(1) and bwrap do.  Runs in the workload just before exec,
 * on memory shared with the init (CLONE_VFORK): never allocates. */
#include "sandbox/process/exec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* execve(path), and on ENOEXEC `/bin/sh path ARG...` (the script is $0,
 * as with execvp).  Returns only on failure, with errno set. */
static void exec_file(const char *path, char *const argv[], char *const envp[])
{
    execve(path, argv, envp);
    if (errno != ENOEXEC)
        return;
    size_t n = 0;
    while (argv[n])
        n++;
    const char *sh_argv[n + 2];
    sh_argv[0] = "/bin/sh";
    sh_argv[1] = path;
    for (size_t i = 1; i <= n; i++)
        sh_argv[i + 1] = argv[i];
    execve("/bin/sh", (char *const *)sh_argv, envp);
    /* Report the script's own error, not the shell's. */
    errno = ENOEXEC;
}

int exec_command(char *const argv[], char *const envp[], const char *path_var)
{
    const char *cmd = argv[0];
    if (!cmd || !*cmd)
        return -ENOENT;
    if (strchr(cmd, '/')) {
        exec_file(cmd, argv, envp);
        return -errno;
    }
    int result = -ENOENT;
    const char *p = path_var && *path_var ? path_var : "/usr/bin:/bin";
    while (*p) {
        size_t len = strcspn(p, ":");
        char full[4096];
        int n = snprintf(full, sizeof full, "%.*s%s%s", (int)len, p, len ? "/" : "", cmd);
        if (n > 0 && (size_t)n < sizeof full) {
            exec_file(full, argv, envp);
            if (errno == EACCES || (errno != ENOENT && errno != ENOTDIR))
                result = -errno;
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return result;
}
