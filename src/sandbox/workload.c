/* The workload's last steps, in this order: new session (TIOCSTI, bwrap
 * CVE-2017-5226), limits, cwd, no capabilities (the bounding set,
 * no_new_privs and Landlock come from the init), only the descriptors it
 * is meant to have, seccomp and the write guard's filter (its listener
 * handed to the init), exec.  Each step reports its failure through the
 * report pipe; nothing here returns. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sandbox/confine/caps.h"
#include "sandbox/context.h"
#include "sandbox/process/env.h"
#include "sandbox/process/exec.h"
#include "sandbox/confine/landlock.h"
#include "sandbox/process/report.h"
#include "sandbox/process/rlimits.h"
#include "sandbox/confine/seccomp.h"
#include "sandbox/mount/fs_rules.h"
#include "util/error.h"
#include "util/fdpass.h"

static _Noreturn void fail(struct sandbox_ctx *c, enum report_stage stage, struct moat_error *err)
{
    report_send(c->report_fd, stage, err);
    _exit(stage == REPORT_EXEC ? (err->code == -ENOENT ? MOAT_EXIT_NOT_FOUND
                                                       : MOAT_EXIT_NOT_EXECUTABLE)
                               : MOAT_EXIT_FAILURE);
}

/* Landlock isolation: the host's tree as it is.  Writable: allowWrite, the
 * run's TMPDIR and the three harmless devices (never the host's /dev: its
 * disks and other users' terminals are there); denyRead carved out of what
 * is readable; TCP connects only to the ports the guard also allows. */
static int landlock_in_place(const struct sandbox_ctx *c, const struct fs_rules *rules,
                             struct moat_error *err)
{
    const struct moat_policy *p = c->p;
    static const char *const devices[] = { "/dev/null", "/dev/zero", "/dev/full" };
    static const char *const base[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
                                        "/libx32", "/etc", "/proc", "/run" };
    const char *writes[p->fs.allow_write.n + 4];
    const char *reads[rules->allow_read.n + p->fs.allow_read.n + 10];
    size_t nw = 0, nr = 0;
    for (size_t i = 0; i < p->fs.allow_write.n; i++)
        writes[nw++] = p->fs.allow_write.v[i];
    if (c->scratch)
        writes[nw++] = c->scratch;
    for (size_t i = 0; i < 3; i++)
        writes[nw++] = devices[i];
    if (p->fs.read_model == MOAT_READ_LISTED) {
        for (size_t i = 0; i < sizeof base / sizeof *base; i++)
            reads[nr++] = base[i];
        for (size_t i = 0; i < p->fs.allow_read.n; i++)
            reads[nr++] = p->fs.allow_read.v[i];
    } else {
        /* allowRead re-exposes a path inside a hidden tree */
        for (size_t i = 0; i < rules->allow_read.n; i++)
            reads[nr++] = rules->allow_read.v[i];
    }
    struct landlock_spec spec = {
        .write_paths = writes, .n_write = nw, .read_paths = reads, .n_read = nr,
        .restrict_read = p->fs.read_model == MOAT_READ_LISTED, .scope_signals = true,
        .deny_tcp_bind = !p->net.allow_local_binding,
        .bind_ports = p->net.expose, .n_bind_ports = p->net.n_expose,
        .deny_read = (const char *const *)rules->deny_read.v, .n_deny_read = rules->deny_read.n,
        .restrict_connect = c->inet_restricted, .connect_ports = c->lo_ports,
        .n_connect_ports = c->n_lo_ports,
    };
    int r = landlock_apply(&spec, err);
    if (r == 0)
        return error_set(err, -EOPNOTSUPP, "isolation \"landlock\": this kernel has no "
                         "Landlock (see `moat doctor`)");
    return r < 0 ? r : 0;
}

int workload_landlock(const struct sandbox_ctx *c, const struct fs_rules *rules,
                      struct moat_error *err)
{
    const struct moat_policy *p = c->p;
    if (c->landlock)
        return landlock_in_place(c, rules, err);
    const char *writes[p->fs.allow_write.n + 2];
    const char *reads[p->fs.allow_read.n + 12];
    size_t nw = 0, nr = 0;
    for (size_t i = 0; i < p->fs.allow_write.n; i++)
        writes[nw++] = p->fs.allow_write.v[i];
    writes[nw++] = "/dev"; /* null, tty, pts, shm */
    if (p->fs.private_tmp)
        writes[nw++] = "/tmp";
    if (p->fs.read_model == MOAT_READ_LISTED) {
        static const char *const base[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
                                            "/libx32", "/etc", "/proc", "/run" };
        for (size_t i = 0; i < sizeof base / sizeof *base; i++)
            reads[nr++] = base[i];
        for (size_t i = 0; i < p->fs.allow_read.n; i++)
            reads[nr++] = p->fs.allow_read.v[i];
    }
    struct landlock_spec spec = {
        .write_paths = writes, .n_write = nw, .read_paths = reads, .n_read = nr,
        .restrict_read = p->fs.read_model == MOAT_READ_LISTED, .scope_signals = true,
        .deny_tcp_bind = !p->net.allow_local_binding,
        /* An exposed port is one the workload is meant to serve on. */
        .bind_ports = p->net.expose, .n_bind_ports = p->net.n_expose,
    };
    int r = landlock_apply(&spec, err);
    return r < 0 ? r : 0;
}

