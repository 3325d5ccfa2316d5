/* `moat run` option parsing; see options.h.  Knows flag names and how each
 * maps onto the policy file format; validation lives in the policy module. */
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/debug_pause.h"
#include "util/error.h"
#include "util/strv.h"

enum {
    OPT_ALLOW_WRITE = 256, OPT_DENY_WRITE, OPT_DENY_READ, OPT_ALLOW_READ, OPT_READ_MODEL,
    OPT_NO_PRIVATE_TMP, OPT_NO_PROTECT, OPT_UNPROTECT, OPT_SETENV, OPT_PASS_ENV, OPT_CWD,
    OPT_TIMEOUT, OPT_RLIMIT, OPT_NETWORK, OPT_ALLOW_UNIX, OPT_ALLOW_NESTED, OPT_ISOLATION,
    OPT_DEBUG_DISABLE, OPT_DEBUG_FAKEIP, OPT_DEBUG_PAUSE,
    OPT_ALLOW_NET, OPT_DENY_NET, OPT_ALLOW_LOCAL_BINDING, OPT_EXPOSE, OPT_HOST_PORT, OPT_LOG,
    OPT_PASS_FD, OPT_PROTECT, OPT_ALLOW_UNIX_SOCKET, OPT_TMP_SIZE, OPT_PTY, OPT_NO_PTY,
    OPT_QUIET,
};

static const struct option run_longopts[] = {
    { "policy", required_argument, NULL, 'p' },
    { "command", required_argument, NULL, 'c' },
    { "allow-write", required_argument, NULL, OPT_ALLOW_WRITE },
    { "deny-write", required_argument, NULL, OPT_DENY_WRITE },
    { "deny-read", required_argument, NULL, OPT_DENY_READ },
    { "allow-read", required_argument, NULL, OPT_ALLOW_READ },
    { "read-model", required_argument, NULL, OPT_READ_MODEL },
    { "no-private-tmp", no_argument, NULL, OPT_NO_PRIVATE_TMP },
    { "no-default-protections", no_argument, NULL, OPT_NO_PROTECT },
    { "unprotect", required_argument, NULL, OPT_UNPROTECT },
    { "setenv", required_argument, NULL, OPT_SETENV },
    { "pass-env", required_argument, NULL, OPT_PASS_ENV },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "chdir", required_argument, NULL, OPT_CWD },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "rlimit", required_argument, NULL, OPT_RLIMIT },
    { "network", required_argument, NULL, OPT_NETWORK },
    { "allow-net", required_argument, NULL, OPT_ALLOW_NET },
    { "deny-net", required_argument, NULL, OPT_DENY_NET },
    { "allow-local-binding", no_argument, NULL, OPT_ALLOW_LOCAL_BINDING },
    { "expose", required_argument, NULL, OPT_EXPOSE },
    { "host-port", required_argument, NULL, OPT_HOST_PORT },
    { "log", required_argument, NULL, OPT_LOG },
    { "pass-fd", required_argument, NULL, OPT_PASS_FD },
    { "pty", no_argument, NULL, OPT_PTY },
    { "no-pty", no_argument, NULL, OPT_NO_PTY },
    { "protect", required_argument, NULL, OPT_PROTECT },
    { "allow-unix-socket", required_argument, NULL, OPT_ALLOW_UNIX_SOCKET },
    { "tmp-size", required_argument, NULL, OPT_TMP_SIZE },
    { "quiet", no_argument, NULL, OPT_QUIET },
    { "allow-unix-sockets", no_argument, NULL, OPT_ALLOW_UNIX },
    { "allow-nested-namespaces", no_argument, NULL, OPT_ALLOW_NESTED },
    { "isolation", required_argument, NULL, OPT_ISOLATION },
    { "debug-disable-layer", required_argument, NULL, OPT_DEBUG_DISABLE },
    { "debug-fakeip-lifetime", required_argument, NULL, OPT_DEBUG_FAKEIP },
    { "debug-pause-at", required_argument, NULL, OPT_DEBUG_PAUSE },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

