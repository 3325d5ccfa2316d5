/* Extended DNS Errors (RFC 8914) on the error answers moat builds itself: the
 * reason a lookup failed, in the answer, where `dig` and other clients show it
 * ("EDE: 22 (No Reachable Authority): (moat: no answer from ...)").  Appends
 * one option to the OPT record dns_build_response put last; never parses or
 * changes anything else. */
#ifndef MOAT_NET_DNS_EDE_H
#define MOAT_NET_DNS_EDE_H

#include <stddef.h>
#include <stdint.h>

#include "net/dns/dns_msg.h"

enum dns_ede {
    DNS_EDE_OTHER = 0,
    DNS_EDE_NO_REACHABLE_AUTHORITY = 22,
    DNS_EDE_NETWORK_ERROR = 23,
};

/* msg (len octets, room for cap) is an answer to q from dns_build_response.  When q had
 * EDNS, its OPT (the last record, without options) gains an EDE option with `code` and
 * `text` (shortened to fit); otherwise (no OPT, no room) msg is left as it is.  Returns
 * the new length. */
size_t dns_ede_append(const struct dns_query *q, uint8_t *msg, size_t len, size_t cap,
                      enum dns_ede code, const char *text);

#endif
