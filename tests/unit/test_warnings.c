/* Unit tests for src/policy/warnings.c and the checks around it: what a
 * policy would not do as written is refused (deny rules in mode host,
 * "$HOME" in a path) or warned about (allow rules in modes none and host,
 * missing allowWrite paths, a hidden working directory, "$name" in a
 * path), in one list the loaders share; several files merge and are all
 * recorded. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/model.h"
#include "policy/paths.h"
#include "policy/warnings.h"
#include "policy_fixtures.h"
#include "unit.h"
#include "util/strv.h"

/* Finalize `json` (loaded as "policy.json" in "/base"); the warnings, one
 * per line, or "ERROR: message". */
static const char *finalized(const char *json)
{
    static char buf[4096];
    struct moat_policy p;
    policy_init(&p);
    err = (struct moat_error){0};
    if (load(&p, json) < 0 || moat_policy_finalize(&p, &err) < 0) {
        snprintf(buf, sizeof buf, "ERROR: %s", err.msg);
    } else {
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < p.warnings.n && o < sizeof buf; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "\n" : "", p.warnings.v[i]);
    }
    policy_release(&p);
    return buf;
}

#define CONTAINS(hay, needle)                                                                 \
    do {                                                                                      \
        const char *h_ = (hay);                                                               \
        if (!strstr(h_, needle)) {                                                            \
            fprintf(stderr, "    %s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__,    \
                    h_, needle);                                                              \
            unit_current_failed = 1;                                                          \
        }                                                                                     \
    } while (0)

TEST(allow_rules_in_mode_none_or_host_are_warned)
{
    /* cwd "/" is visible, and no allowWrite: only the network warning */
    CHECK(chdir("/") == 0);
    CHECK_STR(finalized("{\"network\": {\"allow\": [\"example.com\"]}}"),
              "$.network.allow: \"example.com\" has no effect in network mode \"none\" "
              "(loopback only); set network.mode to \"proxy\" or \"firewall\" (--network proxy) "
              "to reach the allowed destinations");
    CONTAINS(finalized("{\"network\": {\"mode\": \"host\", \"allow\": [\"example.com\"]}}"),
             "has no effect in network mode \"host\"");
    /* where they act: nothing to say */
    CHECK_STR(finalized("{\"network\": {\"mode\": \"proxy\", \"allow\": [\"example.com\"]}}"), "");
    CHECK_STR(finalized("{\"network\": {\"mode\": \"firewall\", \"allow\": [\"example.com\"]}}"),
              "");
    /* deny rules in mode none: everything is refused already, as they ask */
    CHECK_STR(finalized("{\"network\": {\"deny\": [\"example.com\"]}}"), "");
}

TEST(deny_rules_in_mode_host_are_refused)
{
    CHECK(chdir("/") == 0);
    const char *r = finalized("{\"network\": {\"mode\": \"host\", \"deny\": [\"127.0.0.1\"]}}");
    CHECK_STR(r, "ERROR: $.network.deny: \"127.0.0.1\" cannot be enforced in network mode "
                 "\"host\" (the host's network, unfiltered); use mode \"firewall\" with allow "
                 "[\"*\"] to refuse only the denied destinations");
    CONTAINS(finalized("{\"network\": {\"mode\": \"host\", \"expose\": [8080]}}"),
             "ERROR: $.network.expose: needs an isolated network");
    CONTAINS(finalized("{\"network\": {\"mode\": \"host\", \"hostPorts\": [8080]}}"),
             "ERROR: $.network.hostPorts: needs an isolated network");
}

TEST(missing_allow_write_is_warned_unless_it_can_be_created)
{
    CHECK(chdir("/") == 0);
    char dir[] = "/var/tmp/moat-unit-warn.XXXXXX", json[1024], want[512];
    CHECK(mkdtemp(dir) != NULL);
    /* present: fine */
    snprintf(json, sizeof json, "{\"filesystem\": {\"allowWrite\": [\"%s\"]}}", dir);
    CHECK_STR(finalized(json), "");
    /* missing, outside every writable tree */
    snprintf(json, sizeof json, "{\"filesystem\": {\"allowWrite\": [\"%s/pip\"]}}", dir);
    snprintf(want, sizeof want, "$.filesystem.allowWrite: \"%s/pip\" does not exist, so the "
             "command cannot write there (moat never creates paths on the host); create it "
             "first", dir);
    CHECK_STR(finalized(json), want);
    /* a dangling symlink is missing too */
    char link[600];
    snprintf(link, sizeof link, "%s/dangling", dir);
    CHECK(symlink("nowhere", link) == 0);
    snprintf(json, sizeof json, "{\"filesystem\": {\"allowWrite\": [\"%s\"]}}", link);
    CONTAINS(finalized(json), "dangling\" does not exist");
    /* missing inside another writable tree: the command may create it */
    snprintf(json, sizeof json, "{\"filesystem\": {\"allowWrite\": [\"%s\", \"%s/a/b\"]}}", dir,
             dir);
    CHECK_STR(finalized(json), "");
    /* missing under the private /tmp: created there, in the sandbox's own */
    CHECK_STR(finalized("{\"filesystem\": {\"allowWrite\": [\"/tmp/moat-no-such-dir\"]}}"), "");
    CONTAINS(finalized("{\"filesystem\": {\"privateTmp\": false, "
                       "\"allowWrite\": [\"/tmp/moat-no-such-dir\"]}}"), "does not exist");
    unlink(link);
    rmdir(dir);
}

TEST(dir_visible_follows_private_tmp_and_the_listed_model)
{
    struct moat_policy p;
    policy_init(&p);
    const char *why = NULL;
    CHECK(policy_dir_visible(&p, "/var/tmp/x", &why));
    CHECK(policy_dir_visible(&p, "/tmp", &why));
    CHECK(!policy_dir_visible(&p, "/tmp/x", &why));
    CHECK_STR(why, "the sandbox's private /tmp hides it");
    CHECK(!policy_dir_visible(&p, "/tmp/x/y", &why));
    CHECK(policy_dir_visible(&p, "/tmpx", &why)); /* a name, not a prefix */
    strv_push(&p.fs.allow_read, "/tmp/x");
    CHECK(policy_dir_visible(&p, "/tmp/x/y", &why));
    CHECK(!policy_dir_visible(&p, "/tmp/xy", &why));
    p.fs.private_tmp = false;
    CHECK(policy_dir_visible(&p, "/tmp/xy", &why));

    p.fs.read_model = MOAT_READ_LISTED;
    why = NULL;
    CHECK(policy_dir_visible(&p, "/", &why));
    CHECK(policy_dir_visible(&p, "/usr/lib", &why));
    CHECK(policy_dir_visible(&p, "/etc", &why));
    CHECK(policy_dir_visible(&p, "/tmp", &why));
    CHECK(!policy_dir_visible(&p, "/tmp/xy", &why)); /* the listed /tmp is empty */
    CHECK(policy_dir_visible(&p, "/tmp/x/y", &why)); /* allowRead */
    CHECK(!policy_dir_visible(&p, "/var/tmp", &why));
    CHECK_STR(why, "the \"listed\" read model shows only the system baseline and the listed "
                   "paths");
    CHECK(!policy_dir_visible(&p, "/usrx", &why));
    strv_push(&p.fs.allow_write, "/var");
    CHECK(policy_dir_visible(&p, "/var/tmp", &why));
    policy_release(&p);
}

TEST(hidden_working_directory_is_warned_unless_cwd_is_set)
{
    char dir[] = "/tmp/moat-unit-cwd.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(chdir(dir) == 0);
    char want[512];
    snprintf(want, sizeof want, "$.process.cwd: the current directory %s is not visible in the "
             "sandbox (the sandbox's private /tmp hides it), so the command starts in /; set "
             "process.cwd (--cwd DIR) to choose", dir);
    /* Shown read-only in the private /tmp (read model all), unless denied or unlisted. */
    CHECK_STR(finalized("{}"), "");
    char deny[600];
    snprintf(deny, sizeof deny, "{\"filesystem\": {\"denyRead\": [\"%s\"]}}", dir);
    CHECK_STR(finalized(deny), want);
    CHECK_STR(finalized("{\"process\": {\"cwd\": \"/\"}, \"filesystem\": {\"read\": \"listed\"}}"),
              "");
    CHECK_STR(finalized("{\"filesystem\": {\"privateTmp\": false}}"), "");
    CHECK(chdir("/") == 0);
    rmdir(dir);
    CHECK_STR(finalized("{}"), "");
}

TEST(warnings_are_not_repeated_by_a_second_finalize)
{
    CHECK(chdir("/") == 0);
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"network\": {\"allow\": [\"a.example\"]}}"), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    CHECK_INT(p.warnings.n, 1);
    CHECK_INT(policy_warn(&p, "another %d", 1), 0);
    CHECK_INT(policy_warn(&p, "another %d", 1), 0);
    CHECK_INT(p.warnings.n, 2);
    policy_release(&p);
}

TEST(variables_in_paths_are_refused_or_warned_with_their_position)
{
    CHECK_STR(load_msg("{\"filesystem\": {\"allowWrite\": [\"$HOME/x\"]}}"),
              "policy.json:1:32: $.filesystem.allowWrite[0]: \"$HOME/x\": moat does not expand "
              "variables (\"$HOME\" would be a directory of that name); write \"~\" for your "
              "home directory");
    CHECK_STR(load_msg("{\"filesystem\": {\"denyRead\": [\"a\", \"${XDG_CONFIG_HOME}/gh\"]}}"),
              "policy.json:1:35: $.filesystem.denyRead[1]: \"${XDG_CONFIG_HOME}/gh\": moat does "
              "not expand variables (\"${XDG_CONFIG_HOME}\" would be a directory of that name); "
              "write the path out");
    CHECK_STR(load_msg("{\"process\": {\"cwd\": \"$PWD\"}}"),
              "policy.json:1:21: $.process.cwd: \"$PWD\": moat does not expand variables "
              "(\"$PWD\" would be a directory of that name); write the path out");
    CONTAINS(load_msg("{\"network\": {\"allowUnixSockets\": [\"$SSH_AUTH_SOCK\"]}}"),
             "$.network.allowUnixSockets[0]: \"$SSH_AUTH_SOCK\": moat does not expand");
    /* not a variable: fine, and no warning */
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"filesystem\": {\"denyRead\": [\"cost$\", \"a$1\", \"x/$\"]}}"), 0);
    CHECK_INT(p.warnings.n, 0);
    /* a lower-case name: taken literally, with a warning at its position */
    CHECK_INT(load(&p, "{\"filesystem\": {\"denyRead\": [\"/mnt/c/$Recycle.Bin\"]}}"), 0);
    CHECK_INT(p.warnings.n, 1);
    CHECK_STR(p.warnings.n ? p.warnings.v[0] : "", "policy.json:1:30: $.filesystem.denyRead[0]: "
              "\"/mnt/c/$Recycle.Bin\": \"$Recycle\" is taken literally (moat does not expand "
              "variables)");
    CHECK_STR(p.fs.deny_read.v[3], "/mnt/c/$Recycle.Bin");
    /* a file that fails to load adds no warning */
    CHECK_INT(load(&p, "{\"filesystem\": {\"denyRead\": [\"$other\", 1]}}"), -EINVAL);
    CHECK_INT(p.warnings.n, 1);
    policy_release(&p);
}

