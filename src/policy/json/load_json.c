/* Reading a policy file and parsing it with jansson: the public
 * moat_policy_load_file/_string, jansson's syntax errors presented as
 * FILE:LINE:COL, and the all-or-nothing merge.  The format itself is
 * load_format.c's.  Never prints, never exits. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/json/json_locate.h"
#include "policy/json/load_json.h"
#include "policy/load_format.h"
#include "policy/paths.h"
#include "policy/policy.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/strv.h"

/* A policy file is a few kilobytes; anything near this is a mistake (a log
 * file, /dev/zero) that should fail fast rather than eat memory. */
#define POLICY_FILE_MAX (4u << 20)

/* ---- syntax errors from jansson ----------------------------------------- */

/* jansson's own text, minus control bytes that a "near" token can carry. */
static void clean_text(char *out, size_t size, const char *in)
{
    size_t o = 0;
    for (; *in && o + 1 < size; in++)
        out[o++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? '?' : *in;
    out[o] = '\0';
}

/* jansson's error position is the byte offset just past the token it
 * stopped at; report the token's start instead (where a reader looks), or
 * the end of the text for "near end of file". */
int load_json_syntax_error(const char *text, size_t len, const char *name,
                           const json_error_t *je, struct moat_error *err)
{
    enum json_error_code code = json_error_code(je);
    if (code == json_error_out_of_memory)
        return error_set(err, -ENOMEM, "out of memory");

    size_t pos = je->position > 0 ? (size_t)je->position : 0;
    if (pos > len)
        pos = len;
    bool at_eof = strstr(je->text, "near end of file") != NULL;
    size_t at = (at_eof || pos == 0) ? pos : json_locate_token_start(text, len, pos - 1);
    char msg[400], jt[JSON_ERROR_TEXT_LENGTH];
    clean_text(jt, sizeof jt, je->text);

    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i == len) {
        snprintf(msg, sizeof msg, "empty file (expected a JSON object)");
        at = len;
    } else if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        snprintf(msg, sizeof msg, "byte order mark at the start of the file (save it as "
                                  "UTF-8 without a BOM)");
        at = 0;
    } else if (code == json_error_duplicate_key && at < pos && text[at] == '"') {
        /* the key as written, escapes and all */
        char raw[128], key[128];
        size_t n = pos - at;
        snprintf(raw, sizeof raw, "%.*s%s", n > 100 ? 100 : (int)n, text + at,
                 n > 100 ? "..." : "");
        clean_text(key, sizeof key, raw);
        snprintf(msg, sizeof msg, "duplicate key %s", key);
    } else if (code == json_error_null_byte_in_key) {
        snprintf(msg, sizeof msg, "object key contains a NUL byte");
    } else if (code == json_error_invalid_utf8) {
        snprintf(msg, sizeof msg, "invalid UTF-8 (a policy file must be UTF-8 text)");
    } else if (code == json_error_numeric_overflow) {
        snprintf(msg, sizeof msg, "number out of range (%s)", jt);
    } else if (code == json_error_premature_end_of_input && !at_eof && at < len &&
               text[at] == '"') {
        snprintf(msg, sizeof msg, "unterminated string");
    } else {
        /* A trailing comma shows up as an unexpected '}' or ']': say so,
         * and point at the comma. */
        bool closing = code == json_error_invalid_syntax && at < len &&
                       (text[at] == '}' || text[at] == ']');
        size_t b = at;
        while (closing && b > 0 && (text[b - 1] == ' ' || text[b - 1] == '\t' ||
                                    text[b - 1] == '\n' || text[b - 1] == '\r'))
            b--;
        if (closing && b > 0 && text[b - 1] == ',') {
            snprintf(msg, sizeof msg, "syntax error: trailing comma before '%c'", text[at]);
            at = b - 1;
        } else {
            snprintf(msg, sizeof msg, "syntax error: %s", jt);
        }
    }

    unsigned line, col;
    json_locate_linecol(text, len, at, &line, &col);
    return error_set(err, -EINVAL, "%s:%u:%u: %s", name, line, col, msg);
}

/* ---- entry points -------------------------------------------------------- */

