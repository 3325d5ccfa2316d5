/* Unit tests for src/sandbox/guard/guard_rules.c: the write guard's verdict
 * on resolved paths, one case per rule and its way around. */
#include "sandbox/guard/guard_rules.h"
#include "util/strv.h"
#include "unit.h"

struct world {
    struct moat_policy p;
    struct fs_rules fs;
    struct guard_rules g;
};

static void world_init(struct world *w)
{
    policy_init(&w->p);
    w->fs = (struct fs_rules){ 0 };
    strv_push(&w->fs.writable, "/w");
    strv_push(&w->fs.writable, "/home/u");
    w->fs.home = strdup("/home/u");
    w->g = (struct guard_rules){ .fs = &w->fs, .p = &w->p };
}

static void world_free(struct world *w)
{
    fs_rules_free(&w->fs);
    policy_release(&w->p);
}

static bool refused(struct world *w, const char *path, enum guard_access a, bool is_dir)
{
    struct guard_verdict v;
    return guard_rules_check(&w->g, path, a, is_dir, &v);
}

static const char *why(struct world *w, const char *path, enum guard_access a)
{
    static struct guard_verdict v;
    guard_rules_check(&w->g, path, a, false, &v);
    return v.why;
}

TEST(outside_writable_trees_the_kernel_decides)
{
    struct world w;
    world_init(&w);
    CHECK(!refused(&w, "/tmp/.bashrc", GUARD_CREATE, false));
    CHECK(!refused(&w, "/etc/x/.git", GUARD_CREATE, true));
    CHECK(!refused(&w, "/wx/.bashrc", GUARD_CREATE, false)); /* a prefix is not a parent */
    CHECK(refused(&w, "/w/.bashrc", GUARD_CREATE, false));
    world_free(&w);
}