TEST(find_variable)
{
    char var[64];
    CHECK_INT(path_find_variable("/a/b", var, sizeof var), PATH_VAR_NONE);
    CHECK_INT(path_find_variable("$HOME", var, sizeof var), PATH_VAR_EXPECTED);
    CHECK_STR(var, "HOME");
    CHECK_INT(path_find_variable("a/$A_1/b", var, sizeof var), PATH_VAR_EXPECTED);
    CHECK_STR(var, "A_1");
    CHECK_INT(path_find_variable("${HOME}/x", var, sizeof var), PATH_VAR_EXPECTED);
    CHECK_STR(var, "{HOME}");
    CHECK_INT(path_find_variable("${unterminated/x", var, sizeof var), PATH_VAR_EXPECTED);
    CHECK_STR(var, "{unterminated");
    CHECK_INT(path_find_variable("$home", var, sizeof var), PATH_VAR_LITERAL);
    CHECK_STR(var, "home");
    CHECK_INT(path_find_variable("$1/$/a$", var, sizeof var), PATH_VAR_NONE);
    CHECK_INT(path_find_variable("$1/$Abc", var, sizeof var), PATH_VAR_LITERAL);
    CHECK_STR(var, "Abc");
    CHECK_INT(path_find_variable("$_", var, sizeof var), PATH_VAR_EXPECTED);
}

