/* Unit tests for src/sandbox/confine/landlock.c.  Each check performs the operation
 * in a forked child (no_new_privs set) after landlock_apply() and compares
 * the exact errno; denied operations are repeated in a control child without
 * Landlock, on a fresh fixture, to show Landlock is why they failed. */
#include "sandbox/confine/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

enum { SETUP_FAILED = 250 };

#define SKIP(...)                                                                     \
    do {                                                                              \
        printf("  skip: " __VA_ARGS__);                                               \
        printf("\n");                                                                 \
    } while (0)

static int abi; /* the kernel's, read once in main */

/* The fixture, rebuilt from scratch by fx_reset():
 *   fx/granted/f    fx/granted2/     write paths
 *   fx/other/f      fx/other/d/      not granted
 *   fx/ro/f                          read path (restrict_read tests)
 *   fx/files/only   fx/files/sibling "only" is granted as a single file */
static char base[64], fx[96];
static char granted[128], granted_f[128], granted2[128], other[128], other_f[128], ro[128],
    ro_f[128], file_only[128], file_sibling[128];

static void path_set(char *dst, const char *rel)
{
    snprintf(dst, 128, "%s/%s", fx, rel);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void put_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, "data\n", 5) != 5) {
        fprintf(stderr, "  fixture: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    close(fd);
}

static void put_dir(const char *path)
{
    if (mkdir(path, 0755) < 0) {
        fprintf(stderr, "  fixture: %s: %s\n", path, strerror(errno));
        exit(2);
    }
}

static void fx_reset(void)
{
    rm_rf(fx);
    put_dir(fx);
    static const char *const dirs[] = {"granted", "granted2", "other", "other/d", "ro", "files"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char p[128];
        path_set(p, dirs[i]);
        put_dir(p);
    }
    put_file(granted_f);
    put_file(other_f);
    put_file(ro_f);
    put_file(file_only);
    put_file(file_sibling);
}

/* Specs.  Missing paths are listed on purpose: they must be skipped. */
static const char *write_list[8];
static const char *write_list_dev[8];
static const char *read_list[16];
static const char *read_list_no_system[4];
static struct landlock_spec spec_write, spec_write_dev, spec_read, spec_read_no_system,
    spec_scoped;

static void specs_init(void)
{
    static char missing_child[160];
    snprintf(missing_child, sizeof missing_child, "%s/f/child", granted); /* ENOTDIR */
    const char *w[] = {granted, granted2, file_only, "/nonexistent-moat-test/x", missing_child};
    memcpy(write_list, w, sizeof w);
    spec_write = (struct landlock_spec){.write_paths = write_list, .n_write = 5};

    memcpy(write_list_dev, w, sizeof w);
    write_list_dev[5] = "/dev";
    spec_write_dev = (struct landlock_spec){.write_paths = write_list_dev, .n_write = 6};

    const char *r[] = {ro, "/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32", "/etc"};
    memcpy(read_list, r, sizeof r);
    spec_read = (struct landlock_spec){.write_paths = write_list,
                                       .n_write = 1, /* granted only */
                                       .read_paths = read_list,
                                       .n_read = sizeof r / sizeof *r,
                                       .restrict_read = true};
    read_list_no_system[0] = ro;
    spec_read_no_system = spec_read;
    spec_read_no_system.read_paths = read_list_no_system;
    spec_read_no_system.n_read = 1;

    spec_scoped = (struct landlock_spec){.write_paths = write_list, .n_write = 1,
                                         .scope_signals = true};
}

/* Operation arguments, set before fork. */
static const char *arg_a, *arg_b;

/* Fork; in the child set no_new_privs, apply `s` unless NULL (the control
 * run), then perform `op`.  Returns the op's errno (0 = it worked), -N for
 * a child killed by signal N, SETUP_FAILED when apply failed. */
static int run(const struct landlock_spec *s, int (*op)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return SETUP_FAILED;
    if (pid == 0) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(SETUP_FAILED);
        if (s) {
            struct moat_error err = {0};
            int r = landlock_apply(s, &err);
            if (r != abi) {
                fprintf(stderr, "  child: landlock_apply returned %d: %s\n", r, err.msg);
                _exit(SETUP_FAILED);
            }
        }
        _exit(op());
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return SETUP_FAILED;
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

static int result(long r)
{
    return r < 0 ? errno : 0;
}

static int op_write(void)
{
    int fd = open(arg_a, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = write(fd, "x", 1) == 1 ? 0 : errno;
    close(fd);
    return e;
}

static int op_create(void)
{
    int fd = open(arg_a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    return fd < 0 ? errno : (close(fd), 0);
}

static int op_read(void)
{
    char buf[8];
    int fd = open(arg_a, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = read(fd, buf, sizeof buf) > 0 ? 0 : errno;
    close(fd);
    return e;
}

static int op_opendir(void)
{
    int fd = open(arg_a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? errno : (close(fd), 0);
}

static int op_unlink(void)
{
    return result(unlink(arg_a));
}

static int op_rename(void)
{
    return result(rename(arg_a, arg_b));
}

static int op_link(void)
{
    return result(link(arg_a, arg_b));
}

static int op_mkdir(void)
{
    return result(mkdir(arg_a, 0755));
}

static int op_rmdir(void)
{
    return result(rmdir(arg_a));
}

static int op_symlink(void)
{
    return result(symlink("target", arg_a));
}

static int op_mkfifo(void)
{
    return result(mkfifo(arg_a, 0644));
}

static int op_truncate(void)
{
    return result(truncate(arg_a, 0));
}

static int op_exec(void)
{
    char *const argv[] = {(char *)arg_a, NULL};
    char *const envp[] = {NULL};
    execve(arg_a, argv, envp);
    return errno;
}

/* Denied with `want` under `s`, and allowed without Landlock. */
static void check_denied(const struct landlock_spec *s, const char *what, int (*op)(void),
                         const char *a, const char *b, int want)
{
    arg_a = a, arg_b = b;
    fx_reset();
    int got = run(s, op);
    fx_reset();
    int control = run(NULL, op);
    if (got != want || control != 0)
        fprintf(stderr, "  %s %s%s%s: got %d (want %d), control %d\n", what, a, b ? " -> " : "",
                b ? b : "", got, want, control);
    CHECK_INT(got, want);
    CHECK_INT(control, 0);
}

static void check_allowed(const struct landlock_spec *s, const char *what, int (*op)(void),
                          const char *a, const char *b)
{
    arg_a = a, arg_b = b;
    fx_reset();
    int got = run(s, op);
    if (got != 0)
        fprintf(stderr, "  %s %s%s%s: got %d, want 0\n", what, a, b ? " -> " : "", b ? b : "",
                got);
    CHECK_INT(got, 0);
}

static char tmp_a[160], tmp_b[160];

static const char *in(const char *dir, const char *name, char *buf)
{
    snprintf(buf, 160, "%s/%s", dir, name);
    return buf;
}

TEST(abi_matches_kernel)
{
    long raw = syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* VERSION */);
    CHECK_INT(landlock_abi(), raw < 0 ? 0 : raw);
    printf("  note: Landlock ABI %d\n", abi);
}

TEST(write_inside_granted_dir_works)
{
    check_allowed(&spec_write, "write", op_write, granted_f, NULL);
    check_allowed(&spec_write, "create", op_create, in(granted, "new", tmp_a), NULL);
    check_allowed(&spec_write, "mkdir", op_mkdir, in(granted, "d", tmp_a), NULL);
    check_allowed(&spec_write, "symlink", op_symlink, in(granted, "l", tmp_a), NULL);
    check_allowed(&spec_write, "unlink", op_unlink, granted_f, NULL);
    check_allowed(&spec_write, "rename", op_rename, granted_f, in(granted, "g", tmp_b));
    check_allowed(&spec_write, "truncate", op_truncate, granted_f, NULL);
}

TEST(write_outside_is_eacces)
{
    check_denied(&spec_write, "write", op_write, other_f, NULL, EACCES);
    check_denied(&spec_write, "create", op_create, in(other, "new", tmp_a), NULL, EACCES);
    check_denied(&spec_write, "unlink", op_unlink, other_f, NULL, EACCES);
    check_denied(&spec_write, "rename", op_rename, other_f, in(other, "g", tmp_b), EACCES);
    check_denied(&spec_write, "mkdir", op_mkdir, in(other, "new", tmp_a), NULL, EACCES);
    check_denied(&spec_write, "rmdir", op_rmdir, in(other, "d", tmp_a), NULL, EACCES);
    check_denied(&spec_write, "symlink", op_symlink, in(other, "l", tmp_a), NULL, EACCES);
    check_denied(&spec_write, "mkfifo", op_mkfifo, in(other, "p", tmp_a), NULL, EACCES);
    if (abi >= 3)
        check_denied(&spec_write, "truncate", op_truncate, other_f, NULL, EACCES);
    else
        SKIP("truncate(2) is not controlled before Landlock ABI 3 (have %d)", abi);
}

TEST(granted_file_is_writable_but_not_its_siblings)
{
    check_allowed(&spec_write, "write", op_write, file_only, NULL);
    check_denied(&spec_write, "write", op_write, file_sibling, NULL, EACCES);
    char dir[128];
    path_set(dir, "files");
    check_denied(&spec_write, "create", op_create, in(dir, "new", tmp_a), NULL, EACCES);
    check_denied(&spec_write, "unlink", op_unlink, file_only, NULL, EACCES);
}

/* Reparenting.  Between write paths REFER is granted and the rename works
 * (ABI >= 2).  Out of or into a non-granted directory the kernel answers
 * EACCES, not EXDEV: the missing MAKE_REG / REMOVE_FILE right is checked
 * and "EACCES prevails over EXDEV" (Documentation/userspace-api/landlock.rst,
 * LANDLOCK_ACCESS_FS_REFER).  On ABI 1 every reparenting is EXDEV. */
TEST(refer_rename_across_directories)
{
    if (abi >= 2)
        check_allowed(&spec_write, "rename", op_rename, granted_f, in(granted2, "f", tmp_b));
    else
        check_denied(&spec_write, "rename", op_rename, granted_f, in(granted2, "f", tmp_b),
                     EXDEV);
    check_denied(&spec_write, "rename", op_rename, granted_f, in(other, "moved", tmp_b), EACCES);
    check_denied(&spec_write, "rename", op_rename, other_f, in(granted, "moved", tmp_b), EACCES);
    check_denied(&spec_write, "link", op_link, granted_f, in(other, "linked", tmp_b), EACCES);
}

TEST(missing_paths_are_skipped)
{
    static const char *const only_missing[] = {"/nonexistent-moat-test", "/etc/passwd/child"};
    const struct landlock_spec s = {.write_paths = only_missing, .n_write = 2};
    /* run() fails with SETUP_FAILED unless landlock_apply returns the ABI. */
    check_denied(&s, "create", op_create, in(granted, "new", tmp_a), NULL, EACCES);
}

TEST(restrict_read_limits_reads_to_listed_paths)
{
    check_denied(&spec_read, "read", op_read, other_f, NULL, EACCES);
    check_denied(&spec_read, "opendir", op_opendir, other, NULL, EACCES);
    check_allowed(&spec_read, "read", op_read, ro_f, NULL);
    check_allowed(&spec_read, "opendir", op_opendir, ro, NULL);
    check_allowed(&spec_read, "read", op_read, granted_f, NULL);
    check_allowed(&spec_read, "write", op_write, granted_f, NULL);
    check_denied(&spec_read, "write", op_write, ro_f, NULL, EACCES);
    /* Without restrict_read, reads are not Landlock's business. */
    check_allowed(&spec_write, "read", op_read, other_f, NULL);
}

TEST(restrict_read_exec_needs_system_dirs)
{
    check_allowed(&spec_read, "exec", op_exec, "/bin/true", NULL);
    check_denied(&spec_read_no_system, "exec", op_exec, "/bin/true", NULL, EACCES);
}

/* IOCTL_DEV (ABI 5): device ioctls need the right on the device's path,
 * which is why the caller lists /dev among the write paths. */
static int op_ioctl_ptmx(void)
{
    int fd = open("/dev/ptmx", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == EACCES ? 200 : errno; /* not the ioctl's answer */
    unsigned n;
    int e = result(ioctl(fd, TIOCGPTN, &n));
    close(fd);
    return e;
}

TEST(device_ioctl_needs_dev_in_write_paths)
{
    if (abi < 5) {
        SKIP("device ioctls are not controlled before Landlock ABI 5 (have %d)", abi);
        return;
    }
    if (access("/dev/ptmx", R_OK) < 0) {
        SKIP("/dev/ptmx not readable here");
        return;
    }
    check_denied(&spec_write, "ioctl(TIOCGPTN)", op_ioctl_ptmx, "/dev/ptmx", NULL, EACCES);
    check_allowed(&spec_write_dev, "ioctl(TIOCGPTN)", op_ioctl_ptmx, "/dev/ptmx", NULL);
}

/* Scoped signals (ABI 6).  The child applies the spec, then starts a
 * grandchild inside its domain. */
static int op_kill_grandchild(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return SETUP_FAILED;
    if (pid == 0) {
        pause();
        _exit(0);
    }
    int e = result(kill(pid, SIGTERM));
    int status;
    waitpid(pid, &status, 0);
    if (e == 0 && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM))
        return SETUP_FAILED;
    return e;
}

/* The test process sits outside any domain.  Signal 0 (and SIGURG, ignored
 * by default) so that a failure of the scope cannot hurt the runner. */
static int op_kill_parent(void)
{
    int e = result(kill(getppid(), 0));
    int e2 = result(kill(getppid(), SIGURG));
    return e != e2 ? SETUP_FAILED : e;
}

TEST(scope_signals_blocks_signals_leaving_the_domain)
{
    if (abi < 6) {
        SKIP("signal scoping needs Landlock ABI 6 (have %d)", abi);
        return;
    }
    fx_reset();
    CHECK_INT(run(&spec_scoped, op_kill_grandchild), 0);
    CHECK_INT(run(&spec_scoped, op_kill_parent), EPERM);
    CHECK_INT(run(NULL, op_kill_parent), 0);
    /* Without scope_signals a Landlock domain does not restrict signals. */
    CHECK_INT(run(&spec_write, op_kill_parent), 0);
}

static int op_apply_without_nnp(void)
{
    struct moat_error err = {0};
    int r = landlock_apply(&spec_write, &err);
    if (r != -EPERM || !strstr(err.msg, "no_new_privs"))
        return 1;
    arg_a = other_f;
    return op_write(); /* nothing was enforced */
}

TEST(apply_without_no_new_privs_is_refused)
{
    fx_reset();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(op_apply_without_nnp());
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 0);
}

int main(void)
{
    abi = landlock_abi();
    if (abi == 0) {
        SKIP("this kernel has no Landlock: nothing to test");
        RUN(abi_matches_kernel);
        return UNIT_DONE();
    }
    snprintf(base, sizeof base, "/tmp/moat-landlock-XXXXXX");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(fx, sizeof fx, "%s/fx", base);
    path_set(granted, "granted");
    path_set(granted_f, "granted/f");
    path_set(granted2, "granted2");
    path_set(other, "other");
    path_set(other_f, "other/f");
    path_set(ro, "ro");
    path_set(ro_f, "ro/f");
    path_set(file_only, "files/only");
    path_set(file_sibling, "files/sibling");
    specs_init();

    RUN(abi_matches_kernel);
    RUN(write_inside_granted_dir_works);
    RUN(write_outside_is_eacces);
    RUN(granted_file_is_writable_but_not_its_siblings);
    RUN(refer_rename_across_directories);
    RUN(missing_paths_are_skipped);
    RUN(restrict_read_limits_reads_to_listed_paths);
    RUN(restrict_read_exec_needs_system_dirs);
    RUN(device_ioctl_needs_dev_in_write_paths);
    RUN(scope_signals_blocks_signals_leaving_the_domain);
    RUN(apply_without_no_new_privs_is_refused);

    rm_rf(base);
    return UNIT_DONE();
}