TEST(names_anywhere_at_any_depth_and_case)
{
    struct world w;
    world_init(&w);
    CHECK(refused(&w, "/w/a/b/c/.bashrc", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/a/.BashRC", GUARD_WRITE, false));
    CHECK(refused(&w, "/w/.vscode/settings.json", GUARD_WRITE, false)); /* inside a protected dir */
    CHECK(refused(&w, "/w/x/.claude/settings.json", GUARD_CREATE, false));
    CHECK(!refused(&w, "/w/x/.claude/notes.md", GUARD_CREATE, false));
    /* A directory moved in as .claude would carry settings.json in. */
    CHECK(refused(&w, "/w/x/.claude", GUARD_REPLACE, true));
    CHECK(!refused(&w, "/w/x/.claude", GUARD_CREATE, true)); /* an empty directory is harmless */
    CHECK(refused(&w, "/w/.bashrc", GUARD_REMOVE, false));
    CHECK(!refused(&w, "/w/bashrc", GUARD_CREATE, false));
    CHECK_STR(why(&w, "/w/a/.zshrc", GUARD_CREATE),
              "the protected name .zshrc (--unprotect .zshrc lifts it)");
    world_free(&w);
}

TEST(home_names_only_below_home)
{
    struct world w;
    world_init(&w);
    CHECK(refused(&w, "/home/u/.config/fish", GUARD_CREATE, true));
    CHECK(refused(&w, "/home/u/.config/fish/conf.d/x.fish", GUARD_CREATE, false));
    CHECK(refused(&w, "/home/u/.local/bin/ls", GUARD_CREATE, false));
    CHECK(refused(&w, "/home/u/.config", GUARD_REPLACE, true)); /* would bring fish/ along */
    CHECK(!refused(&w, "/home/u/.config", GUARD_CREATE, true));
    CHECK(!refused(&w, "/w/.config/fish", GUARD_CREATE, true)); /* not the home directory */
    CHECK(!refused(&w, "/home/u/proj/bin/tool", GUARD_CREATE, false));
    world_free(&w);
}

TEST(inside_git_directories)
{
    struct world w;
    world_init(&w);
    CHECK(refused(&w, "/w/r/.git/config", GUARD_WRITE, false));
    CHECK(refused(&w, "/w/r/.git/hooks/pre-commit", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/r/.git/hooks", GUARD_CREATE, true));
    CHECK(refused(&w, "/w/r/.git/commondir", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/r/.git/config.worktree", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/r/.git/modules/a/b/config", GUARD_WRITE, false));
    CHECK(refused(&w, "/w/r/.git/modules/a/hooks/post-checkout", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/r/.git/modules", GUARD_REPLACE, true));
    CHECK(refused(&w, "/w/r/.git/worktrees/x/commondir", GUARD_WRITE, false));
    CHECK(refused(&w, "/w/r/.git/worktrees/x", GUARD_REPLACE, true));
    CHECK(refused(&w, "/w/remote.git/hooks/post-receive", GUARD_CREATE, false)); /* bare */
    /* What git itself writes while committing stays writable. */
    CHECK(!refused(&w, "/w/r/.git/index.lock", GUARD_CREATE, false));
    CHECK(!refused(&w, "/w/r/.git/index", GUARD_REPLACE, false));
    CHECK(!refused(&w, "/w/r/.git/HEAD", GUARD_REPLACE, false));
    CHECK(!refused(&w, "/w/r/.git/refs/heads/hooks", GUARD_CREATE, false)); /* a branch */
    CHECK(!refused(&w, "/w/r/.git/objects/ab/cdef", GUARD_CREATE, false));
    CHECK(!refused(&w, "/w/r/.git/modules/a/HEAD", GUARD_REPLACE, false));
    world_free(&w);
}

TEST(new_and_moved_repositories)
{
    struct world w;
    world_init(&w);
    CHECK(refused(&w, "/w/sub/.git", GUARD_CREATE, true));
    CHECK(refused(&w, "/w/sub/.git", GUARD_REPLACE, true));
    CHECK(refused(&w, "/w/sub/.git", GUARD_REMOVE, true));
    CHECK(refused(&w, "/w/sub/.git", GUARD_WRITE, false)); /* a gitdir: file */
    CHECK(refused(&w, "/w/sub/x/HEAD", GUARD_CREATE, false)); /* a bare repository */
    CHECK(!refused(&w, "/w/sub/x/HEADER", GUARD_CREATE, false));
    /* Lifted: repositories may be made, and a new one's config is its own. */
    strv_push(&w.p.fs.unprotect, ".git");
    CHECK(!refused(&w, "/w/sub/.git", GUARD_CREATE, true));
    CHECK(!refused(&w, "/w/sub/x/HEAD", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/sub/.git/config", GUARD_CREATE, false)); /* not known to be new */
    world_free(&w);
}

static bool always_new(void *ctx, const char *gitdir)
{
    (void)ctx;
    return strcmp(gitdir, "/w/new/.git") == 0;
}

TEST(a_repository_made_in_this_run_is_its_own)
{
    struct world w;
    world_init(&w);
    strv_push(&w.p.fs.unprotect, ".git");
    w.g.gitdir_is_new = always_new;
    CHECK(!refused(&w, "/w/new/.git/config", GUARD_CREATE, false));
    CHECK(!refused(&w, "/w/new/.git/hooks/pre-commit", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/old/.git/config", GUARD_WRITE, false));
    world_free(&w);
}

TEST(paths_the_policy_names)
{
    struct world w;
    world_init(&w);
    strv_push(&w.fs.read_only, "/w/conf/settings");
    strv_push(&w.fs.read_only_why, "denyWrite");
    strv_push(&w.fs.hidden, "/w/a/secrets");
    CHECK(refused(&w, "/w/conf/settings", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/conf", GUARD_REMOVE, true)); /* moving its parent away */
    CHECK(refused(&w, "/w/conf", GUARD_REPLACE, true));
    CHECK(!refused(&w, "/w/conf", GUARD_CREATE, true));
    CHECK(!refused(&w, "/w/conf/other", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/a", GUARD_REMOVE, true)); /* carrying hidden data away */
    CHECK(!refused(&w, "/w/a/other", GUARD_CREATE, false));
    CHECK_STR(why(&w, "/w/conf/settings", GUARD_WRITE),
              "/w/conf/settings is kept read-only (denyWrite)");
    world_free(&w);
}

/* Landlock isolation: the hidden data lies at its path, so nothing may be
 * done to a name inside it (with namespaces a mount hides it instead). */
TEST(hidden_data_in_place_is_untouchable)
{
    struct world w;
    world_init(&w);
    strv_push(&w.fs.hidden, "/w/a/secrets");
    CHECK(!refused(&w, "/w/a/secrets/key", GUARD_WRITE, false)); /* masked by a mount */
    CHECK(!refused(&w, "/w/a/secrets", GUARD_REMOVE, true));    /* a mount point: EBUSY */
    w.fs.in_place = true;
    CHECK(refused(&w, "/w/a/secrets/key", GUARD_WRITE, false));
    CHECK(refused(&w, "/w/a/secrets/key", GUARD_REMOVE, false)); /* a rename or link source */
    CHECK(refused(&w, "/w/a/secrets/new", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/a/secrets", GUARD_REMOVE, true));
    CHECK(refused(&w, "/w/a", GUARD_REMOVE, true));
    CHECK(!refused(&w, "/w/a/secrets2", GUARD_CREATE, false)); /* a prefix is not a parent */
    CHECK(!refused(&w, "/w/a/other", GUARD_WRITE, false));
    CHECK_STR(why(&w, "/w/a/secrets/key", GUARD_WRITE), "/w/a/secrets is hidden (denyRead)");
    world_free(&w);
}

TEST(most_specific_rule_wins)
{
    struct world w;
    world_init(&w);
    strv_push(&w.fs.read_only, "/w/a");
    strv_push(&w.fs.read_only_why, "denyWrite");
    strv_push(&w.fs.writable, "/w/a/b");
    CHECK(refused(&w, "/w/a/x", GUARD_CREATE, false));
    CHECK(!refused(&w, "/w/a/b/x", GUARD_CREATE, false));
    strv_push(&w.fs.read_only, "/w/a/b");
    strv_push(&w.fs.read_only_why, "denyWrite");
    CHECK(refused(&w, "/w/a/b/x", GUARD_CREATE, false)); /* same path: the restriction */
    world_free(&w);
}

TEST(protect_patterns_and_unprotect)
{
    struct world w;
    world_init(&w);
    strv_push(&w.p.fs.protect, ".envrc");
    strv_push(&w.p.fs.protect, "config/secrets.yml");
    CHECK(refused(&w, "/w/x/.envrc", GUARD_CREATE, false));
    CHECK(refused(&w, "/w/app/config/secrets.yml", GUARD_WRITE, false));
    CHECK(!refused(&w, "/w/app/config/other.yml", GUARD_WRITE, false));
    strv_push(&w.p.fs.unprotect, ".bashrc");
    CHECK(!refused(&w, "/w/.bashrc", GUARD_CREATE, false));
    w.p.fs.protect_defaults = false;
    CHECK(!refused(&w, "/w/r/.git/config", GUARD_WRITE, false));
    CHECK(refused(&w, "/w/x/.envrc", GUARD_CREATE, false)); /* the policy's own stay */
    world_free(&w);
}

TEST(a_granted_path_that_does_not_exist_cannot_be_redirected)
{
    struct world w;
    world_init(&w);
    strv_push(&w.fs.grants, "/w/build/out");
    CHECK(refused(&w, "/w/build/out", GUARD_REPLACE, true)); /* a symlink there */
    CHECK(refused(&w, "/w/build", GUARD_REPLACE, true));     /* or above it */
    CHECK(!refused(&w, "/w/build", GUARD_CREATE, true));     /* a plain directory is fine */
    CHECK(!refused(&w, "/w/build/out", GUARD_CREATE, true));
    CHECK(!refused(&w, "/w/other", GUARD_REPLACE, true));
    world_free(&w);
}

int main(void)
{
    RUN(outside_writable_trees_the_kernel_decides);
    RUN(names_anywhere_at_any_depth_and_case);
    RUN(home_names_only_below_home);
    RUN(inside_git_directories);
    RUN(new_and_moved_repositories);
    RUN(a_repository_made_in_this_run_is_its_own);
    RUN(paths_the_policy_names);
    RUN(hidden_data_in_place_is_untouchable);
    RUN(most_specific_rule_wins);
    RUN(protect_patterns_and_unprotect);
    RUN(a_granted_path_that_does_not_exist_cannot_be_redirected);
    return UNIT_DONE();
}
