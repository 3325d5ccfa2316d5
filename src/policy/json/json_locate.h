/* Where things are in a JSON text: jansson keeps no positions for values, so
 * error messages find them again here, in the original text.  A small
 * tokenizer that only reads; it never allocates and never reads outside
 * text[0..len), whatever the input. */
#ifndef MOAT_POLICY_JSON_LOCATE_H
#define MOAT_POLICY_JSON_LOCATE_H

#include <stddef.h>

/* One step of a JSON path: an object member (key != NULL) or an array
 * element (key == NULL, index). */
struct json_locate_seg {
    const char *key;
    size_t index;
};

enum json_locate_target {
    JSON_LOCATE_VALUE, /* where the value at the path starts */
    JSON_LOCATE_KEY,   /* where the last member's key starts (its opening quote) */
};

/* Byte offset in text[0..len) of the value (or key) at path[0..depth).  An
 * empty path is the top-level value.  Keys are compared after decoding
 * escapes (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs); when a key
 * occurs twice the first wins.  JSON_LOCATE_KEY on an array element gives
 * the element's start.  Returns 0, -ENOENT when the path is not in the
 * text, -EINVAL when the text is malformed before reaching it. */
int json_locate(const char *text, size_t len, const struct json_locate_seg *path,
                size_t depth, enum json_locate_target target, size_t *offset);

/* The start of the token that contains byte `offset` (a string with its
 * quotes, a number or literal, a single punctuation character), scanning
 * from the beginning of the text.  Returns `offset` itself when it lies in
 * whitespace, beyond the text, or past a point the tokenizer cannot follow. */
size_t json_locate_token_start(const char *text, size_t len, size_t offset);

/* 1-based line and 1-based byte column of `offset` (clamped to len). */
void json_locate_linecol(const char *text, size_t len, size_t offset, unsigned *line,
                         unsigned *col);

#endif
