/* Unit tests for src/net/io/relay.c's gate: what passes before and after it
 * decides, over socket pairs standing for the workload and the server. */
#include "net/io/relay.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/io/loop.h"
#include "unit.h"

struct gate_log {
    char seen[64]; /* the bytes the gate was last shown */
    size_t calls;
    enum relay_gate answer_at_4; /* what it says once it has seen 4 bytes */
    int done;
};

/* MORE until it has seen four bytes, then its answer (a PASS for good). */
static enum relay_gate gate(const uint8_t *first, size_t n, size_t *pass, void *ctx)
{
    struct gate_log *g = ctx;
    *pass = RELAY_GATE_FOREVER;
    g->calls++;
    size_t k = n < sizeof g->seen - 1 ? n : sizeof g->seen - 1;
    memcpy(g->seen, first, k);
    g->seen[k] = '\0';
    return n >= 4 ? g->answer_at_4 : RELAY_GATE_MORE;
}

static enum relay_gate gate_never_decides(const uint8_t *first, size_t n, size_t *pass, void *ctx)
{
    (void)first;
    (void)n;
    (void)pass;
    ((struct gate_log *)ctx)->calls++;
    return RELAY_GATE_MORE;
}

/* Judges four bytes at a time: passes "GOOD", refuses anything else; logs each judgement. */
struct chunk_log {
    char seen[8][16];
    size_t calls;
    int done;
};

static enum relay_gate gate_by_four(const uint8_t *next, size_t n, size_t *pass, void *ctx)
{
    struct chunk_log *g = ctx;
    if (g->calls < 8) {
        size_t k = n < 15 ? n : 15;
        memcpy(g->seen[g->calls], next, k);
        g->seen[g->calls][k] = '\0';
    }
    g->calls++;
    if (n < 4)
        return RELAY_GATE_MORE;
    *pass = 4;
    return memcmp(next, "GOOD", 4) == 0 ? RELAY_GATE_PASS : RELAY_GATE_REFUSE;
}

static void chunk_done(void *ctx)
{
    ((struct chunk_log *)ctx)->done++;
}

static void done(void *ctx)
{
    ((struct gate_log *)ctx)->done++;
}

static void on_tick(struct loop_timer *t)
{
    (void)t;
}

/* Run the loop for a few rounds, each bounded by a short timer. */
static void spin(struct loop *l)
{
    struct loop_timer t = { .cb = on_tick };
    for (int i = 0; i < 5; i++) {
        loop_timer_arm(l, &t, 10);
        loop_run_once(l);
    }
    loop_timer_disarm(l, &t);
}

/* What fd has to read now ("" for nothing yet, "EOF" at end of stream,
 * "RESET" when the relay closed with our bytes unread). */
static const char *drain(int fd)
{
    static char buf[RELAY_GATE_MAX + 64];
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    if (n < 0)
        return errno == EAGAIN ? "" : errno == ECONNRESET ? "RESET" : "ERROR";
    if (n == 0)
        return "EOF";
    buf[n] = '\0';
    return buf;
}

struct pair {
    struct loop *l;
    int workload, server;     /* the test's ends */
    int relay_in, relay_out;  /* the relay's */
};

static void pair_open(struct pair *p)
{
    int a[2], b[2];
    CHECK_INT(loop_new(&p->l), 0);
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, a), 0);
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, b), 0);
    p->workload = a[0];
    p->relay_in = a[1];
    p->relay_out = b[0];
    p->server = b[1];
}

/* Close the test's ends; the relay sees both hang up and frees itself. */
static void pair_close(struct pair *p)
{
    close(p->workload);
    close(p->server);
    spin(p->l);
    loop_free(p->l);
}

TEST(server_speaks_first_and_is_heard_before_the_gate_decides)
{
    struct pair p;
    pair_open(&p);
    struct gate_log g = { .answer_at_4 = RELAY_GATE_PASS };
    CHECK_INT(relay_start_gated(p.l, p.relay_in, p.relay_out, NULL, 0, gate, done, &g), 0);
    CHECK_INT(send(p.server, "SSH-2.0-x\r\n", 11, 0), 11);
    spin(p.l);
    CHECK_STR(drain(p.workload), "SSH-2.0-x\r\n");
    CHECK_INT(g.calls, 0); /* the workload has said nothing yet */
    pair_close(&p);
}

TEST(nothing_reaches_the_server_until_the_gate_passes)
{
    struct pair p;
    pair_open(&p);
    struct gate_log g = { .answer_at_4 = RELAY_GATE_PASS };
    CHECK_INT(relay_start_gated(p.l, p.relay_in, p.relay_out, NULL, 0, gate, done, &g), 0);
    CHECK_INT(send(p.workload, "GE", 2, 0), 2);
    spin(p.l);
    CHECK_STR(g.seen, "GE");
    CHECK_STR(drain(p.server), "");
    CHECK_INT(send(p.workload, "T /", 3, 0), 3);
    spin(p.l);
    CHECK_STR(g.seen, "GET /"); /* shown again from the first byte: peeked, not consumed */
    CHECK_STR(drain(p.server), "GET /");
    size_t calls = g.calls;
    CHECK_INT(send(p.workload, "more", 4, 0), 4);
    spin(p.l);
    CHECK_STR(drain(p.server), "more");
    CHECK_INT(g.calls, calls); /* once passed, never asked again */
    CHECK_INT(g.done, 0);
    pair_close(&p);
}

