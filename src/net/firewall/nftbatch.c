/* An nftables transaction as netlink messages; see nftbatch.h.  The
 * expressions are the ones nft(8) emits for the same text (compare
 * `nft --debug=netlink`), so a rule here means what its comment says. */
#include "net/firewall/nftbatch.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/firewall/netlink.h"
#include "util/debug_pause.h"
#include "util/error.h"

struct nftbatch {
    char table[64];
    char *buf; /* the messages, back to back, from the batch's begin on */
    size_t len, cap;
    uint32_t seq;  /* of the next message; the begin message is 1 */
    char **what;   /* what[seq - 2]: each content message, for errors */
    size_t last;   /* offset in buf of the last content message */
    size_t n_what;
    bool failed;   /* out of memory while building: commit sends nothing */
    bool sealed;   /* the end message is in: nothing more to add */
};

struct nftbatch_rule {
    struct nftnl_rule *r;
    bool failed;
};

/* Room for one message; the largest, a rule, is far smaller. */
#define MSG_MAX 4096

static void *message_slot(struct nftbatch *b)
{
    if (b->failed || b->sealed)
        return NULL;
    if (b->cap - b->len < MSG_MAX) {
        size_t cap = b->cap ? 2 * b->cap : 4 * MSG_MAX;
        char *grown = realloc(b->buf, cap);
        if (!grown) {
            b->failed = true;
            return NULL;
        }
        b->buf = grown;
        b->cap = cap;
    }
    memset(b->buf + b->len, 0, MSG_MAX);
    return b->buf + b->len;
}

static void message_done(struct nftbatch *b, struct nlmsghdr *nlh, const char *what)
{
    if (what)
        b->last = b->len;
    b->len += NLMSG_ALIGN(nlh->nlmsg_len);
    b->seq++;
    if (!what)
        return;
    char **grown = realloc(b->what, (b->n_what + 1) * sizeof *grown);
    char *copy = strdup(what);
    if (grown)
        b->what = grown;
    if (!grown || !copy) {
        free(copy);
        b->failed = true; /* what[] no longer matches seq; commit sends nothing */
        return;
    }
    b->what[b->n_what++] = copy;
}

/* A content message's header.  The kernel reports every message it
 * refuses, with its sequence number, so the refusal can be named; only the
 * last one asks for an acknowledgement (nftbatch_commit). */
static struct nlmsghdr *content_header(struct nftbatch *b, uint16_t type, uint16_t flags)
{
    char *slot = message_slot(b);
    if (!slot)
        return NULL;
    return nftnl_nlmsg_build_hdr(slot, type, NFPROTO_INET, flags, b->seq);
}

struct nftbatch *nftbatch_new(const char *table)
{
    struct nftbatch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    snprintf(b->table, sizeof b->table, "%s", table);
    b->seq = 1;
    char *slot = message_slot(b);
    if (slot)
        message_done(b, nftnl_batch_begin(slot, b->seq), NULL);

    struct nftnl_table *t = nftnl_table_alloc();
    struct nlmsghdr *nlh = content_header(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
    if (!t || !nlh) {
        b->failed = true;
    } else {
        nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
        nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
        nftnl_table_nlmsg_build_payload(nlh, t);
        message_done(b, nlh, "the table");
    }
    nftnl_table_free(t);
    return b;
}

void nftbatch_free(struct nftbatch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_what; i++)
        free(b->what[i]);
    free(b->what);
    free(b->buf);
    free(b);
}

void nftbatch_chain(struct nftbatch *b, const char *name, const char *type, unsigned hook,
                    int priority)
{
    struct nftnl_chain *c = nftnl_chain_alloc();
    struct nlmsghdr *nlh = content_header(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
    if (!c || !nlh) {
        b->failed = true;
        nftnl_chain_free(c);
        return;
    }
    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, b->table);
    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
    nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
    nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, priority);
    nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
    nftnl_chain_nlmsg_build_payload(nlh, c);
    char what[96];
    snprintf(what, sizeof what, "chain %s", name);
    message_done(b, nlh, what);
    nftnl_chain_free(c);
}

struct nftbatch_rule *nftbatch_rule(struct nftbatch *b, const char *chain)
{
    struct nftbatch_rule *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->r = nftnl_rule_alloc();
    if (!r->r) {
        r->failed = true;
        return r;
    }
    nftnl_rule_set_u32(r->r, NFTNL_RULE_FAMILY, NFPROTO_INET);
    nftnl_rule_set_str(r->r, NFTNL_RULE_TABLE, b->table);
    nftnl_rule_set_str(r->r, NFTNL_RULE_CHAIN, chain);
    return r;
}

