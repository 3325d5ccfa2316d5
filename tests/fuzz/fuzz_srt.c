/* Fuzz target: srt's settings file (include/moat_srt.h; src/policy/load_srt*.c) and its
 * command quoting (srt_command.c).  The input is a settings file's text, and also an
 * argument vector (its NUL-separated parts).  Checks that a refused file names itself; that
 * an accepted one carries a finalized policy that prints as a moat policy file loading back
 * (through moat's own JSON loader) to the same policy, with notes and variables to unset
 * that are well-formed; that loading is deterministic; and that the quoted command, split
 * again as a POSIX shell splits words, is the argument vector.
 * fuzz-flags: -dict=tests/fuzz/srt.dict
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_policy.h"
#include "moat.h"
#include "moat_srt.h"
#include "util/cleanup.h"

#define NAME "settings.json"
#define BASE "/base/dir"
#define MAX_ARGS 16

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* What the loader reads from the environment: the same on every run. */
    setenv("HOME", "/home/fuzz", 1);
    unsetenv("GIT_CONFIG_COUNT");
    unsetenv("CLAUDE_CODE_TMPDIR");
    unsetenv("CLAUDE_TMPDIR");
    return 0;
}

static void check_settings(const char *text, size_t size)
{
    struct moat_srt_settings *s = NULL;
    struct moat_error err = {0};
    int r = moat_srt_load(text, size, NAME, BASE, NULL, &s, &err);
    if (r < 0) {
        FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECKF(strncmp(err.msg, NAME ":", strlen(NAME ":")) == 0,
                    "error does not name the file: %s", err.msg);
        return;
    }
    const struct moat_policy *policy = moat_srt_settings_policy(s);
    FUZZ_CHECK(policy);
    for (size_t i = 0; i < moat_srt_settings_note_count(s); i++)
        FUZZ_CHECK(moat_srt_settings_note(s, i) && moat_srt_settings_note(s, i)[0]);
    FUZZ_CHECK(!moat_srt_settings_note(s, moat_srt_settings_note_count(s)));
    for (size_t i = 0; i < moat_srt_settings_unset_env_count(s); i++) {
        const char *name = moat_srt_settings_unset_env(s, i);
        FUZZ_CHECK(name && name[0] && !strchr(name, '='));
    }
    for (size_t i = 0; i < moat_policy_warning_count(policy); i++)
        FUZZ_CHECK(moat_policy_warning(policy, i) && moat_policy_warning(policy, i)[0]);
    _cleanup_free_ char *json = fuzz_mapped_policy_loads_back(policy, BASE, "settings");

    struct moat_srt_settings *twice = NULL;
    FUZZ_CHECK(moat_srt_load(text, size, NAME, BASE, NULL, &twice, &err) == 0);
    _cleanup_free_ char *json2 = moat_policy_to_json(moat_srt_settings_policy(twice));
    FUZZ_CHECK(json2 && strcmp(json, json2) == 0);
    FUZZ_CHECK(moat_srt_settings_note_count(twice) == moat_srt_settings_note_count(s));
    FUZZ_CHECK(moat_srt_settings_unset_env_count(twice) == moat_srt_settings_unset_env_count(s));
    moat_srt_settings_free(twice);
    moat_srt_settings_free(s);
}

/* Words as sh(1) splits them (POSIX.1 §2.2-2.6, quoting only: no expansions), or -1 when
 * the text is not a quoted word list. */
static int shell_split(const char *s, char **words, char *buf)
{
    int n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        if (n == MAX_ARGS)
            return -1;
        words[n++] = buf;
        while (*s && *s != ' ') {
            if (*s == '\'') {
                const char *end = strchr(s + 1, '\'');
                if (!end)
                    return -1;
                memcpy(buf, s + 1, (size_t)(end - s - 1));
                buf += end - s - 1;
                s = end + 1;
            } else if (*s == '"') {
                for (s++; *s && *s != '"'; s++) {
                    if (*s == '\\' && strchr("$`\"\\\n", s[1]))
                        s++;
                    *buf++ = *s;
                }
                if (*s++ != '"')
                    return -1;
            } else if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                         (*s >= '0' && *s <= '9') || strchr("_./:=@+,-", *s))) {
                return -1; /* unquoted, it would not be taken literally */
            } else {
                *buf++ = *s++;
            }
        }
        *buf++ = '\0';
    }
    return n;
}

static void check_quote(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *copy = malloc(size + 1);
    FUZZ_CHECK(copy);
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int n = 0;
    for (char *a = copy; n < MAX_ARGS && a <= copy + size; a += strlen(a) + 1)
        argv[n++] = a;
    argv[n] = NULL;
    _cleanup_free_ char *quoted = moat_srt_quote(argv);
    FUZZ_CHECK(quoted);
    char *words[MAX_ARGS];
    _cleanup_free_ char *buf = malloc(strlen(quoted) + MAX_ARGS + 1);
    FUZZ_CHECK(buf);
    int m = shell_split(quoted, words, buf);
    FUZZ_CHECKF(m == n, "%d arguments quoted as \"%s\", which splits into %d", n, quoted, m);
    for (int i = 0; i < n; i++)
        FUZZ_CHECKF(strcmp(words[i], argv[i]) == 0, "argument %d \"%s\" quoted as \"%s\"", i,
                    argv[i], quoted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_settings((const char *)data, size);
    check_quote(data, size);
    return 0;
}
