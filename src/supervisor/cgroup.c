/* The sandbox's own cgroup; see cgroup.h.  Only ever creates, writes and
 * removes directories below the caller's own cgroups, named moat-PID-N;
 * never moves another process, and moves the caller only into a leaf of a
 * v2 directory it is alone in (a scope delegated for it). */
#include "supervisor/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"

static int read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, len - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    return 0;
}

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    return n < 0 ? -e : 0;
}

/* For a hierarchy (v1 controller name, or "" for v2): the caller's cgroup
 * path from /proc/self/cgroup, and the directory it is in here (the mount
 * point joined with the path below the mount's own root). */
static bool own_dir(const char *controller, char *dir, size_t len)
{
    char cg[512] = "";
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return false;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        bool match = false;
        if (!controller[0]) {
            match = strcmp(line, "0") == 0 && c1[1] == '\0';
        } else {
            for (char *t = strtok(c1 + 1, ","); t; t = strtok(NULL, ","))
                match |= strcmp(t, controller) == 0;
        }
        if (match) {
            snprintf(cg, sizeof cg, "%s", c2 + 1);
            break;
        }
    }
    fclose(f);
    if (!cg[0])
        return false;
    f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return false;
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char root[512], mnt[512], fstype[64], opts[512];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %511s %511s", root, mnt) != 2 ||
            sscanf(dash + 3, "%63s %*s %511s", fstype, opts) != 2)
            continue;
        if (controller[0]) {
            if (strcmp(fstype, "cgroup") != 0)
                continue;
            bool has = false;
            for (char *t = strtok(opts, ","); t; t = strtok(NULL, ","))
                has |= strcmp(t, controller) == 0;
            if (!has)
                continue;
        } else if (strcmp(fstype, "cgroup2") != 0) {
            continue;
        }
        /* The mount shows the hierarchy from `root` down (a container's own
         * cgroup): the caller's path must lie below it. */
        size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
        if (strncmp(cg, root, rl) != 0 || (cg[rl] != '/' && cg[rl] != '\0'))
            continue;
        snprintf(dir, len, "%s%s", mnt, strcmp(cg + rl, "/") == 0 ? "" : cg + rl);
        found = true;
    }
    fclose(f);
    return found;
}

static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

/* Is our own pid the only one in dir's cgroup.procs? */
static bool alone_in(const char *dir)
{
    char path[600], buf[256];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    if (read_text(path, buf, sizeof buf) < 0)
        return false;
    return strtol(buf, NULL, 10) == getpid() && !strchr(buf, '\n')[1];
}