void options_print_run_help(void)
{
    fputs("Usage: moat run [OPTIONS] [--policy FILE] -- COMMAND [ARG...]\n"
          "       moat run [OPTIONS] [--policy FILE] -c 'SHELL COMMAND'\n"
          "\n"
          "Run COMMAND in a sandbox.  Flags extend the policy file (lists are appended).\n"
          "\n"
          "  -p, --policy FILE          load a JSON policy (see docs/policy.md); several\n"
          "                             files merge in the order given\n"
          "  -c, --command STRING       run STRING with /bin/sh -c\n"
          "      --allow-write PATH     make PATH writable (repeatable)\n"
          "      --deny-write PATH      keep PATH read-only inside writable trees\n"
          "      --deny-read PATH       hide PATH (empty directory / empty file)\n"
          "      --allow-read PATH      re-allow PATH inside a hidden tree (or, with\n"
          "                             --read-model listed, make it visible)\n"
          "      --read-model all|listed  all: everything readable except --deny-read;\n"
          "                             listed: a system baseline plus listed paths\n"
          "      --no-private-tmp       use the host's /tmp (per the rules) instead of a fresh one\n"
          "      --no-default-protections  lift all built-in protections (.git/hooks, .bashrc, ...)\n"
          "      --unprotect NAME       lift one built-in protection, e.g. .git/config\n"
          "      --protect NAME         keep NAME read-only wherever it appears in writable\n"
          "                             trees, e.g. .envrc or config/secrets.yml\n"
          "      --tmp-size SIZE        bound the private /tmp and /dev/shm (each), e.g. 2G\n"
          "      --setenv NAME=VALUE    set a variable; --setenv NAME takes moat's own value\n"
          "      --pass-env NAME        pass a variable (or PREFIX_*) through from moat's environment\n"
          "      --cwd DIR, --chdir DIR  working directory inside the sandbox\n"
          "      --timeout SECONDS      kill the whole sandbox after SECONDS (exit 124)\n"
          "      --rlimit NAME=SOFT[:HARD]  e.g. nofile=1024 or core=0; values in the\n"
          "                             rlimit's unit (bytes, seconds) or unlimited\n"
          "      --network MODE         none (default, loopback only), proxy (filtering\n"
          "                             HTTP/SOCKS5 proxies and DNS), firewall (the same\n"
          "                             rules enforced in the kernel for programs that ignore\n"
          "                             proxies) or host (no isolation)\n"
          "      --allow-net RULE       allow a destination: host, *.domain, IP, CIDR, each\n"
          "                             optionally :PORT, e.g. example.com:443, [2001:db8::1]:22\n"
          "      --deny-net RULE        deny a destination (deny wins)\n"
          "      --allow-local-binding  let the command bind/listen on TCP inside the sandbox\n"
          "      --expose PORT          make the sandbox's PORT reachable on the host's loopback\n"
          "      --host-port PORT       let the command reach the host's loopback PORT\n"
          "      --log FILE             append one JSON line per denied connection or name\n"
          "                             (- for stderr; never through a symlink, never inside\n"
          "                             an --allow-write tree)\n"
          "      --quiet                no \"moat: blocked ...\" line on stderr per refusal\n"
          "      --allow-unix-sockets   permit every AF_UNIX socket (socket(AF_UNIX) is refused\n"
          "                             by default; socketpair is allowed)\n"
          "      --allow-unix-socket PATH  permit connecting to the Unix socket at PATH only\n"
          "                             (repeatable; e.g. $SSH_AUTH_SOCK)\n"
          "      --pass-fd N            keep descriptor N open in the command (all but 0, 1, 2\n"
          "                             are closed otherwise)\n"
          "      --pty, --no-pty        give the command a terminal of its own inside the\n"
          "                             sandbox, relayed to moat's (default: when stdin and\n"
          "                             stdout are terminals)\n"
          "      --allow-nested-namespaces  permit unshare/setns/clone(CLONE_NEW*)\n"
          "      --isolation MODE       namespaces (default), landlock (no namespaces: for\n"
          "                             places without user namespaces; weaker, see\n"
          "                             `moat doctor`) or auto (landlock only where\n"
          "                             namespaces are unavailable, with a notice)\n"
          "  -h, --help                 this text\n"
          "  -V, --version              moat's version\n"
          "\n"
          "Testing aids (they weaken the sandbox; for moat's own tests):\n"
          "      --debug-disable-layer landlock|mounts|guard  turn one layer off\n"
          "      --debug-fakeip-lifetime SECONDS  firewall mode's pool addresses expire sooner\n"
          "      --debug-pause-at clone|network|nftables|mounts|exec  stop set-up there and\n"
          "                             wait to be killed (the process is named paused:PHASE)\n"
          "\n"
          "Exit status: the command's own; 128+N if it was killed by signal N; 124 on\n"
          "timeout; 125 if moat itself failed; 126 not executable; 127 not found.\n",
          stdout);
}