void nftbatch_add(struct nftbatch *b, struct nftbatch_rule *r, const char *what)
{
    struct nlmsghdr *nlh = NULL;
    if (!r || r->failed || !(nlh = content_header(b, NFT_MSG_NEWRULE, NLM_F_APPEND | NLM_F_CREATE)))
        b->failed = true;
    else {
        nftnl_rule_nlmsg_build_payload(nlh, r->r);
        message_done(b, nlh, what);
    }
    if (r)
        nftnl_rule_free(r->r);
    free(r);
}

/* --- expressions ------------------------------------------------------ */

static struct nftnl_expr *expr(struct nftbatch_rule *r, const char *name)
{
    if (!r || r->failed)
        return NULL;
    struct nftnl_expr *e = nftnl_expr_alloc(name);
    if (!e)
        r->failed = true;
    return e;
}

static void append(struct nftbatch_rule *r, struct nftnl_expr *e)
{
    if (e)
        nftnl_rule_add_expr(r->r, e);
}

static void meta_load(struct nftbatch_rule *r, uint32_t key)
{
    struct nftnl_expr *e = expr(r, "meta");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
    append(r, e);
}

static void cmp_eq(struct nftbatch_rule *r, const void *data, uint32_t len)
{
    struct nftnl_expr *e = expr(r, "cmp");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
    append(r, e);
}

static void payload_load(struct nftbatch_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
    struct nftnl_expr *e = expr(r, "payload");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
    append(r, e);
}

static void mask(struct nftbatch_rule *r, const uint8_t *m, uint32_t len)
{
    struct nftnl_expr *e = expr(r, "bitwise");
    if (!e)
        return;
    static const uint8_t zero[16];
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, m, len);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
    append(r, e);
}

static void immediate(struct nftbatch_rule *r, const void *data, uint32_t len)
{
    struct nftnl_expr *e = expr(r, "immediate");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
    nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
    append(r, e);
}

void nftbatch_match_prefix(struct nftbatch_rule *r, const struct net_cidr *dst)
{
    bool v4 = dst->base.family == AF_INET;
    uint8_t nfproto = v4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
    meta_load(r, NFT_META_NFPROTO);
    cmp_eq(r, &nfproto, 1);
    if (dst->prefix == 0)
        return;
    /* Load the prefix's bytes of the destination address and compare; a
     * prefix that ends inside a byte loads the whole address and masks it,
     * as nft(8) does, so `nft list` shows the rule as "ip daddr A/N". */
    uint32_t len = dst->prefix % 8 ? (v4 ? 4 : 16) : dst->prefix / 8;
    payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, len);
    if (dst->prefix % 8) {
        uint8_t m[16] = { 0 };
        memset(m, 0xff, dst->prefix / 8);
        m[dst->prefix / 8] = (uint8_t)(0xff << (8 - dst->prefix % 8));
        mask(r, m, len);
    }
    cmp_eq(r, dst->base.b, len);
}

void nftbatch_match_l4proto(struct nftbatch_rule *r, uint8_t proto)
{
    meta_load(r, NFT_META_L4PROTO);
    cmp_eq(r, &proto, 1);
}

void nftbatch_match_dport(struct nftbatch_rule *r, uint16_t port)
{
    uint16_t be = htons(port);
    payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
    cmp_eq(r, &be, 2);
}

void nftbatch_match_mark(struct nftbatch_rule *r, uint32_t mark)
{
    meta_load(r, NFT_META_MARK);
    cmp_eq(r, &mark, 4);
}

void nftbatch_verdict(struct nftbatch_rule *r, int verdict)
{
    struct nftnl_expr *e = expr(r, "immediate");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
    append(r, e);
}

void nftbatch_redirect(struct nftbatch_rule *r, uint16_t port)
{
    uint16_t be = htons(port);
    immediate(r, &be, 2);
    struct nftnl_expr *e = expr(r, "redir");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_REDIR_REG_PROTO_MIN, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_REDIR_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
    append(r, e);
}

void nftbatch_tproxy(struct nftbatch_rule *r, uint16_t port)
{
    uint16_t be = htons(port);
    immediate(r, &be, 2);
    struct nftnl_expr *e = expr(r, "tproxy");
    if (!e)
        return;
    /* No address and no family: the packet's own family, delivered to the
     * transparent socket listening on port. */
    nftnl_expr_set_u32(e, NFTNL_EXPR_TPROXY_FAMILY, NFPROTO_UNSPEC);
    nftnl_expr_set_u32(e, NFTNL_EXPR_TPROXY_REG_PORT, NFT_REG_1);
    append(r, e);
}

