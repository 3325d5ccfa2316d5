/* The sandbox's own filesystems, mounted before the policy's rules: a
 * fresh procfs with the kernel's writable knobs read-only, a fresh sysfs
 * for the sandbox's network namespace, the minimal /dev, and the private
 * /tmp, each tmpfs with a size bound.  Never shares anything of the host's
 * /proc, /sys or /dev beyond the device nodes devfs.c binds. */
#ifndef MOAT_SANDBOX_MOUNT_SYSTEM_H
#define MOAT_SANDBOX_MOUNT_SYSTEM_H

#include <stdbool.h>

#include "policy/model.h"
#include "util/strv.h"

struct mount_system {
    int newroot;               /* the root being assembled */
    bool own_netns;            /* a fresh sysfs needs a network namespace of our own */
    bool private_tmp;
    const char *tmp_size;      /* tmpfs "size=" for /tmp and /dev/shm */
    struct moat_strv *own_tmpfs; /* appended: tmpfs mounts moat made (paths in newroot) */
    struct moat_strv *make_ro;   /* appended: those to make read-only at the end */
};

int mount_system_build(const struct mount_system *s, struct moat_error *err);

/* The tmpfs size for /tmp and /dev/shm: the policy's tmpSize in bytes, or
 * a quarter of RAM.  buf gets the fsconfig "size" value. */
void mount_system_tmp_size(const struct moat_policy *p, char *buf, size_t size);

#endif
