/* Unit tests for the policy model (src/policy/policy.c, to_json.c):
 * defaults, merge semantics and atomic loads, load_file and relative paths,
 * finalize, the effective-policy printer and its round trip. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/model.h"
#include "policy/policy.h"
#include "policy_fixtures.h"
#include "unit.h"

TEST(defaults)
{
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(p.fs.read_model, MOAT_READ_ALL);
    CHECK(p.fs.private_tmp);
    CHECK(p.fs.protect_defaults);
    CHECK_INT(p.net.mode, MOAT_NET_NONE);
    CHECK(p.sources.n == 0 && p.warnings.n == 0 && p.proc.cwd == NULL);
    CHECK_INT(p.fs.deny_read.n + p.fs.allow_write.n + p.net.n_expose + p.proc.n_rlimits, 0);
    CHECK(p.proc.timeout == 0 && p.proc.memory_max == 0 && p.proc.pids_max == 0);
    CHECK(!p.net.allow_local_binding && !p.proc.allow_nested_namespaces);
    /* an empty file changes nothing */
    CHECK_INT(load(&p, "{}"), 0);
    CHECK(p.fs.private_tmp && p.fs.protect_defaults);
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    policy_release(&p);
    policy_release(&p); /* idempotent */
}

TEST(names)
{
    CHECK_STR(moat_net_mode_name(MOAT_NET_NONE), "none");
    CHECK_STR(moat_net_mode_name(MOAT_NET_PROXY), "proxy");
    CHECK_STR(moat_net_mode_name(MOAT_NET_FIREWALL), "firewall");
    CHECK_STR(moat_net_mode_name(MOAT_NET_HOST), "host");
    CHECK_STR(moat_net_mode_name((enum moat_net_mode)42), "unknown");
    CHECK_STR(moat_read_model_name(MOAT_READ_ALL), "all");
    CHECK_STR(moat_read_model_name(MOAT_READ_LISTED), "listed");
    CHECK_STR(moat_read_model_name((enum moat_read_model)7), "unknown");
    CHECK_INT(policy_rlimit_resource("nofile"), RLIMIT_NOFILE);
    CHECK_INT(policy_rlimit_resource("as"), RLIMIT_AS);
    CHECK_INT(policy_rlimit_resource("NOFILE"), -1);
    CHECK_STR(policy_rlimit_name(RLIMIT_STACK), "stack");
    CHECK(policy_rlimit_name(-5) == NULL);
    for (const char *const *n = policy_rlimit_names; *n; n++)
        CHECK_STR(policy_rlimit_name(policy_rlimit_resource(*n)), *n);
}

static char *dump(const struct moat_policy *p)
{
    char *s = moat_policy_to_json(p);
    CHECK(s != NULL);
    return s;
}

TEST(merge_appends_lists_and_overwrites_scalars)
{
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"filesystem\": {\"allowWrite\": [\"/a\"], \"privateTmp\": false},"
                       " \"network\": {\"mode\": \"host\", \"expose\": [80]},"
                       " \"process\": {\"env\": {\"A\": \"1\", \"B\": \"2\"}, \"timeout\": 5,"
                       " \"cwd\": \"/w\", \"memoryMax\": 4096}}"),
              0);
    CHECK_INT(load(&p, "{\"filesystem\": {\"allowWrite\": [\"/b\", \"/a\"]},"
                       " \"network\": {\"mode\": \"none\", \"expose\": [81]},"
                       " \"process\": {\"env\": {\"B\": \"3\", \"C\": \"4\"}, \"timeout\": null,"
                       " \"cwd\": null, \"memoryMax\": null}}"),
              0);
    CHECK_INT(p.fs.allow_write.n, 3);
    CHECK_STR(p.fs.allow_write.v[0], "/a");
    CHECK_STR(p.fs.allow_write.v[1], "/b");
    CHECK_STR(p.fs.allow_write.v[2], "/a");
    CHECK(!p.fs.private_tmp); /* not mentioned again: kept */
    CHECK_INT(p.net.mode, MOAT_NET_NONE);
    CHECK_INT(p.net.n_expose, 2);
    CHECK_INT(p.proc.set_env.n, 3);
    CHECK_STR(p.proc.set_env.v[0], "A=1");
    CHECK_STR(p.proc.set_env.v[1], "B=3");
    CHECK_STR(p.proc.set_env.v[2], "C=4");
    CHECK(p.proc.timeout == 0 && p.proc.cwd == NULL && p.proc.memory_max == 0);

    /* CLI additions extend the file */
    CHECK_INT(moat_policy_add_path(&p.fs.allow_write, "sub/../c", "/cli", &err), 0);
    CHECK_STR(p.fs.allow_write.v[3], "/cli/c");

    /* finalize removes the exact duplicates, keeping first positions */
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    CHECK_INT(p.fs.allow_write.n, 3);
    CHECK_STR(p.fs.allow_write.v[0], "/a");
    CHECK_STR(p.fs.allow_write.v[1], "/b");
    CHECK_STR(p.fs.allow_write.v[2], "/cli/c");
    CHECK(p.fs.allow_write.v[3] == NULL);
    policy_release(&p);
}

