/* Lexical path normalisation for policy entries; see paths.h.  Owns `~`
 * expansion and the `.`/`..` clean-up.  Never resolves symlinks and never
 * checks that a path exists: that is the mount builder's job, done through
 * an fd at mount time so there is no check-then-use race. */
#include "policy/paths.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"

bool path_clean_absolute(char *path)
{
    if (path[0] != '/')
        return false;

    /* Write components back into the same buffer: the output is never
     * longer than the input read so far, so `o` never overtakes `i`. */
    size_t o = 0;
    const char *i = path;
    while (*i) {
        while (*i == '/')
            i++;
        const char *comp = i;
        while (*i && *i != '/')
            i++;
        size_t n = (size_t)(i - comp);
        if (n == 0 || (n == 1 && comp[0] == '.'))
            continue;
        if (n == 2 && comp[0] == '.' && comp[1] == '.') {
            /* "/.." is "/": back up to the previous separator, or stay at
             * the root. */
            while (o > 0 && path[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        path[o++] = '/';
        memmove(path + o, comp, n);
        o += n;
    }
    if (o == 0)
        path[o++] = '/';
    path[o] = '\0';
    return true;
}

/* The home directory of `user` (NULL: the caller), malloc'd in *out.  For
 * the caller, $HOME wins when set and non-empty, as in the shell. */
static int home_dir(const char *user, char **out, struct moat_error *err)
{
    if (!user) {
        const char *env = getenv("HOME");
        if (env && *env) {
            *out = strdup(env);
            return *out ? 0 : error_set(err, -ENOMEM, "out of memory");
        }
    }

    long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t bufsz = sz > 0 ? (size_t)sz : 16384;
    for (;;) {
        _cleanup_free_ char *buf = malloc(bufsz);
        if (!buf)
            return error_set(err, -ENOMEM, "out of memory");
        struct passwd pw, *res = NULL;
        int r = user ? getpwnam_r(user, &pw, buf, bufsz, &res)
                     : getpwuid_r(getuid(), &pw, buf, bufsz, &res);
        if (r == ERANGE && bufsz < (1u << 20)) {
            bufsz *= 2;
            continue;
        }
        if (r != 0 && r != ENOENT && r != ESRCH)
            return error_set_errno(err, -r, "cannot look up the home directory of %s",
                                   user ? user : "the current user");
        if (!res || !res->pw_dir || !*res->pw_dir) {
            if (user)
                return error_set(err, -EINVAL, "no such user \"%s\"", user);
            return error_set(err, -EINVAL,
                             "cannot expand \"~\": $HOME is not set and uid %u has no "
                             "home directory",
                             (unsigned)getuid());
        }
        *out = strdup(res->pw_dir);
        return *out ? 0 : error_set(err, -ENOMEM, "out of memory");
    }
}

/* "~", "~/rest", "~user", "~user/rest" -> home joined with rest. */
static int expand_tilde(const char *in, char **out, struct moat_error *err)
{
    const char *slash = strchr(in, '/');
    size_t ulen = slash ? (size_t)(slash - in - 1) : strlen(in + 1);
    const char *rest = slash ? slash : "";

    _cleanup_free_ char *user = NULL;
    if (ulen > 0) {
        user = strndup(in + 1, ulen);
        if (!user)
            return error_set(err, -ENOMEM, "out of memory");
    }
    _cleanup_free_ char *home = NULL;
    int r = home_dir(user, &home, err);
    if (r < 0)
        return r;
    if (home[0] != '/')
        return error_set(err, -EINVAL, "cannot expand \"~%s\": home directory \"%s\" is not "
                         "absolute", user ? user : "", home);
    if (asprintf(out, "%s/%s", home, rest) < 0) {
        *out = NULL;
        return error_set(err, -ENOMEM, "out of memory");
    }
    return 0;
}

int path_normalize(const char *in, const char *base_dir, char **out, struct moat_error *err)
{
    *out = NULL;
    if (!in || !*in)
        return error_set(err, -EINVAL, "empty path");

    _cleanup_free_ char *joined = NULL;
    if (in[0] == '~') {
        int r = expand_tilde(in, &joined, err);
        if (r < 0)
            return r;
    } else if (in[0] == '/') {
        joined = strdup(in);
        if (!joined)
            return error_set(err, -ENOMEM, "out of memory");
    } else {
        if (!base_dir || base_dir[0] != '/')
            return error_set(err, -EINVAL, "relative path \"%s\" needs an absolute base "
                             "directory", in);
        if (asprintf(&joined, "%s/%s", base_dir, in) < 0) {
            joined = NULL;
            return error_set(err, -ENOMEM, "out of memory");
        }
    }

    path_clean_absolute(joined);
    if (strlen(joined) >= PATH_MAX)
        return error_set(err, -EINVAL, "path too long (%zu bytes, the limit is %d)",
                         strlen(joined), PATH_MAX - 1);
    *out = steal_ptr(&joined);
    return 0;
}

enum path_variable path_find_variable(const char *s, char *var, size_t size)
{
    static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
    for (const char *d = strchr(s, '$'); d; d = strchr(d + 1, '$')) {
        const char *n = d + 1;
        if (*n == '{') {
            snprintf(var, size, "%.*s", (int)strcspn(n, "}/") + (n[strcspn(n, "}/")] == '}'),
                     n);
            return PATH_VAR_EXPECTED;
        }
        if (!*n || (*n >= '0' && *n <= '9') || (!strchr(upper, *n) && !strchr(lower, *n)))
            continue;
        size_t up = strspn(n, upper), len = up;
        while (n[len] && (strchr(upper, n[len]) || strchr(lower, n[len])))
            len++;
        snprintf(var, size, "%.*s", (int)len, n);
        return up == len ? PATH_VAR_EXPECTED : PATH_VAR_LITERAL;
    }
    return PATH_VAR_NONE;
}

enum path_variable path_variable_message(const char *s, char *msg, size_t size)
{
    char var[72];
    enum path_variable kind = path_find_variable(s, var, sizeof var);
    if (kind == PATH_VAR_LITERAL)
        snprintf(msg, size, "\"$%s\" is taken literally (moat does not expand variables)", var);
    else if (kind == PATH_VAR_EXPECTED)
        snprintf(msg, size, "moat does not expand variables (\"$%s\" would be a directory of "
                 "that name); %s", var, strcmp(var, "HOME") == 0 || strcmp(var, "{HOME}") == 0
                                        ? "write \"~\" for your home directory"
                                        : "write the path out");
    else if (size)
        msg[0] = '\0';
    return kind;
}
