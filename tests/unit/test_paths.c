/* Unit tests for src/policy/paths.c: lexical normalisation and ~
 * expansion. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy/paths.h"
#include "unit.h"

/* Normalise `in` against `base`; returns the result (static buffer) or the
 * error message prefixed with "ERR ". */
static const char *norm(const char *in, const char *base)
{
    static char buf[4200];
    struct moat_error err = {0};
    char *out = NULL;
    int r = path_normalize(in, base, &out, &err);
    if (r < 0) {
        snprintf(buf, sizeof buf, "ERR %s", err.msg);
        return buf;
    }
    snprintf(buf, sizeof buf, "%s", out);
    free(out);
    return buf;
}

TEST(absolute_paths_are_cleaned)
{
    CHECK_STR(norm("/", "/b"), "/");
    CHECK_STR(norm("//", "/b"), "/");
    CHECK_STR(norm("///a///b//", "/b"), "/a/b");
    CHECK_STR(norm("/a/./b/.", "/b"), "/a/b");
    CHECK_STR(norm("/a/b/..", "/b"), "/a");
    CHECK_STR(norm("/a/b/../..", "/b"), "/");
    CHECK_STR(norm("/..", "/b"), "/");
    CHECK_STR(norm("/../../x", "/b"), "/x");
    CHECK_STR(norm("/a/../../b/../c/.", "/b"), "/c");
    CHECK_STR(norm("/a/b/", "/b"), "/a/b");
    CHECK_STR(norm("/.", "/b"), "/");
    CHECK_STR(norm("/./", "/b"), "/");
}

TEST(dot_names_that_are_not_dot_or_dotdot_are_kept)
{
    CHECK_STR(norm("/a/.../b", "/"), "/a/.../b");
    CHECK_STR(norm("/a/..b/c", "/"), "/a/..b/c");
    CHECK_STR(norm("/a/b../c", "/"), "/a/b../c");
    CHECK_STR(norm("/a/.hidden", "/"), "/a/.hidden");
    CHECK_STR(norm("/a/.git/config", "/"), "/a/.git/config");
}

TEST(relative_paths_join_the_base)
{
    CHECK_STR(norm(".", "/base"), "/base");
    CHECK_STR(norm("./", "/base"), "/base");
    CHECK_STR(norm("x", "/base"), "/base/x");
    CHECK_STR(norm("x/y/", "/base"), "/base/x/y");
    CHECK_STR(norm("..", "/base/dir"), "/base");
    CHECK_STR(norm("../..", "/base"), "/");
    CHECK_STR(norm("../../../etc", "/base"), "/etc");
    CHECK_STR(norm("x", "/"), "/x");
    CHECK_STR(norm("x", "/base/"), "/base/x");
    CHECK_STR(norm("x", "/base/./y/../"), "/base/x");
}

TEST(relative_path_without_absolute_base_is_refused)
{
    CHECK_STR(norm("x", NULL), "ERR relative path \"x\" needs an absolute base directory");
    CHECK_STR(norm("x", "rel"), "ERR relative path \"x\" needs an absolute base directory");
    CHECK_STR(norm("/x", NULL), "/x");
}

TEST(empty_path_is_refused)
{
    struct moat_error err = {0};
    char *out = (char *)1;
    CHECK_INT(path_normalize("", "/b", &out, &err), -EINVAL);
    CHECK_STR(err.msg, "empty path");
    CHECK(out == NULL);
    CHECK_INT(path_normalize(NULL, "/b", &out, &err), -EINVAL);
}

TEST(tilde_expands_to_home)
{
    char *saved = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", "/home/tester", 1);
    CHECK_STR(norm("~", "/b"), "/home/tester");
    CHECK_STR(norm("~/", "/b"), "/home/tester");
    CHECK_STR(norm("~/.ssh", "/b"), "/home/tester/.ssh");
    CHECK_STR(norm("~/a/../b", "/b"), "/home/tester/b");
    CHECK_STR(norm("~/../..", "/b"), "/");
    /* only a leading ~ is special */
    CHECK_STR(norm("a/~", "/b"), "/b/a/~");
    CHECK_STR(norm("./~", "/b"), "/b/~");
    CHECK_STR(norm("/~", "/b"), "/~");

    setenv("HOME", "/home/tester/", 1);
    CHECK_STR(norm("~/x", "/b"), "/home/tester/x");
    setenv("HOME", "relative", 1);
    CHECK_STR(norm("~/x", "/b"),
              "ERR cannot expand \"~\": home directory \"relative\" is not absolute");

    /* unset or empty $HOME: the passwd entry of the caller */
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_dir && pw->pw_dir[0] == '/') {
        char want[4200];
        snprintf(want, sizeof want, "%s/x", strcmp(pw->pw_dir, "/") ? pw->pw_dir : "");
        unsetenv("HOME");
        CHECK_STR(norm("~/x", "/b"), want);
        setenv("HOME", "", 1);
        CHECK_STR(norm("~/x", "/b"), want);
    }
    if (saved)
        setenv("HOME", saved, 1);
    else
        unsetenv("HOME");
    free(saved);
}

TEST(tilde_user_expands_via_passwd)
{
    struct passwd *pw = getpwnam("root");
    if (pw) {
        char want[4200];
        snprintf(want, sizeof want, "%s/.ssh", pw->pw_dir);
        CHECK_STR(norm("~root/.ssh", "/b"), want);
        snprintf(want, sizeof want, "%s", pw->pw_dir);
        CHECK_STR(norm("~root", "/b"), want);
    }
    CHECK_STR(norm("~no-such-user-moat/x", "/b"), "ERR no such user \"no-such-user-moat\"");
}

TEST(too_long_path_is_refused)
{
    char *big = malloc(PATH_MAX + 10);
    big[0] = '/';
    memset(big + 1, 'a', PATH_MAX + 5);
    big[PATH_MAX + 6] = '\0';
    const char *r = norm(big, "/");
    CHECK(strncmp(r, "ERR path too long", 17) == 0);
    /* ...but ".." can bring it back under the limit */
    memcpy(big + PATH_MAX - 10, "/..", 3);
    big[PATH_MAX - 7] = '\0';
    CHECK_STR(norm(big, "/"), "/");
    free(big);
}

TEST(clean_absolute_in_place)
{
    char a[] = "/x//y/./../z/";
    CHECK(path_clean_absolute(a));
    CHECK_STR(a, "/x/z");
    char b[] = "rel/x";
    CHECK(!path_clean_absolute(b));
    CHECK_STR(b, "rel/x");
    char c[] = "/";
    CHECK(path_clean_absolute(c));
    CHECK_STR(c, "/");
}

int main(void)
{
    RUN(absolute_paths_are_cleaned);
    RUN(dot_names_that_are_not_dot_or_dotdot_are_kept);
    RUN(relative_paths_join_the_base);
    RUN(relative_path_without_absolute_base_is_refused);
    RUN(empty_path_is_refused);
    RUN(tilde_expands_to_home);
    RUN(tilde_user_expands_via_passwd);
    RUN(too_long_path_is_refused);
    RUN(clean_absolute_in_place);
    return UNIT_DONE();
}
