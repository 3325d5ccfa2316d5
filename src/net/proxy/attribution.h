/* What a proxy credential's user label says about the command that sent a request: srt
 * names each command in its proxy user ("srt." and the base64 of the command's first 100
 * characters), and moat shows that text in the violation log.  The label is the workload's
 * to choose: it is shown, never trusted for a decision.  Pure string transform. */
#ifndef MOAT_NET_PROXY_ATTRIBUTION_H
#define MOAT_NET_PROXY_ATTRIBUTION_H

#include <stddef.h>

/* The label (percent-decoded, as a client that kept the URL's escapes sends it, then
 * base64-decoded) as printable text in out: control characters and invalid UTF-8 become
 * '?'.  A label that is not base64 is shown as written, printable.  "" for "". */
void proxy_attribution(const char *label, char *out, size_t size);

#endif
