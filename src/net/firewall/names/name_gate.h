/* Firewall mode's gate for a connection to a pool address: the address was handed out for
 * one name, and the connection is dialled by that name, but a server shared by many names
 * (a CDN, a virtual host) picks the site from what the client sends.  So every name the
 * client's bytes claim must be that name, request after request, and bytes that look like
 * TLS or HTTP but claim no name, or cannot be read, are refused (fail closed).
 *
 * The rule (docs/network.md, "The name a connection claims"):
 *   - TLS: the ClientHello (however its records are split, whatever their version bytes,
 *     after any ChangeCipherSpec or alert records) must carry the name as SNI; then the
 *     connection is encrypted and passes.
 *   - HTTP/1: each request head, after any empty lines, must name the host in every place a
 *     server may take it from (absolute-form target, every Host field), and nothing else;
 *     its body is framed exactly, and the next request is judged in turn.
 *   - HTTP/2 with prior knowledge (or after an h2c upgrade): every request's HEADERS carry
 *     :authority or host, HPACK-decoded (libnghttp2's decoder), naming the host.
 *   - Anything else (SSH, a database protocol, a server-first protocol) passes: a shared
 *     server of those cannot be asked for another site by name.
 * Decides from bytes the relay shows it; never reads a socket, prints or logs.  Not
 * reentrant (static buffers): the supervisor is one thread. */
#ifndef MOAT_NET_NAME_GATE_H
#define MOAT_NET_NAME_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "net/io/relay.h"
#include "net/rules/hostpat.h"

struct name_gate;

/* The start of a line a client let through before the line ended (a bare token: bytes that
 * no server acts on alone), kept to judge the line whole: at most this much (Apache's
 * longest request line), allocated only when needed.  Longer, it is held back as any
 * undecided bytes are. */
#define NAME_GATE_HELD_MAX 8192

/* A gate for a connection bound to `name`: firewall mode's connections to its pool address,
 * and the proxies' tunnels opened to it (CONNECT, SOCKS5), where a shared server is asked
 * the same way.  `bound` ends the refusal reasons: "the address was handed out for",
 * "the tunnel was opened to".  NULL when out of memory. */
struct name_gate *name_gate_new(const char *name, const char *bound);
void name_gate_free(struct name_gate *g);

/* Why the gate refused, for the log. */
struct name_gate_refusal {
    char claimed[HOSTNAME_MAX + 1]; /* the name claimed, or "" when none was */
    char reason[HOSTNAME_MAX * 2 + 160];
};

/* Judge the bytes p[0..n) that follow what the gate has passed so far.  MORE: wait for
 * more; PASS: *pass bytes may go (RELAY_GATE_FOREVER: all that follow); REFUSE: *refusal
 * says why.  The relay calls it again once *pass bytes have gone. */
enum relay_gate name_gate_judge(struct name_gate *g, const uint8_t *p, size_t n, size_t *pass,
                                struct name_gate_refusal *refusal);

#endif
