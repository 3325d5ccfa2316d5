/* CIDR arithmetic for mxc's directional network rules: a destination "cidr
 * except [...]" as the list of blocks it leaves, and a block with protocol
 * and port as moat rule text.  Pure: no allocation, no I/O. */
#ifndef MOAT_POLICY_MXC_CIDR_H
#define MOAT_POLICY_MXC_CIDR_H

#include <stddef.h>
#include <stdint.h>

#include "net/rules/addr.h"

/* The blocks of `base` outside every `except` (each within base, same
 * family), fewest blocks, in address order, into out[0..max).  Returns the
 * count, or -E2BIG when more than max are needed. */
int mxc_cidr_subtract(const struct net_cidr *base, const struct net_cidr *except, size_t n_except,
                      struct net_cidr *out, size_t max);

/* moat rule text for a block: scheme ("", "tcp://", "udp://") + block +
 * ":port" when port is not 0; an IPv6 block with a port is written
 * "[2001:db8::]/32:443".  0 or -ENOSPC. */
int mxc_cidr_rule(const struct net_cidr *c, const char *scheme, uint16_t port, char *buf,
                  size_t size);

#endif
