/* NFLOG; see nflog.h.  The packet payload starts at the IP header. */
#include "net/firewall/nflog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/firewall/netlink.h"

/* One configuration message for our group: bind it to this socket, copy
 * the packets' first 64 bytes, and deliver each packet at once (the default
 * batches for up to 1 s).  The kernel applies the attributes in that order
 * (nfulnl_recv_config), so one round trip does what four would. */
static int configure(struct mnl_socket *nl)
{
    char buf[NETLINK_REQUEST_MAX];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = 1;
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->nfgen_family = AF_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = htons(MOAT_NFLOG_GROUP);
    struct nfulnl_msg_config_cmd bind_cmd = { .command = NFULNL_CFG_CMD_BIND };
    struct nfulnl_msg_config_mode mode = { .copy_range = htonl(64), .copy_mode = NFULNL_COPY_PACKET };
    mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof bind_cmd, &bind_cmd);
    mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof mode, &mode);
    mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
    mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, 0);
    return netlink_request(nl, nlh);
}

int nflog_open(void)
{
    struct mnl_socket *nl = netlink_open(NETLINK_NETFILTER);
    if (!nl)
        return -errno;
    int r = configure(nl);
    if (r < 0) {
        mnl_socket_close(nl);
        return r;
    }
    /* The fd outlives the mnl handle: the supervisor reads it raw. */
    int fd = fcntl(mnl_socket_get_fd(nl), F_DUPFD_CLOEXEC, 3);
    mnl_socket_close(nl);
    if (fd < 0)
        return -errno;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void parse_packet(const uint8_t *p, size_t len, struct nflog_event *e)
{
    memset(e, 0, sizeof *e);
    size_t l4 = 0;
    if (len >= 20 && (p[0] >> 4) == 4) {
        e->dst.family = AF_INET;
        memcpy(e->dst.b, p + 16, 4);
        e->proto = p[9];
        l4 = (size_t)(p[0] & 0x0f) * 4;
    } else if (len >= 40 && (p[0] >> 4) == 6) {
        e->dst.family = AF_INET6;
        memcpy(e->dst.b, p + 24, 16);
        e->proto = p[6]; /* extension headers are not followed: port stays 0 */
        l4 = 40;
    } else {
        return;
    }
    if ((e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) && len >= l4 + 4)
        e->port = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
}

/* Walked by hand, with every length checked against what is left of the datagram as a
 * size_t: libmnl's mnl_nlmsg_ok() compares nlmsg_len as an int, so a length of 2^31 or
 * more passes and the walk leaves the buffer, and mnl_attr_for_each() runs to the aligned
 * end of a message, up to 3 bytes past a datagram whose last length is not a multiple of 4.
 * Fields are copied out, so the buffer needs no alignment. */
static void message_packets(const uint8_t *m, size_t mlen,
                            void (*fn)(void *ctx, const struct nflog_event *e), void *ctx)
{
    for (size_t a = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)); a + NLA_HDRLEN <= mlen;) {
        struct nlattr attr;
        memcpy(&attr, m + a, sizeof attr);
        if (attr.nla_len < NLA_HDRLEN || attr.nla_len > mlen - a)
            return;
        if ((attr.nla_type & NLA_TYPE_MASK) == NFULA_PAYLOAD) {
            struct nflog_event e;
            parse_packet(m + a + NLA_HDRLEN, attr.nla_len - NLA_HDRLEN, &e);
            if (e.dst.family)
                fn(ctx, &e);
        }
        a += NLA_ALIGN(attr.nla_len);
    }
}

void nflog_parse(const void *buf, size_t len, void (*fn)(void *ctx, const struct nflog_event *e),
                 void *ctx)
{
    const uint8_t *p = buf;
    for (size_t off = 0; len - off >= NLMSG_HDRLEN;) {
        struct nlmsghdr h;
        memcpy(&h, p + off, sizeof h);
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off)
            return;
        if (h.nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
            message_packets(p + off, h.nlmsg_len, fn, ctx);
        if (NLMSG_ALIGN(h.nlmsg_len) >= len - off)
            return;
        off += NLMSG_ALIGN(h.nlmsg_len);
    }
}
