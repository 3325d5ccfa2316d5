/* `moat help [COMMAND]` and each subcommand's --help text (moat run's lives
 * in options.c, next to its flags).  Help goes to stdout with status 0, as
 * GNU tools do; only a usage error goes to stderr. */
#ifndef MOAT_CLI_HELP_H
#define MOAT_CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

/* The overview of every command. */
void help_usage(FILE *out);

/* COMMAND's help on out (moat run's always on stdout); false when there is
 * no such command. */
bool help_print(const char *command, FILE *out);

/* Is COMMAND one of moat's commands? */
bool help_known(const char *command);

/* `moat help [COMMAND]` (argv[0] is "help"): 0, or 125 for an unknown
 * command or too many arguments. */
int help_main(int argc, char **argv);

/* "--help" or "-h". */
bool help_is_flag(const char *arg);

#endif