TEST(several_files_merge_and_are_all_recorded)
{
    CHECK(chdir("/") == 0);
    char dir[] = "/var/tmp/moat-unit-files.XXXXXX", a[600], b[600], bad[600];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    FILE *f = fopen(a, "w");
    fputs("{\"process\": {\"env\": {\"A\": \"1\", \"C\": \"a\"}, \"timeout\": 5}, "
          "\"filesystem\": {\"denyRead\": [\"x\"]}}", f);
    fclose(f);
    f = fopen(b, "w");
    fputs("{\"process\": {\"env\": {\"B\": \"2\", \"C\": \"b\"}}, "
          "\"filesystem\": {\"denyRead\": [\"y\"]}}", f);
    fclose(f);
    f = fopen(bad, "w");
    fputs("{\"process\": {\"timeout\": \"x\"}}", f);
    fclose(f);
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(moat_policy_load_file(&p, a, &err), 0);
    CHECK_INT(moat_policy_load_file(&p, b, &err), 0);
    CHECK_INT(moat_policy_load_file(&p, bad, &err), -EINVAL);
    CHECK_INT(moat_policy_load_file(&p, a, &err), 0); /* again: recorded once */
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    CHECK_INT(p.sources.n, 2);
    CHECK_STR(p.sources.v[0], a);
    CHECK_STR(p.sources.v[1], b);
    CHECK(p.proc.timeout == 5);
    CHECK_INT(p.fs.deny_read.n, 2); /* lists appended (the repeat deduplicated) */
    CHECK(strv_contains(&p.proc.set_env, "A=1") && strv_contains(&p.proc.set_env, "B=2"));
    CHECK(strv_contains(&p.proc.set_env, "C=a")); /* the last file loaded wins */
    policy_release(&p);
    unlink(a);
    unlink(b);
    unlink(bad);
    rmdir(dir);
}

int main(void)
{
    RUN(allow_rules_in_mode_none_or_host_are_warned);
    RUN(deny_rules_in_mode_host_are_refused);
    RUN(missing_allow_write_is_warned_unless_it_can_be_created);
    RUN(dir_visible_follows_private_tmp_and_the_listed_model);
    RUN(hidden_working_directory_is_warned_unless_cwd_is_set);
    RUN(warnings_are_not_repeated_by_a_second_finalize);
    RUN(variables_in_paths_are_refused_or_warned_with_their_position);
    RUN(find_variable);
    RUN(several_files_merge_and_are_all_recorded);
    return UNIT_DONE();
}
