/* Unit tests for src/sandbox/mount/mount_plan.c: rule ordering and protections. */
#include "sandbox/mount/mount_plan.h"
#include "util/strv.h"
#include "unit.h"

static struct moat_policy policy(void)
{
    struct moat_policy p;
    policy_init(&p);
    return p;
}

static const char *op_str(const struct mount_plan *plan, size_t i, char *buf, size_t size)
{
    snprintf(buf, size, "%s %s", mount_op_kind_name(plan->ops[i].kind), plan->ops[i].path);
    return buf;
}

TEST(shallow_rules_come_first_and_deny_wins_at_the_same_path)
{
    struct moat_policy p = policy();
    p.fs.protect_defaults = false;
    strv_push(&p.fs.allow_write, "/w/a/b");
    strv_push(&p.fs.deny_write, "/w/a");
    strv_push(&p.fs.allow_write, "/w");
    strv_push(&p.fs.deny_read, "/w");
    strv_push(&p.fs.allow_read, "/w");
    struct mount_plan plan;
    CHECK_INT(mount_plan_build(&p, NULL, &plan), 0);
    CHECK_INT(plan.n, 5);
    char buf[256];
    CHECK_STR(op_str(&plan, 0, buf, sizeof buf), "allowRead /w");
    CHECK_STR(op_str(&plan, 1, buf, sizeof buf), "allowWrite /w");
    CHECK_STR(op_str(&plan, 2, buf, sizeof buf), "denyRead /w");
    CHECK_STR(op_str(&plan, 3, buf, sizeof buf), "denyWrite /w/a");
    CHECK_STR(op_str(&plan, 4, buf, sizeof buf), "allowWrite /w/a/b");
    mount_plan_free(&plan);
    policy_release(&p);
}

TEST(protections_follow_every_writable_root_and_come_last)
{
    struct moat_policy p = policy();
    strv_push(&p.fs.allow_write, "/proj");
    strv_push(&p.fs.allow_write, "/");
    strv_push(&p.fs.deny_read, "/proj/deep/deeper/deepest");
    struct mount_plan plan;
    CHECK_INT(mount_plan_build(&p, "/home/u", &plan), 0);
    bool saw_hooks = false, saw_root_hooks = false, saw_home_rc = false;
    size_t first_protect = plan.n;
    for (size_t i = 0; i < plan.n; i++) {
        if (plan.ops[i].kind != OP_PROTECT) {
            CHECK(first_protect == plan.n); /* nothing after the first protection */
            continue;
        }
        if (first_protect == plan.n)
            first_protect = i;
        saw_hooks |= strcmp(plan.ops[i].path, "/proj/.git/hooks") == 0;
        saw_root_hooks |= strcmp(plan.ops[i].path, "/.git/hooks") == 0;
        saw_home_rc |= strcmp(plan.ops[i].path, "/home/u/.bashrc") == 0;
    }
    CHECK(saw_hooks);
    CHECK(saw_root_hooks);
    CHECK(saw_home_rc); /* $HOME is inside the writable "/" */
    mount_plan_free(&plan);
    policy_release(&p);
}

TEST(home_outside_writable_roots_gets_no_protections)
{
    struct moat_policy p = policy();
    strv_push(&p.fs.allow_write, "/proj");
    struct mount_plan plan;
    CHECK_INT(mount_plan_build(&p, "/home/u", &plan), 0);
    for (size_t i = 0; i < plan.n; i++)
        CHECK(strncmp(plan.ops[i].path, "/home/u", 7) != 0);
    mount_plan_free(&plan);
    policy_release(&p);
}

TEST(unprotect_and_protect_defaults_false)
{
    struct moat_policy p = policy();
    strv_push(&p.fs.allow_write, "/proj");
    strv_push(&p.fs.unprotect, ".git/config");
    struct mount_plan plan;
    CHECK_INT(mount_plan_build(&p, NULL, &plan), 0);
    bool config = false, hooks = false;
    for (size_t i = 0; i < plan.n; i++) {
        config |= strcmp(plan.ops[i].path, "/proj/.git/config") == 0;
        hooks |= strcmp(plan.ops[i].path, "/proj/.git/hooks") == 0;
    }
    CHECK(!config);
    CHECK(hooks);
    mount_plan_free(&plan);

    p.fs.protect_defaults = false;
    CHECK_INT(mount_plan_build(&p, NULL, &plan), 0);
    CHECK_INT(plan.n, 1); /* just the allowWrite */
    mount_plan_free(&plan);
    policy_release(&p);
}

TEST(policy_file_is_protected_even_without_defaults)
{
    struct moat_policy p = policy();
    p.fs.protect_defaults = false;
    /* every file loaded, not only the last */
    strv_push(&p.sources, "/proj/moat.json");
    strv_push(&p.sources, "/proj/.moat/local.json");
    struct mount_plan plan;
    CHECK_INT(mount_plan_build(&p, NULL, &plan), 0);
    CHECK_INT(plan.n, 2);
    CHECK_INT(plan.ops[0].kind, OP_PROTECT);
    CHECK_INT(plan.ops[1].kind, OP_PROTECT);
    CHECK_STR(plan.ops[0].path, "/proj/moat.json");
    CHECK_STR(plan.ops[1].path, "/proj/.moat/local.json");
    mount_plan_free(&plan);
    policy_release(&p);
}

TEST(duplicates_collapse)
{
    struct moat_policy p = policy();
    p.fs.protect_defaults = false;
    strv_push(&p.fs.deny_read, "/a");
    strv_push(&p.fs.deny_read, "/a");
    struct mount_plan plan;
    CHECK_INT(mount_plan_build(&p, NULL, &plan), 0);
    CHECK_INT(plan.n, 1);
    mount_plan_free(&plan);
    policy_release(&p);
}

TEST(empty_policy_gives_an_empty_plan)
{
    struct moat_policy p = policy();
    struct mount_plan plan;
    CHECK_INT(mount_plan_build(&p, "/home/u", &plan), 0);
    CHECK_INT(plan.n, 0);
    mount_plan_free(&plan);
    policy_release(&p);
}

TEST(path_is_within)
{
    CHECK(path_is_within("/a/b", "/a"));
    CHECK(path_is_within("/a", "/a"));
    CHECK(!path_is_within("/ab", "/a"));
    CHECK(path_is_within("/anything", "/"));
    CHECK(!path_is_within("/a", "/a/b"));
}

int main(void)
{
    RUN(shallow_rules_come_first_and_deny_wins_at_the_same_path);
    RUN(protections_follow_every_writable_root_and_come_last);
    RUN(home_outside_writable_roots_gets_no_protections);
    RUN(unprotect_and_protect_defaults_false);
    RUN(policy_file_is_protected_even_without_defaults);
    RUN(duplicates_collapse);
    RUN(empty_policy_gives_an_empty_plan);
    RUN(path_is_within);
    return UNIT_DONE();
}
