/* Extended DNS Errors; see dns_ede.h. */
#include "net/dns/dns_ede.h"

#include <string.h>

#define EDE_OPTION 15 /* RFC 8914 §2 */
#define OPT_RR_LEN 11 /* root name, type, class (payload size), TTL, RDLENGTH */

size_t dns_ede_append(const struct dns_query *q, uint8_t *msg, size_t len, size_t cap,
                      enum dns_ede code, const char *text)
{
    if (!q->has_edns || len < DNS_HEADER_LEN + OPT_RR_LEN)
        return len;
    uint8_t *opt = msg + len - OPT_RR_LEN;
    /* Exactly what dns_writer_finish writes last: root, OPT, ..., RDLENGTH 0. */
    if (opt[0] != 0 || opt[1] != 0 || opt[2] != DNS_TYPE_OPT || opt[9] != 0 || opt[10] != 0)
        return len;
    size_t room = cap > len + 6 ? cap - len - 6 : 0;
    size_t tlen = text ? strlen(text) : 0;
    if (room == 0)
        return len;
    if (tlen > room)
        tlen = room;
    size_t olen = 2 + tlen; /* INFO-CODE, EXTRA-TEXT (UTF-8, not terminated) */
    uint8_t *o = msg + len;
    o[0] = 0;
    o[1] = EDE_OPTION;
    o[2] = (uint8_t)(olen >> 8);
    o[3] = (uint8_t)olen;
    o[4] = (uint8_t)(code >> 8);
    o[5] = (uint8_t)code;
    memcpy(o + 6, text, tlen);
    size_t rdlen = 4 + olen;
    opt[9] = (uint8_t)(rdlen >> 8);
    opt[10] = (uint8_t)rdlen;
    return len + rdlen;
}