/* The command's 0, 1, 2: the sandbox's pseudo-terminal (made the
 * controlling terminal of the new session), or what the caller asked for. */
static int place_stdio(const struct sandbox_ctx *c, struct moat_error *err)
{
    if (c->pty_slave >= 0) {
        if (ioctl(c->pty_slave, TIOCSCTTY, 0) < 0)
            return error_set_errno(err, -errno, "cannot make the pseudo-terminal the command's "
                                   "controlling terminal");
        for (int i = 0; i < 3; i++)
            if (dup2(c->pty_slave, i) < 0)
                return error_set_errno(err, -errno, "cannot place the pseudo-terminal on %d", i);
        return 0;
    }
    for (int i = 0; i < 3; i++)
        if (c->stdio[i] >= 0 && dup2(c->stdio[i], i) < 0)
            return error_set_errno(err, -errno, "cannot place descriptor %d", i);
    return 0;
}

/* Every descriptor but 0, 1, 2 and the ones the caller passes on closes at
 * exec: one left open by whoever started moat (a directory, a socket) would
 * reach past every rule (a directory fd opens anything below it). */
static int keep_only_wanted_fds(const struct sandbox_ctx *c, struct moat_error *err)
{
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return error_set_errno(err, -errno, "cannot mark descriptors close-on-exec");
    for (size_t i = 0; i < c->n_pass_fds; i++) {
        int fd = c->pass_fds[i];
        if (fd > 2 && fcntl(fd, F_SETFD, 0) < 0)
            return error_set_errno(err, -errno, "cannot pass descriptor %d to the command", fd);
    }
    return 0;
}

_Noreturn void workload_exec(struct sandbox_ctx *c)
{
    struct moat_error err = { 0 };
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (const int *s = forwarded_signals; *s; s++)
        signal(*s, SIG_DFL);

    if (setsid() < 0) {
        error_set_errno(&err, -errno, "setsid");
        fail(c, REPORT_SETUP, &err);
    }
    if (place_stdio(c, &err) < 0)
        fail(c, REPORT_SETUP, &err);
    if (limits_apply(c->p, &err) < 0)
        fail(c, REPORT_SETUP, &err);
    if (chdir(c->cwd) < 0) {
        int e = -errno;
        error_set(&err, e, "cannot change to the working directory %s in the sandbox: %s%s",
                  c->cwd, strerror(-e),
                  c->cwd_given ? "" : " (start moat from a directory it shows, or give --cwd DIR)");
        fail(c, REPORT_SETUP, &err);
    }
    if (caps_drop_all(&err) < 0)
        fail(c, REPORT_SETUP, &err);
    if (keep_only_wanted_fds(c, &err) < 0)
        fail(c, REPORT_SETUP, &err);
    struct seccomp_options so = {
        /* A list of socket paths: the write guard judges each connect(2)
         * (and refuses datagram sockets), so the sockets may be made. */
        .allow_unix_sockets = c->p->net.allow_unix_sockets || c->p->net.unix_sockets.n > 0,
        .allow_nested_namespaces = c->p->proc.allow_nested_namespaces,
        /* No local servers: listen(2) refused outright (Landlock leaves
         * ephemeral binds to clients and, from ABI 4, refuses every named
         * port).  Exposed ports are served, so then only Landlock limits
         * binds to them. */
        .deny_listen = !c->p->net.allow_local_binding && c->p->net.n_expose == 0,
    };
    /* Landlock isolation: a layer of scopes of our own, so that nothing we
     * start can signal the init, which shares the rest of our domain. */
    if (c->landlock && !c->p->debug_no_landlock && landlock_scope_self(&err) < 0)
        fail(c, REPORT_SETUP, &err);
    if (seccomp_install(&so, &err) < 0)
        fail(c, REPORT_SETUP, &err);
    if (c->landlock && c->p->net.mode != MOAT_NET_HOST &&
        seccomp_install_netlock(c->inet_restricted ? NETLOCK_TCP : NETLOCK_NO_IP, &err) < 0)
        fail(c, REPORT_SETUP, &err);
    int listener = -1;
    if (seccomp_install_guard(&c->guard, &listener, &err) < 0)
        fail(c, REPORT_SETUP, &err);
    if (listener >= 0) {
        int r = fdpass_send(c->guard_sock, "g", 1, &listener, 1);
        close(listener); /* the workload must never hold its own guard's listener */
        if (r < 0) {
            error_set_errno(&err, r, "cannot hand the write guard's listener to the init");
            fail(c, REPORT_SETUP, &err);
        }
    }

    int r = exec_command(c->argv.v, c->env.v, env_lookup(&c->env, "PATH"));
    error_set_errno(&err, r, "cannot execute %s", c->argv.v[0]);
    fail(c, REPORT_EXEC, &err);
}