/* Add one fragment {"section": {"key": value}} (value stolen). */
static int add_fragment(struct run_options *o, const char *option, const char *section,
                        const char *key, json_t *value, struct moat_error *err)
{
    json_t *frag = json_pack("{s:{s:o}}", section, key, value);
    char *text = frag ? json_dumps(frag, JSON_COMPACT) : NULL;
    json_decref(frag);
    char name[64];
    snprintf(name, sizeof name, "option --%s", option);
    if (!text || strv_push_owned(&o->fragments, text) < 0 || strv_push(&o->fragment_names, name) < 0)
        return error_set(err, -ENOMEM, "out of memory");
    return 0;
}

static int add_list_item(struct run_options *o, const char *option, const char *section,
                         const char *key, const char *item, struct moat_error *err)
{
    return add_fragment(o, option, section, key, json_pack("[s]", item), err);
}

static int parse_setenv(struct run_options *o, const char *arg, struct moat_error *err)
{
    const char *eq = strchr(arg, '=');
    char name[256];
    const char *value;
    if (eq) {
        if ((size_t)(eq - arg) >= sizeof name)
            return error_set(err, -EINVAL, "option --setenv: name too long");
        memcpy(name, arg, (size_t)(eq - arg));
        name[eq - arg] = '\0';
        value = eq + 1;
    } else {
        snprintf(name, sizeof name, "%s", arg);
        value = getenv(arg);
        if (!value)
            return error_set(err, -EINVAL,
                             "option --setenv %s: no such variable in moat's environment", arg);
    }
    json_t *env = json_object();
    json_object_set_new(env, name, json_string(value));
    return add_fragment(o, "setenv", "process", "env", env, err);
}

/* SOFT[:HARD], each a number or "unlimited" */
static json_t *rlimit_value(const char *text)
{
    if (strcmp(text, "unlimited") == 0)
        return json_string(text);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-')
        return NULL;
    return json_integer((json_int_t)v);
}

static int parse_rlimit(struct run_options *o, const char *arg, struct moat_error *err)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", arg);
    char *eq = strchr(buf, '=');
    if (!eq)
        return error_set(err, -EINVAL, "option --rlimit %s: expected NAME=SOFT[:HARD]", arg);
    *eq = '\0';
    char *colon = strchr(eq + 1, ':');
    if (colon)
        *colon = '\0';
    json_t *soft = rlimit_value(eq + 1), *hard = rlimit_value(colon ? colon + 1 : eq + 1);
    if (!soft || !hard) {
        json_decref(soft);
        json_decref(hard);
        return error_set(err, -EINVAL,
                         "option --rlimit %s: limits are whole numbers or \"unlimited\"", arg);
    }
    json_t *lims = json_pack("{s:{s:o,s:o}}", buf, "soft", soft, "hard", hard);
    return add_fragment(o, "rlimit", "process", "rlimits", lims, err);
}

