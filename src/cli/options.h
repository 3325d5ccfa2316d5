/* `moat run` options: each flag becomes a policy fragment loaded on top of
 * the policy file, so flags and files share one validator and one set of
 * error messages. */
#ifndef MOAT_CLI_OPTIONS_H
#define MOAT_CLI_OPTIONS_H

#include "moat.h"
#include "util/strv.h"

struct run_options {
    struct moat_strv policy_files; /* --policy, in order: each merges into the last */
    const char *shell_command; /* -c */
    char **command;            /* argv after the options */
    struct moat_strv fragments; /* JSON policy fragments, in command-line order */
    struct moat_strv fragment_names;
    bool no_landlock, no_mount_protection, no_guard;
    unsigned fakeip_lifetime_s;
    const char *pause_at; /* --debug-pause-at PHASE */
    int pty;              /* --pty 1, --no-pty 0, else -1 */
    int pass_fds[64];     /* --pass-fd */
    size_t n_pass_fds;
    const char *log_path; /* --log; "-" is stderr */
    bool quiet;           /* --quiet: no line on stderr per refusal */
};

/* Parse `moat run` arguments (argv[0] is "run").  0, 1 for --help or
 * --version (printed), or -EINVAL with err filled. */
int options_parse_run(int argc, char **argv, struct run_options *o, struct moat_error *err);
void options_free(struct run_options *o);
void options_print_run_help(void);

#endif
