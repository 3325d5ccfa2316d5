/* JSON paths and positions for messages; see json_where.h. */
#include "policy/json/json_where.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void json_where_push_key(struct json_where *w, const char *key)
{
    if (w->depth < JSON_WHERE_MAX_DEPTH)
        w->path[w->depth] = (struct json_locate_seg){.key = key};
    w->depth++;
}

void json_where_push_index(struct json_where *w, size_t index)
{
    if (w->depth < JSON_WHERE_MAX_DEPTH)
        w->path[w->depth] = (struct json_locate_seg){.index = index};
    w->depth++;
}

void json_where_pop(struct json_where *w)
{
    if (w->depth > 0)
        w->depth--;
}

static size_t known_depth(const struct json_where *w)
{
    return w->depth < JSON_WHERE_MAX_DEPTH ? w->depth : JSON_WHERE_MAX_DEPTH;
}

void json_where_quote(char *buf, size_t size, const char *s, size_t max)
{
    if (size < 16) {
        if (size)
            buf[0] = '\0';
        return;
    }
    size_t o = 0, n = strlen(s);
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    buf[o++] = '"';
    for (size_t i = 0; i < n && o + 8 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            o += (size_t)snprintf(buf + o, size - o, "\\u%04x", ch);
        else
            buf[o++] = (char)ch;
    }
    snprintf(buf + o, size - o, "%s\"", cut ? "..." : "");
}

static bool is_identifier(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '$'))
            return false;
    return true;
}

void json_where_path(const struct json_where *w, char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "$");
    for (size_t i = 0; i < known_depth(w) && o < size; i++) {
        const struct json_locate_seg *s = &w->path[i];
        if (!s->key) {
            o += (size_t)snprintf(buf + o, size - o, "[%zu]", s->index);
        } else if (is_identifier(s->key)) {
            o += (size_t)snprintf(buf + o, size - o, ".%s", s->key);
        } else {
            char q[128];
            json_where_quote(q, sizeof q, s->key, 64);
            o += (size_t)snprintf(buf + o, size - o, "[%s]", q);
        }
    }
}

void json_where_vformat(const struct json_where *w, enum json_locate_target target, char *buf,
                        size_t size, const char *fmt, va_list ap)
{
    char msg[700], path[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    json_where_path(w, path, sizeof path);
    size_t off;
    if (json_locate(w->text, w->len, w->path, known_depth(w), target, &off) == 0) {
        unsigned line, col;
        json_locate_linecol(w->text, w->len, off, &line, &col);
        snprintf(buf, size, "%s:%u:%u: %s: %s", w->name, line, col, path, msg);
    } else {
        snprintf(buf, size, "%s: %s: %s", w->name, path, msg);
    }
}

const char *json_where_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}