static int load_text(struct moat_policy *p, const char *text, size_t len, const char *name,
                     const char *base_dir, const char *source, struct moat_error *err)
{
    json_error_t je;
    json_auto_t *root =
        json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!root)
        return load_json_syntax_error(text, len, name, &je, err);

    /* Nothing is half-applied: merge into a copy, keep it only on success. */
    struct moat_policy scratch;
    if (policy_copy(&scratch, p) < 0)
        return error_set(err, -ENOMEM, "out of memory");
    int r = load_format_apply(&scratch, root, text, len, name, base_dir, err);
    /* Every file loaded is recorded (and protected), not only the last. */
    if (r == 0 && source && !strv_contains(&scratch.sources, source) &&
        strv_push(&scratch.sources, source) < 0)
        r = error_set(err, -ENOMEM, "out of memory");
    if (r < 0) {
        policy_release(&scratch);
        return r;
    }
    policy_release(p);
    *p = scratch;
    return 0;
}

int moat_policy_load_string(struct moat_policy *p, const char *json, const char *name,
                            const char *base_dir, struct moat_error *err)
{
    if (!name)
        name = "<string>";
    if (!json)
        return error_set(err, -EINVAL, "%s: no policy text given", name);
    _cleanup_free_ char *cwd = NULL;
    if (!base_dir) {
        cwd = getcwd(NULL, 0);
        if (!cwd)
            return error_set_errno(err, -errno, "%s: cannot get the current directory", name);
        base_dir = cwd;
    }
    if (base_dir[0] != '/')
        return error_set(err, -EINVAL, "%s: base directory \"%s\" is not absolute", name,
                         base_dir);
    return load_text(p, json, strlen(json), name, base_dir, NULL, err);
}

int load_json_read_file(const char *path, char **out, size_t *len, bool *regular,
                        struct moat_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return error_set_errno(err, -errno, "cannot read policy file %s", path);
    *regular = S_ISREG(st.st_mode);
    _cleanup_free_ char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            /* one byte beyond the limit tells "exactly the limit" from "more" */
            cap = cap ? cap * 2 : 8192;
            if (cap > POLICY_FILE_MAX + 1)
                cap = POLICY_FILE_MAX + 1;
            if (n == cap)
                return error_set(err, -EFBIG, "policy file %s is too large (the limit is %u "
                                 "bytes)", path, POLICY_FILE_MAX);
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                return error_set(err, -ENOMEM, "out of memory");
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return error_set_errno(err, -errno, "cannot read policy file %s", path);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > POLICY_FILE_MAX)
        return error_set(err, -EFBIG, "policy file %s is too large (the limit is %u bytes)",
                         path, POLICY_FILE_MAX);
    buf[n] = '\0';
    *out = steal_ptr(&buf);
    *len = n;
    return 0;
}

int moat_policy_load_file(struct moat_policy *p, const char *path, struct moat_error *err)
{
    if (!path)
        return error_set(err, -EINVAL, "no policy file given");
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    bool regular = false;
    int r = load_json_read_file(path, &text, &len, &regular, err);
    if (r < 0)
        return r;

    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return error_set_errno(err, -errno, "%s: cannot get the current directory", path);
    if (!regular) /* a pipe (`--policy <(...)`): nothing to protect, paths as on a CLI */
        return load_text(p, text, len, path, cwd, NULL, err);

    /* The source is recorded as an absolute path (it is write-protected in
     * the sandbox); relative entries in the file are relative to its
     * directory.  Lexical, like every policy path: "~" is not expanded
     * here because open() above did not expand it either. */
    _cleanup_free_ char *joined = NULL, *source = NULL;
    if (path[0] == '/')
        joined = strdup(path);
    else if (asprintf(&joined, "%s/%s", cwd, path) < 0)
        joined = NULL;
    if (!joined)
        return error_set(err, -ENOMEM, "out of memory");
    r = path_normalize(joined, NULL, &source, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *dir = strdup(source);
    if (!dir)
        return error_set(err, -ENOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    slash[slash == dir ? 1 : 0] = '\0';
    return load_text(p, text, len, path, dir, source, err);
}
