/* Passing file descriptors over a unix socket (SCM_RIGHTS), with a small
 * data payload describing them. */
#ifndef MOAT_UTIL_FDPASS_H
#define MOAT_UTIL_FDPASS_H

#include <stddef.h>

#define FDPASS_MAX 64

/* Send len bytes of data with n fds (n may be 0).  0 or -errno. */
int fdpass_send(int sock, const void *data, size_t len, const int *fds, size_t n);
/* Receive one message: up to len bytes of data (returned) and up to max fds
 * (*n set; close-on-exec).  0 at EOF, -errno on error. */
long fdpass_recv(int sock, void *data, size_t len, int *fds, size_t max, size_t *n);

#endif
