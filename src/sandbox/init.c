/* The sandbox's pid 1.  The main sequence of DESIGN §2, one call per step:
 * die with the supervisor, map ids, network, mount tree, become
 * non-dumpable, blank our copy of moat's argv/environ, fork the workload,
 * then reap and forward signals until the workload exits.  When pid 1 exits,
 * the kernel kills everything left in the pid namespace. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/firewall.h"
#include "net/sandbox_sockets.h"
#include "sandbox/context.h"
#include "sandbox/mount_tree.h"
#include "sandbox/netns.h"
#include "sandbox/process_args.h"
#include "sandbox/report.h"
#include "sandbox/userns.h"
#include "util/error.h"

const int forwarded_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                                  SIGWINCH, SIGCONT, SIGALRM, SIGPIPE, 0 };

static _Noreturn void setup_failed(struct sandbox_ctx *c, struct moat_error *err)
{
    report_send(c->report_fd, REPORT_SETUP, err);
    _exit(MOAT_EXIT_FAILURE);
}

static void die_with_supervisor(struct sandbox_ctx *c)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The supervisor may have died before PDEATHSIG was armed: it holds the
     * write end of alive_fd, so a hang-up means it is gone. */
    struct pollfd pfd = { .fd = c->alive_fd, .events = POLLIN };
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLIN)))
        _exit(MOAT_EXIT_FAILURE);
    close(c->alive_fd);
}

static int exit_code_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return MOAT_EXIT_FAILURE;
}

/* chan: the supervisor's requests for sockets made in our network
 * namespace (port exposure), or -1. */
static _Noreturn void reap_and_forward(pid_t workload, int chan)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (const int *s = forwarded_signals; *s; s++)
        sigaddset(&set, *s);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    for (;;) {
        /* Reap first: a SIGCHLD may have arrived before the signalfd. */
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == workload)
                _exit(exit_code_of(status));
        struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = chan, .events = POLLIN } };
        if (poll(pfd, 2, sfd < 0 ? 100 : -1) < 0)
            continue;
        if (pfd[1].revents && sandbox_socket_serve(chan) < 0)
            chan = -1; /* the supervisor is gone or confused: stop serving */
        struct signalfd_siginfo si;
        if ((pfd[0].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si &&
            si.ssi_signo != SIGCHLD)
            kill(workload, (int)si.ssi_signo);
    }
}

_Noreturn void sandbox_init_main(struct sandbox_ctx *c)
{
    struct moat_error err = { 0 };
    die_with_supervisor(c);
    if (userns_map_self(c->uid, c->gid, &err) < 0)
        setup_failed(c, &err);
    if (c->p->net.mode != MOAT_NET_HOST && netns_loopback_up(&err) < 0)
        setup_failed(c, &err);
    bool udp_relay = c->firewall && firewall_relays_udp(c->firewall);
    if (c->chan_fd >= 0 && sandbox_sockets_send(c->p, udp_relay, c->chan_fd, &err) < 0)
        setup_failed(c, &err);
    if (c->firewall && firewall_install(c->firewall, &err) < 0)
        setup_failed(c, &err);
    if (mount_tree_build(c->p, c->home, c->resolv_conf, &err) < 0)
        setup_failed(c, &err);
    /* Non-dumpable: the workload (same uid, no capabilities) cannot ptrace
     * us or read /proc/1/{environ,mem,fd}. */
    if (prctl(PR_SET_DUMPABLE, 0) < 0) {
        error_set_errno(&err, -errno, "cannot make the sandbox init non-dumpable");
        setup_failed(c, &err);
    }
    /* /proc/1/cmdline stays world-readable: blank moat's argv (it may carry
     * --setenv secrets) and environ in our copy of the memory. */
    process_args_blank();

    pid_t pid = fork();
    if (pid < 0) {
        error_set_errno(&err, -errno, "cannot fork the workload");
        setup_failed(c, &err);
    }
    if (pid == 0)
        workload_exec(c);
    close(c->report_fd);
    reap_and_forward(pid, c->chan_fd);
}
