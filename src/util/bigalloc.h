/* Large per-connection state (a proxy connection's 144 KiB of buffers, a DNS-over-TCP
 * client's 64 KiB) straight from mmap(2): the pages are zero without being written, so a
 * connection holds in memory only what its peer actually sent, and they go back to the
 * kernel when it closes.  (calloc() from malloc's heap writes every page of them, and a
 * workload holding a hundred half-open connections made moat resident in 17 MiB.) */
#ifndef MOAT_UTIL_BIGALLOC_H
#define MOAT_UTIL_BIGALLOC_H

#include <stddef.h>

/* n zero bytes, page-aligned, or NULL (errno set). */
void *big_zalloc(size_t n);
/* Give back what big_zalloc(n) returned (NULL is fine). */
void big_free(void *p, size_t n);

#endif
