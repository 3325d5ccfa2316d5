/* Killing a process tree without a pid namespace; see tree.h.  The tree is
 * read from /proc (each process's parent, after the last ')' of its stat
 * line, since a command name may hold one) and killed round after round:
 * a process that forked after one reading is found by the next, and a
 * killed one forks no more, so the rounds end.  Never signals a process
 * that does not descend from the caller. */
#include "sandbox/process/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct proc_entry {
    pid_t pid, ppid;
    char state;
    bool below; /* descends from us */
};

static bool read_stat(pid_t pid, struct proc_entry *e)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *close_paren = strrchr(buf, ')');
    char state;
    int ppid;
    if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
        return false;
    *e = (struct proc_entry){ .pid = pid, .ppid = ppid, .state = state };
    return true;
}

/* Every process on the host; *n entries (malloc'd), NULL when /proc cannot
 * be read. */
static struct proc_entry *read_all(size_t *n)
{
    DIR *d = opendir("/proc");
    if (!d)
        return NULL;
    size_t cap = 256, len = 0;
    struct proc_entry *v = malloc(cap * sizeof *v);
    struct dirent *de;
    while (v && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (len == cap) {
            struct proc_entry *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
            cap *= 2;
        }
        if (read_stat((pid_t)pid, &v[len]))
            len++;
    }
    closedir(d);
    *n = len;
    return v;
}

static void mark_descendants(struct proc_entry *v, size_t n, pid_t self)
{
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < n; i++) {
            if (v[i].below || v[i].pid == self)
                continue;
            bool below = v[i].ppid == self;
            for (size_t k = 0; !below && k < n; k++)
                below = v[k].below && v[k].pid == v[i].ppid;
            if (below) {
                v[i].below = true;
                changed = true;
            }
        }
    }
}

int tree_kill_descendants(void)
{
    pid_t self = getpid();
    int killed = 0;
    for (int round = 0; round < 10000; round++) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        size_t n = 0;
        struct proc_entry *v = read_all(&n);
        if (!v)
            break;
        mark_descendants(v, n, self);
        size_t below = 0, live = 0;
        for (size_t i = 0; i < n; i++) {
            if (!v[i].below)
                continue;
            below++;
            if (v[i].state != 'Z' && v[i].state != 'X') {
                live++;
                if (kill(v[i].pid, SIGKILL) == 0)
                    killed++;
            }
        }
        free(v);
        if (below == 0)
            break;
        if (live == 0) { /* only zombies, whose parents are dying: they come to us */
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    return killed;
}