TEST(failed_load_leaves_policy_unchanged)
{
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, full_policy), 0);
    char *before = dump(&p);
    /* The error comes late, after lists, env, rlimits and scalars were all
     * merged into the scratch copy. */
    static const char *const bad[] = {
        "{\"filesystem\": {\"allowWrite\": [\"/new\"], \"read\": \"all\"},"
        " \"network\": {\"mode\": \"host\", \"allow\": [\"x.com\"], \"expose\": [1]},"
        " \"process\": {\"env\": {\"LANG\": \"C\"}, \"rlimits\": {\"nofile\": 5},"
        " \"cwd\": \"/\", \"timeout\": 9, \"pidsMax\": 0}}",
        "{\"filesystem\": {\"denyRead\": [\"/x\"]}, \"process\": {\"cwd\": \"\"}}",
        "{\"filesystem\": {\"denyRead\": [\"/x\"]},}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(moat_policy_load_string(&p, bad[i], "policy.json", "/base", &err) == -EINVAL);
        char *after = dump(&p);
        CHECK_STR(after, before);
        free(after);
    }
    free(before);
    policy_release(&p);
}

TEST(relative_paths_and_tilde)
{
    setenv("HOME", "/home/me", 1);
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(moat_policy_load_string(&p,
                                      "{\"filesystem\": {\"allowWrite\": [\".\", \"..\", "
                                      "\"./build/\", \"~\", \"~/x/../y\", \"/abs//z/\"]}}",
                                      "p.json", "/proj/cfg", &err),
              0);
    CHECK_INT(p.fs.allow_write.n, 6);
    CHECK_STR(p.fs.allow_write.v[0], "/proj/cfg");
    CHECK_STR(p.fs.allow_write.v[1], "/proj");
    CHECK_STR(p.fs.allow_write.v[2], "/proj/cfg/build");
    CHECK_STR(p.fs.allow_write.v[3], "/home/me");
    CHECK_STR(p.fs.allow_write.v[4], "/home/me/y");
    CHECK_STR(p.fs.allow_write.v[5], "/abs/z");
    CHECK_INT(moat_policy_load_string(&p, "{}", "p.json", "relative", &err), -EINVAL);
    CHECK_STR(err.msg, "p.json: base directory \"relative\" is not absolute");
    policy_release(&p);
}

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

