/* The proxies' resolver; see resolver.h.  Asks both families at once and lets
 * name_answer.h's rule decide what the answers mean. */
#include "net/dns/resolver.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns/answer_cache.h"
#include "net/dns/dns_msg.h"

struct lookup {
    struct resolve *r;
    struct dns_query q;
    uint32_t handle;
    bool in_flight;
    enum family_outcome outcome;
    struct net_addr addrs[RESOLVER_MAX_ADDRS];
    size_t n;
    uint32_t ttl_s; /* the smallest TTL in the answer that gave them */
};

struct resolve {
    struct loop *loop;
    struct dns_upstream *u;
    const struct dns_filter_ops *ops;
    struct answer_cache *cache; /* may be NULL */
    struct lookup v4, v6;
    struct loop_timer grace; /* armed when the first family has addresses */
    bool grace_over;
    const char *why;
    int fail_err; /* the last failure's errno, for NAME_FAILED */
    char fail_why[240]; /* and what it was */
    resolve_cb cb;
    void *ctx;
};

/* What one family's upstream answer says, through the same filter as the sandbox's DNS. */
static void collect(struct resolve *r, struct lookup *l, uint16_t id, const uint8_t *raw,
                    size_t raw_len)
{
    uint8_t resp[DNS_TCP_MAX];
    size_t len;
    const char *why = NULL;
    struct dns_response *d = malloc(sizeof *d);
    l->outcome = FAMILY_FAILED;
    if (!d || dns_filter_response(r->ops, &l->q, id, raw, raw_len, resp, sizeof resp, &len,
                                  &why) < 0 ||
        dns_parse_response(resp, len, d, NULL) < 0) {
        free(d);
        r->fail_err = -EBADMSG;
        snprintf(r->fail_why, sizeof r->fail_why,
                 "the host's DNS server sent an answer moat cannot use: %s", why ? why : "malformed");
        return;
    }
    if (dns_filter_refused(why)) { /* a denied CNAME target, a rebinding address */
        l->outcome = FAMILY_REFUSED;
        r->why = why;
    } else if (d->rcode == DNS_RCODE_NXDOMAIN) {
        l->outcome = FAMILY_NO_RECORDS;
    } else if (d->rcode != DNS_RCODE_NOERROR || (d->flags & DNS_FLAG_TC)) {
        r->fail_err = -EAGAIN; /* SERVFAIL, REFUSED upstream, ... */
        snprintf(r->fail_why, sizeof r->fail_why, "the host's DNS server answered %s",
                 d->flags & DNS_FLAG_TC       ? "with a truncated message"
                 : d->rcode == 2 /* SERVFAIL */ ? "SERVFAIL"
                 : d->rcode == 5 /* REFUSED */  ? "REFUSED"
                                                : "with an error");
    } else {
        int family = l->q.q.qtype == DNS_TYPE_A ? AF_INET : AF_INET6;
        size_t alen = family == AF_INET ? 4 : 16;
        l->ttl_s = UINT32_MAX;
        for (size_t i = 0; i < d->n_an; i++) /* the CNAME chain's records expire too */
            if (d->an[i].ttl < l->ttl_s)
                l->ttl_s = d->an[i].ttl;
        for (size_t i = 0; i < d->n_an && l->n < RESOLVER_MAX_ADDRS; i++) {
            const struct dns_rr *rr = &d->an[i];
            if (rr->type != l->q.q.qtype || rr->rdlen != alen)
                continue;
            struct net_addr *a = &l->addrs[l->n++];
            memset(a, 0, sizeof *a);
            a->family = (sa_family_t)family;
            memcpy(a->b, resp + rr->rdata_off, alen);
        }
        l->outcome = l->n ? FAMILY_ADDRESSES : FAMILY_NO_RECORDS;
    }
    free(d);
}

static void cancel_lookup(struct resolve *r, struct lookup *l)
{
    if (l->in_flight)
        dns_upstream_cancel(r->u, l->handle);
    l->in_flight = false;
}

/* Decide if the rule can; then call back once and free. */
static void settle(struct resolve *r)
{
    enum name_verdict v = name_answer_verdict(r->v4.outcome, r->v6.outcome, r->grace_over);
    if (v == NAME_WAIT) {
        if (!r->grace.due_ms &&
            (r->v4.outcome == FAMILY_ADDRESSES || r->v6.outcome == FAMILY_ADDRESSES))
            loop_timer_arm(r->loop, &r->grace, NAME_ANSWER_GRACE_MS);
        return;
    }
    cancel_lookup(r, &r->v4);
    cancel_lookup(r, &r->v6);
    loop_timer_disarm(r->loop, &r->grace);
    /* Addresses are remembered only from an answer that gave the name addresses; any other
     * verdict forgets what was remembered for it. */
    struct lookup *fam[] = { &r->v4, &r->v6 };
    for (size_t i = 0; r->cache && i < 2; i++) {
        bool keep = v == NAME_ADDRESSES && fam[i]->outcome == FAMILY_ADDRESSES;
        if (keep || v != NAME_ADDRESSES)
            answer_cache_put(r->cache, fam[i]->q.q.name, fam[i]->q.q.qtype, fam[i]->addrs,
                             fam[i]->n, keep ? fam[i]->ttl_s : 0, loop_now_ms());
    }
    struct net_addr all[2 * RESOLVER_MAX_ADDRS];
    size_t n = 0;
    /* IPv6 first, then IPv4: the dialer falls back quickly. */
    for (size_t i = 0; r->v6.outcome == FAMILY_ADDRESSES && i < r->v6.n; i++)
        all[n++] = r->v6.addrs[i];
    for (size_t i = 0; r->v4.outcome == FAMILY_ADDRESSES && i < r->v4.n; i++)
        all[n++] = r->v4.addrs[i];
    int e = v == NAME_ADDRESSES ? 0
            : v == NAME_REFUSED ? -EACCES
            : v == NAME_NO_SUCH ? -ENOENT
                                : (r->fail_err ? r->fail_err : -EAGAIN);
    resolve_cb cb = r->cb;
    void *cctx = r->ctx;
    char why[sizeof r->fail_why];
    snprintf(why, sizeof why, "%s", v == NAME_REFUSED ? (r->why ? r->why : "")
                                    : v == NAME_FAILED ? r->fail_why : "");
    free(r);
    if (cb)
        cb(cctx, e ? NULL : all, e ? 0 : n, e, why[0] ? why : NULL);
}

