/* connect(2) and listen(2) for the write guard, when the policy asks for
 * what the kernel cannot say alone: allowUnixSockets as a list of socket
 * paths (a connect to any other path socket is refused), and
 * allowLocalBinding false with exposed ports (listening only on those).
 * The socket is fetched from the caller (pidfd_getfd) and the call made on
 * it here: the address read once is the address used. */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/guard/guard_call.h"
#include "util/cleanup.h"
#include "util/error.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

int guard_net_init(struct guard *g, struct moat_error *err)
{
    const struct moat_strv *list = &g->p->net.unix_sockets;
    if (!list->n)
        return 0;
    g->sockets = calloc(list->n, sizeof *g->sockets);
    if (!g->sockets)
        return error_set(err, -ENOMEM, "out of memory");
    /* Sockets that exist now are known by identity; one made later (a
     * daemon started after the sandbox) is matched by its path. */
    for (size_t i = 0; i < list->n; i++) {
        struct stat st;
        if (stat(list->v[i], &st) == 0 && S_ISSOCK(st.st_mode))
            g->sockets[g->n_sockets++] = (struct file_id){ st.st_dev, st.st_ino };
    }
    return 0;
}

/* The caller's socket fd as one of ours (the same open file). */
static int fetch_socket(struct guard_call *c, int fd)
{
    int pidfd = (int)syscall(SYS_pidfd_open, c->task.tid, PIDFD_THREAD);
    if (pidfd < 0 && guard_task_status(&c->task) == 0)
        pidfd = (int)syscall(SYS_pidfd_open, c->task.tgid, 0);
    int sock = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
    int e = errno;
    if (sock < 0 && pidfd >= 0 && e == EPERM) { /* a non-dumpable caller */
        guard_ptrace_cap(true);
        sock = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        e = errno;
        guard_ptrace_cap(false);
    }
    if (pidfd >= 0)
        close(pidfd);
    if (sock < 0)
        return e == ESRCH ? -ESRCH : -EBADF;
    int type;
    socklen_t len = sizeof type;
    if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
        close(sock);
        return -ENOTSOCK;
    }
    return sock;
}

static bool socket_allowed(struct guard_call *c, int target)
{
    struct guard *g = c->g;
    struct stat st;
    if (fstat(target, &st) < 0 || !S_ISSOCK(st.st_mode))
        return false;
    for (size_t i = 0; i < g->n_sockets; i++)
        if (g->sockets[i].dev == st.st_dev && g->sockets[i].ino == st.st_ino)
            return true;
    char path[4096];
    if (guard_place(&c->task, target, path, sizeof path, NULL) < 0)
        return false;
    const struct moat_strv *list = &g->p->net.unix_sockets;
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->v[i], path) == 0)
            return true;
    return false;
}