TEST(load_file)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/moat-test-policy-XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    char dir[128], file[192], rel[192];
    snprintf(dir, sizeof dir, "%s/cfg", tmpdir);
    mkdir(dir, 0755);
    snprintf(file, sizeof file, "%s/cfg/policy.json", tmpdir);
    write_file(file, "{\n  \"filesystem\": {\n    \"allowWrite\": [\".\", \"../out\"],\n"
                     "    \"denyRead\": [\"\"]\n  }\n}\n");

    struct moat_policy p;
    policy_init(&p);
    /* errors name the file as given */
    char want[512];
    snprintf(want, sizeof want, "%s:4:18: $.filesystem.denyRead[0]: empty path", file);
    CHECK_INT(moat_policy_load_file(&p, file, &err), -EINVAL);
    CHECK_STR(err.msg, want);

    write_file(file, "{\"filesystem\": {\"allowWrite\": [\".\", \"../out\"]},"
                     " \"process\": {\"cwd\": \"..\"}}");
    CHECK_INT(moat_policy_load_file(&p, file, &err), 0);
    CHECK_INT(p.sources.n, 1);
    CHECK_STR(p.sources.v[0], file);
    CHECK_STR(p.fs.allow_write.v[0], dir);
    snprintf(want, sizeof want, "%s/out", tmpdir);
    CHECK_STR(p.fs.allow_write.v[1], want);
    CHECK_STR(p.proc.cwd, tmpdir);
    policy_release(&p);

    /* a relative file name: the source is made absolute, entries resolve
     * against the file's directory, not the cwd */
    char *cwd = getcwd(NULL, 0);
    CHECK(chdir(tmpdir) == 0);
    snprintf(rel, sizeof rel, "./cfg/../cfg//policy.json");
    policy_init(&p);
    CHECK_INT(moat_policy_load_file(&p, rel, &err), 0);
    CHECK_INT(p.sources.n, 1);
    CHECK_STR(p.sources.v[0], file);
    CHECK_STR(p.fs.allow_write.v[0], dir);
    policy_release(&p);
    CHECK(chdir(cwd) == 0);
    free(cwd);

    /* unreadable */
    policy_init(&p);
    CHECK_INT(moat_policy_load_file(&p, "/x/y.json", &err), -ENOENT);
    CHECK_STR(err.msg, "cannot read policy file /x/y.json: No such file or directory");
    CHECK_INT(moat_policy_load_file(&p, tmpdir, &err), -EISDIR);
    snprintf(want, sizeof want, "cannot read policy file %s: Is a directory", tmpdir);
    CHECK_STR(err.msg, want);
    CHECK(p.sources.n == 0);
    policy_release(&p);

    /* the size limit: exactly 4 MiB loads, one byte more does not */
    size_t max = 4u << 20;
    char *big = malloc(max + 2);
    memset(big, ' ', max + 1);
    memcpy(big + max - 2, "{}", 2);
    big[max] = '\0';
    write_file(file, big);
    policy_init(&p);
    CHECK_INT(moat_policy_load_file(&p, file, &err), 0);
    memcpy(big + max - 1, " {}", 3);
    big[max + 1] = '\0';
    write_file(file, big);
    CHECK_INT(moat_policy_load_file(&p, file, &err), -EFBIG);
    snprintf(want, sizeof want, "policy file %s is too large (the limit is 4194304 bytes)", file);
    CHECK_STR(err.msg, want);
    policy_release(&p);
    free(big);

    unlink(file);
    rmdir(dir);
    rmdir(tmpdir);
}