static void on_answer(void *ctx, const uint8_t *resp, size_t len, uint16_t id, int err,
                      const char *why)
{
    struct lookup *l = ctx;
    struct resolve *r = l->r;
    l->in_flight = false;
    if (err < 0) {
        l->outcome = FAMILY_FAILED;
        r->fail_err = err;
        snprintf(r->fail_why, sizeof r->fail_why, "%s", why ? why : strerror(-err));
    } else {
        collect(r, l, id, resp, len);
    }
    settle(r);
}

static void on_grace(struct loop_timer *t)
{
    struct resolve *r = t->data;
    r->grace_over = true;
    settle(r);
}

static int send_one(struct resolve *r, struct lookup *l, const char *name, uint16_t qtype)
{
    *l = (struct lookup){ .r = r, .q = { .flags = 0x0100, .q.qtype = qtype, .q.qclass = 1 },
                          .outcome = FAMILY_PENDING };
    /* The text form dns_msg uses: no trailing dot. */
    int n = snprintf(l->q.q.name, sizeof l->q.q.name, "%s", name);
    if (n > 1 && l->q.q.name[n - 1] == '.')
        l->q.q.name[n - 1] = '\0';
    memcpy(l->q.q.spelled, l->q.q.name, sizeof l->q.q.spelled);
    uint8_t buf[512];
    size_t len;
    int e = dns_build_query(&l->q, buf, sizeof buf, &len);
    if (e == 0)
        e = dns_upstream_send(r->u, buf, len, on_answer, l, &l->handle);
    if (e < 0) {
        l->outcome = FAMILY_FAILED;
        r->fail_err = e;
        snprintf(r->fail_why, sizeof r->fail_why, "%s", dns_upstream_why(r->u));
        return e;
    }
    l->in_flight = true;
    return 0;
}

/* Every family asked for remembered: the answer at once, as the last lookup settled it. */
static bool from_cache(struct answer_cache *c, const char *name, bool want_v4, bool want_v6,
                       resolve_cb cb, void *ctx)
{
    if (!c)
        return false;
    char canon[DNS_MAX_NAME + 1];
    int len = snprintf(canon, sizeof canon, "%s", name);
    if (len > 1 && canon[len - 1] == '.')
        canon[len - 1] = '\0';
    struct net_addr all[2 * ANSWER_CACHE_ADDRS];
    size_t n6 = 0, n4 = 0;
    uint64_t now = loop_now_ms();
    if ((want_v6 && !(n6 = answer_cache_get(c, canon, DNS_TYPE_AAAA, now, all))) ||
        (want_v4 && !(n4 = answer_cache_get(c, canon, DNS_TYPE_A, now, all + n6))))
        return false;
    if (cb)
        cb(ctx, all, n6 + n4, 0, NULL);
    return true;
}

int resolve_start(struct loop *loop, struct dns_upstream *u, const struct dns_filter_ops *ops,
                  struct answer_cache *cache, const char *name, bool want_v4, bool want_v6,
                  resolve_cb cb, void *ctx, struct resolve **out)
{
    if (!want_v4 && !want_v6)
        return -EAFNOSUPPORT;
    if (from_cache(cache, name, want_v4, want_v6, cb, ctx))
        return 0;
    struct resolve *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    *r = (struct resolve){ .loop = loop, .u = u, .ops = ops, .cache = cache, .cb = cb, .ctx = ctx,
                           .v4 = { .outcome = FAMILY_NOT_ASKED },
                           .v6 = { .outcome = FAMILY_NOT_ASKED },
                           .grace = { .cb = on_grace, .data = r } };
    r->grace.data = r;
    int e4 = want_v4 ? send_one(r, &r->v4, name, DNS_TYPE_A) : 0;
    int e6 = want_v6 ? send_one(r, &r->v6, name, DNS_TYPE_AAAA) : 0;
    if (!r->v4.in_flight && !r->v6.in_flight) {
        free(r);
        return e4 < 0 ? e4 : e6;
    }
    if (out)
        *out = r;
    return 0;
}

void resolve_cancel(struct resolve *r)
{
    if (!r)
        return;
    cancel_lookup(r, &r->v4);
    cancel_lookup(r, &r->v6);
    loop_timer_disarm(r->loop, &r->grace);
    free(r);
}
