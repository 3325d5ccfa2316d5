/* Unit tests for src/net/vlog.c, the violation log, under a flood and on a full disk: lines
 * beyond the rate are dropped and counted, a write that fails is told once through the
 * callback, and a line cut short is ended before the next. */
#include "net/vlog.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

struct seen {
    int lines, log_failures, suppressed;
    char last[1024];
};

static void on_line(void *ctx, const char *line)
{
    struct seen *s = ctx;
    s->lines++;
    s->log_failures += strstr(line, "\"kind\":\"log-failure\"") != NULL;
    s->suppressed += strstr(line, "\"kind\":\"suppressed\"") != NULL;
    snprintf(s->last, sizeof s->last, "%s", line);
}

static void deny_n(struct vlog *v, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        char name[64];
        snprintf(name, sizeof name, "x%d.denied.test", i);
        vlog_denial(v, "dns", name, NULL, 53, "name denied by policy");
    }
}

TEST(a_flood_is_cut_to_the_rate_and_what_was_dropped_is_counted)
{
    struct seen s = { 0 };
    struct vlog v = { .fn = on_line, .ctx = &s, .pid = 1 };
    deny_n(&v, 0, VLOG_BURST + 100);
    /* The burst, and the odd token refilled while the loop ran (one per 20 ms). */
    CHECK(s.lines >= VLOG_BURST && s.lines < VLOG_BURST + 10);
    CHECK_INT(s.lines + (long long)v.dropped, VLOG_BURST + 100);
    int before = s.lines;
    /* A second later the bucket has VLOG_RATE more: the count comes first. */
    v.tokens_at_ms -= 1000;
    deny_n(&v, 100000, 1);
    CHECK_INT(s.suppressed, 1);
    CHECK_INT(s.lines, before + 2);
    CHECK(strstr(s.last, "x100000.denied.test") != NULL);
    /* Within the second, lines let through come without another count. */
    v.tokens = 0;
    deny_n(&v, 300000, 2);
    v.tokens = 10;
    deny_n(&v, 300010, 1);
    CHECK_INT(s.suppressed, 1);
    CHECK_INT(v.dropped, 2);
    /* What is dropped at the end is counted when the sandbox is over. */
    v.tokens = 0;
    deny_n(&v, 200000, 3);
    vlog_flush(&v);
    CHECK_INT(s.suppressed, 2);
    CHECK(strstr(s.last, "\"count\":5") != NULL);
    CHECK(strstr(s.last, "5 refusals were not logged or shown: more than 50 a second") != NULL);
}

TEST(a_full_disk_is_told_once_and_refusals_still_reach_the_callback)
{
    struct seen s = { 0 };
    FILE *full = fopen("/dev/full", "a");
    CHECK(full != NULL);
    if (!full)
        return;
    struct vlog v = { .file = full, .fn = on_line, .ctx = &s, .pid = 1 };
    deny_n(&v, 0, 5);
    CHECK_INT(s.log_failures, 1);
    CHECK_INT(s.lines, 5 + 1);
    CHECK(v.write_failed);
    fclose(full);
}

TEST(a_line_cut_short_is_ended_before_the_next)
{
    char path[] = "/tmp/moat-unit-vlog.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "a");
    struct seen s = { 0 };
    struct vlog v = { .file = f, .fn = on_line, .ctx = &s, .pid = 1 };
    /* As after a write that ran out of room halfway. */
    CHECK_INT(write(fd, "{\"time\":\"2026", 13), 13);
    v.partial = v.write_failed = true;
    deny_n(&v, 0, 1);
    CHECK(!v.partial && !v.write_failed);
    char buf[1024] = { 0 };
    CHECK(pread(fd, buf, sizeof buf - 1, 0) > 0);
    CHECK(strncmp(buf, "{\"time\":\"2026\n{\"time\":", 22) == 0);
    fclose(f);
    unlink(path);
}

int main(void)
{
    RUN(a_flood_is_cut_to_the_rate_and_what_was_dropped_is_counted);
    RUN(a_full_disk_is_told_once_and_refusals_still_reach_the_callback);
    RUN(a_line_cut_short_is_ended_before_the_next);
    return UNIT_DONE();
}