TEST(load_file_from_a_pipe)
{
    /* `--policy <(...)`: no file to protect, relative paths as on a command
     * line (the cwd), errors named as given. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    const char *text = "{\"filesystem\": {\"allowWrite\": [\"out\"]}}";
    CHECK(write(fds[1], text, strlen(text)) == (ssize_t)strlen(text));
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(moat_policy_load_file(&p, path, &err), 0);
    CHECK(p.sources.n == 0);
    char *cwd = getcwd(NULL, 0), want[4200];
    snprintf(want, sizeof want, "%s/out", strcmp(cwd, "/") ? cwd : "");
    CHECK_STR(p.fs.allow_write.n ? p.fs.allow_write.v[0] : NULL, want);
    free(cwd);
    close(fds[0]);
    CHECK_INT(moat_policy_load_file(&p, NULL, &err), -EINVAL);
    CHECK_INT(moat_policy_load_string(&p, NULL, "x", "/", &err), -EINVAL);
    CHECK_STR(err.msg, "x: no policy text given");
    policy_release(&p);
}

TEST(round_trip_through_to_json)
{
    setenv("HOME", "/home/u", 1);
    const char *inputs[] = {
        "{}",
        full_policy,
        "{\"process\": {\"timeout\": 0.1, \"rlimits\": {\"as\": {\"soft\": \"unlimited\", "
        "\"hard\": \"unlimited\"}, \"nofile\": {\"soft\": 1, \"hard\": \"unlimited\"}}, "
        "\"env\": {\"Q\": \"\\\"quoted\\\" \\u00e9\\n\"}}}",
        "{\"process\": {\"timeout\": 0.30000000000000004, \"memoryMax\": 1, \"pidsMax\": 1}}",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        struct moat_policy a, b;
        policy_init(&a);
        policy_init(&b);
        CHECK_INT(load(&a, inputs[i]), 0);
        CHECK_INT(moat_policy_finalize(&a, &err), 0);
        char *ja = dump(&a);
        CHECK_INT(load(&b, ja ? ja : "x"), 0);
        CHECK_INT(moat_policy_finalize(&b, &err), 0);
        char *jb = dump(&b);
        CHECK_STR(jb, ja);
        CHECK(a.proc.timeout == b.proc.timeout);
        CHECK(a.proc.n_rlimits == b.proc.n_rlimits);
        for (size_t k = 0; k < a.proc.n_rlimits && k < b.proc.n_rlimits; k++)
            CHECK(a.proc.rlimits[k].resource == b.proc.rlimits[k].resource &&
                  a.proc.rlimits[k].soft == b.proc.rlimits[k].soft &&
                  a.proc.rlimits[k].hard == b.proc.rlimits[k].hard);
        free(ja);
        free(jb);
        policy_release(&a);
        policy_release(&b);
    }
}

TEST(to_json_shows_every_field)
{
    struct moat_policy p;
    policy_init(&p);
    char *s = dump(&p);
    CHECK_STR(s, "{\n"
                 "  \"filesystem\": {\n"
                 "    \"read\": \"all\",\n"
                 "    \"denyRead\": [],\n"
                 "    \"allowRead\": [],\n"
                 "    \"allowWrite\": [],\n"
                 "    \"denyWrite\": [],\n"
                 "    \"privateTmp\": true,\n"
                 "    \"protectDefaults\": true,\n"
                 "    \"unprotect\": [],\n"
                 "    \"protect\": [],\n"
                 "    \"tmpSize\": null\n"
                 "  },\n"
                 "  \"network\": {\n"
                 "    \"mode\": \"none\",\n"
                 "    \"allow\": [],\n"
                 "    \"deny\": [],\n"
                 "    \"allowLocalBinding\": false,\n"
                 "    \"allowUnixSockets\": false,\n"
                 "    \"expose\": [],\n"
                 "    \"hostPorts\": []\n"
                 "  },\n"
                 "  \"process\": {\n"
                 "    \"env\": {},\n"
                 "    \"passEnv\": [],\n"
                 "    \"cwd\": null,\n"
                 "    \"timeout\": null,\n"
                 "    \"rlimits\": {},\n"
                 "    \"memoryMax\": null,\n"
                 "    \"pidsMax\": null,\n"
                 "    \"allowNestedNamespaces\": false,\n"
                 "    \"isolation\": \"namespaces\"\n"
                 "  }\n"
                 "}");
    free(s);
    CHECK_INT(load(&p, "{\"process\": {\"timeout\": 30, \"memoryMax\": \"2G\", \"rlimits\": "
                       "{\"nofile\": 64, \"core\": \"unlimited\"}}}"),
              0);
    s = dump(&p);
    CHECK(s && strstr(s, "\"timeout\": 30,"));
    CHECK(s && strstr(s, "\"memoryMax\": 2147483648,"));
    CHECK(s && strstr(s, "\"nofile\": {\n        \"soft\": 64,\n        \"hard\": 64\n      },"));
    CHECK(s && strstr(s, "\"core\": \"unlimited\""));
    free(s);
    /* a non-UTF-8 path from the command line still prints */
    CHECK_INT(moat_policy_add_path(&p.fs.deny_read, "/a\xff", "/", &err), 0);
    s = dump(&p);
    CHECK(s && strstr(s, "\"/a\xEF\xBF\xBD\""));
    free(s);
    policy_release(&p);
}

