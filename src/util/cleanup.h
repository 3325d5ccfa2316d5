/* Scope-bound cleanup (GCC/Clang `cleanup` attribute), so error paths cannot
 * leak fds or memory.  Use `steal_fd`/`steal_ptr` to hand ownership out. */
#ifndef MOAT_UTIL_CLEANUP_H
#define MOAT_UTIL_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
    free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))

static inline int steal_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}

static inline void *steal_ptr(void *pp)
{
    void **p = pp;
    void *r = *p;
    *p = NULL;
    return r;
}

#endif
