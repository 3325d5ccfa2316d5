/* The violation log; see vlog.h.  Built with jansson so every string is
 * escaped correctly whatever the workload wrote. */
#include "net/vlog.h"

#include <jansson.h>
#include <stdlib.h>
#include <time.h>

void vlog_denial(const struct vlog *v, const char *kind, const char *dest, const char *canonical,
                 uint16_t port, const char *reason)
{
    vlog_denial_by(v, kind, dest, canonical, port, reason, NULL);
}

void vlog_denial_by(const struct vlog *v, const char *kind, const char *dest,
                    const char *canonical, uint16_t port, const char *reason,
                    const char *attribution)
{
    if (!v || (!v->file && !v->fn))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:i, s:s, s:i, s:s}", "time", when, "kind", kind,
                          "destination", dest ? dest : "", "canonical", canonical, "port",
                          (int)port, "reason", reason ? reason : "", "pid", (int)v->pid,
                          "command", v->command);
    if (!o)
        return;
    if (!canonical)
        json_object_del(o, "canonical");
    if (attribution && *attribution)
        json_object_set_new(o, "attribution", json_string(attribution));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return;
    if (v->file) {
        fprintf(v->file, "%s\n", line);
        fflush(v->file);
    }
    if (v->fn)
        v->fn(v->ctx, line);
    free(line);
}
