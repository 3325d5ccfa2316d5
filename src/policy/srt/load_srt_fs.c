/* srt's filesystem section and its credentials section: path entries
 * (strings, globs, {"path", "literal": true}) resolved against the working
 * directory as srt resolves them, mapped onto moat's denyRead, allowRead,
 * allowWrite, denyWrite and protect; srt's default write paths and the
 * environment it gives the command.  Touches the disk only to expand a
 * read pattern (glob(3), as srt expands them on Linux) and to see which of
 * srt's default write paths exist; never prints. */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/paths.h"
#include "policy/policy.h"
#include "policy/protected.h"
#include "policy/srt/srt.h"
#include "util/strv.h"

enum srt_list { L_DENY_READ, L_ALLOW_READ, L_ALLOW_WRITE, L_DENY_WRITE };

bool srt_has_glob(const char *text)
{
    return strpbrk(text, "*?[]") != NULL;
}

int srt_path_entry(struct srt_ctx *c, const json_t *v, const char **text, bool *literal)
{
    *literal = false;
    if (json_is_string(v)) {
        int r = srt_want_string(c, v, false);
        if (r == 0 && json_string_length(v) == 0)
            r = srt_fail(c, JSON_LOCATE_VALUE, "Path cannot be empty");
        *text = json_string_value(v);
        return r;
    }
    const json_t *path = json_object_get(v, "path"), *lit = json_object_get(v, "literal");
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_string(path) ||
        !json_is_true(lit))
        return srt_fail(c, JSON_LOCATE_VALUE,
                        "expected a path, or { \"path\": \"<path>\", \"literal\": true }");
    json_where_push_key(&c->w, "path");
    int r = srt_want_string(c, path, false);
    if (r == 0 && json_string_length(path) == 0)
        r = srt_fail(c, JSON_LOCATE_VALUE, "Path cannot be empty");
    json_where_pop(&c->w);
    *text = json_string_value(path);
    *literal = true;
    return r;
}

int srt_path_normalize(struct srt_ctx *c, const char *text, char **out)
{
    struct moat_error perr = {0};
    char msg[256];
    /* As in moat's own format: a "$HOME" would name a directory of that
     * name, and a denied path would then hide nothing. */
    enum path_variable var = path_variable_message(text, msg, sizeof msg);
    if (var == PATH_VAR_EXPECTED)
        return srt_fail(c, JSON_LOCATE_VALUE, "\"%.64s\": %s", text, msg);
    if (var == PATH_VAR_LITERAL && srt_warn(c, "\"%.64s\": %s", text, msg) < 0)
        return -ENOMEM;
    int r = path_normalize(text, c->cwd, out, &perr);
    if (r == -ENOMEM)
        return srt_oom(c);
    if (r < 0)
        return srt_fail(c, JSON_LOCATE_VALUE, "%s", perr.msg);
    return 0;
}

static struct moat_strv *list_of(struct srt_ctx *c, enum srt_list which)
{
    struct moat_policy *p = c->s->policy;
    switch (which) {
    case L_DENY_READ: return &p->fs.deny_read;
    case L_ALLOW_READ: return &p->fs.allow_read;
    case L_ALLOW_WRITE: return &p->fs.allow_write;
    case L_DENY_WRITE: return &p->fs.deny_write;
    }
    return &p->fs.deny_read;
}

