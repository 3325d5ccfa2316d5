/* moat — a Linux process sandbox.  Public library API.
 *
 * The library takes a policy in and runs a command inside a sandbox built
 * from it.  It never exits the calling process and never prints: every
 * failure is returned as -errno with a human message in struct moat_error.
 * The `moat` command-line tool is a thin client of this API.
 *
 * Typical use:
 *     struct moat_policy p;  struct moat_error err = {0};
 *     moat_policy_init(&p);
 *     if (moat_policy_load_file(&p, "policy.json", &err) < 0) ...
 *     if (moat_policy_finalize(&p, &err) < 0) ...
 *     int status = moat_run(&p, argv, &err);   // workload's exit status
 *     moat_policy_free(&p);
 */
#ifndef MOAT_H
#define MOAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOAT_VERSION "0.1.0"

/* Exit statuses (as env(1)/timeout(1) use them). */
enum {
    MOAT_EXIT_TIMEOUT = 124,       /* --timeout expired; the whole tree was killed */
    MOAT_EXIT_FAILURE = 125,       /* moat itself failed: bad policy, setup error */
    MOAT_EXIT_NOT_EXECUTABLE = 126,
    MOAT_EXIT_NOT_FOUND = 127,
};

/* A failure with the context a human needs (file:line:col, JSON path, the
 * path or syscall involved).  `code` is a negative errno, or -EINVAL for
 * bad input. */
struct moat_error {
    int code;
    char msg[1024];
};

/* A growable array of owned strings. */
struct moat_strv {
    char **v;
    size_t n;
};

enum moat_read_model {
    MOAT_READ_ALL = 0, /* everything readable except denyRead (srt's model) */
    MOAT_READ_LISTED,  /* only a system baseline plus allowRead/allowWrite (mxc's model) */
};

enum moat_net_mode {
    MOAT_NET_NONE = 0, /* loopback only */
    MOAT_NET_PROXY,    /* loopback + filtering DNS and HTTP/SOCKS5 proxies */
    MOAT_NET_FIREWALL, /* transparent interception in the kernel (nftables) */
    MOAT_NET_HOST,     /* the host's network, unfiltered (explicit opt-in) */
};

/* How the sandbox is built (docs/security.md, "Isolation modes"). */
enum moat_isolation {
    MOAT_ISOLATION_NAMESPACES = 0, /* user, mount, pid, net... namespaces + Landlock + seccomp */
    MOAT_ISOLATION_LANDLOCK,       /* no namespaces: Landlock, seccomp and the write guard */
    MOAT_ISOLATION_AUTO,           /* namespaces where they work, else landlock (with a notice) */
};

/* One resource limit; RLIM_INFINITY for "unlimited". */
struct moat_rlimit {
    int resource; /* RLIMIT_* */
    uint64_t soft, hard;
};

#define MOAT_MAX_RLIMITS 16

struct moat_policy {
    char *source; /* absolute path of the policy file, or NULL (it is write-protected) */

    struct {
        enum moat_read_model read_model;
        /* All paths absolute and normalised after moat_policy_finalize(). */
        struct moat_strv deny_read, allow_read, allow_write, deny_write;
        bool private_tmp;          /* fresh tmpfs on /tmp (default true) */
        bool protect_defaults;     /* built-in protections (default true) */
        struct moat_strv unprotect; /* built-in protections to lift, e.g. ".git/config" */
        struct moat_strv protect;   /* more names kept read-only anywhere in writable trees */
        uint64_t tmp_size;          /* bytes for the private /tmp and /dev/shm each; 0 = default */
    } fs;

    struct {
        enum moat_net_mode mode;
        struct moat_strv allow, deny; /* hosts, *.patterns, IPs, CIDRs, each [:port] */
        bool allow_local_binding;
        bool allow_unix_sockets;      /* every AF_UNIX socket */
        struct moat_strv unix_sockets; /* or only connecting to these socket paths */
        uint16_t *expose;
        size_t n_expose;
        uint16_t *host_ports;
        size_t n_host_ports;
    } net;

