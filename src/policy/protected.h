/* The built-in protections: names that stay read-only inside writable trees,
 * because something on the host executes or trusts them later without being
 * asked to (git's hooks and config, shell and editor start-up files, agent
 * and IDE settings, tool configs that name a program to run, the
 * directories on PATH).  One table, used by the policy validator (`protect`
 * and `unprotect` entries), the mount builder (existing names at the top of
 * each writable tree) and the sandbox's write guard (every name, at any
 * depth, including names created during the run).  docs/security.md gives
 * the reason for each entry.  Pure data and string matching: never touches
 * the filesystem. */
#ifndef MOAT_POLICY_PROTECTED_H
#define MOAT_POLICY_PROTECTED_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

enum protect_scope {
    /* A name (one or more components) inside any directory of a writable
     * tree, at any depth: ".bashrc", ".claude/settings.json". */
    PROTECT_ANYWHERE,
    /* A path relative to $HOME only: ".config/fish", ".local/bin". */
    PROTECT_HOME,
    /* A name inside a git directory (".git", and the nested git directories
     * under .git/modules and .git/worktrees): "config", "hooks". */
    PROTECT_GITDIR,
};

struct protected_name {
    const char *name;  /* as written in `unprotect`: ".bashrc", ".git/hooks" */
    const char *match; /* what is matched in its scope: ".bashrc", "hooks" */
    enum protect_scope scope;
};

/* The table, terminated by an entry with name NULL. */
extern const struct protected_name protected_names[];

/* The entry `name` names (as in `unprotect`), or NULL. */
const struct protected_name *protected_name_find(const char *name);

/* The names into out[0..size-2], NULL-terminated, for "did you mean"
 * hints; returns how many. */
#define PROTECTED_NAMES_MAX 96
size_t protected_name_list(const char **out, size_t size);

/* The special entry ".git": no new repositories (a `.git` entry or a bare
 * repository's HEAD outside one) and no moving existing ones. */
#define PROTECTED_GIT_ENTRY ".git"
/* The special entry "PATH": the caller's $PATH directories inside writable
 * trees. */
#define PROTECTED_PATH_ENTRY "PATH"

/* Is the built-in protection `name` in force under p (defaults on, not
 * lifted by unprotect)? */
bool protected_name_active(const struct moat_policy *p, const char *name);

/* A `protect` entry's problem, or NULL: it must be a relative name without
 * "." or ".." components, matched like PROTECT_ANYWHERE. */
const char *protected_pattern_problem(const char *pattern);

/* Does the relative path `rel` (components separated by '/', no leading or
 * trailing '/') start with the components of `match`, compared
 * case-insensitively?  *exact tells whether it is `match` itself (as
 * opposed to something inside it). */
bool protected_prefix_match(const char *rel, const char *match, bool *exact);

#endif