static int push_path(struct srt_ctx *c, enum srt_list which, const char *text)
{
    char *norm = NULL;
    int r = srt_path_normalize(c, text, &norm);
    if (r < 0)
        return r;
    /* srt takes denyRead "/" as every child of "/" but /proc, /dev and /sys:
     * nearest in moat is the listed read model. */
    if (which == L_DENY_READ && strcmp(norm, "/") == 0) {
        free(norm);
        c->s->policy->fs.read_model = MOAT_READ_LISTED;
        return srt_warn(c, "\"/\": moat's listed read model, which keeps /usr, /bin, /sbin, "
                           "/lib* and /etc readable (srt hides them too unless allowRead "
                           "lists them)");
    }
    return strv_push_owned(list_of(c, which), norm) < 0 ? srt_oom(c) : 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* A read pattern: srt on Linux expands it when it wraps a command, against
 * the paths that exist then; so does moat, when the settings are read. */
static int expand_read_pattern(struct srt_ctx *c, enum srt_list which, const char *text)
{
    if (strstr(text, "**"))
        return srt_fail(c, JSON_LOCATE_VALUE,
                        "recursive patterns (\"**\" other than a trailing \"/**\") are not "
                        "expanded by moat: that means walking the tree on every run (srt's "
                        "10-second start in a large directory); list the paths or their "
                        "directories");
    char *pattern = NULL;
    int r = srt_path_normalize(c, text, &pattern);
    if (r < 0)
        return r;
    glob_t g = {0};
    int gr = glob(pattern, 0, NULL, &g);
    size_t n = gr == 0 ? g.gl_pathc : 0;
    for (size_t i = 0; i < n && r == 0; i++)
        if (!strv_contains(list_of(c, which), g.gl_pathv[i]))
            r = strv_push(list_of(c, which), g.gl_pathv[i]) < 0 ? srt_oom(c) : 0;
    globfree(&g);
    /* A directory may carry those characters in its own name: srt reads the
     * entry as that path too where it exists. */
    if (r == 0 && exists(pattern) && !strv_contains(list_of(c, which), pattern))
        r = strv_push(list_of(c, which), pattern) < 0 ? srt_oom(c) : 0;
    free(pattern);
    if (r == 0 && gr != 0 && gr != GLOB_NOMATCH)
        return srt_fail(c, JSON_LOCATE_VALUE, "cannot expand the pattern (%s)",
                        gr == GLOB_NOSPACE ? "out of memory" : "read error");
    return r < 0 ? r
                 : srt_note(c, "pattern expanded to the %zu existing path%s it matches now, as "
                               "srt expands it on Linux; paths made later are not covered",
                            n, n == 1 ? "" : "s");
}

/* "**" "/NAME": a name kept read-only at any depth (moat's protect). */
static const char *any_depth_name(const char *text)
{
    if (strncmp(text, "**/", 3) != 0)
        return NULL;
    const char *name = text + 3;
    return !srt_has_glob(name) && !protected_pattern_problem(name) ? name : NULL;
}

static int write_pattern(struct srt_ctx *c, enum srt_list which, const char *text)
{
    char *norm = NULL;
    int r = srt_path_normalize(c, text, &norm);
    if (r < 0)
        return r;
    bool literal_exists = exists(norm);
    free(norm);
    if (literal_exists) /* the name of a path, as srt also reads it */
        return push_path(c, which, text);
    if (which == L_ALLOW_WRITE)
        return srt_warn(c, "left out: a pattern, and write rules take paths (srt on Linux "
                           "drops it too, so nothing more becomes writable)");
    const char *name = any_depth_name(text);
    if (name) {
        if (strv_push(&c->s->policy->fs.protect, name) < 0)
            return srt_oom(c);
        return srt_note(c, "\"%s\" is kept read-only at any depth of every writable tree "
                           "(moat's protect; srt on Linux drops write-deny patterns)", name);
    }
    return srt_fail(c, JSON_LOCATE_VALUE,
                    "a write-deny pattern moat cannot enforce (srt on Linux drops it, leaving "
                    "what it matches writable); list the paths, or write \"**/NAME\" to keep "
                    "a name read-only at any depth");
}

/* srt refuses a rooted deny glob ending in a separator: as a pattern it
 * matches nothing, and a deny that matches nothing fails open. */
static int check_slashed_deny(struct srt_ctx *c, const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || text[n - 1] != '/' || !srt_has_glob(text) ||
        (text[0] != '/' && text[0] != '~'))
        return 0;
    return srt_fail(c, JSON_LOCATE_VALUE,
                    "deny glob \"%s\" ends in a separator, so as a pattern it can match no "
                    "path; drop the trailing \"/\", or add a \"**\" segment", text);
}

