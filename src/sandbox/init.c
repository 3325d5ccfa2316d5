/* The sandbox's pid 1.  The main sequence of docs/architecture.md, one call
 * per step: die with the supervisor, map ids, network, mount tree, become
 * non-dumpable, blank our copy of moat's argv/environ, confine ourselves as
 * the workload will be (bounding set, no_new_privs, Landlock, no
 * capabilities but the write guard's), spawn the workload, then reap,
 * forward signals and answer the write guard until the workload exits.
 * When pid 1 exits, the kernel kills everything left in the pid namespace.
 * In landlock isolation there are no namespaces: the same process, a plain
 * child of the supervisor, resolves the rules in the host tree instead of
 * mounting, becomes a child subreaper, and kills what is left of the tree
 * itself before it exits (sandbox/process/tree.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/firewall/firewall.h"
#include "net/sandbox_sockets.h"
#include "sandbox/confine/caps.h"
#include "sandbox/context.h"
#include "sandbox/guard/guard.h"
#include "sandbox/mount/mount_tree.h"
#include "sandbox/netns.h"
#include "sandbox/process/process_args.h"
#include "sandbox/process/report.h"
#include "sandbox/process/tree.h"
#include "sandbox/userns.h"
#include "util/debug_pause.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/strv.h"

const int forwarded_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                                  SIGWINCH, SIGCONT, SIGALRM, SIGPIPE, 0 };

int sandbox_end_signal(void)
{
    return SIGRTMIN + 1;
}

static _Noreturn void setup_failed(struct sandbox_ctx *c, struct moat_error *err)
{
    report_send(c->report_fd, REPORT_SETUP, err);
    _exit(MOAT_EXIT_FAILURE);
}

static void die_with_supervisor(struct sandbox_ctx *c)
{
    /* Landlock isolation: a SIGKILL would leave the tree behind; the
     * reaper loop watches alive_fd instead and kills the tree first. */
    if (!c->landlock)
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The supervisor may have died before PDEATHSIG was armed: it holds the
     * write end of alive_fd, so a hang-up means it is gone. */
    struct pollfd pfd = { .fd = c->alive_fd, .events = POLLIN };
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLIN)))
        _exit(MOAT_EXIT_FAILURE);
    if (!c->landlock) {
        close(c->alive_fd);
        c->alive_fd = -1;
    }
}

/* The cgroups the supervisor made for the limits: joined before anything
 * else runs here, so every process of the sandbox is counted. */
static int join_cgroups(struct sandbox_ctx *c, struct moat_error *err)
{
    for (int i = 0; i < 2; i++) {
        if (c->cgroup_procs[i] < 0)
            continue;
        if (write(c->cgroup_procs[i], "0", 1) != 1)
            return error_set_errno(err, -errno, "cannot join the sandbox's cgroup");
        close(c->cgroup_procs[i]);
        c->cgroup_procs[i] = -1;
    }
    return 0;
}

/* Landlock isolation: exit with the workload's status once nothing of its
 * tree is left. */
static _Noreturn void finish_tree(bool landlock, int code)
{
    if (landlock)
        tree_kill_descendants();
    _exit(code);
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
 * namespace (port exposure), or -1; g: the write guard, or NULL; alive:
 * (landlock isolation) the pipe whose hang-up says the supervisor is gone
 * or wants the sandbox ended, or -1. */
static _Noreturn void reap_and_forward(pid_t workload, int chan, struct guard *g, int alive)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, sandbox_end_signal());
    for (const int *s = forwarded_signals; *s; s++)
        sigaddset(&set, *s);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    for (;;) {
        /* Reap first: a SIGCHLD may have arrived before the signalfd. */
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == workload)
                finish_tree(alive >= 0, exit_code_of(status));
        int listener = g ? guard_listener(g) : -1;
        struct pollfd pfd[4] = { { .fd = sfd, .events = POLLIN }, { .fd = chan, .events = POLLIN },
                                 { .fd = listener, .events = POLLIN },
                                 { .fd = alive, .events = POLLIN } };
        if (poll(pfd, 4, sfd < 0 ? 100 : -1) < 0)
            continue;
        if (pfd[3].revents)
            finish_tree(true, 128 + SIGKILL);
        if (pfd[1].revents && sandbox_socket_serve(chan) < 0)
            chan = -1; /* the supervisor is gone or confused: stop serving */
        if ((pfd[2].revents & POLLIN) && guard_serve(g) < 0) {
            guard_free(g); /* no task is left under the filter */
            g = NULL;
        } else if (pfd[2].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            guard_free(g);
            g = NULL;
        }
        struct signalfd_siginfo si;
        if ((pfd[0].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si &&
            si.ssi_signo != SIGCHLD) {
            if ((int)si.ssi_signo == sandbox_end_signal()) {
                if (alive >= 0)
                    finish_tree(true, 128 + SIGKILL);
                continue;
            }
            kill(workload, (int)si.ssi_signo);
        }
    }
}

