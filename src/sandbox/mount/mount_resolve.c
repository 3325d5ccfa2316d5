/* Resolving policy paths in the host tree; see mount_resolve.h.  Every
 * lookup goes through fds below the host root: an absolute symlink target
 * is taken relative to the host tree, never to the staging root. */
#include "sandbox/mount/mount_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/paths.h"
#include "sandbox/mount/mount_ops.h"
#include "util/cleanup.h"
#include "util/error.h"

#define MAX_LINKS 40

/* The canonical path of an fd below the host root ("/oldroot/x" -> "/x"). */
static int host_canon(const struct host_view *h, int fd, char *canon, size_t size)
{
    char buf[4096];
    int r = mnt_fd_path(h->proc, fd, buf, sizeof buf);
    if (r < 0)
        return r;
    size_t n = strlen(h->prefix);
    if (strncmp(buf, h->prefix, n) != 0 || (buf[n] != '/' && buf[n] != '\0'))
        return -EXDEV; /* outside the host tree: cannot happen with RESOLVE_IN_ROOT */
    if (snprintf(canon, size, "%s", buf[n] ? buf + n : "/") >= (int)size)
        return -ENAMETOOLONG;
    return 0;
}

static int join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", strcmp(dir, "/") ? dir : "", name);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int resolve_path_depth(const struct host_view *h, const char *path, int *fd, char *canon,
                              size_t size, int depth)
{
    *fd = -1;
    int f = mnt_open_path(h->oldroot, path, true);
    if (f >= 0) {
        int r = host_canon(h, f, canon, size);
        if (r < 0) {
            close(f);
            return r;
        }
        *fd = f;
        return 0;
    }
    if (f != -ENOENT && f != -ENOTDIR)
        return f;
    /* Missing: the nearest existing ancestor, resolved, plus the rest.  A
     * dangling symlink on the way counts as its target (a name created
     * there later is created at the target). */
    char parent[4096];
    if (snprintf(parent, sizeof parent, "%s", path) >= (int)sizeof parent)
        return -ENAMETOOLONG;
    char *slash = strrchr(parent, '/');
    if (!slash || slash[1] == '\0')
        return -ENOENT;
    const char *name = path + (slash - parent) + 1;
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    _cleanup_close_ int pfd = -1;
    char pcanon[4096];
    int r = resolve_path_depth(h, parent, &pfd, pcanon, sizeof pcanon, depth);
    if (r < 0)
        return r;
    if (pfd >= 0) {
        struct stat st;
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            char target[4096], next[4096];
            ssize_t n = readlinkat(pfd, name, target, sizeof target - 1);
            if (n <= 0)
                return n < 0 ? -errno : -ENOENT;
            target[n] = '\0';
            if (target[0] == '/')
                snprintf(next, sizeof next, "%s", target);
            else if (join(next, sizeof next, pcanon, target) < 0)
                return -ENAMETOOLONG;
            if (!path_clean_absolute(next) || strcmp(next, path) == 0)
                return -ELOOP;
            if (depth >= MAX_LINKS)
                return -ELOOP;
            return resolve_path_depth(h, next, fd, canon, size, depth + 1);
        }
    }
    return join(canon, size, pcanon, name);
}

int resolve_host_path(const struct host_view *h, const char *path, int *fd, char *canon,
                      size_t size)
{
    return resolve_path_depth(h, path, fd, canon, size, 0);
}

/* One component walk step: the pending components of the path left to
 * walk, as a string, and where we stand. */
int resolve_host_symlinks(const struct host_view *h, const char *path, symlink_fn cb, void *ctx)
{
    char rest[4096];
    if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
        return -ENAMETOOLONG;
    _cleanup_close_ int cur = fcntl(h->oldroot, F_DUPFD_CLOEXEC, 3);
    if (cur < 0)
        return -errno;
    int links = 0;
    char *p = rest;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        char comp[256];
        if (n >= sizeof comp)
            return -ENAMETOOLONG;
        memcpy(comp, p, n);
        comp[n] = '\0';
        p += n;
        if (strcmp(comp, ".") == 0)
            continue;
        char here[4096];
        int r = host_canon(h, cur, here, sizeof here);
        if (r < 0)
            return r;
        if (strcmp(comp, "..") == 0) {
            if (strcmp(here, "/") == 0)
                continue; /* ".." of the root is the root */
            int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (up < 0)
                return -errno;
            close(cur);
            cur = up;
            continue;
        }
        struct stat st;
        if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        if (S_ISLNK(st.st_mode)) {
            char location[4096], target[4096], next[4096];
            if ((r = join(location, sizeof location, here, comp)) < 0)
                return r;
            if ((r = cb(ctx, location)) != 0)
                return r;
            if (++links > MAX_LINKS)
                return -ELOOP;
            ssize_t t = readlinkat(cur, comp, target, sizeof target - 1);
            if (t <= 0)
                return t < 0 ? -errno : 0;
            target[t] = '\0';
            /* Continue with the target, then what was left after the link. */
            if (snprintf(next, sizeof next, "%s/%s", target, p) >= (int)sizeof next)
                return -ENAMETOOLONG;
            snprintf(rest, sizeof rest, "%s", next);
            p = rest;
            if (target[0] == '/') {
                int root = fcntl(h->oldroot, F_DUPFD_CLOEXEC, 3);
                if (root < 0)
                    return -errno;
                close(cur);
                cur = root;
            }
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            return 0; /* the last component, or ENOTDIR for the kernel to report */
        int next = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            return -errno;
        close(cur);
        cur = next;
    }
    return 0;
}

