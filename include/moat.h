/* moat — a Linux process sandbox.  Public library API.
 *
 * The library takes a policy in and runs a command inside a sandbox built
 * from it.  It never exits the calling process and never prints: every
 * failure is returned as -errno with a human message in struct moat_error.
 * The `moat` command-line tool is a thin client of this API.
 *
 * Typical use:
 *     struct moat_error err = {0};
 *     struct moat_policy *p = moat_policy_new();
 *     if (moat_policy_load_file(p, "policy.json", &err) < 0) ...
 *     if (moat_policy_finalize(p, &err) < 0) ...
 *     int status = moat_run(p, argv, &err);   // workload's exit status
 *     moat_policy_free(p);
 */
#ifndef MOAT_H
#define MOAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOAT_VERSION "0.1.0"

/* The functions libmoat.so exports; everything else in it is hidden. */
#if defined(__GNUC__)
#define MOAT_API __attribute__((visibility("default")))
#else
#define MOAT_API
#endif

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

/* A policy: what a sandboxed command may read, write and reach.  Opaque:
 * built by loading JSON (a file, or text such as {"network": {"mode":
 * "proxy"}}), each load merging into what is there (lists appended, single
 * values replaced), then finalized once.  The format is docs/policy.md. */
struct moat_policy;

/* A new, empty policy (moat's defaults), or NULL when out of memory. */
MOAT_API struct moat_policy *moat_policy_new(void);
MOAT_API void moat_policy_free(struct moat_policy *p);

/* Merge a JSON policy file into p (lists appended, single values replaced:
 * several files merge in the order loaded).  Relative paths in it are
 * relative to the file's directory.  Errors name file:line:column and the
 * JSON path. */
MOAT_API int moat_policy_load_file(struct moat_policy *p, const char *path, struct moat_error *err);
/* Same, from a string; `name` is used in messages and `base_dir` for
 * relative paths. */
MOAT_API int moat_policy_load_string(struct moat_policy *p, const char *json, const char *name,
                            const char *base_dir, struct moat_error *err);

/* Check cross-field rules, expand and normalise; call once before moat_run.
 * Refuses what cannot be enforced as written (deny rules in mode "host");
 * adds a warning for what would do nothing (allow rules in mode "none" or
 * "host", an allowWrite path that does not exist and could not be created,
 * a caller's working directory the sandbox will not show).  Looks at the
 * filesystem only for those warnings. */
MOAT_API int moat_policy_finalize(struct moat_policy *p, struct moat_error *err);

/* The effective policy as normalised JSON (malloc'd, caller frees), or NULL. */
MOAT_API char *moat_policy_to_json(const struct moat_policy *p);

/* What the policy accepts but would not do as written: one line each,
 * "FILE:LINE:COL: $.json.path: ..." (or "$.json.path: ..." without a
 * position), added by the loaders and moat_policy_finalize; the caller
 * shows them.  Index from 0; NULL past the end. */
MOAT_API size_t moat_policy_warning_count(const struct moat_policy *p);
MOAT_API const char *moat_policy_warning(const struct moat_policy *p, size_t i);

/* The network mode the policy asks for. */
MOAT_API enum moat_net_mode moat_policy_network_mode(const struct moat_policy *p);

/* Testing aids, never for real use: turn one enforcement layer off
 * ("landlock", "mounts" or "guard") to prove the others hold alone; make
 * firewall mode's pool addresses expire after `seconds` (1 to 86400).
 * 0, or -EINVAL with err naming what is wrong. */
MOAT_API int moat_policy_debug_disable(struct moat_policy *p, const char *layer,
                                      struct moat_error *err);
MOAT_API int moat_policy_debug_fakeip_lifetime(struct moat_policy *p, unsigned seconds,
                                      struct moat_error *err);
/* Testing aid: set-up stops at `phase` (clone, network, nftables, mounts or
 * exec) and waits there to be killed, so a test can SIGKILL moat at that
 * point; the paused process is named paused:PHASE.  0, or -EINVAL. */
MOAT_API int moat_policy_debug_pause_at(struct moat_policy *p, const char *phase,
                                        struct moat_error *err);

/* Called with one JSON object (a line without the newline) per denial: time,
 * kind (dns, connect, file, ...), destination as written and canonical, port,
 * reason, pid and command, and the attribution a proxy credential carried
 * (moat_run_options_set_proxy_identity).  See docs/network.md. */
