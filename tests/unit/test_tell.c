/* Unit tests for src/cli/tell.c: the line a refusal becomes on the terminal -- every byte a
 * workload or a library caller could choose that is not printable ASCII escaped, each
 * distinct line said once, repeats bounded once the memory is full. */
#include <stdlib.h>

#include "cli/tell.c" /* the CLI is not in libmoat */
#include "unit.h"

static char out_buf[65536];

static const char *say(struct tell *t, const char *json)
{
    out_buf[0] = '\0';
    FILE *f = fmemopen(out_buf, sizeof out_buf, "w");
    t->out = f;
    tell_violation(t, json);
    fclose(f);
    return out_buf;
}

TEST(escapes_everything_but_printable_ascii)
{
    char out[128];
    tell_escape("a\x1b]0;x\x07\\b\xc2\x9b\x7f z", out, sizeof out);
    CHECK_STR(out, "a\\x1b]0;x\\x07\\x5cb\\xc2\\x9b\\x7f z");
    tell_escape("0123456789abcdef", out, 12);
    CHECK_STR(out, "01234567...");
}

TEST(a_refusal_is_one_escaped_line)
{
    struct tell t = { 0 };
    CHECK_STR(say(&t, "{\"kind\":\"connect\",\"destination\":\"denied.test:443\",\"port\":443,"
                      "\"reason\":\"not in allow list\"}"),
              "moat: blocked connection to denied.test:443: not in allow list\n");
    CHECK_STR(say(&t, "{\"kind\":\"connect\",\"destination\":\"denied.test:443\",\"port\":443,"
                      "\"reason\":\"not in allow list\"}"),
              ""); /* said once */
    CHECK_STR(say(&t, "{\"kind\":\"udp\",\"destination\":\"2001:db8::9\",\"port\":53,"
                      "\"reason\":\"r\"}"),
              "moat: blocked UDP to [2001:db8::9]:53: r\n");
    CHECK_STR(say(&t, "{\"kind\":\"dns\",\"destination\":\"x.denied.test\",\"port\":53,"
                      "\"reason\":\"denied\"}"),
              "moat: blocked DNS lookup of x.denied.test: denied\n");
    /* About the log itself. */
    CHECK_STR(say(&t, "{\"kind\":\"log-failure\",\"destination\":\"\",\"reason\":\"cannot write "
                      "to the --log file: No space left on device\"}"),
              "moat: cannot write to the --log file: No space left on device\n");
    CHECK_STR(say(&t, "{\"kind\":\"suppressed\",\"destination\":\"\",\"port\":0,\"count\":3,"
                      "\"reason\":\"3 refusals were not logged or shown\"}"),
              "moat: 3 refusals were not logged or shown\n");
    /* Not a refusal: the host's DNS servers failed; said as such, escaped as well. */
    CHECK_STR(say(&t, "{\"kind\":\"dns-failure\",\"destination\":\"a.test\\u001b\",\"port\":53,"
                      "\"reason\":\"no answer from the host's DNS server (198.51.100.57) in 3.0 s\"}"),
              "moat: DNS lookup of a.test\\x1b failed: no answer from the host's DNS server "
              "(198.51.100.57) in 3.0 s\n");
    const char *s = say(&t, "{\"kind\":\"connect\",\"destination\":\"\\u001b[2J\\u009b\","
                            "\"port\":1,\"reason\":\"\\u0007\"}");
    CHECK(strchr(s, '\x1b') == NULL && strchr(s, '\x07') == NULL && !strstr(s, "\xc2\x9b"));
    CHECK_STR(s, "moat: blocked connection to \\x1b[2J\\xc2\\x9b:1: \\x07\n");
}

TEST(repeats_are_bounded_once_memory_is_full)
{
    struct tell t = { 0 };
    char json[256];
    for (int i = 0; i < TELL_REMEMBERED; i++) {
        snprintf(json, sizeof json,
                 "{\"kind\":\"connect\",\"destination\":\"h%d.test:1\",\"reason\":\"r\"}", i);
        say(&t, json);
    }
    int said = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(json, sizeof json,
                 "{\"kind\":\"connect\",\"destination\":\"new%d.test:1\",\"reason\":\"r\"}", i);
        said += *say(&t, json) != '\0';
    }
    CHECK(said >= 1 && said <= 2 * TELL_PER_SECOND); /* one or two seconds' worth */
}

int main(void)
{
    RUN(escapes_everything_but_printable_ascii);
    RUN(a_refusal_is_one_escaped_line);
    RUN(repeats_are_bounded_once_memory_is_full);
    return UNIT_DONE();
}
