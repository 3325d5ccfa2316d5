/* `moat connect`; see connect.h.  Blocking and simple on purpose: one
 * tunnel, two directions, poll(2). */
#include "cli/connect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/proxy/base64.h"

/* http://user:pass@127.0.0.1:PORT */
static int parse_proxy(const char *url, char *cred, size_t csize, int *port)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = strrchr(p, '@');
    cred[0] = '\0';
    if (at) {
        snprintf(cred, csize, "%.*s", (int)(at - p), p);
        p = at + 1;
    }
    const char *colon = strrchr(p, ':');
    if (!colon || strncmp(p, "127.0.0.1:", 10) != 0)
        return -1;
    *port = atoi(colon + 1);
    return *port > 0 ? 0 : -1;
}

static int pump(int from, int to)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return -1;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w <= 0)
            return -1;
        off += w;
    }
    return 0;
}

int connect_main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("Usage: moat connect HOST PORT   (inside a proxy-mode sandbox)\n", stderr);
        return 125;
    }
    const char *url = getenv("HTTPS_PROXY");
    char cred[256], auth[400];
    int port;
    if (!url || parse_proxy(url, cred, sizeof cred, &port) < 0) {
        fputs("moat connect: no moat proxy in $HTTPS_PROXY (run inside `moat run --network proxy`)\n",
              stderr);
        return 125;
    }
    if (base64_encode((const uint8_t *)cred, strlen(cred), auth, sizeof auth) < 0)
        return 125;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("moat connect: cannot reach the sandbox's proxy");
        return 125;
    }
    const char *host = argv[1];
    bool v6 = strchr(host, ':') != NULL;
    char req[1024];
    int len = snprintf(req, sizeof req,
                       "CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
                       "Proxy-Authorization: Basic %s\r\n\r\n",
                       v6 ? "[" : "", host, v6 ? "]" : "", argv[2], v6 ? "[" : "", host,
                       v6 ? "]" : "", argv[2], auth);
    if (write(s, req, (size_t)len) != len)
        return 125;
    /* Read the reply head byte by byte: nothing after it may be lost. */
    char head[4096];
    size_t h = 0;
    while (h < sizeof head - 1 && !(h >= 4 && memcmp(head + h - 4, "\r\n\r\n", 4) == 0)) {
        if (read(s, head + h, 1) != 1)
            break;
        h++;
    }
    head[h] = '\0';
    if (strncmp(head, "HTTP/1.1 200", 12) != 0 && strncmp(head, "HTTP/1.0 200", 12) != 0) {
        fprintf(stderr, "moat connect: %s:%s refused: %.*s\n", host, argv[2],
                (int)strcspn(head, "\r\n"), head);
        return 1;
    }
    struct pollfd pfd[2] = { { .fd = 0, .events = POLLIN }, { .fd = s, .events = POLLIN } };
    while (pfd[1].fd >= 0) {
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents && pump(0, s) < 0) {
            shutdown(s, SHUT_WR);
            pfd[0].fd = -1;
        }
        if (pfd[1].revents && pump(s, 1) < 0)
            break;
    }
    return 0;
}