static void find_v2(struct cgroup_place *pl, char *why, size_t wlen)
{
    char dir[512], buf[256];
    if (!own_dir("", dir, sizeof dir)) {
        snprintf(why, wlen, "no cgroup v2 hierarchy is mounted");
        return;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    if (read_text(path, buf, sizeof buf) < 0 || !has_word(buf, "memory") ||
        !has_word(buf, "pids")) {
        snprintf(why, wlen, "cgroup v2 at %.150s has no memory and pids controllers (they are "
                 "bound to cgroup v1 here)", dir);
        return;
    }
    if (access(dir, W_OK) < 0) {
        snprintf(why, wlen, "cgroup v2: %.200s is not delegated to uid %u", dir,
                 (unsigned)geteuid());
        return;
    }
    snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
    bool handed = read_text(path, buf, sizeof buf) == 0 && has_word(buf, "memory") &&
                  has_word(buf, "pids");
    if (!handed && !alone_in(dir)) {
        snprintf(why, wlen, "cgroup v2: %.150s holds other processes and hands no memory and "
                 "pids controllers to its children", dir);
        return;
    }
    pl->kind = CGROUP_V2;
    pl->alone = !handed;
    snprintf(pl->parent[0], sizeof pl->parent[0], "%s", dir);
}

void cgroup_find(struct cgroup_place *pl)
{
    *pl = (struct cgroup_place){ .kind = CGROUP_NONE };
    char v2why[400] = "";
    find_v2(pl, v2why, sizeof v2why);
    if (pl->kind == CGROUP_V2)
        return;
    char mem[512], pids[512];
    if (own_dir("memory", mem, sizeof mem) && own_dir("pids", pids, sizeof pids)) {
        if (access(mem, W_OK) == 0 && access(pids, W_OK) == 0) {
            pl->kind = CGROUP_V1;
            snprintf(pl->parent[0], sizeof pl->parent[0], "%s", mem);
            snprintf(pl->parent[1], sizeof pl->parent[1], "%s", pids);
            return;
        }
        snprintf(pl->why, sizeof pl->why, "%.180s; cgroup v1 (%.120s, %.120s) is writable by root only",
                 v2why, mem, pids);
        snprintf(pl->fix, sizeof pl->fix, "run moat as root, or on cgroup v2 under "
                 "`systemd-run --user --scope -p Delegate=yes moat ...`");
        return;
    }
    snprintf(pl->why, sizeof pl->why, "%.300s; no cgroup v1 memory and pids hierarchies", v2why);
    snprintf(pl->fix, sizeof pl->fix, "run moat under `systemd-run --user --scope -p "
             "Delegate=yes moat ...` (cgroup v2), or give the container its own cgroup "
             "namespace with the memory and pids controllers");
}

static int make_dir(const char *parent, char *dir, size_t len, struct moat_error *err)
{
    static unsigned serial;
    snprintf(dir, len, "%s/moat-%d-%u", parent, (int)getpid(), serial++);
    if (mkdir(dir, 0755) < 0)
        return error_set_errno(err, -errno, "cannot create the sandbox's cgroup %s", dir);
    return 0;
}

static int set_limit(const char *dir, const char *file, unsigned long long v,
                     struct moat_error *err)
{
    char path[700], text[32];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(text, sizeof text, "%llu", v);
    int r = write_text(path, text);
    return r < 0 ? error_set_errno(err, r, "cannot write %s to %s", text, path) : 0;
}

static int open_procs(const char *dir, int *fd, struct moat_error *err)
{
    char path[700];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    *fd = open(path, O_WRONLY | O_CLOEXEC);
    return *fd < 0 ? error_set_errno(err, -errno, "cannot open %s", path) : 0;
}

/* v2, alone in a delegated directory: move ourselves to a leaf so that the
 * directory may hand its controllers to children (cgroup v2 lets a cgroup
 * with processes have none). */
static int v2_prepare_alone(const char *parent, struct moat_error *err)
{
    char leaf[600], path[700];
    snprintf(leaf, sizeof leaf, "%s/moat-supervisor-%d", parent, (int)getpid());
    if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
        return error_set_errno(err, -errno, "cannot create %s", leaf);
    snprintf(path, sizeof path, "%s/cgroup.procs", leaf);
    int r = write_text(path, "0");
    if (r == 0) {
        snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
        r = write_text(path, "+memory +pids");
    }
    return r < 0 ? error_set_errno(err, r, "cannot hand the memory and pids controllers down "
                                   "in %s", parent) : 0;
}

int cgroup_create(const struct moat_policy *p, struct sandbox_cgroup *cg, struct moat_error *err)
{
    *cg = (struct sandbox_cgroup){ .procs = { -1, -1 } };
    struct cgroup_place pl;
    cgroup_find(&pl);
    const char *key = p->proc.memory_max ? "process.memoryMax" : "process.pidsMax";
    if (pl.kind == CGROUP_NONE)
        return error_set(err, -EOPNOTSUPP, "%s needs a cgroup of the sandbox's own, and none "
                         "can be made here: %s; to lift it: %s (process.rlimits bound each "
                         "process instead: \"as\", \"nproc\")", key, pl.why, pl.fix);
    int r = 0;
    cg->kind = pl.kind;
    if (pl.kind == CGROUP_V2) {
        if (pl.alone && (r = v2_prepare_alone(pl.parent[0], err)) < 0)
            return r;
        if ((r = make_dir(pl.parent[0], cg->dir[0], sizeof cg->dir[0], err)) < 0)
            return r;
        if (p->proc.memory_max &&
            ((r = set_limit(cg->dir[0], "memory.max", p->proc.memory_max, err)) < 0 ||
             (r = set_limit(cg->dir[0], "memory.swap.max", 0, err)) < 0))
            return r;
        if (p->proc.pids_max && (r = set_limit(cg->dir[0], "pids.max", p->proc.pids_max, err)) < 0)
            return r;
        return open_procs(cg->dir[0], &cg->procs[0], err);
    }
    if (p->proc.memory_max) {
        if ((r = make_dir(pl.parent[0], cg->dir[0], sizeof cg->dir[0], err)) < 0 ||
            (r = set_limit(cg->dir[0], "memory.limit_in_bytes", p->proc.memory_max, err)) < 0)
            return r;
        /* With swap accounting, swap counts too (as memory.swap.max 0). */
        char memsw[700];
        snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", cg->dir[0]);
        if (access(memsw, F_OK) == 0 &&
            (r = set_limit(cg->dir[0], "memory.memsw.limit_in_bytes", p->proc.memory_max,
                           err)) < 0)
            return r;
        if ((r = open_procs(cg->dir[0], &cg->procs[0], err)) < 0)
            return r;
    }
    if (p->proc.pids_max) {
        if ((r = make_dir(pl.parent[1], cg->dir[1], sizeof cg->dir[1], err)) < 0 ||
            (r = set_limit(cg->dir[1], "pids.max", p->proc.pids_max, err)) < 0 ||
            (r = open_procs(cg->dir[1], &cg->procs[1], err)) < 0)
            return r;
    }
    return 0;
}

/* Kill every pid listed in dir's cgroup.procs; how many were listed. */
static int kill_listed(const char *dir)
{
    char path[700], buf[8192];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    if (read_text(path, buf, sizeof buf) < 0)
        return 0;
    int n = 0;
    for (char *t = strtok(buf, "\n"); t; t = strtok(NULL, "\n")) {
        pid_t pid = (pid_t)strtol(t, NULL, 10);
        if (pid > 0 && pid != getpid()) {
            kill(pid, SIGKILL);
            n++;
        }
    }
    return n;
}

void cgroup_kill_all(struct sandbox_cgroup *cg)
{
    for (int i = 0; i < 2; i++) {
        if (!cg->dir[i][0])
            continue;
        if (cg->kind == CGROUP_V2) {
            char path[700];
            snprintf(path, sizeof path, "%s/cgroup.kill", cg->dir[i]);
            if (write_text(path, "1") == 0)
                continue;
        }
        /* v1 has no cgroup.kill: what forks between two readings is found by
         * the next; the pids cgroup keeps the count finite. */
        for (int round = 0; round < 1000 && kill_listed(cg->dir[i]) > 0; round++) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
    }
}

static long long event_count(const char *dir, const char *file, const char *key)
{
    char path[700], buf[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (read_text(path, buf, sizeof buf) < 0)
        return 0;
    size_t n = strlen(key);
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
        if (strncmp(l, key, n) == 0 && l[n] == ' ')
            return strtoll(l + n + 1, NULL, 10);
    return 0;
}

void cgroup_report(const struct sandbox_cgroup *cg, char *line, size_t len)
{
    line[0] = '\0';
    const char *mem = cg->kind == CGROUP_V2 ? cg->dir[0] : cg->dir[0];
    const char *pids = cg->kind == CGROUP_V2 ? cg->dir[0] : cg->dir[1];
    long long oom = 0, forks = 0;
    if (mem[0])
        oom = cg->kind == CGROUP_V2 ? event_count(mem, "memory.events", "oom_kill")
                                    : event_count(mem, "memory.oom_control", "oom_kill");
    if (pids[0])
        forks = event_count(pids, "pids.events", "max");
    if (oom && forks)
        snprintf(line, len, "memoryMax: the kernel killed %lld process(es) of the command for "
                 "memory; pidsMax: %lld fork(s) refused", oom, forks);
    else if (oom)
        snprintf(line, len, "memoryMax: the kernel killed %lld process(es) of the command for "
                 "memory", oom);
    else if (forks)
        snprintf(line, len, "pidsMax: %lld fork(s) of the command refused", forks);
}

void cgroup_remove(struct sandbox_cgroup *cg)
{
    for (int i = 0; i < 2; i++) {
        if (cg->procs[i] >= 0)
            close(cg->procs[i]);
        cg->procs[i] = -1;
        if (!cg->dir[i][0])
            continue;
        /* Processes leave a cgroup a little after they die. */
        for (int t = 0; t < 200 && rmdir(cg->dir[i]) < 0 && errno == EBUSY; t++) {
            kill_listed(cg->dir[i]);
            struct timespec ts = { 0, 5000000 };
            nanosleep(&ts, NULL);
        }
        cg->dir[i][0] = '\0';
    }
}
