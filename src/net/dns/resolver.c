/* The proxies' resolver; see resolver.h. */
#include "net/dns/resolver.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns/dns_msg.h"
#include <stdio.h>

struct lookup {
    struct resolve *r;
    struct dns_query q;
    uint32_t handle;
};

struct resolve {
    struct dns_upstream *u;
    const struct dns_filter_ops *ops;
    struct lookup look[2];
    int outstanding;
    const char *why;
    struct net_addr v4[RESOLVER_MAX_ADDRS], v6[RESOLVER_MAX_ADDRS];
    size_t n4, n6;
    int err;
    resolve_cb cb;
    void *ctx;
};

static void collect(struct resolve *r, const struct dns_query *q, uint16_t id,
                    const uint8_t *raw, size_t raw_len)
{
    uint8_t resp[DNS_TCP_MAX];
    size_t len;
    const char *why = NULL;
    struct dns_response *d = malloc(sizeof *d);
    if (!d || dns_filter_response(r->ops, q, id, raw, raw_len, resp, sizeof resp, &len, &why) < 0 ||
        dns_parse_response(resp, len, d, &why) < 0) {
        free(d);
        r->err = -EBADMSG;
        return;
    }
    if (d->rcode == 5 /* REFUSED by the filter: a denied CNAME or address */) {
        r->err = -EACCES;
        r->why = why;
    }
    if (d->rcode == 3)
        r->err = r->err ? r->err : -ENOENT;
    for (size_t i = 0; i < d->n_an; i++) {
        const struct dns_rr *rr = &d->an[i];
        if (rr->type == 1 && rr->rdlen == 4 && r->n4 < RESOLVER_MAX_ADDRS) {
            struct net_addr *a = &r->v4[r->n4++];
            memset(a, 0, sizeof *a);
            a->family = AF_INET;
            memcpy(a->b, resp + rr->rdata_off, 4);
        } else if (rr->type == 28 && rr->rdlen == 16 && r->n6 < RESOLVER_MAX_ADDRS) {
            struct net_addr *a = &r->v6[r->n6++];
            a->family = AF_INET6;
            memcpy(a->b, resp + rr->rdata_off, 16);
        }
    }
    free(d);
}

static void on_answer(void *ctx, const uint8_t *resp, size_t len, uint16_t id, int err)
{
    struct lookup *l = ctx;
    struct resolve *r = l->r;
    if (err < 0)
        r->err = err;
    else
        collect(r, &l->q, id, resp, len);
    if (--r->outstanding > 0)
        return;
    struct net_addr all[2 * RESOLVER_MAX_ADDRS];
    size_t n = 0;
    /* IPv6 first, then IPv4: the dialer falls back quickly. */
    for (size_t i = 0; i < r->n6; i++)
        all[n++] = r->v6[i];
    for (size_t i = 0; i < r->n4; i++)
        all[n++] = r->v4[i];
    resolve_cb cb = r->cb;
    void *cctx = r->ctx;
    /* A refusal of either family refuses the name. */
    int e = r->err == -EACCES ? -EACCES : n ? 0 : (r->err ? r->err : -ENOENT);
    const char *why = r->why;
    free(r);
    if (cb)
        cb(cctx, e ? NULL : all, e ? 0 : n, e, why);
}

static int send_one(struct resolve *r, const char *name, uint16_t qtype)
{
    struct lookup *l = &r->look[r->outstanding];
    *l = (struct lookup){ .r = r, .q = { .flags = 0x0100, .q.qtype = qtype, .q.qclass = 1 } };
    /* The text form dns_msg uses: no trailing dot. */
    int n = snprintf(l->q.q.name, sizeof l->q.q.name, "%s", name);
    if (n > 1 && l->q.q.name[n - 1] == '.')
        l->q.q.name[n - 1] = '\0';
    memcpy(l->q.q.spelled, l->q.q.name, sizeof l->q.q.spelled);
    uint8_t buf[512];
    size_t len;
    int e = dns_build_query(&l->q, buf, sizeof buf, &len);
    if (e < 0)
        return e;
    e = dns_upstream_send(r->u, buf, len, on_answer, l, &l->handle);
    if (e == 0)
        r->outstanding++;
    return e;
}

int resolve_start(struct dns_upstream *u, const struct dns_filter_ops *ops, const char *name,
                  bool want_v4, bool want_v6, resolve_cb cb, void *ctx, struct resolve **out)
{
    struct resolve *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    *r = (struct resolve){ .u = u, .ops = ops, .cb = cb, .ctx = ctx };
    int e = 0;
    if (want_v6)
        e = send_one(r, name, 28);
    if (want_v4)
        e = send_one(r, name, 1);
    if (r->outstanding == 0) {
        free(r);
        return e ? e : -EAFNOSUPPORT;
    }
    if (out)
        *out = r;
    return 0;
}

void resolve_cancel(struct resolve *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->outstanding; i++)
        dns_upstream_cancel(r->u, r->look[i].handle);
    free(r);
}
