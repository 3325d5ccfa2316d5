/* Where moat's own argv and environ strings live, so the sandbox init can
 * blank them in its copy of the memory (see moat_set_process_args). */
#ifndef MOAT_SANDBOX_PROCESS_ARGS_H
#define MOAT_SANDBOX_PROCESS_ARGS_H

void process_args_blank(void);

#endif
