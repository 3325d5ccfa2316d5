/* What the seccomp unit tests (test_seccomp.c, test_seccomp_programs.c) share: running an
 * attack in a forked child under a filter, and the main filter's default options. */
#ifndef MOAT_TESTS_UNIT_SECCOMP_RUN_H
#define MOAT_TESTS_UNIT_SECCOMP_RUN_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/confine/seccomp.h"

/* A child's result: its exit code (0 = the call succeeded, else its errno),
 * or -N when killed by signal N. */
enum { SETUP_FAILED = 250 };

static const struct seccomp_options defaults = {0};

#define SKIP(...)                                                                     \
    do {                                                                              \
        printf("  skip: " __VA_ARGS__);                                               \
        printf("\n");                                                                 \
    } while (0)

/* A call's result as a child reports it: 0, or its errno. */
static inline int result(long r)
{
    return r < 0 ? errno : 0;
}

/* Fork; in the child run `setup` (unfiltered preparation such as entering a
 * user namespace or acquiring a terminal), set no_new_privs, load the filter
 * unless `o` is NULL (the control run), then perform `attack`. */
static inline int run(const struct seccomp_options *o, int (*setup)(void), int (*attack)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return SETUP_FAILED;
    if (pid == 0) {
        int e = setup ? setup() : 0;
        if (e != 0) {
            fprintf(stderr, "  child setup: %s\n", strerror(e));
            _exit(SETUP_FAILED);
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(SETUP_FAILED);
        if (o) {
            struct moat_error err = {0};
            if (seccomp_install(o, &err) < 0) {
                fprintf(stderr, "  child: %s\n", err.msg);
                _exit(SETUP_FAILED);
            }
        }
        _exit(attack());
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return SETUP_FAILED;
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

#endif
