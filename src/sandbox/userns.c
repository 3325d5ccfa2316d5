/* uid/gid maps; see userns.h.  A process may map only its own ids into a
 * namespace it created, and only after setgroups is denied
 * (user_namespaces(7), "Writing to uid_map and gid_map"). */
#include "sandbox/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"

static int write_file(const char *path, const char *text, struct moat_error *err)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return error_set_errno(err, -errno, "cannot open %s", path);
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        return error_set_errno(err, -errno, "cannot write \"%.*s\" to %s", (int)strcspn(text, "\n"),
                               text, path);
    return 0;
}

int userns_map_self(uid_t outer_uid, gid_t outer_gid, struct moat_error *err)
{
    char map[64];
    int r = write_file("/proc/self/setgroups", "deny", err);
    if (r < 0)
        return r;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)outer_uid, (unsigned)outer_uid);
    if ((r = write_file("/proc/self/uid_map", map, err)) < 0)
        return r;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)outer_gid, (unsigned)outer_gid);
    return write_file("/proc/self/gid_map", map, err);
}
