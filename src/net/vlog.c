/* The violation log; see vlog.h.  Built with jansson so every string is
 * escaped correctly whatever the workload wrote. */
#include "net/vlog.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"

/* FNV-1a over the fields that make two denials the same. */
static uint32_t denial_hash(const char *kind, const char *dest, uint16_t port, const char *reason)
{
    uint32_t h = 2166136261u;
    const char *parts[] = { kind, dest ? dest : "", reason ? reason : "" };
    for (size_t i = 0; i < 3; i++) {
        for (const char *c = parts[i]; *c; c++)
            h = (h ^ (uint8_t)*c) * 16777619u;
        h = (h ^ 0xff) * 16777619u;
    }
    return (h ^ port) * 16777619u;
}

static bool repeated(struct vlog *v, uint32_t hash)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    for (unsigned i = 0; i < VLOG_RECENT; i++)
        if (v->recent[i].at_ms && v->recent[i].hash == hash &&
            now - v->recent[i].at_ms < VLOG_REPEAT_MS)
            return true;
    v->recent[v->next_recent].hash = hash;
    v->recent[v->next_recent].at_ms = now;
    v->next_recent = (v->next_recent + 1) % VLOG_RECENT;
    return false;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The token bucket: may one more line go out now? */
static bool within_rate(struct vlog *v)
{
    uint64_t now = now_ms();
    if (!v->tokens_at_ms)
        v->tokens = VLOG_BURST;
    else
        v->tokens += (double)(now - v->tokens_at_ms) * VLOG_RATE / 1000.0;
    if (v->tokens > VLOG_BURST)
        v->tokens = VLOG_BURST;
    v->tokens_at_ms = now;
    if (v->tokens < 1)
        return false;
    v->tokens -= 1;
    return true;
}

/* Say something about the log itself to the callback (the log file may be what failed). */
static void tell_about_log(struct vlog *v, const char *kind, const char *reason)
{
    if (!v->fn)
        return;
    json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "kind", kind, "destination", "", "reason",
                          reason, "pid", (int)v->pid);
    if (!o)
        return;
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (line)
        v->fn(v->ctx, line);
    free(line);
}

/* One line to the file, in one write(2) with O_APPEND (several moat runs may share a log).
 * A full or failing disk must not stop moat nor go unsaid: the first failure is told through
 * the callback, and once writes succeed again a line cut short is ended first. */
static void file_write(struct vlog *v, const char *line)
{
    static char nl[] = "\n";
    struct iovec iov[3];
    int k = 0;
    if (v->partial)
        iov[k++] = (struct iovec){ .iov_base = nl, .iov_len = 1 };
    size_t head = v->partial ? 1 : 0;
    iov[k++] = (struct iovec){ .iov_base = (void *)line, .iov_len = strlen(line) };
    iov[k++] = (struct iovec){ .iov_base = nl, .iov_len = 1 };
    size_t want = head + strlen(line) + 1;
    ssize_t n = writev(fileno(v->file), iov, k);
    if (n == (ssize_t)want) {
        v->write_failed = v->partial = false;
        return;
    }
    int e = n < 0 ? errno : ENOSPC;
    if (n > (ssize_t)head)
        v->partial = true; /* part of this line is in the file */
    if (!v->write_failed) {
        char reason[200];
        snprintf(reason, sizeof reason, "cannot write to the --log file: %s; refusals are "
                 "still told here", strerror(e));
        tell_about_log(v, "log-failure", reason);
    }
    v->write_failed = true;
}

