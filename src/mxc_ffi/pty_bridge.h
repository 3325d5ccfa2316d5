/* The pseudo-terminal as two pipes: mxc hands its caller plain pipe ends
 * for a pty sandbox's input and output (Node's net.Socket refuses a
 * terminal descriptor), so a thread relays between them and the pty master
 * the sandbox owns.  Never touches the sandbox itself. */
#ifndef MOAT_MXC_FFI_PTY_BRIDGE_H
#define MOAT_MXC_FFI_PTY_BRIDGE_H

struct pty_bridge;

/* Start relaying for master (not owned: it must outlive the bridge), the
 * terminal showing `first` (at most 64 KiB) before anything else; the
 * caller gets *in_w (what it writes is typed into the terminal; closing it
 * is the terminal's end of file) and *out_r (what the terminal shows; end
 * of file once no process in the sandbox has the terminal open).  0 or
 * -errno. */
int pty_bridge_start(int master, const char *first, int *in_w, int *out_r,
                     struct pty_bridge **out);
/* Stop relaying, wait for the thread, close its ends.  NULL is fine. */
void pty_bridge_stop(struct pty_bridge *b);

#endif
