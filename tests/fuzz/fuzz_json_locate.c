/* Fuzz target: finding values in JSON text for error messages (src/policy/json_locate.c).
 * The input is a JSON text.  Checks json_locate against jansson, which is the parser the
 * policy loader uses: every value jansson finds (as the loader parses: no duplicate keys,
 * NUL allowed in strings) is located, and the text at the reported offset parses to the
 * same value; every key is located at a string that decodes to it.  On any text, token
 * starts and line/column positions stay inside the text and agree with a count done here.
 * fuzz-flags: -dict=tests/fuzz/policy_json.dict
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "policy/json/json_locate.h"

#define MAX_DEPTH 8
#define MAX_VALUES 256

struct walk {
    const char *text;
    size_t len;
    struct json_locate_seg path[MAX_DEPTH];
    unsigned values;
};

static void check_at(struct walk *w, size_t depth, const json_t *v)
{
    size_t off = (size_t)-1;
    int r = json_locate(w->text, w->len, w->path, depth, JSON_LOCATE_VALUE, &off);
    FUZZ_CHECKF(r == 0, "value at depth %zu not located (%d)", depth, r);
    FUZZ_CHECK(off < w->len);
    json_error_t e;
    json_t *there = json_loadb(w->text + off, w->len - off,
                               JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &e);
    FUZZ_CHECKF(there && json_equal(there, v), "text at offset %zu is not the value (%s)", off,
                there ? "different" : e.text);
    json_decref(there);

    if (depth > 0 && w->path[depth - 1].key) {
        r = json_locate(w->text, w->len, w->path, depth, JSON_LOCATE_KEY, &off);
        FUZZ_CHECK(r == 0 && off < w->len && w->text[off] == '"');
        json_t *key = json_loadb(w->text + off, w->len - off,
                                 JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &e);
        FUZZ_CHECK(key && json_is_string(key) &&
                   strcmp(json_string_value(key), w->path[depth - 1].key) == 0);
        json_decref(key);
    }
}

static void walk(struct walk *w, size_t depth, const json_t *v)
{
    if (w->values++ >= MAX_VALUES)
        return;
    check_at(w, depth, v);
    if (depth == MAX_DEPTH)
        return;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        void *it;
        for (it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
            key = json_object_iter_key(it);
            child = json_object_iter_value(it);
            if (strlen(key) != json_object_iter_key_len(it))
                continue; /* a key with a NUL in it cannot be asked for as a C string */
            w->path[depth] = (struct json_locate_seg){.key = key};
            walk(w, depth + 1, child);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            w->path[depth] = (struct json_locate_seg){.index = i};
            walk(w, depth + 1, json_array_get(v, i));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    uint64_t seed = fuzz_hash(data, size);

    for (int i = 0; i < 8; i++) {
        size_t off = (size_t)(fuzz_next(&seed) % (size + 2));
        size_t start = json_locate_token_start(text, size, off);
        FUZZ_CHECK(start <= off);
        unsigned line, col;
        json_locate_linecol(text, size, off, &line, &col);
        size_t upto = off < size ? off : size, lines = 1, col0 = 0;
        for (size_t k = 0; k < upto; k++) {
            if (text[k] == '\n')
                lines++, col0 = k + 1;
        }
        FUZZ_CHECKF(line == lines && col == upto - col0 + 1, "offset %zu: %u:%u, counted %zu:%zu",
                    off, line, col, lines, upto - col0 + 1);
    }

    json_error_t e;
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
    if (!root) {
        /* Malformed text: located or not, never outside it. */
        struct json_locate_seg path[2] = {{.key = "network"}, {.key = "allow"}};
        size_t off;
        if (json_locate(text, size, path, 2, JSON_LOCATE_VALUE, &off) == 0)
            FUZZ_CHECK(off < size);
        return 0;
    }
    struct walk w = {.text = text, .len = size};
    walk(&w, 0, root);
    /* A path that is not there. */
    struct json_locate_seg missing = {.key = "no such key \x01"};
    size_t off;
    if (json_is_object(root) && !json_object_get(root, missing.key))
        FUZZ_CHECK(json_locate(text, size, &missing, 1, JSON_LOCATE_VALUE, &off) == -ENOENT);
    json_decref(root);
    return 0;
}