/* Is path (absolute, normalised) tree itself or inside it? */
static bool path_within(const char *path, const char *tree)
{
    size_t n = strlen(tree);
    while (n > 1 && tree[n - 1] == '/')
        n--;
    return strncmp(path, tree, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

int vlog_open(const char *path, const struct moat_policy *p, FILE **out, struct moat_error *err)
{
    *out = NULL;
    char abs[4096];
    if (path[0] == '/') {
        snprintf(abs, sizeof abs, "%s", path);
    } else {
        char *cwd = getcwd(NULL, 0);
        if (!cwd)
            return error_set_errno(err, -errno, "--log %s: cannot tell the working directory", path);
        snprintf(abs, sizeof abs, "%s/%s", cwd, path);
        free(cwd);
    }
    /* Lexically, as the policy's own paths are normalised: "." and ".." components would
     * hide that the log lies in a writable tree. */
    if (strstr(abs, "/../") || strstr(abs, "/./") ||
        (strlen(abs) >= 3 && strcmp(abs + strlen(abs) - 3, "/..") == 0))
        return error_set(err, -EINVAL, "--log %s: give the path without \".\" or \"..\"", path);
    for (size_t i = 0; p && i < p->fs.allow_write.n; i++)
        if (path_within(abs, p->fs.allow_write.v[i]))
            return error_set(err, -EPERM,
                             "--log %s: inside %s, which the sandbox may write: it could replace "
                             "the log (with a link for the next run) or rewrite it; put the log "
                             "outside it", path, p->fs.allow_write.v[i]);
    struct open_how how = {
        .flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
        .mode = 0600,
        .resolve = RESOLVE_NO_SYMLINKS,
    };
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, abs, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS) /* before Linux 5.6: the last component at least */
        fd = open(abs, (int)how.flags, 0600);
    if (fd < 0) {
        int e = -errno;
        return error_set_errno(err, e, e == -ELOOP || e == -EXDEV
                                           ? "--log %s: it, or a directory on its way, is a "
                                             "symbolic link, which moat does not follow for its "
                                             "log (a sandbox may have planted it); give the real "
                                             "path"
                                           : "--log %s: cannot open it",
                               path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return error_set(err, -EINVAL, "--log %s: not a regular file", path);
    }
    fcntl(fd, F_SETFL, O_WRONLY | O_APPEND); /* blocking writes from here on */
    FILE *f = fdopen(fd, "a");
    if (!f) {
        int e = -errno;
        close(fd);
        return error_set_errno(err, e, "--log %s: cannot open it", path);
    }
    *out = f;
    return 0;
}

void vlog_denial(struct vlog *v, const char *kind, const char *dest, const char *canonical,
                 uint16_t port, const char *reason)
{
    vlog_denial_by(v, kind, dest, canonical, port, reason, NULL);
}

/* Build one line and send it to the file and the callback.  count > 0: a "suppressed"
 * line's count. */
static void emit(struct vlog *v, const char *kind, const char *dest, const char *canonical,
                 uint16_t port, const char *reason, const char *attribution, unsigned long count)
{
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
    if (count)
        json_object_set_new(o, "count", json_integer((json_int_t)count));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return;
    if (v->file)
        file_write(v, line);
    if (v->fn)
        v->fn(v->ctx, line);
    free(line);
}

void vlog_denial_by(struct vlog *v, const char *kind, const char *dest, const char *canonical,
                    uint16_t port, const char *reason, const char *attribution)
{
    if (!v || (!v->file && !v->fn) || repeated(v, denial_hash(kind, dest, port, reason)))
        return;
    if (!within_rate(v)) {
        v->dropped++;
        return;
    }
    /* The count of what was dropped, at most once a second: under a steady flood every
     * line let through would otherwise come with one. */
    if (v->dropped && now_ms() - v->notice_at_ms >= 1000)
        vlog_flush(v);
    emit(v, kind, dest, canonical, port, reason, attribution, 0);
}

void vlog_flush(struct vlog *v)
{
    if (!v || !v->dropped)
        return;
    char why[160];
    snprintf(why, sizeof why, "%lu refusals were not logged or shown: more than %d a second",
             v->dropped, VLOG_RATE);
    emit(v, "suppressed", "", NULL, 0, why, NULL, v->dropped);
    v->dropped = 0;
    v->notice_at_ms = now_ms();
}