/* Restrict ourselves as the workload will be, before we spawn it: it
 * inherits the bounding set, no_new_privs and the Landlock domain, and the
 * write guard, acting here on its behalf, acts inside the same domain.  We
 * keep only CAP_SYS_PTRACE, not in effect, for the guard to reach into a
 * caller that made itself non-dumpable. */
static int confine(struct sandbox_ctx *c, const struct fs_rules *rules, struct moat_error *err)
{
    /* Landlock isolation runs with the caller's own capabilities: an
     * unprivileged caller has none to drop, and no_new_privs keeps exec
     * from granting any (capabilities(7)). */
    bool setpcap = !c->landlock || caps_have(CAP_SETPCAP);
    if (setpcap && caps_clear_bounding(err) < 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return error_set_errno(err, -errno, "cannot set no_new_privs");
    /* Landlock refuses mount(2) and pivot_root(2) to every process in a
     * domain, even in a mount namespace of its own: with nested namespaces
     * allowed (for bwrap and the like) the mounts and the write guard are
     * the layers (docs/security.md, "Nested namespaces"). */
    bool nested = c->p->proc.allow_nested_namespaces;
    if (!c->p->debug_no_landlock && !nested && workload_landlock(c, rules, err) < 0)
        return -1;
    if (c->landlock && !caps_have_permitted(CAP_SYS_PTRACE))
        return caps_drop_all(err);
    return caps_keep_only(CAP_SYS_PTRACE, err);
}

/* The command's terminal: a pseudo-terminal of the sandbox's own devpts
 * instance (the host's terminal is never handed in, so TIOCSTI and friends
 * have nothing of the host to reach).  The master goes to the supervisor,
 * which relays it; the slave stays here for the workload to make its
 * controlling terminal. */
static int make_pty(struct sandbox_ctx *c, struct moat_error *err)
{
    /* The host's /dev/pts/ptmx is often mode 000; its /dev/ptmx is the one to use. */
    const char *ptmx = c->landlock ? "/dev/ptmx" : "/dev/pts/ptmx";
    int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return error_set_errno(err, -errno, "cannot open %s in the sandbox", ptmx);
    int unlock = 0;
    struct winsize ws = { .ws_row = c->pty_rows ? c->pty_rows : 24,
                          .ws_col = c->pty_cols ? c->pty_cols : 80 };
    int slave = -1;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCSWINSZ, &ws) < 0 ||
        (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        int e = errno;
        close(master);
        return error_set_errno(err, -e, "cannot set up the sandbox's pseudo-terminal");
    }
    int r = fdpass_send(c->pty_sock, "p", 1, &master, 1);
    close(master);
    close(c->pty_sock);
    c->pty_sock = -1;
    if (r < 0) {
        close(slave);
        return error_set_errno(err, r, "cannot hand the pseudo-terminal to the supervisor");
    }
    c->pty_slave = slave;
    return 0;
}

/* The listener the workload installed: sent before its exec (or never,
 * when it failed first and closed its end). */
static int receive_listener(struct guard *g, int pair[2])
{
    close(pair[1]);
    int fd = -1;
    size_t n = 0;
    char tag;
    long len = fdpass_recv(pair[0], &tag, 1, &fd, 1, &n);
    close(pair[0]);
    if (len <= 0 || n != 1)
        return -EPIPE;
    guard_set_listener(g, fd);
    return 0;
}

#ifndef __SANITIZE_ADDRESS__
static int workload_main(void *c)
{
    workload_exec(c);
}
#endif

/* The workload's process, made the way posix_spawn(3) makes one: clone with
 * CLONE_VM | CLONE_VFORK on a stack of its own.  A fork copied our page
 * tables, and then each side paid a copy-on-write fault for every page it
 * wrote before the exec: about 2 ms on the benchmark machine (BENCHMARKS.md).
 * Sharing the memory until the exec costs neither, and is safe because we
 * sleep until the workload has exec'd or exited (CLONE_VFORK): the two never
 * run on it at once.  Files, cwd, credentials, signal handlers and limits
 * are the child's own, as after fork.  The pid, or -errno. */
static pid_t spawn_workload(struct sandbox_ctx *c)
{
#ifdef __SANITIZE_ADDRESS__
    /* ASan cannot follow a process onto a stack it did not allocate
     * (google/sanitizers#189, "false positive error reports may follow"):
     * the sanitizer build forks; the release build's tests cover the clone. */
    pid_t child = fork();
    if (child == 0)
        workload_exec(c);
    return child < 0 ? -errno : child;
#else
    const size_t size = 8u << 20, guard = (size_t)sysconf(_SC_PAGESIZE);
    char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED)
        return -errno;
    pid_t pid = -1;
    if (mprotect(stack, guard, PROT_NONE) == 0) /* an overflow faults, not scribbles */
        pid = clone(workload_main, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
    int e = errno;
    munmap(stack, size);
    return pid < 0 ? -e : pid;
#endif
}