typedef void (*moat_violation_fn)(void *ctx, const char *json_line);

/* What a command's standard descriptor is, besides a descriptor of the
 * caller's (the same number is used in the sandbox as 0, 1 or 2). */
enum {
    MOAT_STDIO_INHERIT = -1, /* the caller's own 0, 1 or 2 */
    MOAT_STDIO_PIPE = -2,    /* a pipe; the caller's end is moat_sandbox_fd() */
    MOAT_STDIO_NULL = -3,    /* /dev/null */
};

enum moat_proxy_style {
    MOAT_PROXY_STYLE_MOAT = 0, /* 403, "blocked by moat policy: HOST:PORT (reason)" */
    MOAT_PROXY_STYLE_SRT,      /* srt's 403: "Connection blocked by network allowlist" */
};

/* How to run a command: an opaque set of options, each with its default
 * until set (the caller's stdio inherited, no log, no callback, no pty, the
 * process's environment, moat's proxy style).  Setters copy what they are
 * given; the options may be freed once moat_spawn or moat_run_ex returns, and
 * reused for another command. */
struct moat_run_options;

/* New options with every default, or NULL when out of memory. */
MOAT_API struct moat_run_options *moat_run_options_new(void);
MOAT_API void moat_run_options_free(struct moat_run_options *o);
/* Append every violation, one JSON line each, to this file (--log); NULL
 * for none.  0, or -ENOMEM. */
MOAT_API int moat_run_options_set_log(struct moat_run_options *o, const char *path);
/* Call fn(ctx, line) for every violation (and/or the log); fn NULL: none.
 * It runs in the thread that calls moat_sandbox_poll, wait or try_wait. */
MOAT_API void moat_run_options_set_violation_callback(struct moat_run_options *o,
                                                      moat_violation_fn fn, void *ctx);
/* The descriptors the command keeps besides 0, 1 and 2 (same numbers; each
 * must be 3 or more and open at spawn); every other one the caller has open
 * is closed at its exec.  0, or -ENOMEM. */
MOAT_API int moat_run_options_set_pass_fds(struct moat_run_options *o, const int *fds, size_t n);
/* The command's 0, 1 and 2: each a descriptor of the caller's or one of
 * MOAT_STDIO_INHERIT, _PIPE, _NULL.  0, or -EINVAL for anything else. */
MOAT_API int moat_run_options_set_stdio(struct moat_run_options *o, int in, int out, int err);
/* on: a pseudo-terminal made inside the sandbox (its own devpts instance)
 * is the command's 0, 1 and 2, with this window size (0: 24 rows, 80
 * columns); the caller's end is moat_sandbox_fd(MOAT_FD_PTY).  The stdio
 * setting is then ignored. */
MOAT_API void moat_run_options_set_pty(struct moat_run_options *o, bool on, unsigned short rows,
                                       unsigned short cols);
/* The environment passEnv picks from (NULL-terminated "NAME=value"s; NULL:
 * the process's environ at spawn).  Copied.  0, or -ENOMEM. */
MOAT_API int moat_run_options_set_environ(struct moat_run_options *o, char *const *envp);
/* How the proxies present themselves, for drop-ins of other sandboxes
 * (moat srt).  user is the user name in the proxy URLs the command gets
 * (NULL: "moat"; letters, digits and "._~+/=-", at most 255 bytes, not
 * starting with '.', which moat_spawn checks); a client must
 * present its part before the first '.' with the sandbox's password, and
 * what follows the '.' (srt's base64 of the command, "srt.ZWNobw==") is
 * logged as the attribution of its requests.  style says how a refused HTTP
 * request is answered.  0, or -ENOMEM. */
MOAT_API int moat_run_options_set_proxy_identity(struct moat_run_options *o, const char *user,
                                                 enum moat_proxy_style style);
/* on: the sandbox is served by a supervisor process of its own (the helper
 * that a caller running other threads always gets, see below) even when
 * the caller runs no other thread, so its services (the DNS filter, the
 * proxies, the timeout) run whether or not the caller polls; the caller's
 * polls then only collect what happened.  For libraries whose callers may
 * not poll (libmxc_ffi).  Costs a fork of the caller at moat_spawn. */