static int parse_timeout(struct run_options *o, const char *arg, struct moat_error *err)
{
    char *end;
    double t = strtod(arg, &end);
    if (end == arg || *end || !isfinite(t))
        return error_set(err, -EINVAL, "option --timeout %s: not a number of seconds", arg);
    return add_fragment(o, "timeout", "process", "timeout", json_real(t), err);
}

static int add_port(struct run_options *o, const char *option, const char *key, const char *arg,
                    struct moat_error *err)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end)
        return error_set(err, -EINVAL, "option --%s %s: not a port number", option, arg);
    return add_fragment(o, option, "network", key, json_pack("[I]", (json_int_t)v), err);
}

static int parse_one(struct run_options *o, int opt, const char *arg, struct moat_error *err)
{
    switch (opt) {
    case 'p':
        return strv_push(&o->policy_files, arg) < 0 ? error_set(err, -ENOMEM, "out of memory") : 0;
    case 'c': o->shell_command = arg; return 0;
    case OPT_ALLOW_WRITE: return add_list_item(o, "allow-write", "filesystem", "allowWrite", arg, err);
    case OPT_DENY_WRITE: return add_list_item(o, "deny-write", "filesystem", "denyWrite", arg, err);
    case OPT_DENY_READ: return add_list_item(o, "deny-read", "filesystem", "denyRead", arg, err);
    case OPT_ALLOW_READ: return add_list_item(o, "allow-read", "filesystem", "allowRead", arg, err);
    case OPT_READ_MODEL: return add_fragment(o, "read-model", "filesystem", "read", json_string(arg), err);
    case OPT_NO_PRIVATE_TMP: return add_fragment(o, "no-private-tmp", "filesystem", "privateTmp", json_false(), err);
    case OPT_NO_PROTECT: return add_fragment(o, "no-default-protections", "filesystem", "protectDefaults", json_false(), err);
    case OPT_UNPROTECT: return add_list_item(o, "unprotect", "filesystem", "unprotect", arg, err);
    case OPT_SETENV: return parse_setenv(o, arg, err);
    case OPT_PASS_ENV: return add_list_item(o, "pass-env", "process", "passEnv", arg, err);
    case OPT_CWD: return add_fragment(o, "cwd", "process", "cwd", json_string(arg), err);
    case OPT_TIMEOUT: return parse_timeout(o, arg, err);
    case OPT_RLIMIT: return parse_rlimit(o, arg, err);
    case OPT_NETWORK: return add_fragment(o, "network", "network", "mode", json_string(arg), err);
    case OPT_ALLOW_NET: return add_list_item(o, "allow-net", "network", "allow", arg, err);
    case OPT_DENY_NET: return add_list_item(o, "deny-net", "network", "deny", arg, err);
    case OPT_ALLOW_LOCAL_BINDING: return add_fragment(o, "allow-local-binding", "network", "allowLocalBinding", json_true(), err);
    case OPT_EXPOSE: return add_port(o, "expose", "expose", arg, err);
    case OPT_HOST_PORT: return add_port(o, "host-port", "hostPorts", arg, err);
    case OPT_LOG: o->log_path = arg; return 0;
    case OPT_PASS_FD: {
        char *end;
        long fd = strtol(arg, &end, 10);
        if (end == arg || *end || fd < 3 || fd > 65535)
            return error_set(err, -EINVAL, "option --pass-fd %s: expected a descriptor number "
                             "of 3 or more (0, 1 and 2 are always passed)", arg);
        if (o->n_pass_fds == sizeof o->pass_fds / sizeof *o->pass_fds)
            return error_set(err, -EINVAL, "option --pass-fd: at most %zu descriptors",
                             sizeof o->pass_fds / sizeof *o->pass_fds);
        o->pass_fds[o->n_pass_fds++] = (int)fd;
        return 0;
    }
    case OPT_PTY: o->pty = 1; return 0;
    case OPT_NO_PTY: o->pty = 0; return 0;
    case OPT_PROTECT: return add_list_item(o, "protect", "filesystem", "protect", arg, err);
    case OPT_ALLOW_UNIX_SOCKET:
        return add_list_item(o, "allow-unix-socket", "network", "allowUnixSockets", arg, err);
    case OPT_TMP_SIZE:
        return add_fragment(o, "tmp-size", "filesystem", "tmpSize", json_string(arg), err);
    case OPT_QUIET: o->quiet = true; return 0;
    case OPT_ALLOW_UNIX: return add_fragment(o, "allow-unix-sockets", "network", "allowUnixSockets", json_true(), err);
    case OPT_ALLOW_NESTED: return add_fragment(o, "allow-nested-namespaces", "process", "allowNestedNamespaces", json_true(), err);
    case OPT_ISOLATION: return add_fragment(o, "isolation", "process", "isolation", json_string(arg), err);
    case OPT_DEBUG_DISABLE:
        if (strcmp(arg, "landlock") == 0)
            o->no_landlock = true;
        else if (strcmp(arg, "mounts") == 0)
            o->no_mount_protection = true;
        else if (strcmp(arg, "guard") == 0)
            o->no_guard = true;
        else
            return error_set(err, -EINVAL,
                             "option --debug-disable-layer: expected landlock, mounts or guard");
        return 0;
    case OPT_DEBUG_FAKEIP: {
        char *end;
        long v = strtol(arg, &end, 10);
        if (end == arg || *end || v < 1 || v > 86400)
            return error_set(err, -EINVAL,
                             "option --debug-fakeip-lifetime %s: expected seconds, 1 to 86400", arg);
        o->fakeip_lifetime_s = (unsigned)v;
        return 0;
    }
    case OPT_DEBUG_PAUSE:
        for (int i = 0; debug_pause_names[i]; i++)
            if (strcmp(arg, debug_pause_names[i]) == 0) {
                o->pause_at = debug_pause_names[i];
                return 0;
            }
        return error_set(err, -EINVAL, "option --debug-pause-at %s: expected clone, network, "
                         "nftables, mounts or exec", arg);
    default:
        return error_set(err, -EINVAL, "unknown option (see `moat run --help`)");
    }
}