TEST(finalize_checks)
{
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"filesystem\": {\"denyRead\": [\"/x/..\"]}}"), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.filesystem.denyRead: \"/\" would hide the whole filesystem; use "
                       "filesystem.read = \"listed\" instead");
    policy_release(&p);

    policy_init(&p);
    CHECK_INT(load(&p, "{\"filesystem\": {\"allowWrite\": [\"/\"]}}"), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.filesystem.allowWrite: \"/\" would make the host writable; list the "
                       "directories instead");
    policy_release(&p);

    /* values set through the API rather than a file are checked too */
    policy_init(&p);
    p.proc.cwd = strdup("relative/dir");
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.process.cwd: \"relative/dir\" is not an absolute path");
    free(p.proc.cwd);
    p.proc.cwd = strdup("/a/./b/");
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    CHECK_STR(p.proc.cwd, "/a/b");

    CHECK_INT(policy_set_rlimit(&p, RLIMIT_NOFILE, 10, 5), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.process.rlimits.nofile: soft limit is above the hard limit");
    CHECK_INT(policy_set_rlimit(&p, RLIMIT_NOFILE, 5, 10), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), 0);

    CHECK_INT(policy_add_port(&p.net.expose, &p.net.n_expose, 0), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.network.expose: port 0 out of range (1-65535)");
    p.net.expose[0] = 80;
    CHECK_INT(policy_add_port(&p.net.expose, &p.net.n_expose, 80), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    CHECK_INT(p.net.n_expose, 1);

    p.proc.timeout = -1;
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.process.timeout: -1 is not between 0 and 1e+09 seconds");
    p.proc.timeout = 0;

    moat_policy_add_path(&p.fs.allow_read, "/ok", "/", &err);
    p.fs.allow_read.v[0][0] = 'x';
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.filesystem.allowRead: \"xok\" is not an absolute path");
    p.fs.allow_read.v[0][0] = '/';

    p.net.mode = (enum moat_net_mode)9;
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.network.mode: invalid mode 9");
    p.net.mode = MOAT_NET_HOST; /* with expose: the host's ports are shared already */
    CHECK_INT(moat_policy_finalize(&p, &err), -EINVAL);
    CHECK_STR(err.msg, "$.network.expose: needs an isolated network; with mode \"host\" the "
                       "sandbox shares the host's ports already");
    p.net.mode = MOAT_NET_PROXY;

    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    CHECK_INT(moat_policy_finalize(&p, &err), 0); /* idempotent */
    policy_release(&p);
}

TEST(add_path)
{
    struct moat_strv sv = {0};
    CHECK_INT(moat_policy_add_path(&sv, "a/b/..", "/base", &err), 0);
    CHECK_STR(sv.v[0], "/base/a");
    CHECK_INT(moat_policy_add_path(&sv, "", "/base", &err), -EINVAL);
    CHECK_STR(err.msg, "empty path");
    char *cwd = getcwd(NULL, 0);
    char want[4200];
    snprintf(want, sizeof want, "%s/rel", strcmp(cwd, "/") ? cwd : "");
    CHECK_INT(moat_policy_add_path(&sv, "rel", NULL, &err), 0);
    CHECK_STR(sv.v[1], want);
    CHECK_INT(sv.n, 2);
    free(cwd);
    for (size_t i = 0; i < sv.n; i++)
        free(sv.v[i]);
    free(sv.v);
}

TEST(suggestions)
{
    static const char *const c[] = {"allowWrite", "allowRead", "denyRead", "mode", NULL};
    CHECK_STR(policy_suggest("allowWirte", c), "allowWrite");
    CHECK_STR(policy_suggest("alowread", c), "allowRead");
    CHECK_STR(policy_suggest("mod", c), "mode");
    CHECK(policy_suggest("mo", c) == NULL);
    CHECK(policy_suggest("xyz", c) == NULL);
    CHECK(policy_suggest("", c) == NULL);
    char big[200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(policy_suggest(big, c) == NULL);
}

int main(void)
{
    RUN(defaults);
    RUN(names);
    RUN(merge_appends_lists_and_overwrites_scalars);
    RUN(failed_load_leaves_policy_unchanged);
    RUN(relative_paths_and_tilde);
    RUN(load_file);
    RUN(load_file_from_a_pipe);
    RUN(round_trip_through_to_json);
    RUN(to_json_shows_every_field);
    RUN(finalize_checks);
    RUN(add_path);
    RUN(suggestions);
    return UNIT_DONE();
}
