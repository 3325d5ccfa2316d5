/* Dropping start-up pages; see trim.h.  The CLI's, not the library's: a library must not
 * change its caller's mappings. */
#include "cli/trim.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

void trim_start_up_pages(void)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f)
        return;
    char line[512], perms[8] = "", path[256] = "";
    unsigned long start = 0, end = 0;
    bool candidate = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        char p[8];
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &a, &b, p, path) >= 3 &&
            strchr(line, '-') < strchr(line, ' ')) {
            start = a;
            end = b;
            snprintf(perms, sizeof perms, "%s", p);
            /* Read-only (text, constants), private, backed by a file. */
            candidate = perms[1] == '-' && perms[3] == 'p' && path[0] == '/';
            path[0] = '\0';
            continue;
        }
        unsigned long anon;
        /* "Anonymous:" comes after the counters that matter; a page relocated or written
         * (RELRO) is anonymous: such a mapping is never dropped. */
        if (candidate && sscanf(line, "Anonymous: %lu kB", &anon) == 1) {
            if (anon == 0)
                madvise((void *)start, end - start, MADV_DONTNEED);
            candidate = false;
        }
    }
    fclose(f);
}
