/* The built-in protections; see protected.h. */
#include "policy/protected.h"

#include <string.h>

const char *const protected_names[] = {
    /* git runs these on the host: a hook is code execution, config can set
     * core.fsmonitor / core.hooksPath / aliases */
    ".git/hooks", ".git/config", ".gitconfig", ".gitmodules",
    /* shells source these at start-up */
    ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc",
    ".zprofile", ".zshenv", ".zlogin", ".config/fish/config.fish",
    /* keys, authorized_keys, ssh config (ProxyCommand) */
    ".ssh",
    NULL,
};

bool protected_name_known(const char *name)
{
    for (const char *const *n = protected_names; *n; n++)
        if (strcmp(*n, name) == 0)
            return true;
    return false;
}