int options_parse_run(int argc, char **argv, struct run_options *o, struct moat_error *err)
{
    *o = (struct run_options){ .pty = -1 };
    optind = 1;
    opterr = 0;
    int opt;
    /* "+": stop at the first non-option, which starts the command. */
    while ((opt = getopt_long(argc, argv, "+p:c:hV", run_longopts, NULL)) != -1) {
        if (opt == 'h') {
            options_print_run_help();
            return 1;
        }
        if (opt == 'V') {
            printf("moat %s\n", MOAT_VERSION);
            return 1;
        }
        if (opt == '?' || opt == ':') {
            const char *bad = argv[optind - 1];
            return error_set(err, -EINVAL, "%s: %s (see `moat run --help`)", bad,
                             optopt ? "missing argument or unknown option" : "unknown option");
        }
        int r = parse_one(o, opt, optarg, err);
        if (r < 0)
            return r;
    }
    o->command = argv + optind;
    bool has_command = optind < argc;
    if (o->shell_command && has_command)
        return error_set(err, -EINVAL, "give either -c STRING or -- COMMAND, not both");
    if (!o->shell_command && !has_command)
        return error_set(err, -EINVAL, "no command given (see `moat run --help`)");
    return 0;
}

void options_free(struct run_options *o)
{
    strv_free(&o->policy_files);
    strv_free(&o->fragments);
    strv_free(&o->fragment_names);
}