static int add_entry(struct srt_ctx *c, enum srt_list which, const json_t *e)
{
    const char *text;
    bool literal;
    int r = srt_path_entry(c, e, &text, &literal);
    if (r < 0)
        return r;
    if (literal)
        return push_path(c, which, text);
    if ((which == L_DENY_READ || which == L_DENY_WRITE) && (r = check_slashed_deny(c, text)) < 0)
        return r;
    /* srt's removeTrailingGlobSuffix: a trailing "/" "**" names the directory. */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text);
    size_t n = strlen(buf);
    if (n >= 3 && strcmp(buf + n - 3, "/**") == 0) {
        buf[n - 3] = '\0';
        if (!buf[0])
            snprintf(buf, sizeof buf, "/");
    }
    if (!srt_has_glob(buf))
        return push_path(c, which, buf);
    if (which == L_DENY_READ || which == L_ALLOW_READ)
        return expand_read_pattern(c, which, buf);
    return write_pattern(c, which, buf);
}

static enum srt_list current_list(const struct srt_ctx *c)
{
    const char *k = c->w.depth >= 1 && c->w.depth <= JSON_WHERE_MAX_DEPTH
                        ? c->w.path[c->w.depth - 1].key
                        : NULL;
    if (!k)
        return L_DENY_READ;
    return strcmp(k, "allowRead") == 0    ? L_ALLOW_READ
           : strcmp(k, "allowWrite") == 0 ? L_ALLOW_WRITE
           : strcmp(k, "denyWrite") == 0  ? L_DENY_WRITE
                                          : L_DENY_READ;
}

static int map_list(struct srt_ctx *c, const json_t *v)
{
    if (!json_is_array(v))
        return srt_fail(c, JSON_LOCATE_VALUE, "expected an array, got %s", json_where_kind(v));
    enum srt_list which = current_list(c);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        json_where_push_index(&c->w, i);
        int r = add_entry(c, which, e);
        json_where_pop(&c->w);
        if (r < 0)
            return r;
    }
    return 0;
}

static int map_disabled(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    if (r == 0 && json_is_true(v))
        return srt_fail(c, JSON_LOCATE_VALUE,
                        "true (no filesystem rules and no protections at all) is refused: moat "
                        "always confines the filesystem; list what the command may write in "
                        "allowWrite");
    return r;
}

static int map_git_config(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    if (r == 0)
        c->allow_git_config = json_is_true(v);
    return r;
}

int srt_map_filesystem(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"disabled", false, map_disabled},
        {"denyRead", true, map_list},
        {"allowRead", false, map_list},
        {"allowWrite", true, map_list},
        {"denyWrite", true, map_list},
        {"allowGitConfig", false, map_git_config},
        {NULL, false, NULL},
    };
    return srt_walk(c, v, keys);
}

/* ---- credentials: "deny" is enforced, "mask" is not supported ---------- */

static const char *const modes[] = {"deny", "mask", NULL};
static const char *const no_match[] = {"warn", "deny", "error", NULL};

static int want_enum(struct srt_ctx *c, const json_t *v, const char *const *names)
{
    int r = srt_want_string(c, v, false);
    if (r < 0)
        return r;
    for (const char *const *n = names; *n; n++)
        if (strcmp(*n, json_string_value(v)) == 0)
            return 0;
    char list[128] = "";
    size_t o = 0;
    for (const char *const *n = names; *n && o < sizeof list; n++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%s\"", n == names ? "" : ", ", *n);
    return srt_fail(c, JSON_LOCATE_VALUE, "expected one of %s", list);
}

