/* Blanking argv/environ; see process_args.h.  Only ever run in the sandbox
 * init, after everything it needs has been copied. */
#include "sandbox/process/process_args.h"

#include <string.h>
#include <unistd.h>

#include "policy/model.h"

extern char **environ;

static int saved_argc;
static char **saved_argv;

void moat_set_process_args(int argc, char **argv)
{
    saved_argc = argc;
    saved_argv = argv;
}

void process_args_blank(void)
{
    for (int i = 0; i < saved_argc && saved_argv; i++)
        if (saved_argv[i])
            memset(saved_argv[i], 0, strlen(saved_argv[i]));
    for (char **e = environ; e && *e; e++)
        memset(*e, 0, strlen(*e));
}