/* A connect that would block is finished by a child, which answers. */
static long connect_waiting(struct guard_call *c, int sock, const struct sockaddr *sa,
                            socklen_t len)
{
    int flags = fcntl(sock, F_GETFL);
    if (flags < 0)
        return -errno;
    if (flags & O_NONBLOCK)
        return connect(sock, sa, len) < 0 ? -errno : 0;
    /* Loopback connects complete at once; try without blocking first. */
    fcntl(sock, F_SETFL, flags | O_NONBLOCK);
    int r = connect(sock, sa, len) < 0 ? -errno : 0;
    if (r == -EINPROGRESS) {
        struct pollfd pfd = { .fd = sock, .events = POLLOUT };
        if (poll(&pfd, 1, 20) == 1) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            getsockopt(sock, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            r = -soerr;
        }
    }
    if (r != -EINPROGRESS && r != -EAGAIN) {
        fcntl(sock, F_SETFL, flags);
        return r;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fcntl(sock, F_SETFL, flags);
        return -errno;
    }
    if (pid > 0) {
        c->answered = true;
        return 0;
    }
    if (r == -EAGAIN) { /* a Unix listener's backlog is full: wait for room */
        fcntl(sock, F_SETFL, flags);
        r = connect(sock, sa, len) < 0 ? -errno : 0;
    } else {
        struct pollfd pfd = { .fd = sock, .events = POLLOUT };
        while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
            ;
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(sock, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        r = -soerr;
        fcntl(sock, F_SETFL, flags);
    }
    struct seccomp_notif_resp resp = { .id = c->req->id, .error = r };
    ioctl(c->g->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    _exit(0);
}

/* Landlock isolation: the workload shares the host's network, and a
 * Landlock port rule names no address, so a connect to moat's proxy port on
 * any other host would pass it.  Only loopback (127.0.0.0/8, ::1, and
 * ::ffff:127.0.0.0/104) on the listed ports. */
static bool inet_allowed(const struct guard *g, const struct sockaddr_storage *ss)
{
    uint16_t port = 0;
    bool loopback = false;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
        port = ntohs(s4->sin_port);
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
                   (memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0 &&
                    s6->sin6_addr.s6_addr[12] == 127);
        port = ntohs(s6->sin6_port);
    }
    for (size_t i = 0; loopback && i < g->n_lo_ports; i++)
        if (g->lo_ports[i] == port)
            return true;
    return false;
}

static long op_connect(struct guard_call *c, int fd, uint64_t addr, uint64_t addrlen)
{
    struct sockaddr_storage ss;
    if (addrlen > sizeof ss)
        return -EINVAL;
    memset(&ss, 0, sizeof ss);
    int r = addrlen ? guard_read_mem(c, addr, &ss, (size_t)addrlen) : 0;
    if (r < 0)
        return r;
    _cleanup_close_ int sock = fetch_socket(c, fd);
    if (sock < 0)
        return sock;
    socklen_t len = (socklen_t)addrlen;
    if (c->g->inet_restricted && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
        if (!inet_allowed(c->g, &ss)) {
            char what[INET6_ADDRSTRLEN + 16] = "?";
            char text[INET6_ADDRSTRLEN] = "?";
            const void *a = ss.ss_family == AF_INET
                                ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                                : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
            inet_ntop(ss.ss_family, a, text, sizeof text);
            snprintf(what, sizeof what, ss.ss_family == AF_INET ? "%s:%u" : "[%s]:%u", text,
                     (unsigned)ntohs(((struct sockaddr_in *)&ss)->sin_port));
            guard_report(c, "connect", what, "not moat's proxy or a hostPort (landlock "
                         "isolation: the network is reached through the proxy only)");
            return -EACCES;
        }
        if (!guard_call_valid(c))
            return -ESRCH;
        return connect_waiting(c, sock, (struct sockaddr *)&ss, len);
    }
    struct sockaddr_un *un = (struct sockaddr_un *)&ss;
    size_t path_len = len > offsetof(struct sockaddr_un, sun_path)
                          ? len - offsetof(struct sockaddr_un, sun_path)
                          : 0;
    if (ss.ss_family != AF_UNIX || path_len == 0 || c->g->p->net.unix_sockets.n == 0) {
        if (!guard_call_valid(c))
            return -ESRCH;
        return connect_waiting(c, sock, (struct sockaddr *)&ss, len);
    }
    if (un->sun_path[0] == '\0') {
        /* Abstract: in the sandbox's own network namespace only its own
         * processes bind there; in the host's, its daemons do. */
        if (c->g->p->net.mode == MOAT_NET_HOST || c->g->inet_restricted) {
            guard_report(c, "connect", "@(abstract Unix socket)",
                         "not in allowUnixSockets (the host's abstract sockets are refused)");
            return -EACCES;
        }
        if (!guard_call_valid(c))
            return -ESRCH;
        return connect_waiting(c, sock, (struct sockaddr *)&ss, len);
    }
    char path[sizeof un->sun_path + 1];
    memcpy(path, un->sun_path, path_len < sizeof un->sun_path ? path_len : sizeof un->sun_path);
    path[path_len < sizeof un->sun_path ? path_len : sizeof un->sun_path] = '\0';
    _cleanup_close_ int start = -1, target = -1;
    if (path[0] == '/')
        start = fcntl(c->task.root, F_DUPFD_CLOEXEC, 3);
    else
        start = guard_task_dirfd(&c->task, AT_FDCWD);
    if (start < 0)
        return start;
    if ((r = guard_walk_full(&c->task, start, path, true, &target)) < 0)
        return r;
    if (!guard_call_valid(c))
        return -ESRCH;
    if (!socket_allowed(c, target)) {
        char where[4096];
        guard_report(c, "connect", guard_place(&c->task, target, where, sizeof where, NULL) == 0 ? where : path,
                     "not in allowUnixSockets");
        return -EACCES;
    }
    struct sockaddr_un via = { .sun_family = AF_UNIX };
    snprintf(via.sun_path, sizeof via.sun_path, "/proc/self/fd/%d", target);
    return connect_waiting(c, sock, (struct sockaddr *)&via, sizeof via);
}

static long op_listen(struct guard_call *c, int fd, uint64_t backlog)
{
    _cleanup_close_ int sock = fetch_socket(c, fd);
    if (sock < 0)
        return sock;
    if (!guard_call_valid(c))
        return -ESRCH;
    int domain = 0;
    socklen_t len = sizeof domain;
    getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len);
    if (domain == AF_INET || domain == AF_INET6) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockname(sock, (struct sockaddr *)&ss, &sl) < 0)
            return -errno;
        uint16_t port = ntohs(domain == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                : ((struct sockaddr_in6 *)&ss)->sin6_port);
        bool exposed = false;
        for (size_t i = 0; i < c->g->p->net.n_expose; i++)
            exposed |= port != 0 && c->g->p->net.expose[i] == port;
        if (!exposed) {
            char what[64];
            snprintf(what, sizeof what, "port %u", (unsigned)port);
            guard_report(c, "listen", what,
                         port ? "not an exposed port (allowLocalBinding is false)"
                              : "a socket that was never bound (allowLocalBinding is false)");
            return -EPERM;
        }
    }
    return listen(sock, (int)backlog) < 0 ? -errno : 0;
}

long guard_net_call(struct guard_call *c)
{
    const __u64 *a = c->req->data.args;
    if (c->req->data.nr == SYS_connect)
        return op_connect(c, (int)a[0], a[1], a[2]);
    if (c->req->data.nr == SYS_listen)
        return op_listen(c, (int)a[0], a[1]);
    return -ENOSYS;
}
