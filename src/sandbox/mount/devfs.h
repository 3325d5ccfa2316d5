/* The sandbox's minimal /dev: a moat tmpfs with the harmless host device
 * nodes bound in, a private devpts instance, /dev/shm and the fd links.
 * Never exposes disks, consoles or other devices. */
#ifndef MOAT_SANDBOX_DEVFS_H
#define MOAT_SANDBOX_DEVFS_H

#include "policy/model.h"

/* oldroot: the host tree; newroot: the root being assembled. */
int devfs_build(int oldroot, int newroot, const char *shm_size, struct moat_error *err);

#endif
