/* Loopback up; see netns.h. */
#include "sandbox/netns.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "util/error.h"

int netns_loopback_up(struct moat_error *err)
{
    _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return error_set_errno(err, -errno, "cannot create a socket to configure lo");
    struct ifreq ifr = { 0 };
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return error_set_errno(err, -errno, "cannot read the flags of lo");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        return error_set_errno(err, -errno, "cannot bring lo up");
    return 0;
}