    struct {
        struct moat_strv pass_env; /* names (or PREFIX_*) passed through from the caller */
        struct moat_strv set_env;  /* "NAME=VALUE", applied last */
        char *cwd;                 /* NULL: the caller's cwd if visible, else "/" */
        double timeout;            /* seconds; 0 = none */
        struct moat_rlimit rlimits[MOAT_MAX_RLIMITS];
        size_t n_rlimits;
        uint64_t memory_max; /* bytes, 0 = unset (a cgroup: v2 delegated, or v1 as root) */
        uint64_t pids_max;   /* 0 = unset (a cgroup, or the sandbox's user namespace) */
        bool allow_nested_namespaces;
        enum moat_isolation isolation;
    } proc;

    /* Testing aid: turn one enforcement layer off to prove the other holds
     * alone.  Never set by the policy file. */
    bool debug_no_mount_protection;
    bool debug_no_landlock;
    bool debug_no_guard; /* the write guard (seccomp user notification) */
    /* Testing aid: firewall mode's pool addresses live this many seconds
     * at least, instead of 300, so a test can watch one expire. */
    unsigned debug_fakeip_lifetime_s;
};

void moat_policy_init(struct moat_policy *p);
void moat_policy_free(struct moat_policy *p);

/* Merge a JSON policy file into p.  Relative paths in it are relative to
 * the file's directory.  Errors name file:line:column and the JSON path. */
int moat_policy_load_file(struct moat_policy *p, const char *path, struct moat_error *err);
/* Same, from a string; `name` is used in messages and `base_dir` for
 * relative paths. */
int moat_policy_load_string(struct moat_policy *p, const char *json, const char *name,
                            const char *base_dir, struct moat_error *err);

/* Add a filesystem path given on the command line (relative to cwd). */
int moat_policy_add_path(struct moat_strv *list, const char *path, const char *base_dir,
                         struct moat_error *err);

/* Check cross-field rules, expand and normalise; call once before moat_run. */
int moat_policy_finalize(struct moat_policy *p, struct moat_error *err);

/* The effective policy as normalised JSON (malloc'd, caller frees), or NULL. */
char *moat_policy_to_json(const struct moat_policy *p);

/* Called with one JSON object (a line without the newline) per denial: time,
 * kind (dns, connect, file, ...), destination as written and canonical, port,
 * reason, pid and command.  See docs/network.md. */
typedef void (*moat_violation_fn)(void *ctx, const char *json_line);

/* What a command's standard descriptor is, besides a descriptor of the
 * caller's (the same number is used in the sandbox as 0, 1 or 2). */
enum {
    MOAT_STDIO_INHERIT = -1, /* the caller's own 0, 1 or 2 */
    MOAT_STDIO_PIPE = -2,    /* a pipe; the caller's end is moat_sandbox_fd() */
    MOAT_STDIO_NULL = -3,    /* /dev/null */
};

/* How to run a command.  Start from moat_run_options_init(): zero is not
 * a valid stdio setting. */
struct moat_run_options {
    const char *log_path;          /* append violations here (--log), or NULL */
    moat_violation_fn on_violation; /* and/or call this, or NULL */
    void *ctx;
    /* Descriptors the command keeps besides 0, 1 and 2 (same numbers);
     * every other one the caller has open is closed at its exec. */
    const int *pass_fds;
    size_t n_pass_fds;
    /* The command's 0, 1, 2: a descriptor of the caller's, or MOAT_STDIO_*. */
    int stdin_fd, stdout_fd, stderr_fd;
    /* A pseudo-terminal made inside the sandbox (its own devpts instance)
     * for all three, with this window size; the caller's end is
     * moat_sandbox_fd(MOAT_FD_PTY).  The stdio fields are then ignored. */
    bool pty;
    unsigned short pty_rows, pty_cols;
    /* The environment passEnv picks from; NULL: the process's. */
    char *const *environ;
    /* Called (with ctx) with one line when moat chose something the caller
     * should know of: isolation "auto" falling back to landlock, and what
     * that makes weaker.  NULL: not told. */
    void (*on_notice)(void *ctx, const char *line);
};

