/* Unit tests for the seccomp programs compiled into moat (tools/seccomp_gen.c): each built-in
 * program is exactly what src/sandbox/confine/seccomp_rules.c gives now, for every option; a
 * foreign architecture's call kills the process; and landlock isolation's network lock (the
 * third filter), attacked in a forked child. */
#include "sandbox/confine/seccomp.h"
#include "sandbox/confine/seccomp_rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp_run.h"
#include "unit.h"

/* ---- The built-in programs ---- */

/* The programs moat loads were compiled when moat was built: they must be
 * exactly what the rules give now, for every combination of options. */
TEST(built_in_programs_are_the_rules_compiled)
{
    for (unsigned i = 0; i < SECCOMP_PROGRAMS; i++) {
        const struct seccomp_options o = seccomp_options_of_index(i);
        const struct seccomp_program *built_in = seccomp_program_for(&o);
        CHECK(built_in == &seccomp_programs[i]);
        struct seccomp_program fresh;
        struct moat_error err = {0};
        CHECK_INT(seccomp_rules_compile(&o, &fresh, &err), 0);
        if (!fresh.insns)
            continue;
        CHECK_INT(built_in->len, fresh.len);
        CHECK(built_in->len == fresh.len &&
              memcmp(built_in->insns, fresh.insns, fresh.len * sizeof *fresh.insns) == 0);
        seccomp_rules_free(&fresh);
    }
    /* Each option changes the program. */
    for (unsigned bit = 1; bit < SECCOMP_PROGRAMS; bit <<= 1)
        CHECK(seccomp_programs[0].len != seccomp_programs[bit].len ||
              memcmp(seccomp_programs[0].insns, seccomp_programs[bit].insns,
                     seccomp_programs[0].len * sizeof *seccomp_programs[0].insns) != 0);
}

/* ---- Foreign architectures ---- */

#if defined(__x86_64__)
static int attack_i386_getpid(void)
{
    /* Where the kernel offers no IA-32 entry, int $0x80 raises SIGSEGV:
     * let it kill the child plainly rather than through ASan's report. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGSEGV, &dfl, NULL);
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L /* i386 getpid */)
                     : "memory", "cc", "r8", "r9", "r10", "r11");
    return r == getpid() ? 0 : 1;
}

/* x32 numbers are x86_64 numbers with bit 30 set, under the x86_64 audit
 * arch: libseccomp's filter must treat them as foreign too. */
static int attack_x32_getpid(void)
{
    return result(syscall(0x40000000 | SYS_getpid));
}
#endif

TEST(i386_syscall_kills_with_sigsys)
{
#if defined(__x86_64__)
    int control = run(NULL, NULL, attack_i386_getpid);
    if (control != 0) {
        SKIP("no usable IA-32 syscall entry: int $0x80 without the filter gave %s",
             control < 0 ? strsignal(-control) : strerror(control));
        return;
    }
    CHECK_INT(run(&defaults, NULL, attack_i386_getpid), -SIGSYS);
#else
    SKIP("i386-on-x86_64 test only applies to x86_64");
#endif
}

TEST(x32_syscall_kills_with_sigsys)
{
#if defined(__x86_64__)
    int control = run(NULL, NULL, attack_x32_getpid);
    CHECK(control == 0 || control == ENOSYS); /* ENOSYS: kernel without x32 */
    CHECK_INT(run(&defaults, NULL, attack_x32_getpid), -SIGSYS);
#else
    SKIP("x32 test only applies to x86_64");
#endif
}

/* Landlock isolation's network lock, stacked on the main filter. */
static int run_netlock(enum seccomp_netlock mode, int (*attack)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct moat_error err = {0};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install(&defaults, &err) < 0 ||
            seccomp_install_netlock(mode, &err) < 0)
            _exit(SETUP_FAILED);
        _exit(attack());
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return SETUP_FAILED;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static int attack_socket_result(int family, int type)
{
    int fd = socket(family, type, 0);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}
