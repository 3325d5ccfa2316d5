/* Lexical path normalisation for policy entries: `~` expansion, relative to
 * a base directory, `.`/`..`/`//` clean-up.  Never touches the filesystem
 * beyond the passwd lookup for `~user`, and never resolves symlinks (the
 * mount builder resolves each path once, through an fd, at mount time). */
#ifndef MOAT_POLICY_PATHS_H
#define MOAT_POLICY_PATHS_H

#include "policy/model.h"

/* Normalise `in` into a malloc'd absolute path in *out:
 *   "~" and "~/x"  -> $HOME (or the passwd entry of getuid() when $HOME is
 *                     unset or empty) joined with x
 *   "~user/x"      -> user's home directory (getpwnam_r) joined with x
 *   "x" (relative) -> base_dir/x; base_dir must be absolute
 * then collapse "//", drop ".", resolve ".." lexically (never above "/"),
 * drop a trailing "/".  Returns 0, or -EINVAL / -ENOMEM with err set to the
 * bare problem ("empty path", "no such user \"bob\"", ...), without any
 * location: callers prefix where the path came from. */
int path_normalize(const char *in, const char *base_dir, char **out, struct moat_error *err);

/* Lexical clean-up only, in place, of an absolute path (same rules as
 * above); returns false (and leaves the string alone) if it is not
 * absolute. */
bool path_clean_absolute(char *path);

/* moat expands "~" and nothing else.  The first "$" in `s` that starts a
 * variable reference, if any:
 *   PATH_VAR_EXPECTED  "${..." or "$" + an upper-case name ("$HOME",
 *                      "$XDG_CONFIG_HOME"): the environment's convention,
 *                      almost certainly meant to be expanded (refuse it);
 *   PATH_VAR_LITERAL   "$" + another name ("$Recycle.Bin"): legal but odd
 *                      (warn);
 *   PATH_VAR_NONE      neither ("a$", "$1", "cost$").
 * var gets what follows the "$" ("HOME", "{HOME}"). */
enum path_variable { PATH_VAR_NONE, PATH_VAR_EXPECTED, PATH_VAR_LITERAL };
enum path_variable path_find_variable(const char *s, char *var, size_t size);

/* The same, said for a path of a policy (moat's, mxc's or srt's: one
 * rule for all three, so a policy printed from any loads back): what
 * follows the path's name in the message, in msg. */
enum path_variable path_variable_message(const char *s, char *msg, size_t size);

#endif