void moat_run_options_init(struct moat_run_options *o);

/* ---- a running sandbox --------------------------------------------------
 *
 * moat_spawn starts a command and returns at once; the sandbox's services
 * (DNS filter, proxies, the write guard's reports, the violation log, the
 * timeout) run whenever the caller calls moat_sandbox_poll, wait or
 * try_wait — or whenever MOAT_FD_EVENTS, which a caller can add to its own
 * event loop, is readable.  One handle may be used from any thread, one call
 * at a time.  The sandbox is created in the calling thread with fork
 * semantics: in a process that runs other threads, spawn from a thread that
 * holds no locks the sandbox's set-up needs (the library's own are none),
 * or use the language bindings, which keep this in mind. */
struct moat_sandbox;

int moat_spawn(const struct moat_policy *p, char *const argv[], const struct moat_run_options *o,
               struct moat_sandbox **out, struct moat_error *err);

enum moat_fd {
    MOAT_FD_STDIN,  /* the write end of the command's stdin pipe */
    MOAT_FD_STDOUT, /* the read end of its stdout pipe */
    MOAT_FD_STDERR, /* the read end of its stderr pipe */
    MOAT_FD_PTY,    /* the pseudo-terminal's master */
    MOAT_FD_EVENTS, /* readable when moat_sandbox_poll has work to do */
};

/* The descriptor, owned by the sandbox (closed by moat_sandbox_free), or -1
 * when there is none. */
int moat_sandbox_fd(const struct moat_sandbox *s, enum moat_fd which);
/* The same, and the caller owns it from now on (it stays open after free). */
int moat_sandbox_take_fd(struct moat_sandbox *s, enum moat_fd which);

/* Serve the sandbox for up to timeout_ms (-1: until something happens).
 * 1 when the command has finished, 0 when it still runs, -errno. */
int moat_sandbox_poll(struct moat_sandbox *s, int timeout_ms, struct moat_error *err);
/* Serve it until the command finishes; its status as moat_run returns it. */
int moat_sandbox_wait(struct moat_sandbox *s, struct moat_error *err);
/* Without waiting: 1 and *status when finished, 0 while it runs, -errno
 * (a set-up failure, err says why). */
int moat_sandbox_try_wait(struct moat_sandbox *s, int *status, struct moat_error *err);
/* Send sig to the command (through the sandbox's init, which forwards it);
 * SIGKILL kills the whole sandbox.  0 or -errno (-ESRCH when it is over). */
int moat_sandbox_kill(struct moat_sandbox *s, int sig);
/* The pseudo-terminal's window size (SIGWINCH follows).  0 or -errno. */
int moat_sandbox_resize(struct moat_sandbox *s, unsigned short rows, unsigned short cols);
/* The sandbox init's pid in the caller's pid namespace. */
int moat_sandbox_pid(const struct moat_sandbox *s);
/* Kill what still runs, reap it, close what the sandbox owns. */
void moat_sandbox_free(struct moat_sandbox *s);

/* moat_spawn and moat_sandbox_wait (o may be NULL: the defaults). */
int moat_run_ex(const struct moat_policy *p, char *const argv[], const struct moat_run_options *o,
                struct moat_error *err);

/* Run argv[0] (PATH lookup) in a sandbox built from p and wait for it.
 * Returns the workload's status: its exit code, 128+N when killed by
 * signal N, MOAT_EXIT_TIMEOUT, MOAT_EXIT_NOT_EXECUTABLE, MOAT_EXIT_NOT_FOUND;
 * or -errno when the sandbox could not be set up (err says why). */
int moat_run(const struct moat_policy *p, char *const argv[], struct moat_error *err);

/* Tell the library where the process's own argv strings live, so the
 * sandbox init can blank them: /proc/1/cmdline is world-readable inside the
 * sandbox even though init is non-dumpable. */
void moat_set_process_args(int argc, char **argv);

/* Names for messages. */
const char *moat_net_mode_name(enum moat_net_mode m);
const char *moat_read_model_name(enum moat_read_model m);
const char *moat_isolation_name(enum moat_isolation m);

#endif
