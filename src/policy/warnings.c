/* Warnings about policies that would do nothing as written; see warnings.h.
 * Looks at the filesystem only to tell that an allowWrite path is missing:
 * enforcement never depends on it (the mount builder resolves each path
 * itself, through an fd, when it builds the sandbox). */
#include "policy/warnings.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strv.h"

int policy_warn(struct moat_policy *p, const char *fmt, ...)
{
    char *line = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    if (strv_contains(&p->warnings, line)) {
        free(line);
        return 0;
    }
    return strv_push_owned(&p->warnings, line);
}

/* path is root or lies below it */
static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return true;
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool strictly_under(const char *path, const char *root)
{
    return under(path, root) && strcmp(path, root) != 0;
}

static bool under_any(const char *path, const struct moat_strv *roots)
{
    for (size_t i = 0; i < roots->n; i++)
        if (under(path, roots->v[i]))
            return true;
    return false;
}

bool policy_dir_visible(const struct moat_policy *p, const char *path, const char **why)
{
    if (under_any(path, &p->fs.allow_write) || under_any(path, &p->fs.allow_read))
        return true;
    if (p->fs.private_tmp && strictly_under(path, "/tmp")) {
        *why = "the sandbox's private /tmp hides it";
        return false;
    }
    if (p->fs.read_model != MOAT_READ_LISTED)
        return true;
    /* The listed model's baseline (mount_tree.c) and the sandbox's own
     * /proc and /dev; its /tmp is a directory of its own, empty. */
    static const char *const shown[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
                                         "/libx32", "/etc", "/proc", "/dev", NULL };
    if (strcmp(path, "/") == 0 || strcmp(path, "/tmp") == 0)
        return true;
    for (const char *const *s = shown; *s; s++)
        if (under(path, *s))
            return true;
    *why = "the \"listed\" read model shows only the system baseline and the listed paths";
    return false;
}

bool policy_tmp_shows_cwd(const struct moat_policy *p, const char *cwd)
{
    return p->fs.private_tmp && p->fs.read_model == MOAT_READ_ALL && strictly_under(cwd, "/tmp") &&
           !under_any(cwd, &p->fs.deny_read);
}

bool policy_cwd_visible(const struct moat_policy *p, const char *cwd, const char **why)
{
    return policy_dir_visible(p, cwd, why) || policy_tmp_shows_cwd(p, cwd);
}

static int warn_network(struct moat_policy *p)
{
    if (!p->net.allow.n)
        return 0;
    if (p->net.mode == MOAT_NET_NONE)
        return policy_warn(p, "$.network.allow: \"%s\" has no effect in network mode \"none\" "
                           "(loopback only); set network.mode to \"proxy\" or \"firewall\" "
                           "(--network proxy) to reach the allowed destinations",
                           p->net.allow.v[0]);
    if (p->net.mode == MOAT_NET_HOST)
        return policy_warn(p, "$.network.allow: \"%s\" has no effect in network mode \"host\" "
                           "(every destination is reachable); use mode \"proxy\" or "
                           "\"firewall\" to reach only the allowed ones", p->net.allow.v[0]);
    return 0;
}

/* An allowWrite path that does not exist is writable only when the command
 * can create it: inside another writable tree (the write guard lets it), or
 * in the private /tmp.  Anywhere else it is simply absent. */
static int warn_missing_writable(struct moat_policy *p)
{
    for (size_t i = 0; i < p->fs.allow_write.n; i++) {
        const char *path = p->fs.allow_write.v[i];
        struct stat st;
        if (stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
            continue;
        bool creatable = p->fs.private_tmp && strictly_under(path, "/tmp");
        for (size_t j = 0; j < p->fs.allow_write.n && !creatable; j++)
            creatable = strictly_under(path, p->fs.allow_write.v[j]);
        if (creatable)
            continue;
        int r = policy_warn(p, "$.filesystem.allowWrite: \"%s\" does not exist, so the command "
                            "cannot write there (moat never creates paths on the host); create "
                            "it first", path);
        if (r < 0)
            return r;
    }
    return 0;
}

static int warn_hidden_cwd(struct moat_policy *p)
{
    if (p->proc.cwd)
        return 0;
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    const char *why = NULL;
    if (!cwd || policy_cwd_visible(p, cwd, &why))
        return 0;
    return policy_warn(p, "$.process.cwd: the current directory %s is not visible in the "
                       "sandbox (%s), so the command starts in /; set process.cwd (--cwd DIR) "
                       "to choose", cwd, why);
}

int policy_warn_no_effect(struct moat_policy *p)
{
    int r;
    if ((r = warn_network(p)) < 0 || (r = warn_missing_writable(p)) < 0 ||
        (r = warn_hidden_cwd(p)) < 0)
        return r;
    return 0;
}
