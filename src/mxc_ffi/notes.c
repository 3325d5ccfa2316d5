/* A sandbox's warnings (notes.h).  Refusals are worded by the CLI's own
 * formatter (src/cli/tell.c, which also escapes the workload's bytes and
 * says each distinct refusal once), printed into a memory stream and taken
 * back a line at a time.  Only collects; the caller decides when to show. */
#include "mxc_ffi/notes.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void notes_init(struct notes *n)
{
    *n = (struct notes){ 0 };
    n->said = open_memstream(&n->said_buf, &n->said_len);
    n->tell.out = n->said; /* NULL when out of memory: refusals are then only counted */
}

void notes_free(struct notes *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
    if (n->said)
        fclose(n->said);
    free(n->said_buf);
    *n = (struct notes){ 0 };
}

static void keep(struct notes *n, char *s)
{
    char **grown = s && n->n < NOTES_MAX ? realloc(n->v, (n->n + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(s);
        n->dropped++;
        return;
    }
    n->v = grown;
    n->v[n->n++] = s;
}

void notes_add(struct notes *n, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    keep(n, s);
}

void notes_add_policy(struct notes *n, const struct moat_policy *p)
{
    for (size_t i = 0; i < moat_policy_warning_count(p); i++)
        notes_add(n, "%s", moat_policy_warning(p, i));
}

void notes_violation(void *ctx, const char *json_line)
{
    struct notes *n = ctx;
    if (!n->said) {
        n->dropped++;
        return;
    }
    tell_violation(&n->tell, json_line);
    fflush(n->said);
    /* Each new line tell printed is one note, without its newline. */
    while (n->said_used < n->said_len) {
        char *start = n->said_buf + n->said_used;
        char *end = memchr(start, '\n', n->said_len - n->said_used);
        size_t len = end ? (size_t)(end - start) : n->said_len - n->said_used;
        keep(n, strndup(start, len));
        n->said_used += len + (end != NULL);
    }
    /* Everything printed is taken: write the next lines over it. */
    rewind(n->said);
    n->said_used = 0;
}

char *notes_json(const struct notes *n, bool *oom)
{
    *oom = false;
    if (n->n == 0 && n->dropped == 0)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; a && i < n->n; i++)
        if (json_array_append_new(a, json_string(n->v[i])) < 0) /* not UTF-8: escaped */
            json_array_append_new(a, json_string("moat: a warning that is not UTF-8"));
    if (a && n->dropped) {
        char more[96];
        snprintf(more, sizeof more, "moat: %lu more warnings not shown", n->dropped);
        json_array_append_new(a, json_string(more));
    }
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    *oom = text == NULL;
    return text;
}

char *notes_text(const struct notes *n, size_t max, const char *eol)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    unsigned long left_out = n->dropped;
    for (size_t i = 0; i < n->n; i++) {
        long before = ftell(f);
        fprintf(f, "moat: warning: %s%s", n->v[i], eol);
        if (ftell(f) > (long)max - 64) { /* room kept for the count below */
            fseek(f, before, SEEK_SET);
            left_out += n->n - i;
            break;
        }
    }
    if (left_out)
        fprintf(f, "moat: warning: %lu more warnings not shown%s", left_out, eol);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    text[len] = '\0';
    return text;
}
