/* The filesystem rules as resolved in the host tree when the sandbox was
 * built: what the mount builder found, handed to the write guard so that
 * both judge the same paths.  Every path is where the rule lands (symlinks
 * resolved), as the sandbox sees it. */
#ifndef MOAT_SANDBOX_FS_RULES_H
#define MOAT_SANDBOX_FS_RULES_H

#include "policy/model.h"

struct fs_rules {
    struct moat_strv writable;  /* allowWrite roots that exist, shared with the host */
    struct moat_strv read_only; /* kept read-only inside them, existing or not: denyWrite,
                                 * protections found at the roots, the policy file, PATH */
    struct moat_strv read_only_why; /* for each, the rule: "denyWrite", ".bashrc", "PATH" */
    struct moat_strv hidden;    /* denyRead paths */
    struct moat_strv grants;    /* allowWrite/allowRead paths that do not exist yet, inside them */
    char *home;                 /* $HOME, or NULL */
    /* Landlock isolation (no mount namespace): what Landlock itself needs,
     * and the fact that hidden data still lies at its path. */
    bool in_place;              /* denyRead data is not masked: the guard refuses any call on
                                 * a name within a hidden path, and attribute changes */
    struct moat_strv deny_read; /* every denyRead, where it lands */
    struct moat_strv allow_read; /* every allowRead that exists, where it lands */
    struct moat_strv scratch;   /* moat's own writable directories (the run's TMPDIR) */
};

void fs_rules_free(struct fs_rules *r);

#endif
