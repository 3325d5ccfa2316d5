/* The moat command's help texts; see help.h.  Says what each command does
 * and how it exits; docs/ has the details.  Prints only to the stream it is
 * given. */
#include "cli/help.h"

#include <string.h>

#include "cli/compat/mxc_exec.h"
#include "cli/options.h"
#include "cli/compat/srt_exec.h"
#include "moat.h"

void help_usage(FILE *out)
{
    fputs("Usage: moat run [OPTIONS] [--policy FILE] -- COMMAND [ARG...]\n"
          "       moat run [OPTIONS] [--policy FILE] -c 'SHELL COMMAND'\n"
          "       moat check [--format moat|mxc|srt] FILE...   validate a policy (or an\n"
          "                           mxc config, an srt settings file), print the\n"
          "                           effective policy as JSON\n"
          "       moat mxc --config-base64 B64 [...]   mxc's lxc-exec (also as lxc-exec)\n"
          "       moat srt [-s FILE] [-c STRING | COMMAND...]   Anthropic's srt (also as srt)\n"
          "       moat doctor         what this kernel and host support\n"
          "       moat connect HOST PORT   inside a sandbox: a tunnel through its proxy on\n"
          "                           stdin/stdout (git's ssh ProxyCommand)\n"
          "       moat help [COMMAND] | moat COMMAND --help | moat --version\n"
          "\n"
          "`moat help run` lists the run options.  Exit status: the command's own;\n"
          "125 when moat itself fails (bad policy, set-up error).\n",
          out);
}

static void help_check(FILE *out)
{
    fputs("Usage: moat check [--format moat|mxc|srt] FILE...\n"
          "\n"
          "Validate a moat policy file (docs/policy.md), one of Microsoft mxc's configs\n"
          "(docs/compat-mxc.md) or an srt settings file (docs/compat-srt.md) and print\n"
          "the effective policy as JSON: every default\n"
          "filled in, every path absolute.  Several policy files merge in the order\n"
          "given, as with `moat run -p A -p B`.  Warnings about rules that would do\n"
          "nothing go to stderr.\n"
          "\n"
          "      --format moat|mxc|srt  read FILE as that format (default: an mxc config\n"
          "                          or srt settings file is recognised by its keys)\n"
          "  -h, --help              this text\n"
          "\n"
          "Exit status: 0 when the policy is valid, 125 when it is not.\n",
          out);
}

static void help_doctor(FILE *out)
{
    fputs("Usage: moat doctor\n"
          "\n"
          "Try each kernel feature moat relies on (user, mount, pid and network\n"
          "namespaces, seccomp, Landlock, nftables, IPv6, cgroup v2, TIOCSTI) in a\n"
          "throwaway child and print one line per feature: OK, or what is missing and\n"
          "what to do about it.  Changes nothing on the host.\n"
          "\n"
          "Exit status: 0 when moat's default sandbox can run here, 125 when it cannot.\n",
          out);
}

static void help_connect(FILE *out)
{
    fputs("Usage: moat connect HOST PORT\n"
          "\n"
          "Inside a `moat run --network proxy` sandbox: open a tunnel to HOST:PORT\n"
          "through the sandbox's proxy and copy it to stdin/stdout.  moat sets\n"
          "GIT_SSH_COMMAND so that ssh uses it as its ProxyCommand; the destination\n"
          "must be allowed (--allow-net HOST:22).  See docs/network.md.\n"
          "\n"
          "Exit status: 0 when the tunnel closed, 1 when the proxy refused it, 125 on a\n"
          "usage error or outside a proxy-mode sandbox.\n",
          out);
}

static void help_help(FILE *out)
{
    fputs("Usage: moat help [COMMAND]\n"
          "\n"
          "Without COMMAND, list the commands; with one (run, check, doctor, connect,\n"
          "mxc, srt, help), show its help.  `moat COMMAND --help` does the same.\n",
          out);
}

static const char *const commands[] = { "run", "check", "doctor", "connect", "mxc", "srt",
                                        "help", NULL };

bool help_known(const char *command)
{
    for (const char *const *c = commands; *c; c++)
        if (strcmp(*c, command) == 0)
            return true;
    return false;
}

bool help_print(const char *command, FILE *out)
{
    if (strcmp(command, "run") == 0)
        options_print_run_help(); /* always on stdout */
    else if (strcmp(command, "check") == 0)
        help_check(out);
    else if (strcmp(command, "doctor") == 0)
        help_doctor(out);
    else if (strcmp(command, "connect") == 0)
        help_connect(out);
    else if (strcmp(command, "mxc") == 0)
        mxc_exec_usage(out, "moat mxc");
    else if (strcmp(command, "srt") == 0)
        srt_exec_usage(out, "moat srt");
    else if (strcmp(command, "help") == 0)
        help_help(out);
    else
        return false;
    return true;
}

int help_main(int argc, char **argv)
{
    if (argc == 1) {
        help_usage(stdout);
        return 0;
    }
    if (argc == 2 && help_print(argv[1], stdout))
        return 0;
    if (argc == 2)
        fprintf(stderr, "moat: help: unknown command '%s' (the commands are run, check, "
                        "doctor, connect, mxc, srt and help)\n", argv[1]);
    else
        help_help(stderr);
    return MOAT_EXIT_FAILURE;
}

bool help_is_flag(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}