void nftbatch_set_mark(struct nftbatch_rule *r, uint32_t mark)
{
    immediate(r, &mark, 4);
    struct nftnl_expr *e = expr(r, "meta");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
    append(r, e);
}

void nftbatch_log_limited(struct nftbatch_rule *r, uint16_t group, uint64_t per_second,
                          uint32_t burst)
{
    struct nftnl_expr *e = expr(r, "limit");
    if (!e)
        return;
    nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, per_second);
    nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, burst);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
    append(r, e);
    if (!(e = expr(r, "log")))
        return;
    nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, group);
    append(r, e);
}

static void reject(struct nftbatch_rule *r, uint32_t type, uint8_t code)
{
    struct nftnl_expr *e = expr(r, "reject");
    if (!e)
        return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
    nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
    append(r, e);
}

void nftbatch_reject_tcp_reset(struct nftbatch_rule *r)
{
    nftbatch_match_l4proto(r, IPPROTO_TCP);
    reject(r, NFT_REJECT_TCP_RST, 0);
}

void nftbatch_reject_admin_prohibited(struct nftbatch_rule *r)
{
    reject(r, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
}

/* --- commit ----------------------------------------------------------- */

static int attr_msg_cb(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
        *(const char **)data = mnl_attr_get_str(a);
    return MNL_CB_OK;
}

/* Read the kernel's answers, all queued before sendto returned (nfnetlink
 * handles a batch in the sender's context and reports after its commit or
 * abort): an error for each refused message, and for the transaction as a
 * whole (on the begin message), then the acknowledgement of the last
 * content message, which also comes when the commit failed. */
static int read_verdicts(struct nftbatch *b, struct mnl_socket *nl, struct moat_error *err)
{
    uint32_t last_seq = b->seq - 2; /* the end message took the one before */
    char buf[MNL_SOCKET_BUFFER_SIZE];
    for (;;) {
        ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0)
            return error_set_errno(err, -errno, "firewall: nftables did not answer the ruleset");
        for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, (int)n);
             nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
            if (nlh->nlmsg_type != NLMSG_ERROR)
                continue;
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            if (e->error == 0) {
                if (nlh->nlmsg_seq == last_seq)
                    return 0;
                continue;
            }
            const char *detail = NULL;
            if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
                mnl_attr_parse(nlh, sizeof *e, attr_msg_cb, &detail);
            uint32_t seq = nlh->nlmsg_seq;
            const char *what = seq >= 2 && seq - 2 < b->n_what ? b->what[seq - 2] : "the transaction";
            errno = -e->error;
            return error_set_errno(err, e->error, "firewall: nftables refused %s%s%s", what,
                                   detail ? ": " : "", detail ? detail : "");
        }
    }
}

int nftbatch_seal(struct nftbatch *b, struct moat_error *err)
{
    if (b->sealed)
        return 0;
    char *slot = message_slot(b);
    if (!slot || b->failed)
        return error_set(err, -ENOMEM, "firewall: out of memory building the ruleset");
    if (b->n_what == 0)
        return error_set(err, -EINVAL, "firewall: an empty ruleset");
    ((struct nlmsghdr *)(b->buf + b->last))->nlmsg_flags |= NLM_F_ACK;
    message_done(b, nftnl_batch_end(slot, b->seq), NULL);
    b->sealed = true;
    return 0;
}

int nftbatch_commit(struct nftbatch *b, struct moat_error *err)
{
    int seal = nftbatch_seal(b, err);
    if (seal < 0)
        return seal;

    struct mnl_socket *nl = netlink_open(NETLINK_NETFILTER);
    if (!nl)
        return error_set_errno(err, -errno, "firewall: cannot open an nftables socket");
    /* Short acknowledgements, with the kernel's reason when it refuses. */
    int on = 1;
    mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof on);
    mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof on);
    if (b->len > 64 * 1024) {
        int size = (int)(2 * b->len);
        setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
    int r;
    if (mnl_socket_sendto(nl, b->buf, b->len) < 0)
        r = error_set_errno(err, -errno, "firewall: cannot send the ruleset to nftables");
    else {
        debug_pause_here(MOAT_DEBUG_PAUSE_NFTABLES); /* sent, not yet acknowledged */
        r = read_verdicts(b, nl, err);
    }
    mnl_socket_close(nl);
    return r;
}
