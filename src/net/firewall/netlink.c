/* Netlink plumbing; see netlink.h. */
#include "net/firewall/netlink.h"

#include <errno.h>
#include <sys/socket.h>

struct mnl_socket *netlink_open(int bus)
{
    struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
    if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        mnl_socket_close(nl);
        errno = e;
        return NULL;
    }
    return nl;
}

int netlink_request(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    /* An acknowledgement, or an error quoting the request, with a reason. */
    char buf[2 * NETLINK_REQUEST_MAX];
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n < 0)
        return -errno;
    int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, mnl_socket_get_portid(nl), NULL, NULL);
    return r < 0 ? -errno : 0;
}
