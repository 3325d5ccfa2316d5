/* The end of a process tree without a pid namespace (landlock isolation),
 * where no kernel rule kills what is left when the init exits. */
#ifndef MOAT_SANDBOX_TREE_H
#define MOAT_SANDBOX_TREE_H

/* Kill (SIGKILL) every descendant of the calling process and reap what
 * comes back to it, until none is left.  The caller must be a child
 * subreaper (PR_SET_CHILD_SUBREAPER), so that nothing below it can be
 * re-parented out of its reach.  The number of processes killed. */
int tree_kill_descendants(void);

#endif