static bool env_name_ok(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* The keys shared by file and variable entries; what only "mask" uses is
 * checked and, for "deny", inert in srt too. */
static int check_credential_key(struct srt_ctx *c, const json_t *v)
{
    const char *k = c->w.path[c->w.depth - 1].key;
    if (strcmp(k, "mode") == 0)
        return want_enum(c, v, modes);
    if (strcmp(k, "onExtractNoMatch") == 0)
        return want_enum(c, v, no_match);
    if (strcmp(k, "decode") == 0) {
        static const char *const jwt[] = {"jwt", NULL};
        return want_enum(c, v, jwt);
    }
    if (strcmp(k, "maskClaims") == 0)
        return srt_want_strings(c, v, true);
    if (strcmp(k, "injectHosts") == 0)
        return srt_want_strings(c, v, false);
    if (strcmp(k, "maskDuplicates") == 0)
        return srt_want_bool(c, v);
    if (strcmp(k, "name") == 0) {
        int r = srt_want_string(c, v, false);
        if (r == 0 && !env_name_ok(json_string_value(v)))
            r = srt_fail(c, JSON_LOCATE_VALUE, "an environment variable name must start with "
                         "a letter or underscore and contain only letters, digits and "
                         "underscores");
        return r;
    }
    if (strcmp(k, "path") == 0) {
        int r = srt_want_string(c, v, false);
        if (r == 0 && json_string_length(v) == 0)
            r = srt_fail(c, JSON_LOCATE_VALUE, "Path cannot be empty");
        return r;
    }
    return srt_want_string(c, v, false); /* extract: a regular expression, for "mask" only */
}

static const struct srt_key file_keys[] = {
    {"path", true, check_credential_key},
    {"mode", true, check_credential_key},
    {"extract", false, check_credential_key},
    {"onExtractNoMatch", false, check_credential_key},
    {"decode", false, check_credential_key},
    {"maskClaims", false, check_credential_key},
    {"maskDuplicates", false, check_credential_key},
    {"injectHosts", false, check_credential_key},
    {NULL, false, NULL},
};
static const struct srt_key var_keys[] = {
    {"name", true, check_credential_key},
    {"mode", true, check_credential_key},
    {"extract", false, check_credential_key},
    {"onExtractNoMatch", false, check_credential_key},
    {"decode", false, check_credential_key},
    {"maskClaims", false, check_credential_key},
    {"injectHosts", false, check_credential_key},
    {NULL, false, NULL},
};

static int refuse_mask(struct srt_ctx *c)
{
    json_where_push_key(&c->w, "mode");
    int r = srt_fail(c, JSON_LOCATE_VALUE,
                     "\"mask\" is not supported: moat does not substitute credentials in the "
                     "traffic it proxies (it does not terminate TLS); use \"deny\", which "
                     "keeps the credential from the command altogether");
    json_where_pop(&c->w);
    return r;
}

static int map_credential_file(struct srt_ctx *c, const json_t *e)
{
    int r = srt_walk(c, e, file_keys);
    if (r < 0)
        return r;
    if (strcmp(json_string_value(json_object_get(e, "mode")), "mask") == 0)
        return refuse_mask(c);
    json_where_push_key(&c->w, "path");
    r = add_entry(c, L_DENY_READ, json_object_get(e, "path"));
    json_where_pop(&c->w);
    return r;
}

static int map_credential_var(struct srt_ctx *c, const json_t *e)
{
    int r = srt_walk(c, e, var_keys);
    if (r < 0)
        return r;
    if (strcmp(json_string_value(json_object_get(e, "mode")), "mask") == 0)
        return refuse_mask(c);
    const char *name = json_string_value(json_object_get(e, "name"));
    if (!strv_contains(&c->s->unset_env, name) && strv_push(&c->s->unset_env, name) < 0)
        return srt_oom(c);
    return 0;
}

static int map_credential_files(struct srt_ctx *c, const json_t *v)
{
    return srt_want_array(c, v, map_credential_file);
}

static int map_credential_vars(struct srt_ctx *c, const json_t *v)
{
    return srt_want_array(c, v, map_credential_var);
}

static int map_plaintext_inject(struct srt_ctx *c, const json_t *v)
{
    int r = srt_want_bool(c, v);
    return r < 0 || !json_is_true(v)
               ? r
               : srt_note(c, "inert: it concerns masked credentials, which moat does not "
                             "support");
}

static int map_aws_pairs(struct srt_ctx *c, const json_t *v)
{
    if (!json_is_array(v))
        return srt_fail(c, JSON_LOCATE_VALUE, "expected an array, got %s", json_where_kind(v));
    if (json_array_size(v) == 0)
        return 0;
    json_where_push_index(&c->w, 0);
    int r = srt_fail(c, JSON_LOCATE_VALUE, "not supported: an AWS pair links masked credential variables for "
                     "SigV4 re-signing, which moat does not support");
    json_where_pop(&c->w);
    return r;
}

static int check_sigv4_key(struct srt_ctx *c, const json_t *v)
{
    static const char *const policies[] = {"deny", "passthrough", NULL};
    return want_enum(c, v, policies);
}

static int map_sigv4(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"streaming", false, check_sigv4_key},
        {"presigned", false, check_sigv4_key},
        {"sigv4a", false, check_sigv4_key},
        {NULL, false, NULL},
    };
    int r = srt_walk(c, v, keys);
    return r < 0 ? r
                 : srt_note(c, "inert: it concerns masked AWS credentials, which moat does "
                               "not support");
}

