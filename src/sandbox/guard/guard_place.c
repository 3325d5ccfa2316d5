/* Placing a file in the sandbox's tree; see guard_place.h.  The sandbox's
 * own mounts never change once the workload runs, so their table is read
 * once; a nested namespace's table is read only when the kernel's name for
 * a file does not prove itself. */
#include "sandbox/guard/guard_place.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif
#ifndef BINFMTFS_MAGIC
#define BINFMTFS_MAGIC 0x42494e4d
#endif

struct mount_line {
    unsigned long long id;
    unsigned major, minor;
    char *root;  /* the mount's root, as a path inside its filesystem */
    char *point; /* where it is mounted, from the reading thread's root */
};

/* The sandbox's mount table (the guard's own). */
static struct mount_line *own;
static size_t n_own;
static int own_loaded; /* 0: not yet, 1: read, -errno: unreadable */

static char *read_all(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap);
    for (ssize_t n; buf; len += (size_t)n) {
        if (len + 1 >= cap) {
            char *bigger = cap < (16u << 20) ? realloc(buf, cap *= 2) : NULL;
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

/* "ID PARENT MAJ:MIN ROOT POINT ...": the fields are cut out of line in place. */
static bool parse_line(char *line, struct mount_line *m)
{
    char *save = NULL, *id = strtok_r(line, " ", &save);
    char *parent = strtok_r(NULL, " ", &save), *dev = strtok_r(NULL, " ", &save);
    char *root = strtok_r(NULL, " ", &save), *point = strtok_r(NULL, " ", &save);
    if (!id || !parent || !dev || !root || !point ||
        sscanf(dev, "%u:%u", &m->major, &m->minor) != 2)
        return false;
    m->id = strtoull(id, NULL, 10);
    unescape(root);
    unescape(point);
    m->root = root;
    m->point = point;
    return true;
}

/* Every line of a mountinfo text; the strings point into text. */
static size_t parse_table(char *text, struct mount_line **out)
{
    size_t n = 0, cap = 0;
    struct mount_line *v = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        struct mount_line m;
        if (!parse_line(line, &m))
            continue;
        if (n == cap) {
            struct mount_line *bigger = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof *v);
            if (!bigger)
                break;
            v = bigger;
        }
        v[n++] = m;
    }
    *out = v;
    return n;
}

static int load_own(void)
{
    if (own_loaded == 0) {
        char *text = read_all("/proc/self/mountinfo"); /* kept: own[] points into it */
        n_own = text ? parse_table(text, &own) : 0;
        own_loaded = n_own ? 1 : -EACCES;
    }
    return own_loaded < 0 ? own_loaded : 0;
}

static int kernel_name(int fd, char *buf, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, size - 1);
    if (n < 0)
        return -errno;
    if ((size_t)n >= size - 1)
        return -ENAMETOOLONG;
    buf[n] = '\0';
    return 0;
}

/* Is path, in the sandbox's tree, the file sx describes?  Walked by the
 * kernel from the guard's root without following any link, so a name that
 * passes is the file's own.  The O_PATH fd of it, or -1. */
static int names_file(int root, const char *path, const struct statx *want)
{
    if (path[0] != '/')
        return -1;
    struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                            .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    int fd = (int)syscall(SYS_openat2, root, path[1] ? path + 1 : ".", &how, sizeof how);
    struct statx sx;
    if (fd >= 0 && statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO, &sx) == 0 &&
        sx.stx_dev_major == want->stx_dev_major && sx.stx_dev_minor == want->stx_dev_minor &&
        sx.stx_ino == want->stx_ino)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* The rest of path after the directory dir ("" when equal), or NULL when
 * path is not inside dir. */
static const char *inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return path;
    if (strncmp(path, dir, n) != 0 || (path[n] != '\0' && path[n] != '/'))
        return NULL;
    return path + n;
}

/* Filesystems a nested namespace makes for itself and the host never sees:
 * writing there changes nothing shared.  Anything else new (overlayfs, whose
 * upper layer is a host directory) cannot be placed. */
static bool private_filesystem(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0)
        return false;
    switch ((unsigned long)sf.f_type) {
    case TMPFS_MAGIC: case RAMFS_MAGIC: case MQUEUE_MAGIC: case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC: case BINFMTFS_MAGIC:
        return true;
    default:
        return false;
    }
}

/* Pipes, sockets, anonymous inodes and terminals (a descriptor the command
 * was given or made): objects, not files of a tree; no mount table shows
 * the kernel's mounts of the first three, and a terminal is a device. */
static bool not_a_file(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0)
        return false;
    switch ((unsigned long)sf.f_type) {
    case PIPEFS_MAGIC: case SOCKFS_MAGIC: case ANON_INODE_FS_MAGIC: case DEVPTS_SUPER_MAGIC:
        return true;
    default:
        return false;
    }
}

/* The kernel's own mount of memfd_create(2)'s files, in no table: its id,
 * learnt from a memfd of the guard's; -1 when unknown.  (The kernel reports
 * 0 for all its internal mounts, which hold objects a descriptor was made
 * for, never files of a tree: a memfd, a pidfd, a namespace.) */
