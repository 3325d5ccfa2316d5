/* Builds the sandbox's filesystem view in the (new, private) mount namespace
 * and pivots into it: host / read-only, policy binds and masks, fresh /proc,
 * minimal /dev, private /tmp.  Runs in the sandbox init before the workload
 * exists; never creates or changes anything on the host. */
#ifndef MOAT_SANDBOX_MOUNT_TREE_H
#define MOAT_SANDBOX_MOUNT_TREE_H

#include "policy/model.h"
#include "sandbox/mount/fs_rules.h"

/* home: the caller's $HOME (for built-in protections), may be NULL.
 * resolv_conf: text to show as /etc/resolv.conf inside, or NULL.
 * cwd: the caller's working directory when the policy does not name one
 * (shown read-only in the private /tmp: policy_tmp_shows_cwd), or NULL.
 * rules: filled with the resolved rules for the write guard (the caller
 * frees it with fs_rules_free, also on failure). */
int mount_tree_build(const struct moat_policy *p, const char *home, const char *resolv_conf,
                     const char *cwd, struct fs_rules *rules, struct moat_error *err);

/* Landlock isolation: the same resolution and the same rules for the write
 * guard, in the host tree as it is (no mount namespace, nothing mounted);
 * rules->in_place is set and its deny_read and allow_read lists filled. */
int mount_tree_rules(const struct moat_policy *p, const char *home, struct fs_rules *rules,
                     struct moat_error *err);

#endif