int srt_map_credentials(struct srt_ctx *c, const json_t *v)
{
    static const struct srt_key keys[] = {
        {"files", false, map_credential_files},
        {"envVars", false, map_credential_vars},
        {"allowPlaintextInject", false, map_plaintext_inject},
        {"awsPairs", false, map_aws_pairs},
        {"sigv4", false, map_sigv4},
        {NULL, false, NULL},
    };
    return srt_walk(c, v, keys);
}

/* ---- after the walk ---------------------------------------------------- */

static bool at_or_under(const char *path, const char *tree)
{
    size_t n = strlen(tree);
    if (n == 1 && tree[0] == '/')
        return true;
    return strncmp(path, tree, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* srt leaves a home convenience directory out when a denyRead entry covers
 * it and no allowRead entry beneath that deny re-opens it. */
static bool read_denied(const struct moat_policy *p, const char *path)
{
    for (size_t i = 0; i < p->fs.deny_read.n; i++) {
        const char *deny = p->fs.deny_read.v[i];
        if (!at_or_under(path, deny))
            continue;
        bool reopened = false;
        for (size_t j = 0; j < p->fs.allow_read.n && !reopened; j++)
            reopened = at_or_under(p->fs.allow_read.v[j], deny) &&
                       at_or_under(path, p->fs.allow_read.v[j]);
        if (!reopened)
            return true;
    }
    return false;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int srt_finish_filesystem(struct srt_ctx *c)
{
    struct moat_policy *p = c->s->policy;
    if (c->allow_git_config && strv_push(&p->fs.unprotect, ".git/config") < 0)
        return srt_oom(c);
    /* srt's default write paths, where they exist: its own temporary
     * directory and two home directories tools log to. */
    char added[1024] = "";
    size_t o = 0;
    const char *home = getenv("HOME");
    const char *const rel[] = {".npm/_logs", ".claude/debug"};
    for (size_t i = 0; i < 3; i++) {
        char path[4096];
        if (i == 0)
            snprintf(path, sizeof path, "/tmp/claude");
        else if (home && home[0] == '/')
            snprintf(path, sizeof path, "%s/%s", home, rel[i - 1]);
        else
            continue;
        if (!path_clean_absolute(path) || !is_dir(path) || read_denied(p, path) ||
            strv_contains(&p->fs.allow_write, path))
            continue;
        if (strv_push(&p->fs.allow_write, path) < 0)
            return srt_oom(c);
        o += (size_t)snprintf(added + o, sizeof added - o, "%s%s", o ? ", " : "", path);
    }
    /* TMPDIR as srt sets it, except that moat's /tmp is the command's own:
     * when /tmp/claude does not exist, /tmp is where temporary files go. */
    const char *tmpdir = getenv("CLAUDE_CODE_TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = getenv("CLAUDE_TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = is_dir("/tmp/claude") ? "/tmp/claude" : "/tmp";
    if (policy_set_env(p, "TMPDIR", tmpdir) < 0)
        return srt_oom(c);
    json_where_push_key(&c->w, "filesystem");
    json_where_push_key(&c->w, "allowWrite");
    int r = o ? srt_note(c, "also writable, as srt's default write paths that exist here: %s",
                         added)
              : 0;
    json_where_pop(&c->w);
    json_where_pop(&c->w);
    return r;
}