static long long memfd_mount(void)
{
    static long long id = -2;
    if (id == -2) {
        id = -1;
        _cleanup_close_ int fd = (int)syscall(SYS_memfd_create, "moat-guard", MFD_CLOEXEC);
        struct statx sx;
        if (fd >= 0 && statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) == 0 &&
            (sx.stx_mask & STATX_MNT_ID))
            id = (long long)sx.stx_mnt_id;
    }
    return id;
}

/* The mount table of the calling thread (its nested namespace's); NULL when
 * unreadable.  The strings of *lines point into the returned text. */
static char *their_table(const struct guard_task *t, struct mount_line **lines, size_t *n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)t->tid);
    char *text = read_all(path);
    *lines = NULL;
    *n = text ? parse_table(text, lines) : 0;
    return text;
}

/* A file on a filesystem the sandbox does not have: -EXDEV (not shared,
 * nothing to judge) only for what the calling thread's own namespace
 * mounted, by its mount id in that thread's table, and for the kernel's
 * objects (not_a_file, memfds).  The type alone proves nothing: a host
 * tmpfs or procfs file handed in as a descriptor has a private type too,
 * and is the host's. */
static int foreign_filesystem(const struct guard_task *t, int fd, const struct statx *sx)
{
    if (not_a_file(fd) || (long long)sx->stx_mnt_id == memfd_mount())
        return -EXDEV;
    if (!private_filesystem(fd))
        return -EACCES;
    _cleanup_free_ struct mount_line *theirs = NULL;
    size_t n;
    _cleanup_free_ char *text = their_table(t, &theirs, &n);
    (void)text; /* the lines point into it: freed at return */
    for (size_t i = 0; i < n; i++)
        if (theirs[i].id == sx->stx_mnt_id)
            return -EXDEV;
    return -EACCES;
}

/* The fd is on a mount of a nested namespace: translate the kernel's name
 * for it (in buf, from that namespace's root) through the mount it is on
 * to the sandbox's tree. */
static int translate(const struct guard_task *t, const struct statx *sx, char *buf, size_t size,
                     int *view)
{
    _cleanup_free_ struct mount_line *theirs = NULL;
    size_t n;
    _cleanup_free_ char *text = their_table(t, &theirs, &n);
    (void)text; /* the lines point into it: freed at return */
    const struct mount_line *m = NULL;
    for (size_t i = 0; i < n && !m; i++)
        if (theirs[i].id == sx->stx_mnt_id)
            m = &theirs[i];
    /* The kernel's name is relative to the root of the file's mount
     * namespace, the thread's mount table to the thread's root: after a
     * chroot (not a pivot_root) they differ by the root's own name. */
    const char *name = buf;
    char root_name[4096];
    if (t->own_root && kernel_name(t->root, root_name, sizeof root_name) == 0 &&
        strcmp(root_name, "/") != 0) {
        name = inside(buf, root_name);
        if (name && !*name)
            name = "/";
    }
    const char *rel = m && name ? inside(name, m->point) : NULL;
    if (!rel)
        return -EACCES;
    char fs_path[8192];
    if (snprintf(fs_path, sizeof fs_path, "%s%s", strcmp(m->root, "/") ? m->root : "", rel) >=
        (int)sizeof fs_path)
        return -EACCES;
    /* The sandbox's mount of the same filesystem that shows the most of it. */
    const struct mount_line *best = NULL;
    const char *best_rest = NULL;
    for (size_t i = 0; i < n_own; i++) {
        const char *rest = own[i].major == sx->stx_dev_major && own[i].minor == sx->stx_dev_minor
                               ? inside(fs_path[0] ? fs_path : "/", own[i].root)
                               : NULL;
        if (rest && (!best || strlen(own[i].root) > strlen(best->root))) {
            best = &own[i];
            best_rest = rest;
        }
    }
    char cand[8192];
    if (!best || snprintf(cand, sizeof cand, "%s%s", strcmp(best->point, "/") ? best->point : "",
                          *best_rest ? best_rest : (strcmp(best->point, "/") ? "" : "/")) >=
                     (int)sizeof cand)
        return -EACCES;
    if (strlen(cand) >= size || (*view = names_file(t->guard_root, cand, sx)) < 0)
        return -EACCES;
    memcpy(buf, cand, strlen(cand) + 1);
    return 0;
}

int guard_place(const struct guard_task *t, int fd, char *buf, size_t size, int *view)
{
    int unused;
    if (!view)
        view = &unused;
    *view = -1;
    if (!t->nested)
        return kernel_name(fd, buf, size);
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &sx) < 0)
        return -errno;
    if (!(sx.stx_mask & STATX_MNT_ID) || load_own() < 0)
        return -EACCES;
    bool own_mount = false, own_device = false;
    for (size_t i = 0; i < n_own; i++) {
        own_mount |= own[i].id == sx.stx_mnt_id;
        own_device |= own[i].major == sx.stx_dev_major && own[i].minor == sx.stx_dev_minor;
    }
    int r = kernel_name(fd, buf, size);
    if (own_mount || r < 0)
        return r;
    if (!own_device)
        return foreign_filesystem(t, fd, &sx);
    /* Mounted where the sandbox has it (bwrap --bind X X): the name proves itself. */
    if ((*view = names_file(t->guard_root, buf, &sx)) >= 0)
        r = 0;
    else
        r = translate(t, &sx, buf, size, view);
    if (view == &unused && unused >= 0)
        close(unused);
    return r;
}
