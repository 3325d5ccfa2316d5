/* The `moat` command's resident set, once the sandbox runs: the code it ran only to start
 * (policy parsing, the mount plan, ...) stays mapped, page by page, as fault-around left it
 * (64 KiB around every page touched, so nearly all of libc).  trim_start_up_pages drops
 * those mappings of read-only file pages; what serving needs is faulted back in on use.
 * Never touches a page that is not a clean copy of its file (no anonymous, no writable one). */
#ifndef MOAT_CLI_TRIM_H
#define MOAT_CLI_TRIM_H

void trim_start_up_pages(void);

#endif
