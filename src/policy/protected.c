/* The built-in protections; see protected.h.  Each group says what on the
 * host runs the name's contents without being asked to. */
#include "policy/protected.h"

#include <string.h>
#include <strings.h>

#define ANY(n) { n, n, PROTECT_ANYWHERE }
#define HOME(n) { n, n, PROTECT_HOME }
#define GITDIR(n) { ".git/" n, n, PROTECT_GITDIR }

const struct protected_name protected_names[] = {
    /* git: a new or moved repository is one the host's git will trust (the
     * entry ".git", and HEAD of a bare repository outside one); inside every
     * git directory, config (core.fsmonitor, core.hooksPath, aliases,
     * filters, credential helpers, include.path), the per-worktree config,
     * commondir (which points git at another directory's config and hooks)
     * and the hooks. */
    { PROTECTED_GIT_ENTRY, PROTECTED_GIT_ENTRY, PROTECT_ANYWHERE },
    GITDIR("config"), GITDIR("config.worktree"), GITDIR("commondir"), GITDIR("hooks"),
    ANY(".gitconfig"), ANY(".gitmodules"),
    /* Shells: what bash, zsh, tcsh, ksh and readline read at start (Debian's
     * stock .bashrc sources .bash_aliases). */
    ANY(".bashrc"), ANY(".bash_profile"), ANY(".bash_login"), ANY(".bash_logout"),
    ANY(".bash_aliases"), ANY(".profile"), ANY(".zshrc"), ANY(".zprofile"), ANY(".zshenv"),
    ANY(".zlogin"), ANY(".zlogout"), ANY(".cshrc"), ANY(".tcshrc"), ANY(".login"),
    ANY(".logout"), ANY(".kshrc"), ANY(".mkshrc"), ANY(".inputrc"),
    /* Editors that run their start-up files and plugins. */
    ANY(".vimrc"), ANY(".gvimrc"), ANY(".exrc"), ANY(".nvimrc"), ANY(".nvim.lua"), ANY(".vim"),
    ANY(".emacs"), ANY(".emacs.d"),
    /* IDE and agent settings that run commands (tasks, hooks, MCP servers). */
    ANY(".vscode"), ANY(".idea"), ANY(".mcp.json"), ANY(".ripgreprc"),
    ANY(".claude/commands"), ANY(".claude/agents"), ANY(".claude/settings.json"),
    ANY(".claude/settings.local.json"),
    /* Keys and the programs ssh and gpg run (ProxyCommand, pinentry). */
    ANY(".ssh"), ANY(".gnupg"),
    /* In the home directory only: fish's and git's XDG config, editors'
     * XDG config, session start-up (systemd user units, autostart,
     * environment.d, X session scripts), the PATH directories Debian's
     * .profile adds when they exist, and tool configs that name a program
     * to run (cargo's rustc-wrapper, npm's script-shell, docker's and
     * kubectl's credential helpers, aws's credential_process). */
    HOME(".config/fish"), HOME(".config/git"), HOME(".config/nvim"),
    HOME(".config/environment.d"), HOME(".config/autostart"), HOME(".config/systemd"),
    HOME(".pam_environment"), HOME(".xprofile"), HOME(".xsession"), HOME(".xsessionrc"),
    HOME(".xinitrc"), HOME("bin"), HOME(".local/bin"), HOME(".cargo/config"),
    HOME(".cargo/config.toml"), HOME(".npmrc"), HOME(".yarnrc"), HOME(".yarnrc.yml"),
    HOME(".docker/config.json"), HOME(".kube/config"), HOME(".aws/config"),
    /* moat srt's default settings file: whoever writes it chooses what the
     * next `moat srt` run without -s may write and reach. */
    HOME(".srt-settings.json"),
    /* The caller's $PATH directories that lie inside writable trees: a
     * program dropped there runs the next time the user types its name. */
    { PROTECTED_PATH_ENTRY, PROTECTED_PATH_ENTRY, PROTECT_HOME },
    { NULL, NULL, PROTECT_ANYWHERE },
};

const struct protected_name *protected_name_find(const char *name)
{
    for (const struct protected_name *p = protected_names; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

size_t protected_name_list(const char **out, size_t size)
{
    size_t n = 0;
    for (const struct protected_name *p = protected_names; p->name && n + 1 < size; p++)
        out[n++] = p->name;
    if (size)
        out[n] = NULL;
    return n;
}

bool protected_name_active(const struct moat_policy *p, const char *name)
{
    if (!p->fs.protect_defaults)
        return false;
    for (size_t i = 0; i < p->fs.unprotect.n; i++)
        if (strcmp(p->fs.unprotect.v[i], name) == 0)
            return false;
    return true;
}

const char *protected_pattern_problem(const char *pattern)
{
    if (!*pattern)
        return "empty name";
    if (*pattern == '/')
        return "an absolute path; protect a path with denyWrite, a name anywhere with protect";
    if (pattern[strlen(pattern) - 1] == '/')
        return "ends with '/'";
    for (const char *c = pattern; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 0)
            return "contains an empty component (\"//\")";
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return "contains a \".\" or \"..\" component";
        c += n;
        if (*c == '/')
            c++;
    }
    return NULL;
}

bool protected_prefix_match(const char *rel, const char *match, bool *exact)
{
    size_t n = strlen(match);
    if (strncasecmp(rel, match, n) != 0 || (rel[n] != '\0' && rel[n] != '/'))
        return false;
    if (exact)
        *exact = rel[n] == '\0';
    return true;
}
