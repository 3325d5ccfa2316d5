/* Read rights around denied paths, for landlock isolation: Landlock rules
 * only ever add rights beneath a directory, so a path cannot be taken out of
 * a readable tree.  Instead every entry of each directory on the way down to
 * a denied path is granted on its own, and the entry that leads to it is
 * descended into.  Reads the tree once, at start; never follows a symlink
 * (reading through one lands on its target's own rules) and never widens
 * what the caller asked for. */
#include "sandbox/confine/landlock_carve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/confine/landlock_abi.h"
#include "util/error.h"

struct carve {
    int ruleset_fd;
    const char *const *denied;
    size_t n_denied;
    uint64_t dir_rights, file_rights;
    struct moat_error *err;
    unsigned rules;
};

/* Is `path` equal to or below `dir`? (normalised absolute paths) */
static bool within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1)
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int add_rule(struct carve *c, int fd, bool is_dir, const char *path)
{
    uint64_t rights = is_dir ? c->dir_rights : c->file_rights;
    if (!rights)
        return 0;
    struct landlock_path_beneath_attr rule = { .allowed_access = rights, .parent_fd = fd };
    if (syscall(__NR_landlock_add_rule, c->ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
        return error_set_errno(c->err, -errno, "landlock: cannot add a read rule for %s", path);
    c->rules++;
    return 0;
}

/* Grant `path` (fd: its O_PATH, not a symlink), carving out the denied paths
 * below it. */
static int carve_at(struct carve *c, int fd, const char *path)
{
    bool inside = false;
    for (size_t i = 0; i < c->n_denied; i++) {
        if (strcmp(c->denied[i], path) == 0)
            return 0; /* the denied path itself: no rule */
        inside |= within(c->denied[i], path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return error_set_errno(c->err, -errno, "landlock: cannot stat %s", path);
    if (!inside || !S_ISDIR(st.st_mode))
        return add_rule(c, fd, S_ISDIR(st.st_mode), path);
    /* A denied path lies below: each entry on its own. */
    int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (!d) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        return error_set_errno(c->err, -e, "landlock: cannot list %s to carve the denied paths "
                               "out of it", path);
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && (errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char child[4096];
        if (snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", de->d_name) >=
            (int)sizeof child)
            continue; /* longer than any policy path: no denied path can lie there */
        int cfd = openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0)
            continue; /* gone since the listing: nothing to grant */
        struct stat cst;
        if (fstat(cfd, &cst) == 0 && !S_ISLNK(cst.st_mode))
            r = carve_at(c, cfd, child);
        close(cfd);
    }
    if (r == 0 && errno)
        r = error_set_errno(c->err, -errno, "landlock: cannot list %s", path);
    closedir(d);
    return r;
}

int landlock_carve_reads(int ruleset_fd, const char *const *roots, size_t n_roots,
                         const char *const *denied, size_t n_denied, uint64_t dir_rights,
                         uint64_t file_rights, struct moat_error *err)
{
    struct carve c = { .ruleset_fd = ruleset_fd, .denied = denied, .n_denied = n_denied,
                       .dir_rights = dir_rights, .file_rights = file_rights, .err = err };
    for (size_t i = 0; i < n_roots; i++) {
        /* A root may be spelled through a symlink (/bin on merged /usr):
         * its own location is what counts, so follow it here only. */
        int fd = open(roots[i], O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue;
            return error_set_errno(err, -errno, "landlock: cannot open %s", roots[i]);
        }
        char canon[4096];
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, canon, sizeof canon - 1);
        int r;
        if (n <= 0 || canon[0] != '/') {
            r = error_set_errno(err, n < 0 ? -errno : -EINVAL, "landlock: cannot name %s",
                                roots[i]);
        } else {
            canon[n] = '\0';
            r = carve_at(&c, fd, canon);
        }
        close(fd);
        if (r < 0)
            return r;
    }
    return (int)c.rules;
}
