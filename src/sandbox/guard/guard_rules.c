/* The write guard's verdict; see guard_rules.h.  The order of the checks is
 * the order of docs/security.md "Writable trees": the paths the policy
 * names (denyWrite, the policy file, protections found when the sandbox was
 * built, PATH), the hidden paths, the protected names anywhere, those of
 * the home directory, and git's. */
#include "sandbox/guard/guard_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/protected.h"

#define MAX_COMPONENTS 512

static bool within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

__attribute__((format(printf, 2, 3))) static bool refuse(struct guard_verdict *v, const char *fmt,
                                                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->why, sizeof v->why, fmt, ap);
    va_end(ap);
    v->refused = true;
    return true;
}

/* The components of rel, as pointers into it (each ends at '/' or NUL). */
static size_t split(const char *rel, const char **comp, size_t max)
{
    size_t n = 0;
    for (const char *c = rel; *c && n < max;) {
        comp[n++] = c;
        c += strcspn(c, "/");
        if (*c == '/')
            c++;
    }
    return n;
}

static size_t comp_len(const char *c)
{
    return strcspn(c, "/");
}

static bool comp_is(const char *c, const char *name)
{
    size_t n = strlen(name);
    return comp_len(c) == n && strncasecmp(c, name, n) == 0;
}

/* Is the relative path `rel` a strict ancestor of `match` ("a" of "a/b")? */
static bool ancestor_of(const char *rel, const char *match)
{
    size_t n = strlen(rel);
    return n && strncasecmp(match, rel, n) == 0 && match[n] == '/';
}

/* A name `match` anywhere in the components of rel. */
static bool name_anywhere(const char *rel, const char *match, enum guard_access a)
{
    const char *comp[MAX_COMPONENTS];
    size_t n = split(rel, comp, MAX_COMPONENTS);
    for (size_t i = 0; i < n; i++) {
        if (protected_prefix_match(comp[i], match, NULL))
            return true;
        if (a == GUARD_REPLACE && ancestor_of(comp[i], match))
            return true;
    }
    return false;
}

static bool check_names(const struct guard_rules *g, const char *rel, const char *home_rel,
                        enum guard_access a, struct guard_verdict *v)
{
    for (const struct protected_name *e = protected_names; e->name; e++) {
        if (e->scope == PROTECT_GITDIR || strcmp(e->name, PROTECTED_GIT_ENTRY) == 0 ||
            strcmp(e->name, PROTECTED_PATH_ENTRY) == 0 || !protected_name_active(g->p, e->name))
            continue;
        bool hit = false;
        if (e->scope == PROTECT_ANYWHERE)
            hit = name_anywhere(rel, e->match, a);
        else if (home_rel)
            hit = protected_prefix_match(home_rel, e->match, NULL) ||
                  (a == GUARD_REPLACE && ancestor_of(home_rel, e->match));
        if (hit)
            return refuse(v, "the protected name %s (--unprotect %s lifts it)", e->name, e->name);
    }
    for (size_t i = 0; i < g->p->fs.protect.n; i++)
        if (name_anywhere(rel, g->p->fs.protect.v[i], a))
            return refuse(v, "the protected name %s (from the policy's protect list)",
                          g->p->fs.protect.v[i]);
    return false;
}

static bool gitdir_entry(const struct guard_rules *g, const char *name, struct guard_verdict *v)
{
    if (!protected_name_active(g->p, name))
        return false;
    return refuse(v, "the protected name %s (--unprotect %s lifts it)", name, name);
}

/* Inside a git directory: r are the components after it. */
static bool check_inside_gitdir(const struct guard_rules *g, const char **r, size_t n,
                                enum guard_access a, bool is_dir, struct guard_verdict *v)
{
    static const char *const files[] = { "config", "config.worktree", "commondir" };
    if (comp_is(r[0], "hooks"))
        return gitdir_entry(g, ".git/hooks", v);
    for (size_t f = 0; f < 3; f++)
        if (n == 1 && comp_is(r[0], files[f])) {
            char name[64];
            snprintf(name, sizeof name, ".git/%s", files[f]);
            return gitdir_entry(g, name, v);
        }
    /* Submodules' git directories (.git/modules/NAME..., NAME may contain
     * '/') and linked worktrees' (.git/worktrees/NAME): a directory moved
     * in there may arrive with a config and hooks. */
    if ((comp_is(r[0], "modules") || comp_is(r[0], "worktrees")) && n <= 2 &&
        a == GUARD_REPLACE && is_dir)
        return gitdir_entry(g, ".git/config", v);
    if (comp_is(r[0], "modules") && n >= 2) {
        for (size_t i = 1; i < n; i++)
            if (comp_is(r[i], "hooks"))
                return gitdir_entry(g, ".git/hooks", v);
        for (size_t f = 0; f < 3; f++)
            if (comp_is(r[n - 1], files[f])) {
                char name[64];
                snprintf(name, sizeof name, ".git/%s", files[f]);
                return gitdir_entry(g, name, v);
            }
        if (a == GUARD_REPLACE && is_dir)
            return gitdir_entry(g, ".git/config", v);
    }
    if (comp_is(r[0], "worktrees") && n == 3 &&
        (comp_is(r[2], "config.worktree") || comp_is(r[2], "commondir")))
        return gitdir_entry(g, comp_is(r[2], "commondir") ? ".git/commondir" : ".git/config.worktree",
                            v);
    return false;
}

/* A git directory is a component named ".git", or a bare repository's
 * directory named "NAME.git". */