/* The namespaces' part of the sequence: ids, network, mount tree. */
static void build_namespaces(struct sandbox_ctx *c, struct fs_rules *rules)
{
    struct moat_error err = { 0 };
    if (userns_map_self(c->uid, c->gid, &err) < 0)
        setup_failed(c, &err);
    if (c->p->net.mode != MOAT_NET_HOST && netns_loopback_up(&err) < 0)
        setup_failed(c, &err);
    bool udp_relay = c->firewall && firewall_relays_udp(c->firewall);
    if (c->chan_fd >= 0 && sandbox_sockets_send(c->p, udp_relay, c->chan_fd, &err) < 0)
        setup_failed(c, &err);
    debug_pause_here(MOAT_DEBUG_PAUSE_NETWORK);
    if (c->firewall && firewall_install(c->firewall, &err) < 0)
        setup_failed(c, &err);
    if (mount_tree_build(c->p, c->home, c->resolv_conf, c->cwd_given ? NULL : c->cwd, rules,
                         &err) < 0)
        setup_failed(c, &err);
}

/* Landlock isolation's part: no namespace to build; the rules resolved in
 * the host tree as it is, and every orphan below us kept within reach. */
static void build_in_place(struct sandbox_ctx *c, struct fs_rules *rules)
{
    struct moat_error err = { 0 };
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        error_set_errno(&err, -errno, "cannot become a child subreaper");
        setup_failed(c, &err);
    }
    if (mount_tree_rules(c->p, c->home, rules, &err) < 0)
        setup_failed(c, &err);
    if (c->scratch && strv_push(&rules->scratch, c->scratch) < 0) {
        error_set(&err, -ENOMEM, "out of memory");
        setup_failed(c, &err);
    }
}

_Noreturn void sandbox_init_main(struct sandbox_ctx *c)
{
    struct moat_error err = { 0 };
    die_with_supervisor(c);
    if (join_cgroups(c, &err) < 0)
        setup_failed(c, &err);
    struct fs_rules rules = { 0 };
    if (c->landlock)
        build_in_place(c, &rules);
    else
        build_namespaces(c, &rules);
    /* Non-dumpable: the workload (same uid, no capabilities) cannot ptrace
     * us or read /proc/1/{environ,mem,fd}. */
    if (prctl(PR_SET_DUMPABLE, 0) < 0) {
        error_set_errno(&err, -errno, "cannot make the sandbox init non-dumpable");
        setup_failed(c, &err);
    }
    /* /proc/1/cmdline stays world-readable: blank moat's argv (it may carry
     * --setenv secrets) and environ in our copy of the memory. */
    process_args_blank();

    if (c->pty && make_pty(c, &err) < 0)
        setup_failed(c, &err);
    if (confine(c, &rules, &err) < 0)
        setup_failed(c, &err);
    struct guard *g = NULL;
    int guard_pair[2] = { -1, -1 };
    c->guard = guard_options_for(c->p, &rules, c->inet_restricted);
    if (guard_options_index(&c->guard) != 0) {
        if (guard_new(c->p, &rules, c->events_fd, &g, &err) < 0)
            setup_failed(c, &err);
        if (c->inet_restricted)
            guard_restrict_inet(g, c->lo_ports, c->n_lo_ports);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, guard_pair) < 0) {
            error_set_errno(&err, -errno, "cannot create the write guard's socket");
            setup_failed(c, &err);
        }
        c->guard_sock = guard_pair[1];
    }

    debug_pause_here(MOAT_DEBUG_PAUSE_EXEC);
    pid_t pid = spawn_workload(c);
    if (pid < 0) {
        error_set_errno(&err, pid, "cannot create the workload's process");
        setup_failed(c, &err);
    }
    if (c->pty_slave >= 0) { /* the workload has its own; ours would keep the pty open */
        close(c->pty_slave);
        c->pty_slave = -1;
    }
    for (int i = 0; i < 3; i++)
        if (c->stdio[i] >= 0) {
            close(c->stdio[i]);
            c->stdio[i] = -1;
        }
    if (g && receive_listener(g, guard_pair) < 0) {
        /* The workload failed before it installed its filter, and reported
         * why; nothing runs unguarded. */
        guard_free(g);
        g = NULL;
    }
    close(c->report_fd);
    reap_and_forward(pid, c->chan_fd, g, c->landlock ? c->alive_fd : -1);
}