TEST(refused_bytes_never_reach_the_server_and_both_ends_close)
{
    struct pair p;
    pair_open(&p);
    struct gate_log g = { .answer_at_4 = RELAY_GATE_REFUSE };
    CHECK_INT(relay_start_gated(p.l, p.relay_in, p.relay_out, NULL, 0, gate, done, &g), 0);
    CHECK_INT(send(p.workload, "evil request", 12, 0), 12);
    spin(p.l);
    CHECK_STR(drain(p.server), "EOF");
    CHECK_STR(drain(p.workload), "RESET"); /* closed with its bytes unread */
    CHECK_INT(g.done, 1);
    pair_close(&p);
}

TEST(a_gate_that_never_decides_is_a_refusal_at_the_limit)
{
    struct pair p;
    pair_open(&p);
    struct gate_log g = { 0 };
    CHECK_INT(relay_start_gated(p.l, p.relay_in, p.relay_out, NULL, 0, gate_never_decides, done, &g), 0);
    static char big[RELAY_GATE_MAX];
    memset(big, 'x', sizeof big);
    size_t sent = 0;
    while (sent < sizeof big) {
        ssize_t n = send(p.workload, big + sent, sizeof big - sent, 0);
        if (n < 0)
            break;
        sent += (size_t)n;
        spin(p.l);
    }
    spin(p.l);
    CHECK_INT(sent, sizeof big);
    CHECK_STR(drain(p.server), "EOF");
    CHECK_INT(g.done, 1);
    pair_close(&p);
}

TEST(a_workload_that_closes_without_a_byte_passes_its_eof_on)
{
    struct pair p;
    pair_open(&p);
    struct gate_log g = { .answer_at_4 = RELAY_GATE_REFUSE };
    CHECK_INT(relay_start_gated(p.l, p.relay_in, p.relay_out, NULL, 0, gate, done, &g), 0);
    shutdown(p.workload, SHUT_WR);
    spin(p.l);
    CHECK_STR(drain(p.server), "EOF");
    CHECK_INT(g.calls, 0);
    CHECK_INT(send(p.server, "bye", 3, 0), 3); /* the other direction goes on */
    spin(p.l);
    CHECK_STR(drain(p.workload), "bye");
    pair_close(&p);
}

TEST(a_gate_passes_what_it_judged_and_judges_what_follows)
{
    struct pair p;
    pair_open(&p);
    struct chunk_log g = { .calls = 0 };
    CHECK_INT(relay_start_gated(p.l, p.relay_in, p.relay_out, NULL, 0, gate_by_four, chunk_done, &g), 0);
    CHECK_INT(send(p.workload, "GOODGOODGO", 10, 0), 10);
    spin(p.l);
    CHECK_STR(drain(p.server), "GOODGOOD"); /* "GO" waits for its judgement */
    CHECK_STR(g.seen[0], "GOODGOODGO");
    CHECK_STR(g.seen[1], "GOODGO");
    CHECK_STR(g.seen[2], "GO");
    CHECK_INT(send(p.workload, "ODEVIL", 6, 0), 6);
    spin(p.l);
    /* "GOOD" passes, "EVIL" is refused: the server sees the first, then the end. */
    CHECK_STR(drain(p.server), "GOOD");
    CHECK_STR(drain(p.server), "EOF");
    CHECK_STR(drain(p.workload), "RESET");
    CHECK_INT(g.done, 1);
    pair_close(&p);
}

TEST(bytes_already_read_are_judged_first)
{
    /* A proxy read "GOODEV" after the CONNECT head; "IL" comes later from the socket. */
    struct pair p;
    pair_open(&p);
    struct chunk_log g = { .calls = 0 };
    CHECK_INT(relay_start_gated(p.l, p.relay_in, p.relay_out, "GOODEV", 6, gate_by_four,
                                chunk_done, &g),
              0);
    spin(p.l);
    CHECK_STR(drain(p.server), "GOOD");
    CHECK_STR(g.seen[1], "EV");
    CHECK_INT(send(p.workload, "IL", 2, 0), 2);
    spin(p.l);
    CHECK_STR(drain(p.server), "EOF"); /* "EVIL" never went */
    CHECK_INT(g.done, 1);
    pair_close(&p);
}

int main(void)
{
    RUN(server_speaks_first_and_is_heard_before_the_gate_decides);
    RUN(nothing_reaches_the_server_until_the_gate_passes);
    RUN(refused_bytes_never_reach_the_server_and_both_ends_close);
    RUN(a_gate_that_never_decides_is_a_refusal_at_the_limit);
    RUN(a_workload_that_closes_without_a_byte_passes_its_eof_on);
    RUN(a_gate_passes_what_it_judged_and_judges_what_follows);
    RUN(bytes_already_read_are_judged_first);
    return UNIT_DONE();
}