static int attack_udp4(void) { return attack_socket_result(AF_INET, SOCK_DGRAM); }
static int attack_udp6(void) { return attack_socket_result(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK); }
static int attack_raw4(void) { return attack_socket_result(AF_INET, SOCK_RAW); }
static int attack_tcp4(void) { return attack_socket_result(AF_INET, SOCK_STREAM | SOCK_CLOEXEC); }
static int attack_tcp6(void) { return attack_socket_result(AF_INET6, SOCK_STREAM); }
static int attack_netlink(void) { return attack_socket_result(AF_NETLINK, SOCK_RAW); }
static int attack_pair(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return errno;
    return 0;
}
/* TCP Fast Open connects from sendto(2), never through connect(2). */
static int attack_fastopen(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 250;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sa, sizeof sa) < 0 ? errno : 0;
}

TEST(netlock_tcp_only)
{
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_udp4), EPERM);
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_udp6), EPERM);
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_raw4), EPERM);
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_netlink), EAFNOSUPPORT);
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_fastopen), EPERM);
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_tcp4), 0);
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_tcp6), 0);
    CHECK_INT(run_netlock(NETLOCK_TCP, attack_pair), 0);
    /* Without the lock the kernel would allow them (the main filter alone). */
    CHECK_INT(run(&defaults, NULL, attack_udp4), 0);
    CHECK_INT(run(&defaults, NULL, attack_netlink), 0);
    CHECK(run(&defaults, NULL, attack_fastopen) != EPERM);
}

TEST(netlock_no_ip)
{
    CHECK_INT(run_netlock(NETLOCK_NO_IP, attack_tcp4), EAFNOSUPPORT);
    CHECK_INT(run_netlock(NETLOCK_NO_IP, attack_tcp6), EAFNOSUPPORT);
    CHECK_INT(run_netlock(NETLOCK_NO_IP, attack_udp4), EAFNOSUPPORT);
    CHECK_INT(run_netlock(NETLOCK_NO_IP, attack_netlink), EAFNOSUPPORT);
    CHECK_INT(run_netlock(NETLOCK_NO_IP, attack_pair), 0);
}

TEST(built_in_netlock_and_guard_programs_are_the_rules_compiled)
{
    for (unsigned i = 1; i < NETLOCK_PROGRAMS; i++) {
        struct seccomp_program fresh;
        struct moat_error err = {0};
        CHECK_INT(seccomp_netlock_rules_compile((enum seccomp_netlock)i, &fresh, &err), 0);
        CHECK(netlock_programs[i].len == fresh.len &&
              memcmp(netlock_programs[i].insns, fresh.insns, fresh.len * sizeof *fresh.insns) == 0);
        seccomp_rules_free(&fresh);
    }
    for (unsigned i = 0; i < GUARD_PROGRAMS; i++) {
        const struct guard_options o = guard_options_of_index(i);
        CHECK_INT(guard_options_index(&o), i);
        struct seccomp_program fresh;
        struct moat_error err = {0};
        CHECK_INT(seccomp_guard_rules_compile(&o, &fresh, &err), 0);
        CHECK(guard_programs[i].len == fresh.len &&
              memcmp(guard_programs[i].insns, fresh.insns, fresh.len * sizeof *fresh.insns) == 0);
        seccomp_rules_free(&fresh);
    }
    /* The landlock bit and the nested-mounts bit change the guard's program. */
    CHECK(guard_programs[1].len != guard_programs[1 | 8].len);
    CHECK(guard_programs[1].len != guard_programs[1 | 16].len);
}

int main(void)
{
    RUN(built_in_programs_are_the_rules_compiled);
    RUN(built_in_netlock_and_guard_programs_are_the_rules_compiled);
    RUN(i386_syscall_kills_with_sigsys);
    RUN(x32_syscall_kills_with_sigsys);
    RUN(netlock_tcp_only);
    RUN(netlock_no_ip);
    return UNIT_DONE();
}
