/* The sandbox's own cgroup, for process.memoryMax and process.pidsMax: in a
 * delegated cgroup v2 subtree where the caller has one, else in the cgroup
 * v1 memory and pids hierarchies when the caller may write them (root).
 * Internal to src/supervisor/ and `moat doctor`. */
#ifndef MOAT_SUPERVISOR_CGROUP_H
#define MOAT_SUPERVISOR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "moat.h"

enum cgroup_kind { CGROUP_NONE, CGROUP_V2, CGROUP_V1 };

/* Where a sandbox's cgroup can be made here.  kind NONE: why (the reason)
 * and fix (the one command or setting that lifts it) say why not. */
struct cgroup_place {
    enum cgroup_kind kind;
    char parent[2][512]; /* v2: [0] the delegated directory; v1: memory, pids */
    bool alone;          /* v2: we are the only process of parent[0], which hands no
                          * controllers down yet (we move to a leaf of it first) */
    char why[512];
    char fix[256];
};
void cgroup_find(struct cgroup_place *pl);

/* One sandbox's cgroup. */
struct sandbox_cgroup {
    enum cgroup_kind kind;
    char dir[2][600];  /* v2: [0]; v1: the memory and pids cgroups ("" when unused) */
    int procs[2];      /* their cgroup.procs, open for writing (the init joins them) */
};

/* Make the cgroup for p's memoryMax/pidsMax and set them.  Fails with a
 * message naming the key, the reason and the fix where no cgroup can be
 * made.  0 or -errno. */
int cgroup_create(const struct moat_policy *p, struct sandbox_cgroup *cg, struct moat_error *err);

/* Kill everything in it (v2: cgroup.kill; v1: each pid, until empty). */
void cgroup_kill_all(struct sandbox_cgroup *cg);

/* What the limits did, as a line for the caller, or "" (an OOM kill under
 * memoryMax, forks refused under pidsMax). */
void cgroup_report(const struct sandbox_cgroup *cg, char *line, size_t len);

/* Remove the cgroup (once empty) and close what is open. */
void cgroup_remove(struct sandbox_cgroup *cg);

#endif
