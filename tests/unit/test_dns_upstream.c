/* Unit tests for src/net/dns/dns_upstream.c: the answer over TCP after a truncated one
 * reaches the caller intact, a server whose port is closed fails the query at once with the
 * ICMP error, and a failed question fails again at once for a while.  The test plays the
 * server on 127.0.0.1:53 in a user and network namespace of its own (no privilege needed,
 * nothing on the host touched). */
#include "net/dns/dns_upstream.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/io/loop.h"
#include "unit.h"

static char conf[64];
static bool isolated;

/* Our own network namespace with lo up, so the test owns 127.0.0.1:53. */
static bool isolate(void)
{
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
        return false;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = { 0 };
    strcpy(ifr.ifr_name, "lo");
    bool ok = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 &&
              (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
    if (s >= 0)
        close(s);
    strcpy(conf, "/tmp/moat-unit-resolv.XXXXXX");
    int fd = mkstemp(conf);
    if (fd < 0)
        return false;
    const char line[] = "nameserver 127.0.0.1\n";
    ok = ok && write(fd, line, sizeof line - 1) == (ssize_t)sizeof line - 1;
    close(fd);
    return ok;
}

static int server_socket(int type)
{
    int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || (type == SOCK_STREAM && listen(s, 4) < 0)) {
        close(s);
        return -1;
    }
    return s;
}

/* A query for "a.test" of the given type, id 0 (the upstream puts its own). */
static size_t query(uint8_t *q, uint16_t type)
{
    static const uint8_t head[] = { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                    1, 'a', 4, 't', 'e', 's', 't', 0 };
    memcpy(q, head, sizeof head);
    q[sizeof head] = (uint8_t)(type >> 8);
    q[sizeof head + 1] = (uint8_t)type;
    q[sizeof head + 2] = 0;
    q[sizeof head + 3] = 1;
    return sizeof head + 4;
}

struct result {
    int calls, err;
    uint8_t resp[4096];
    size_t len;
    char why[300];
};

static void on_result(void *ctx, const uint8_t *resp, size_t len, uint16_t id, int err,
                      const char *why)
{
    struct result *r = ctx;
    (void)id;
    r->calls++;
    r->err = err;
    r->len = len < sizeof r->resp ? len : sizeof r->resp;
    if (resp)
        memcpy(r->resp, resp, r->len);
    snprintf(r->why, sizeof r->why, "%s", why ? why : "");
}

/* Run the loop until the result came (at most ~3 s). */
static void wait_result(struct loop *l, struct result *r)
{
    for (int i = 0; i < 300 && !r->calls; i++)
        loop_run_for(l, 10);
}

/* Block until fd is readable (the upstream's query arrived), at most 2 s. */
static bool readable(int fd, struct loop *l)
{
    for (int i = 0; i < 200; i++) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 0) == 1)
            return true;
        loop_run_for(l, 10);
    }
    return false;
}

TEST(an_answer_over_tcp_after_a_truncated_one_reaches_the_caller_intact)
{
    if (!isolated)
        return;
    int udp = server_socket(SOCK_DGRAM), tcp = server_socket(SOCK_STREAM);
    CHECK(udp >= 0 && tcp >= 0);
    struct loop *l;
    struct dns_upstream *u;
    struct moat_error err = { 0 };
    CHECK_INT(loop_new(&l), 0);
    CHECK_INT(dns_upstream_new(l, conf, &u, &err), 0);
    uint8_t q[64];
    size_t qn = query(q, 1);
    struct result r = { 0 };
    CHECK_INT(dns_upstream_send(u, q, qn, on_result, &r, NULL), 0);
    /* Over UDP: the header with TC set, nothing else. */
    uint8_t in[512];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    CHECK(readable(udp, l));
    ssize_t n = recvfrom(udp, in, sizeof in, 0, (struct sockaddr *)&from, &fl);
    CHECK(n >= 12);
    uint8_t tc[12] = { in[0], in[1], 0x83, 0x80 };
    CHECK_INT(sendto(udp, tc, sizeof tc, 0, (struct sockaddr *)&from, fl), 12);
    /* Over TCP: a long answer (its bytes are all the caller should see). */
    CHECK(readable(tcp, l));
    int c = accept(tcp, NULL, NULL);
    CHECK(c >= 0);
    CHECK(readable(c, l));
    n = recv(c, in, sizeof in, 0);
    CHECK(n > 14);
    uint8_t out[2 + 3000];
    out[0] = 3000 >> 8;
    out[1] = 3000 & 0xff;
    for (size_t i = 0; i < 3000; i++)
        out[2 + i] = (uint8_t)(i * 7);
    out[2] = in[2];
    out[3] = in[3]; /* the id the upstream chose */
    CHECK_INT(send(c, out, sizeof out, 0), (long long)sizeof out);
    wait_result(l, &r);
    CHECK_INT(r.calls, 1);
    CHECK_INT(r.err, 0);
    CHECK_INT(r.len, 3000);
    CHECK(memcmp(r.resp, out + 2, 3000) == 0);
    close(c);
    close(udp);
    close(tcp);
    dns_upstream_free(u);
    loop_free(l);
}

TEST(a_server_whose_port_is_closed_fails_the_query_at_once_and_it_is_remembered)
{
    if (!isolated)
        return;
    struct loop *l;
    struct dns_upstream *u;
    struct moat_error err = { 0 };
    CHECK_INT(loop_new(&l), 0);
    CHECK_INT(dns_upstream_new(l, conf, &u, &err), 0);
    uint8_t q[64];
    size_t qn = query(q, 28);
    struct result r = { 0 };
    CHECK_INT(dns_upstream_send(u, q, qn, on_result, &r, NULL), 0);
    wait_result(l, &r);
    /* The ICMP port unreachable, not the 1.5 s timeout, ended each try. */
    CHECK_INT(r.calls, 1);
    CHECK_INT(r.err, -ECONNREFUSED);
    CHECK_STR(r.why, "the host's DNS server 127.0.0.1 is unreachable (Connection refused)");
    /* The same question again: fails at once, nothing sent, no callback. */
    struct result again = { 0 };
    CHECK_INT(dns_upstream_send(u, q, qn, on_result, &again, NULL), -ECONNREFUSED);
    CHECK(dns_upstream_failed_recently(u));
    CHECK(strstr(dns_upstream_why(u), "is unreachable (Connection refused) (") != NULL);
    loop_run_for(l, 10);
    CHECK_INT(again.calls, 0);
    /* Another question is asked as usual. */
    qn = query(q, 1);
    CHECK_INT(dns_upstream_send(u, q, qn, on_result, &again, NULL), 0);
    CHECK(!dns_upstream_failed_recently(u));
    wait_result(l, &again);
    CHECK_INT(again.calls, 1);
    dns_upstream_free(u);
    loop_free(l);
}

int main(void)
{
    isolated = isolate();
    if (!isolated)
        printf("# no user and network namespace here: the upstream tests are skipped\n");
    RUN(an_answer_over_tcp_after_a_truncated_one_reaches_the_caller_intact);
    RUN(a_server_whose_port_is_closed_fails_the_query_at_once_and_it_is_remembered);
    if (conf[0])
        unlink(conf);
    return UNIT_DONE();
}
