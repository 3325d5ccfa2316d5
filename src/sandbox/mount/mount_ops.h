/* Mount primitives that work on file descriptors, never on re-resolved path
 * strings: a path is resolved once (openat2, symlinks confined to a root or
 * refused), and every mount goes through the resulting fds with the new
 * mount API, so swapping a symlink between check and mount redirects nothing.
 * Runs only inside the sandbox's own mount namespace. */
#ifndef MOAT_SANDBOX_MOUNT_OPS_H
#define MOAT_SANDBOX_MOUNT_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/model.h"

/* Open `path` (absolute) below root_fd as O_PATH.  follow=true resolves
 * symlinks with every jump confined to root_fd (RESOLVE_IN_ROOT: an absolute
 * link target is taken relative to root_fd, never to our own root);
 * follow=false refuses any symlink in any component (RESOLVE_NO_SYMLINKS).
 * Returns the fd or -errno. */
int mnt_open_path(int root_fd, const char *path, bool follow);

/* The path of an O_PATH fd as seen from our root ("/proc/self/fd" is
 * unavailable mid-setup, so the caller passes a procfs dir fd). */
int mnt_fd_path(int proc_fd, int fd, char *buf, size_t size);

/* Clone the mount tree at src_fd (recursively), apply `attr_set` /
 * `attr_clr` (MOUNT_ATTR_*) to the whole clone, and mount it on dst_fd. */
int mnt_bind(int src_fd, int dst_fd, uint64_t attr_set, uint64_t attr_clr);

/* Mount a fresh tmpfs on dst_fd with the given mode, size bound (tmpfs's
 * "size=": bytes, with k/m/g, or a percentage of RAM) and attributes. */
int mnt_tmpfs(int dst_fd, const char *mode, const char *size, uint64_t attr_set);

/* The small size moat's own masks and directories need. */
#define MNT_SMALL "1m"

/* Change attributes of the mount at fd (recursive or just that mount). */
int mnt_setattr(int fd, uint64_t attr_set, uint64_t attr_clr, bool recursive);

/* Create the missing components of `path` below root_fd as directories
 * (and the last as a regular file when last_is_file), refusing symlinks.
 * Only ever called where root_fd/path lies on a tmpfs moat created itself. */
int mnt_make_mountpoint(int root_fd, const char *path, bool last_is_file);

#endif
