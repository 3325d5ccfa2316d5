/* `moat run`'s side of a running sandbox: forwards the signals a terminal
 * or a parent sends to moat, and, in pty mode, relays the caller's terminal
 * to the sandbox's pseudo-terminal (raw mode, window size, end of input),
 * while the library serves the sandbox.  Nothing here decides policy. */
#ifndef MOAT_CLI_SESSION_H
#define MOAT_CLI_SESSION_H

#include <stdbool.h>

#include "moat.h"

/* Should a command get a pseudo-terminal: --pty (1), --no-pty (0), or
 * unset (-1): when both stdin and stdout are terminals (stdout redirected
 * to a file would get the terminal's line endings). */
bool session_wants_pty(int flag);

/* The caller's window size for the pseudo-terminal (rows, cols; 0 when
 * unknown). */
void session_window_size(unsigned short *rows, unsigned short *cols);

/* Serve s until the command finishes; its status (or -errno, err filled).
 * `pty`: relay the caller's stdin/stdout to the sandbox's terminal. */
int session_run(struct moat_sandbox *s, bool pty, struct moat_error *err);

#endif
