/* CIDR subtraction and rule text; see mxc_cidr.h. */
#include "policy/mxc/mxc_cidr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned family_bits(const struct net_cidr *c)
{
    return c->base.family == AF_INET ? 32 : 128;
}

static bool overlap(const struct net_cidr *a, const struct net_cidr *b)
{
    return a->base.family == b->base.family && (cidr_within(a, b) || cidr_within(b, a));
}

/* Depth-first: a block wholly inside an exception goes, a block touching
 * none stays, any other is split in two halves.  Blocks are visited in
 * address order, so the output is sorted; each split adds at most one
 * block per exception boundary, so the output stays small. */
static int subtract(const struct net_cidr *block, const struct net_cidr *except, size_t n,
                    struct net_cidr *out, size_t max, size_t *used)
{
    bool touched = false;
    for (size_t i = 0; i < n; i++) {
        if (except[i].base.family != block->base.family)
            continue;
        if (cidr_within(block, &except[i]))
            return 0;
        touched = touched || overlap(block, &except[i]);
    }
    if (!touched) {
        if (*used == max)
            return -E2BIG;
        out[(*used)++] = *block;
        return 0;
    }
    if (block->prefix >= family_bits(block)) /* cannot happen: a /32 or /128 is within */
        return 0;
    struct net_cidr lo = *block, hi = *block;
    lo.prefix = hi.prefix = block->prefix + 1;
    hi.base.b[block->prefix / 8] |= (uint8_t)(0x80u >> (block->prefix % 8));
    int r = subtract(&lo, except, n, out, max, used);
    return r < 0 ? r : subtract(&hi, except, n, out, max, used);
}

int mxc_cidr_subtract(const struct net_cidr *base, const struct net_cidr *except, size_t n_except,
                      struct net_cidr *out, size_t max)
{
    size_t used = 0;
    int r = subtract(base, except, n_except, out, max, &used);
    return r < 0 ? r : (int)used;
}

int mxc_cidr_rule(const struct net_cidr *c, const char *scheme, uint16_t port, char *buf,
                  size_t size)
{
    char block[INET6_ADDRSTRLEN + 8];
    if (cidr_format(c, block, sizeof block) < 0)
        return -ENOSPC;
    int n;
    if (port == 0)
        n = snprintf(buf, size, "%s%s", scheme, block);
    else if (c->base.family == AF_INET6) {
        char *slash = strchr(block, '/');
        *slash = '\0';
        n = snprintf(buf, size, "%s[%s]/%s:%u", scheme, block, slash + 1, port);
    } else
        n = snprintf(buf, size, "%s%s:%u", scheme, block, port);
    return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}
