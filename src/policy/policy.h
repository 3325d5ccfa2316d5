/* The policy model's helpers shared by the loaders, the printer and the
 * CLI: copying, the set-or-replace merges, the rlimit and size vocabularies
 * and the per-string validity rules.  One place per fact: every producer of
 * a struct moat_policy (JSON file, CLI flags, later the peers' formats)
 * goes through these, so the rules cannot drift apart. */
#ifndef MOAT_POLICY_POLICY_H
#define MOAT_POLICY_POLICY_H

#include <stdint.h>

#include "policy/model.h"

/* Deep copy of src into dst (dst is overwritten, not freed).  On -ENOMEM dst
 * is left initialised-empty (safe to moat_policy_free). */
int policy_copy(struct moat_policy *dst, const struct moat_policy *src);

/* proc.set_env: replace NAME's entry if present (keeping its position),
 * else append "NAME=VALUE".  The name must pass policy_env_name_problem(). */
int policy_set_env(struct moat_policy *p, const char *name, const char *value);

/* proc.rlimits: replace the entry for `resource` if present, else append.
 * -E2BIG when the table is full (cannot happen with distinct resources). */
int policy_set_rlimit(struct moat_policy *p, int resource, uint64_t soft, uint64_t hard);

/* Append a port to an array such as p->net.expose / p->net.n_expose. */
int policy_add_port(uint16_t **ports, size_t *n, uint16_t port);

/* Resource-limit names as in the file format ("nofile" <-> RLIMIT_NOFILE). */
int policy_rlimit_resource(const char *name); /* RLIMIT_*, or -1 */
const char *policy_rlimit_name(int resource); /* NULL if not one we know */
extern const char *const policy_rlimit_names[]; /* NULL-terminated */

/* "1048576", "512K", "512M", "2G", "1T" (binary multiples, suffix either
 * case) -> bytes.  -EINVAL for anything else or 0, -ERANGE above INT64_MAX. */
int policy_parse_size(const char *s, uint64_t *out);

/* Validity rules for strings; each returns NULL when fine, else a short
 * description of the problem ("contains '='"). */
const char *policy_env_name_problem(const char *name);   /* process.env keys */
const char *policy_pass_env_problem(const char *pattern); /* "NAME" or "PREFIX_*" */
const char *policy_net_rule_problem(const char *rule);   /* network.allow / deny */

/* The candidate closest to `word` (case-insensitive edit distance with
 * transpositions) if it is close enough to be a likely typo, else NULL. */
const char *policy_suggest(const char *word, const char *const *candidates);

/* Upper bound on process.timeout, in seconds (about 31 years): keeps every
 * later conversion to nanoseconds or timespec well inside int64. */
#define POLICY_TIMEOUT_MAX 1e9

#endif
