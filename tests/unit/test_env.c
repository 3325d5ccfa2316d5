/* Unit tests for src/sandbox/process/env.c and src/sandbox/process/exec.c. */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/process/env.h"
#include "sandbox/process/exec.h"
#include "util/strv.h"
#include "unit.h"

static char *caller_env[] = {
    "PATH=/custom/bin", "HOME=/home/u", "TERM=xterm", "LANG=C.UTF-8", "LC_ALL=C",
    "AWS_SECRET_ACCESS_KEY=leak", "SSH_AUTH_SOCK=/run/agent", "NPM_TOKEN=leak2",
    "MY_APP_A=1", "MY_APP_B=2", "weird-no-equals", NULL,
};

/* The CA-certificate variables: kept by default, as they were set. */
static char *ca_env[] = {
    "NODE_EXTRA_CA_CERTS=/etc/corp/ca.pem", "SSL_CERT_FILE=/etc/corp/ca.pem",
    "SSL_CERT_DIR=/etc/corp/certs", "REQUESTS_CA_BUNDLE=/etc/corp/bundle.pem",
    "CURL_CA_BUNDLE=/etc/corp/curl.pem", "GIT_SSL_CAINFO=/etc/corp/git.pem",
    "GIT_SSL_NO_VERIFY=1", "SSL_CERT_FILE_X=no", "NODE_OPTIONS=--require=/x.js", NULL,
};

TEST(clean_by_default)
{
    struct moat_policy p;
    policy_init(&p);
    struct moat_strv env;
    CHECK_INT(env_build(&p, caller_env, NULL, &env), 0);
    CHECK_STR(env_lookup(&env, "PATH"), "/custom/bin");
    CHECK_STR(env_lookup(&env, "HOME"), "/home/u");
    CHECK_STR(env_lookup(&env, "LC_ALL"), "C");
    CHECK(env_lookup(&env, "AWS_SECRET_ACCESS_KEY") == NULL);
    CHECK(env_lookup(&env, "SSH_AUTH_SOCK") == NULL);
    CHECK(env_lookup(&env, "NPM_TOKEN") == NULL);
    CHECK_INT(env.n, 5);
    strv_free(&env);
    policy_release(&p);
}

TEST(ca_certificate_variables_are_kept_by_default)
{
    struct moat_policy p;
    policy_init(&p);
    struct moat_strv env;
    CHECK_INT(env_build(&p, ca_env, NULL, &env), 0);
    CHECK_STR(env_lookup(&env, "NODE_EXTRA_CA_CERTS"), "/etc/corp/ca.pem");
    CHECK_STR(env_lookup(&env, "SSL_CERT_FILE"), "/etc/corp/ca.pem");
    CHECK_STR(env_lookup(&env, "SSL_CERT_DIR"), "/etc/corp/certs");
    CHECK_STR(env_lookup(&env, "REQUESTS_CA_BUNDLE"), "/etc/corp/bundle.pem");
    CHECK_STR(env_lookup(&env, "CURL_CA_BUNDLE"), "/etc/corp/curl.pem");
    CHECK_STR(env_lookup(&env, "GIT_SSL_CAINFO"), "/etc/corp/git.pem");
    /* exact names only: neighbours and other tool settings stay out */
    CHECK(env_lookup(&env, "GIT_SSL_NO_VERIFY") == NULL);
    CHECK(env_lookup(&env, "SSL_CERT_FILE_X") == NULL);
    CHECK(env_lookup(&env, "NODE_OPTIONS") == NULL);
    CHECK_INT(env.n, 7); /* the six and the default PATH */
    strv_free(&env);
    policy_release(&p);
}

TEST(pass_env_names_and_prefixes_then_sets_override)
{
    struct moat_policy p;
    policy_init(&p);
    strv_push(&p.proc.pass_env, "MY_APP_*");
    strv_push(&p.proc.pass_env, "NPM_TOKEN");
    strv_push(&p.proc.set_env, "MY_APP_A=override");
    strv_push(&p.proc.set_env, "NEW=x=y");
    struct moat_strv env;
    CHECK_INT(env_build(&p, caller_env, NULL, &env), 0);
    CHECK_STR(env_lookup(&env, "MY_APP_A"), "override");
    CHECK_STR(env_lookup(&env, "MY_APP_B"), "2");
    CHECK_STR(env_lookup(&env, "NPM_TOKEN"), "leak2");
    CHECK_STR(env_lookup(&env, "NEW"), "x=y");
    CHECK(env_lookup(&env, "AWS_SECRET_ACCESS_KEY") == NULL);
    strv_free(&env);
    policy_release(&p);
}

TEST(extra_comes_before_the_users_sets)
{
    struct moat_policy p;
    policy_init(&p);
    strv_push(&p.proc.set_env, "HTTP_PROXY=user-choice");
    struct moat_strv extra = { 0 }, env;
    strv_push(&extra, "HTTP_PROXY=moat");
    strv_push(&extra, "ALL_PROXY=moat-socks");
    CHECK_INT(env_build(&p, caller_env, &extra, &env), 0);
    CHECK_STR(env_lookup(&env, "HTTP_PROXY"), "user-choice");
    CHECK_STR(env_lookup(&env, "ALL_PROXY"), "moat-socks");
    strv_free(&env);
    strv_free(&extra);
    policy_release(&p);
}

TEST(default_path_when_caller_has_none)
{
    struct moat_policy p;
    policy_init(&p);
    char *empty[] = { NULL };
    struct moat_strv env;
    CHECK_INT(env_build(&p, empty, NULL, &env), 0);
    CHECK(env_lookup(&env, "PATH") != NULL);
    CHECK(strstr(env_lookup(&env, "PATH"), "/usr/bin") != NULL);
    strv_free(&env);
    policy_release(&p);
}

static int exec_in_child(char *const argv[], const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *envp[] = { NULL };
        int r = exec_command(argv, envp, path);
        _exit(r == -ENOENT ? 127 : 126);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(exec_searches_the_workloads_path)
{
    char *true_argv[] = { "true", NULL };
    CHECK_INT(exec_in_child(true_argv, "/nonexistent:/usr/bin:/bin"), 0);
    CHECK_INT(exec_in_child(true_argv, "/nonexistent"), 127);
    char *missing[] = { "no-such-command-moat", NULL };
    CHECK_INT(exec_in_child(missing, "/usr/bin"), 127);
    char *dir[] = { "/etc", NULL }; /* a directory: EACCES, not found is wrong */
    CHECK_INT(exec_in_child(dir, "/usr/bin"), 126);
    char *abs_true[] = { "/bin/true", NULL };
    CHECK_INT(exec_in_child(abs_true, ""), 0);
}

int main(void)
{
    RUN(clean_by_default);
    RUN(ca_certificate_variables_are_kept_by_default);
    RUN(pass_env_names_and_prefixes_then_sets_override);
    RUN(extra_comes_before_the_users_sets);
    RUN(default_path_when_caller_has_none);
    RUN(exec_searches_the_workloads_path);
    return UNIT_DONE();
}
