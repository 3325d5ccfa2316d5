/* Unit tests for src/net/proxy/attribution.c: a proxy user label (srt's Base64 of the
 * command, percent-encoded or not) shown as printable text, and what is not printable --
 * control characters, C1 controls included, and byte sequences that are not strict UTF-8 --
 * shown as '?', whatever the label's author sends. */
#include <stdint.h>
#include <string.h>

#include "net/proxy/attribution.h"
#include "net/proxy/base64.h"
#include "unit.h"

/* The label srt would send for these bytes: their Base64. */
static const char *shown(const char *bytes, size_t n)
{
    static char label[512], out[256];
    base64_encode((const uint8_t *)bytes, n, label, sizeof label);
    proxy_attribution(label, out, sizeof out);
    return out;
}

#define SHOWN(lit) shown(lit, sizeof lit - 1)

TEST(base64_labels_show_the_command)
{
    char out[256];
    proxy_attribution("Y3VybCBleGFtcGxlLmNvbQ==", out, sizeof out);
    CHECK_STR(out, "curl example.com");
    proxy_attribution("Y3VybCBleGFtcGxlLmNvbQ%3D%3d", out, sizeof out); /* kept URL escapes */
    CHECK_STR(out, "curl example.com");
    proxy_attribution("not base64!", out, sizeof out); /* shown as written */
    CHECK_STR(out, "not base64!");
    proxy_attribution("", out, sizeof out);
    CHECK_STR(out, "");
    CHECK_STR(SHOWN("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(control_characters_are_question_marks)
{
    CHECK_STR(SHOWN("a\tb\x1b[2Jc\x7f"), "a?b?[2Jc?");
    /* C1 controls: U+009B is CSI to terminals that take 8-bit controls (found by
     * tests/fuzz/fuzz_attribution.c: they were passed through). */
    CHECK_STR(SHOWN("x\xc2\x9b" "2Jy\xc2\x85z"), "x?2Jy?z");
    CHECK_STR(SHOWN("\xc2\xa0ok"), "\xc2\xa0ok"); /* U+00A0 is not a control */
}

/* Sequences a strict UTF-8 reader (jansson's, writing the log line) refuses: overlong
 * forms, surrogates, code points past U+10FFFF.  Each of their bytes is a '?'. */
TEST(invalid_utf8_is_question_marks)
{
    CHECK_STR(SHOWN("\xe0\x80\xaf"), "???");          /* overlong '/' */
    CHECK_STR(SHOWN("\xc0\xaf"), "??");               /* overlong, 2 bytes */
    CHECK_STR(SHOWN("\xf0\x80\x80\xaf"), "????");     /* overlong, 4 bytes */
    CHECK_STR(SHOWN("\xed\xa0\x80"), "???");          /* a surrogate */
    CHECK_STR(SHOWN("\xf4\x90\x80\x80"), "????");     /* U+110000 */
    CHECK_STR(SHOWN("\xf5\x80\x80\x80"), "????");
    CHECK_STR(SHOWN("a\xe2\x82"), "a??");             /* cut short */
}

TEST(output_fits_and_never_splits_a_character)
{
    char out[8];
    memset(out, 'x', sizeof out);
    proxy_attribution("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", out, sizeof out);
    CHECK_STR(out, "\xe2\x82\xac");
    proxy_attribution("abcdefghijkl", out, 1);
    CHECK_STR(out, "");
}

int main(void)
{
    RUN(base64_labels_show_the_command);
    RUN(control_characters_are_question_marks);
    RUN(invalid_utf8_is_question_marks);
    RUN(output_fits_and_never_splits_a_character);
    return UNIT_DONE();
}