MOAT_API void moat_run_options_set_helper(struct moat_run_options *o, bool on);
/* on: moat_spawn returns only once the command has started (its exec
 * succeeded, or failed: status 126/127 later), so a sandbox that cannot be
 * set up is moat_spawn's own failure, with err saying why, never a later
 * poll's.  moat_spawn then takes the set-up time (a few milliseconds). */
MOAT_API void moat_run_options_set_wait_started(struct moat_run_options *o, bool on);
/* Call fn(ctx, line) with one line when moat chose something the caller
 * should know of: isolation "auto" falling back to landlock, and what that
 * makes weaker.  fn NULL (the default): not told. */
MOAT_API void moat_run_options_set_notice_callback(struct moat_run_options *o,
                                                   void (*fn)(void *ctx, const char *line),
                                                   void *ctx);

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

/* Start argv[0] (looked up in PATH as execvp does) under a finalised policy
 * and return at once with *out set.  0, or -errno with err set (nothing is
 * left running).  The sandbox reads the policy while it runs: free it only
 * after moat_sandbox_free. */
MOAT_API int moat_spawn(const struct moat_policy *p, char *const argv[], const struct moat_run_options *o,
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
MOAT_API int moat_sandbox_fd(const struct moat_sandbox *s, enum moat_fd which);
/* The same, and the caller owns it from now on (it stays open after free). */
MOAT_API int moat_sandbox_take_fd(struct moat_sandbox *s, enum moat_fd which);

/* Serve the sandbox for up to timeout_ms (-1: until something happens).
 * 1 when the command has finished, 0 when it still runs, -errno. */
MOAT_API int moat_sandbox_poll(struct moat_sandbox *s, int timeout_ms, struct moat_error *err);
/* Serve it until the command finishes; its status as moat_run returns it. */
MOAT_API int moat_sandbox_wait(struct moat_sandbox *s, struct moat_error *err);
/* Without waiting: 1 and *status when finished, 0 while it runs, -errno
 * (a set-up failure, err says why). */
MOAT_API int moat_sandbox_try_wait(struct moat_sandbox *s, int *status, struct moat_error *err);
/* Send sig to the command (through the sandbox's init, which forwards it);
 * SIGKILL kills the whole sandbox.  0 or -errno (-ESRCH when it is over). */
MOAT_API int moat_sandbox_kill(struct moat_sandbox *s, int sig);
/* The pseudo-terminal's window size (SIGWINCH follows).  0 or -errno. */
MOAT_API int moat_sandbox_resize(struct moat_sandbox *s, unsigned short rows, unsigned short cols);
/* Whether the sandbox ended because the policy's timeout expired (its
 * status is then MOAT_EXIT_TIMEOUT; a command that exits 124 by itself did
 * not time out).  Meaningful once it has finished. */
MOAT_API bool moat_sandbox_timed_out(const struct moat_sandbox *s);
/* The sandbox init's pid in the caller's pid namespace. */
MOAT_API int moat_sandbox_pid(const struct moat_sandbox *s);
/* Kill what still runs, reap it, close what the sandbox owns. */
MOAT_API void moat_sandbox_free(struct moat_sandbox *s);

/* moat_spawn and moat_sandbox_wait (o may be NULL: the defaults). */
MOAT_API int moat_run_ex(const struct moat_policy *p, char *const argv[], const struct moat_run_options *o,
                struct moat_error *err);

/* Run argv[0] (PATH lookup) in a sandbox built from p and wait for it.
 * Returns the workload's status: its exit code, 128+N when killed by
 * signal N, MOAT_EXIT_TIMEOUT, MOAT_EXIT_NOT_EXECUTABLE, MOAT_EXIT_NOT_FOUND;
 * or -errno when the sandbox could not be set up (err says why). */
MOAT_API int moat_run(const struct moat_policy *p, char *const argv[], struct moat_error *err);

/* Tell the library where the process's own argv strings live, so the
 * sandbox init can blank them: /proc/1/cmdline is world-readable inside the
 * sandbox even though init is non-dumpable. */
MOAT_API void moat_set_process_args(int argc, char **argv);

/* Names for messages. */
MOAT_API const char *moat_net_mode_name(enum moat_net_mode m);
MOAT_API const char *moat_read_model_name(enum moat_read_model m);
MOAT_API const char *moat_isolation_name(enum moat_isolation m);

#endif
