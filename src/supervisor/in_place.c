/* Landlock isolation, the supervisor's part; see in_place.h.  Decides
 * nothing about what the workload may do once it runs (Landlock, seccomp
 * and the write guard do); never removes anything but the scratch
 * directory it made. */
#include "supervisor/in_place.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net/services.h"
#include "sandbox/confine/landlock.h"
#include "sandbox/process/env.h"
#include "util/error.h"

/* Can the guard take a socket from the workload (pidfd_getfd)?  Docker's
 * default seccomp profile refuses it without CAP_SYS_PTRACE. */
static int can_fetch_sockets(void)
{
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd < 0)
        return -errno;
    int fd = (int)syscall(SYS_pidfd_getfd, pidfd, 0, 0);
    int e = errno;
    close(pidfd);
    if (fd < 0)
        return -e;
    close(fd);
    return 0;
}

int in_place_check(const struct moat_policy *p, struct moat_error *err)
{
    const char *why = NULL, *key = NULL;
    if (p->net.mode == MOAT_NET_FIREWALL) {
        key = "network.mode \"firewall\"";
        why = "it intercepts connections with nftables inside the sandbox's own network "
              "namespace; use mode \"proxy\"";
    } else if (p->net.allow_local_binding && p->net.mode != MOAT_NET_HOST) {
        key = "network.allowLocalBinding";
        why = "without a network namespace a server the command starts listens on the host's "
              "addresses, and its own clients could not be told from connections out";
    } else if (p->net.n_expose) {
        key = "network.expose";
        why = "without a network namespace there is no sandbox loopback to expose";
    } else if (p->proc.allow_nested_namespaces) {
        key = "process.allowNestedNamespaces";
        why = "nested namespaces are allowed only where Landlock is not the only layer (in "
              "them the command may mount, which Landlock would refuse); use isolation "
              "\"namespaces\"";
    } else if (p->fs.tmp_size) {
        key = "filesystem.tmpSize";
        why = "without a mount namespace there is no private /tmp to bound (the run's TMPDIR "
              "is a directory on the host's /tmp)";
    }
    if (key)
        return error_set(err, -EINVAL, "%s: not available with isolation \"landlock\": %s",
                         key, why);
    int r;
    if (p->net.mode != MOAT_NET_HOST && (p->net.mode == MOAT_NET_PROXY || p->net.n_host_ports) &&
        (r = can_fetch_sockets()) < 0)
        return error_set_errno(err, r, "network.mode \"%s\" with isolation \"landlock\" needs "
                               "pidfd_getfd(2) (the write guard connects the command's sockets "
                               "itself), which this place refuses; a container's seccomp "
                               "profile does so without CAP_SYS_PTRACE (docker run --cap-add "
                               "SYS_PTRACE; Kubernetes: capabilities.add: [SYS_PTRACE])",
                               moat_net_mode_name(p->net.mode));
    if (landlock_abi() == 0)
        return error_set(err, -EOPNOTSUPP,
                         "isolation \"landlock\": this kernel has no Landlock (Linux 5.13 or "
                         "later, with landlock in the lsm= list); see `moat doctor`");
    return 0;
}

int in_place_scratch(struct sandbox_ctx *c, struct moat_error *err)
{
    /* The caller's TMPDIR, else /tmp, else /var/tmp: the first where a
     * private directory can be made (a container's /tmp may be read-only). */
    const char *env = getenv("TMPDIR");
    const char *bases[] = { env && env[0] == '/' ? env : NULL, "/tmp", "/var/tmp" };
    char dir[4096] = "";
    int e = 0;
    for (size_t i = 0; i < sizeof bases / sizeof *bases && !dir[0]; i++) {
        if (!bases[i])
            continue;
        snprintf(dir, sizeof dir, "%s/moat-run.XXXXXX", bases[i]);
        if (!mkdtemp(dir)) {
            e = errno;
            dir[0] = '\0';
        }
    }
    if (!dir[0])
        return error_set_errno(err, -e, "cannot create the run's temporary directory in "
                               "$TMPDIR, /tmp or /var/tmp");
    c->scratch = strdup(dir);
    if (!c->scratch) {
        rmdir(dir);
        return error_set(err, -ENOMEM, "out of memory");
    }
    if (env_lookup(&c->env, "TMPDIR"))
        return 0;
    char entry[4200];
    snprintf(entry, sizeof entry, "TMPDIR=%s", dir);
    return env_put(&c->env, entry) < 0 ? error_set(err, -ENOMEM, "out of memory") : 0;
}

/* Everything below dirfd, never following a symlink: each directory is
 * opened with O_NOFOLLOW from its parent's descriptor. */
static void remove_below(int dirfd, int depth)
{
    int fd = dup(dirfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (unlinkat(dirfd, de->d_name, 0) == 0 || errno != EISDIR)
            continue;
        /* A directory (unlinkat said so, and nothing of the workload runs
         * any more to swap it): one it left unreadable is made ours again. */
        if (fchmodat(dirfd, de->d_name, 0700, 0) < 0 && errno != EPERM)
            continue;
        int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0 && depth < 256)
            remove_below(sub, depth + 1);
        if (sub >= 0)
            close(sub);
        unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

void in_place_scratch_remove(const char *dir)
{
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        remove_below(fd, 0);
        close(fd);
    }
    rmdir(dir);
}

int in_place_network(struct sandbox_ctx *c, struct net_services *ns, struct moat_error *err)
{
    const struct moat_policy *p = c->p;
    if (p->net.mode == MOAT_NET_HOST)
        return 0;
    if (p->net.mode == MOAT_NET_PROXY) {
        uint16_t http = 0, socks = 0;
        int r = net_services_listen_host(ns, &http, &socks, err);
        if (r < 0)
            return r;
        c->lo_ports[c->n_lo_ports++] = http;
        c->lo_ports[c->n_lo_ports++] = socks;
    }
    for (size_t i = 0; i < p->net.n_host_ports; i++) {
        if (c->n_lo_ports == sizeof c->lo_ports / sizeof *c->lo_ports)
            return error_set(err, -E2BIG, "network.hostPorts: at most %zu with isolation "
                             "\"landlock\"", sizeof c->lo_ports / sizeof *c->lo_ports - 2);
        c->lo_ports[c->n_lo_ports++] = p->net.host_ports[i];
    }
    c->inet_restricted = c->n_lo_ports > 0;
    return 0;
}