static bool is_gitdir_name(const char *c)
{
    size_t n = comp_len(c);
    return n >= 4 && strncasecmp(c + n - 4, ".git", 4) == 0;
}

static bool check_git(const struct guard_rules *g, const char *path, const char *rel,
                      enum guard_access a, bool is_dir, struct guard_verdict *v)
{
    const char *comp[MAX_COMPONENTS];
    size_t n = split(rel, comp, MAX_COMPONENTS);
    bool entry_active = protected_name_active(g->p, PROTECTED_GIT_ENTRY), in_gitdir = false;
    for (size_t i = 0; i < n; i++) {
        if (!is_gitdir_name(comp[i]))
            continue;
        in_gitdir = true;
        bool dot_git = comp_is(comp[i], ".git");
        if (i + 1 == n) { /* the git directory (or `.git` file) itself */
            if (dot_git && entry_active && a != GUARD_WRITE)
                return refuse(v, "a new or moved git repository (%s); the host's git would "
                              "trust its config and hooks (--unprotect .git lifts it)", path);
            if (dot_git && entry_active && a == GUARD_WRITE)
                return refuse(v, "the .git file that points git elsewhere (--unprotect .git "
                              "lifts it)");
            return false;
        }
        if (!entry_active && g->gitdir_is_new) {
            char dir[4096];
            size_t len = (size_t)(comp[i] - path) + comp_len(comp[i]);
            /* comp[] point into rel, which points into path */
            snprintf(dir, sizeof dir, "%.*s", (int)len, path);
            if (g->gitdir_is_new(g->ctx, dir))
                return false;
        }
        if (check_inside_gitdir(g, comp + i + 1, n - i - 1, a, is_dir, v))
            return true;
    }
    /* A bare repository planted outside any git directory: git's discovery
     * takes a directory holding HEAD, objects/ and refs/ as one, before it
     * reaches the enclosing repository's .git. */
    if (entry_active && !in_gitdir && a != GUARD_REMOVE && n && strcmp(comp[n - 1], "HEAD") == 0)
        return refuse(v, "HEAD outside a git directory would make %s a bare repository the "
                      "host's git trusts (--unprotect .git lifts it)", path);
    return false;
}

/* The most specific rule wins: a read-only path Q does not cover path when
 * a writable root lies strictly between them (allowWrite a/b inside
 * denyWrite a).  At the same path the restriction wins. */
static bool regranted(const struct guard_rules *g, const char *path, const char *q)
{
    for (size_t i = 0; i < g->fs->writable.n; i++) {
        const char *w = g->fs->writable.v[i];
        if (within(path, w) && within(w, q) && strcmp(w, q) != 0)
            return true;
    }
    return false;
}

bool guard_rules_check(const struct guard_rules *g, const char *path, enum guard_access a,
                       bool is_dir, struct guard_verdict *v)
{
    v->refused = false;
    v->why[0] = '\0';
    const char *root = NULL;
    for (size_t i = 0; i < g->fs->writable.n; i++)
        if (within(path, g->fs->writable.v[i]) &&
            (!root || strlen(g->fs->writable.v[i]) < strlen(root)))
            root = g->fs->writable.v[i];
    if (!root)
        return false; /* not shared with the host: the mounts and Landlock decide */

    const struct moat_strv *ro = &g->fs->read_only, *hidden = &g->fs->hidden;
    bool moves = a == GUARD_REPLACE || a == GUARD_REMOVE;
    for (size_t i = 0; i < ro->n; i++) {
        const char *rule = i < g->fs->read_only_why.n ? g->fs->read_only_why.v[i] : "denyWrite";
        char lift[96] = "";
        if (protected_name_find(rule))
            snprintf(lift, sizeof lift, "; --unprotect %s lifts it", rule);
        if (within(path, ro->v[i]) && !regranted(g, path, ro->v[i]))
            return refuse(v, "%s is kept read-only (%s%s)", ro->v[i], rule, lift);
        if (moves && within(ro->v[i], path))
            return refuse(v, "it holds %s, which is kept read-only (%s%s)", ro->v[i], rule, lift);
    }
    for (size_t i = 0; i < hidden->n; i++) {
        if (moves && within(hidden->v[i], path) && strcmp(hidden->v[i], path) != 0)
            return refuse(v, "it holds %s, which is hidden", hidden->v[i]);
        /* Without a mount namespace the hidden data lies at its path, under
         * nothing but Landlock's read rules: no name in it may be written,
         * created, linked elsewhere or moved where reading is allowed. */
        if (g->fs->in_place && within(path, hidden->v[i]))
            return refuse(v, "%s is hidden (denyRead)", hidden->v[i]);
    }
    /* A path the policy grants that does not exist yet: a symlink or a
     * moved-in tree there would redirect what the next run grants. */
    for (size_t i = 0; i < g->fs->grants.n; i++)
        if (a == GUARD_REPLACE && within(g->fs->grants.v[i], path))
            return refuse(v, "the policy grants %s; a link or a tree moved there would "
                          "redirect the grant", g->fs->grants.v[i]);

    size_t rootlen = strcmp(root, "/") ? strlen(root) : 0;
    const char *rel = path[rootlen] == '/' ? path + rootlen + 1 : path + rootlen;
    if (!*rel)
        return false; /* the root itself: a mount point, the kernel refuses moving it */
    const char *home_rel = NULL;
    const char *home = g->fs->home;
    if (home && within(path, home) && strcmp(path, home) != 0)
        home_rel = path + (strcmp(home, "/") ? strlen(home) : 0) + 1;
    if (check_names(g, rel, home_rel, a, v))
        return true;
    return check_git(g, path, rel, a, is_dir, v);
}