/* Read a small file below the host root (at most size-1 bytes), without
 * following a symlink in its last component. */
static int read_small(const struct host_view *h, const char *path, char *buf, size_t size)
{
    _cleanup_close_ int opath = mnt_open_path(h->oldroot, path, true);
    if (opath < 0)
        return opath;
    struct stat st;
    if (fstat(opath, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    char link[64];
    snprintf(link, sizeof link, "self/fd/%d", opath);
    _cleanup_close_ int fd = openat(h->proc, link, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, size - 1);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return 0;
}

/* The path a gitdir-style file names ("gitdir: X" when prefix is given,
 * else the whole first line), relative to `base`. */
static int read_pointer(const struct host_view *h, const char *file, const char *prefix,
                        const char *base, char *out, size_t size)
{
    char buf[4096];
    int r = read_small(h, file, buf, sizeof buf);
    if (r < 0)
        return r;
    const char *v = buf;
    if (prefix) {
        size_t n = strlen(prefix);
        if (strncmp(buf, prefix, n) != 0)
            return -EINVAL;
        v += n;
        v += strspn(v, " \t");
    }
    size_t len = strcspn(v, "\r\n");
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    if (len == 0)
        return -EINVAL;
    char target[4096];
    snprintf(target, sizeof target, "%.*s", (int)len, v);
    if (target[0] == '/')
        snprintf(out, size, "%s", target);
    else if (join(out, size, base, target) < 0)
        return -ENAMETOOLONG;
    return path_clean_absolute(out) ? 0 : -EINVAL;
}

int resolve_git_hooks_path(const struct host_view *h, const char *config, const char *base,
                           const char *home, char *out, size_t size)
{
    char buf[65536];
    int r = read_small(h, config, buf, sizeof buf);
    if (r < 0)
        return r;
    bool in_core = false;
    char value[4096] = "";
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line += strspn(line, " \t");
        if (*line == '[') {
            in_core = strncasecmp(line, "[core]", 6) == 0;
            continue;
        }
        if (!in_core || strncasecmp(line, "hookspath", 9) != 0)
            continue;
        char *v = line + 9;
        v += strspn(v, " \t");
        if (*v != '=')
            continue;
        v++;
        v += strspn(v, " \t\"");
        size_t len = strcspn(v, "\"#;\r");
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
            len--;
        snprintf(value, sizeof value, "%.*s", (int)len, v); /* the last one wins, as in git */
    }
    if (!value[0])
        return -ENOENT;
    if (value[0] == '~' && value[1] == '/' && home)
        r = join(out, size, home, value + 2) < 0 ? -ENAMETOOLONG : 0;
    else if (value[0] == '/')
        r = snprintf(out, size, "%s", value) >= (int)size ? -ENAMETOOLONG : 0;
    else
        r = join(out, size, base, value);
    if (r < 0)
        return r;
    return path_clean_absolute(out) ? 0 : -EINVAL;
}

int resolve_gitdir_file(const struct host_view *h, const char *dotgit, char *gitdir,
                        size_t gsize, char *commondir, size_t csize)
{
    char base[4096];
    snprintf(base, sizeof base, "%s", dotgit);
    char *slash = strrchr(base, '/');
    if (!slash)
        return -EINVAL;
    if (slash == base)
        slash[1] = '\0';
    else
        *slash = '\0';
    gitdir[0] = commondir[0] = '\0';
    int r = read_pointer(h, dotgit, "gitdir:", base, gitdir, gsize);
    if (r < 0)
        return r;
    char file[4096];
    if (join(file, sizeof file, gitdir, "commondir") == 0 &&
        read_pointer(h, file, NULL, gitdir, commondir, csize) < 0)
        commondir[0] = '\0';
    return 0;
}
