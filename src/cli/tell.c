/* Refusals on the terminal; see tell.h.  Only formats and prints what the library reported;
 * decides nothing. */
#include "cli/tell.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

void tell_escape(const char *s, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char buf[5];
        size_t k = 0;
        if (*c >= 0x20 && *c < 0x7f && *c != '\\') {
            buf[k++] = (char)*c;
        } else {
            buf[k++] = '\\';
            buf[k++] = 'x';
            buf[k++] = hex[*c >> 4];
            buf[k++] = hex[*c & 0xf];
        }
        if (o + k + 4 > size) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, buf, k);
        o += k;
    }
    out[o] = '\0';
}

static unsigned long line_hash(const char *s)
{
    unsigned long h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

/* Say each distinct line once; past TELL_REMEMBERED of them, at most TELL_PER_SECOND a
 * second. */
static int should_say(struct tell *t, const char *line)
{
    unsigned long h = line_hash(line);
    for (size_t i = 0; i < t->n_seen; i++)
        if (t->seen[i] == h)
            return 0;
    if (t->n_seen < TELL_REMEMBERED) {
        t->seen[t->n_seen++] = h;
        return 1;
    }
    long long now = (long long)time(NULL);
    if (now != t->second) {
        t->second = now;
        t->in_second = 0;
    }
    return t->in_second++ < TELL_PER_SECOND;
}

void tell_violation(void *ctx, const char *json_line)
{
    struct tell *t = ctx;
    if (t->json_out) {
        fprintf(t->json_out, "%s\n", json_line);
        fflush(t->json_out);
        return;
    }
    json_t *o = json_loads(json_line, 0, NULL);
    if (!o)
        return;
    const char *kind = json_string_value(json_object_get(o, "kind"));
    const char *dest = json_string_value(json_object_get(o, "destination"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    json_int_t port = json_integer_value(json_object_get(o, "port"));
    char what[600], esc_dest[400], esc_reason[600], line[1300];
    tell_escape(dest ? dest : "", esc_dest, sizeof esc_dest);
    tell_escape(reason ? reason : "", esc_reason, sizeof esc_reason);
    bool dns = kind && strcmp(kind, "dns") == 0;
    /* Not a refusal: the host's DNS servers failed a lookup (down, unreachable, garbage). */
    bool dns_failure = kind && strcmp(kind, "dns-failure") == 0;
    /* A proxy's destination carries its port already; an address does not. */
    bool has_port = dest && (strrchr(dest, ']') ? strstr(dest, "]:") != NULL
                                                 : strchr(dest, ':') && !strchr(strchr(dest, ':') + 1, ':'));
    bool file = kind && strcmp(kind, "file") == 0;
    if (file) {
        /* The write guard's: reason is "OP: why" ("create: the protected name ..."). */
        const char *colon = strstr(esc_reason, ": ");
        size_t oplen = colon ? (size_t)(colon - esc_reason) : 0;
        snprintf(line, sizeof line, "moat: refused %.*s%s%s: %s\n", (int)oplen, esc_reason,
                 oplen ? " " : "", esc_dest, colon ? colon + 2 : esc_reason);
    } else if (dns)
        snprintf(what, sizeof what, "DNS lookup of %s", esc_dest);
    else if (port && !has_port)
        snprintf(what, sizeof what, strchr(esc_dest, ':') ? "%s to [%s]:%lld" : "%s to %s:%lld",
                 kind && strcmp(kind, "udp") == 0 ? "UDP" : "connection", esc_dest, (long long)port);
    else
        snprintf(what, sizeof what, "%s to %s",
                 kind && strcmp(kind, "udp") == 0 ? "UDP" : "connection", esc_dest);
    /* About the log itself: it could not be written, or the rate limit dropped lines. */
    bool about_log = kind && (strcmp(kind, "log-failure") == 0 || strcmp(kind, "suppressed") == 0);
    if (about_log)
        snprintf(line, sizeof line, "moat: %s\n", esc_reason);
    else if (dns_failure)
        snprintf(line, sizeof line, "moat: DNS lookup of %s failed: %s\n", esc_dest, esc_reason);
    else if (!file)
        snprintf(line, sizeof line, "moat: blocked %s: %s\n", what, esc_reason);
    json_decref(o);
    if (should_say(t, line)) {
        fputs(line, t->out);
        fflush(t->out);
    }
}
