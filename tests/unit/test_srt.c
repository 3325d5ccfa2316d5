/* Unit tests for the srt settings loader (src/policy/load_srt*.c, srt_command.c): srt's
 * schema (required keys, types, its domain patterns and path entries) accepted and refused as
 * srt does; every key of srt 0.0.83 either changing the moat policy, noted, warned about or
 * refused (nothing silently ignored); the mapping of each onto the policy; srt's quoting and
 * proxy user name.  Run from the top of the tree; uses a temporary $HOME. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/model.h"
#include "policy/srt/srt.h"
#include "unit.h"

static struct moat_srt_settings st;
/* The loaded policy (it is a new one after every load). */
#define P (st.policy)
static struct moat_error err;
static char home[64];

#define NET_MIN "\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]}"
#define FS_MIN "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]}"

/* Load `json` as "s.json" from /home/u/proj; 0 or the error. */
static int load(const char *json)
{
    srt_settings_release(&st);
    err = (struct moat_error){0};
    return srt_settings_load(&st, json, strlen(json), "s.json", "/home/u/proj", NULL, &err);
}

static const char *load_msg(const char *json)
{
    return load(json) == 0 ? "OK" : err.msg;
}

/* Settings with these network keys added (a JSON fragment, or ""). */
static int load_net(const char *net)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]%s%s}," FS_MIN "}",
             *net ? "," : "", net);
    return load(buf);
}

static int load_fs(const char *fs)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]"
             "%s%s}}", *fs ? "," : "", fs);
    return load(buf);
}


static bool in_lines(const struct moat_strv *sv, const char *needle)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strstr(sv->v[i], needle))
            return true;
    return false;
}


static bool is_dir(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0 && S_ISDIR(s.st_mode);
}

/* ---- the schema's shape -------------------------------------------------------------- */

TEST(minimal_settings_are_srt_defaults)
{
    CHECK_INT(load(MOAT_SRT_DEFAULT_SETTINGS), 0);
    CHECK_INT(P->net.mode, MOAT_NET_NONE);
    CHECK_INT(P->net.allow.n, 0);
    CHECK_INT(P->fs.read_model, MOAT_READ_ALL);
    CHECK_INT(P->fs.deny_read.n, 0);
    CHECK(P->fs.protect_defaults); /* srt's mandatory deny list, and more */
    CHECK(!P->net.allow_local_binding && !P->net.allow_unix_sockets);
    CHECK(strv_contains(&P->proc.pass_env, "*")); /* srt's command inherits the environment */
    CHECK(strv_contains(&P->proc.set_env, "SANDBOX_RUNTIME=1"));
    CHECK(strv_contains(&P->proc.set_env, is_dir("/tmp/claude") ? "TMPDIR=/tmp/claude" : "TMPDIR=/tmp"));
    CHECK(!in_lines(&P->proc.set_env, "GIT_CONFIG_PARAMETERS")); /* no proxy, no credential */
    CHECK_INT(st.policy->warnings.n, 0);
}

TEST(required_keys_types_and_unknown_keys)
{
    CHECK_HAS(load_msg("{" FS_MIN "}"), "s.json:1:1: $: missing required key \"network\"");
    CHECK_HAS(load_msg("{" NET_MIN "}"), "$: missing required key \"filesystem\"");
    CHECK_HAS(load_msg("{\"network\":{\"allowedDomains\":[]}," FS_MIN "}"),
              "$.network: missing required key \"deniedDomains\"");
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[]}}"),
              "$.filesystem: missing required key \"denyWrite\"");
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyWrite\":[],\"allowWrite\":[]}}"),
              "missing required key \"denyRead\"");
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"denyWrite\":[]}}"),
              "missing required key \"allowWrite\"");
    /* srt drops unknown keys silently; moat names them. */
    CHECK_HAS(load_msg("{" NET_MIN "," FS_MIN ",\"allowPtty\":true}"),
              "$.allowPtty: unknown key (did you mean \"allowPty\"?)");
    CHECK_INT(load_net("\"allowedDomain\":[\"a.com\"]"), -EINVAL);
    CHECK_HAS(err.msg, "$.network.allowedDomain: unknown key (did you mean \"allowedDomains\"?)");
    CHECK_HAS(load_msg("{" NET_MIN "," FS_MIN ",\"zzzz\":1}"), "unknown key (srt 0.0.83 has: ");
    CHECK_INT(load_net("\"allowLocalBinding\":\"true\""), -EINVAL);
    CHECK_HAS(err.msg, "$.network.allowLocalBinding: expected a boolean, got string");
    CHECK_INT(load_net("\"allowLocalBinding\":null"), -EINVAL);
    CHECK_HAS(err.msg, "expected a boolean, got null");
    CHECK_INT(load_net("\"httpProxyPort\":0"), -EINVAL);
    CHECK_HAS(err.msg, "$.network.httpProxyPort: 0 is out of range (1 to 65535)");
    CHECK_INT(load_net("\"httpProxyPort\":80.5"), -EINVAL);
    CHECK_HAS(err.msg, "expected an integer, got 80.5");
    CHECK_INT(load_net("\"httpProxyPort\":8080.0"), 0); /* a JavaScript integer */
    CHECK_HAS(load_msg("[]"), "$: expected an object, got array");
    CHECK_HAS(load_msg("{\"network\": 1,"), "s.json:1:");
    CHECK_HAS(load_msg("{" NET_MIN "," FS_MIN ",\"mandatoryDenySearchDepth\":11}"),
              "11 is out of range (1 to 10)");
    CHECK_HAS(load_msg("{" NET_MIN "," FS_MIN ",\"network\":{}}"), "duplicate key");
    CHECK_INT(load("{\"$schema\":\"x\"," NET_MIN "," FS_MIN "}"), 0);
}

/* ---- every key of srt 0.0.83: an effect, a note, a warning or a refusal ------------- */

enum outcome { EFFECT, NOTE, WARN, REFUSE };

static const struct {
    const char *json; /* a settings document with the key */
    const char *path; /* the key's JSON path, as messages name it */
    enum outcome what;
} every_key[] = {
#define WITH_NET(frag) "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]," frag "}," FS_MIN "}"
#define WITH_FS(frag) "{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]," frag "}}"
#define WITH_TOP(frag) "{" NET_MIN "," FS_MIN "," frag "}"
    {"{\"network\":{\"allowedDomains\":[\"a.example.com\"],\"deniedDomains\":[]}," FS_MIN "}",
     "$.network.allowedDomains", EFFECT},
    {"{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[\"b.example.com\"]}," FS_MIN "}",
     "$.network.deniedDomains", EFFECT},
    {WITH_NET("\"deniedDomainReasons\":{\"b.example.com\":\"no\"}"),
     "$.network.deniedDomainReasons", WARN},
    {WITH_NET("\"deniedResolvedAddresses\":[\"10.0.0.0/8\"]"),
     "$.network.deniedResolvedAddresses", EFFECT},
    {WITH_NET("\"allowUnixSockets\":[\"/run/x.sock\"]"), "$.network.allowUnixSockets", EFFECT},
    {WITH_NET("\"allowAllUnixSockets\":true"), "$.network.allowAllUnixSockets", EFFECT},
    {WITH_NET("\"allowLocalBinding\":true"), "$.network.allowLocalBinding", EFFECT},
    {WITH_NET("\"allowMachLookup\":[\"com.example.*\"]"), "$.network.allowMachLookup", NOTE},
    {WITH_NET("\"httpProxyPort\":8888"), "$.network.httpProxyPort", EFFECT},
    {WITH_NET("\"socksProxyPort\":1081"), "$.network.socksProxyPort", EFFECT},
    {WITH_NET("\"mitmProxy\":{\"socketPath\":\"/s\",\"domains\":[\"a.com\"]}"),
     "$.network.mitmProxy", REFUSE},
    {WITH_NET("\"filterRequest\":{}"), "$.network.filterRequest", REFUSE},
    {WITH_NET("\"allowPlaintextHeaderSet\":true"), "$.network.allowPlaintextHeaderSet", NOTE},
    {WITH_NET("\"stripResponseHeaders\":[\"set-cookie\"]"), "$.network.stripResponseHeaders",
     REFUSE},
    {WITH_NET("\"refuseOpaqueTunnels\":true"), "$.network.refuseOpaqueTunnels", REFUSE},
    {WITH_NET("\"requireHostMatch\":true"), "$.network.requireHostMatch", WARN},
    {WITH_NET("\"ambiguousRequestTarget\":\"refuse\""), "$.network.ambiguousRequestTarget",
     NOTE},
    {WITH_NET("\"tlsTerminate\":{}"), "$.network.tlsTerminate", REFUSE},
    {WITH_NET("\"parentProxy\":{\"http\":\"http://p:1\"}"), "$.network.parentProxy", REFUSE},
    {WITH_FS("\"disabled\":true"), "$.filesystem.disabled", REFUSE},
    {"{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"~/.ssh\"],\"allowWrite\":[],\"denyWrite\":[]}}",
     "$.filesystem.denyRead", EFFECT},
    {WITH_FS("\"allowRead\":[\"~/.ssh/known_hosts\"]"), "$.filesystem.allowRead", EFFECT},
    {"{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\".\"],\"denyWrite\":[]}}",
     "$.filesystem.allowWrite", EFFECT},
    {"{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[\".env\"]}}",
     "$.filesystem.denyWrite", EFFECT},
    {WITH_FS("\"allowGitConfig\":true"), "$.filesystem.allowGitConfig", EFFECT},
    {WITH_TOP("\"credentials\":{\"files\":[{\"path\":\"~/.aws\",\"mode\":\"deny\"}]}"),
     "$.credentials.files", EFFECT},
    {WITH_TOP("\"credentials\":{\"envVars\":[{\"name\":\"TOKEN\",\"mode\":\"mask\"}]}"),
     "$.credentials.envVars[0].mode", REFUSE},
    {WITH_TOP("\"credentials\":{\"allowPlaintextInject\":true}"),
     "$.credentials.allowPlaintextInject", NOTE},
    {WITH_TOP("\"credentials\":{\"awsPairs\":[{\"accessKeyIdVar\":\"A\","
              "\"secretAccessKeyVar\":\"B\"}]}"), "$.credentials.awsPairs[0]", REFUSE},
    {WITH_TOP("\"credentials\":{\"sigv4\":{\"streaming\":\"deny\"}}"), "$.credentials.sigv4",
     NOTE},
    {WITH_TOP("\"ignoreViolations\":{\"*\":[\"/usr/bin\"]}"), "$.ignoreViolations", NOTE},
    {WITH_TOP("\"enableWeakerNestedSandbox\":true"), "$.enableWeakerNestedSandbox", NOTE},
    {WITH_TOP("\"allowNestedUserNamespaces\":true"), "$.allowNestedUserNamespaces", EFFECT},
    {WITH_TOP("\"enableWeakerNetworkIsolation\":true"), "$.enableWeakerNetworkIsolation", NOTE},
    {WITH_TOP("\"allowAppleEvents\":true"), "$.allowAppleEvents", NOTE},
    {WITH_TOP("\"ripgrep\":{\"command\":\"rg\",\"args\":[\"-u\"],\"argv0\":\"rg\"}"),
     "$.ripgrep", NOTE},
    {WITH_TOP("\"mandatoryDenySearchDepth\":5"), "$.mandatoryDenySearchDepth", NOTE},
    {WITH_TOP("\"allowPty\":true"), "$.allowPty", NOTE},
    {WITH_TOP("\"seccomp\":{\"applyPath\":\"/x\",\"argv0\":\"y\"}"), "$.seccomp", NOTE},
    {WITH_TOP("\"bwrapPath\":\"/usr/bin/bwrap\""), "$.bwrapPath", NOTE},
    {WITH_TOP("\"socatPath\":\"/usr/bin/socat\""), "$.socatPath", NOTE},
    {WITH_TOP("\"javaAgentJarPath\":\"/opt/a.jar\""), "$.javaAgentJarPath", NOTE},
    {WITH_TOP("\"windows\":{\"backend\":\"mxc\",\"sandboxUser\":\"u\","
              "\"sublayerGuid\":\"123e4567-e89b-12d3-a456-426614174000\","
              "\"proxyPortRange\":[60080,60089],\"srtWin\":{\"path\":\"x\"}}"),
     "$.windows", NOTE},
    {WITH_TOP("\"git\":{\"safeDirectories\":[\"/repo\"]}"), "$.git.safeDirectories", EFFECT},
    {WITH_TOP("\"moat\":{\"networkMode\":\"firewall\"}"), "$.moat.networkMode", EFFECT},
};

TEST(every_key_has_an_effect_a_note_a_warning_or_a_refusal)
{
    CHECK_INT(load(MOAT_SRT_DEFAULT_SETTINGS), 0);
    char *base = moat_policy_to_json(st.policy);
    for (size_t i = 0; i < sizeof every_key / sizeof every_key[0]; i++) {
        int r = load(every_key[i].json);
        char *json = r == 0 ? moat_policy_to_json(st.policy) : NULL;
        bool ok = false;
        switch (every_key[i].what) {
        case EFFECT:
            /* moat.networkMode needs an allowed host to show: checked below. */
            ok = r == 0 && (strcmp(json, base) != 0 || strstr(every_key[i].path, "moat"));
            break;
        case NOTE:
            ok = r == 0 && in_lines(&st.notes, every_key[i].path) && st.policy->warnings.n == 0;
            break;
        case WARN:
            ok = r == 0 && in_lines(&st.policy->warnings, every_key[i].path);
            break;
        case REFUSE:
            ok = r == -EINVAL && strstr(err.msg, every_key[i].path) &&
                 (strstr(err.msg, "not supported") || strstr(err.msg, "refused"));
            break;
        }
        if (!ok) {
            fprintf(stderr, "  FAIL: %s (r=%d: %s)\n", every_key[i].path, r, r ? err.msg : "");
            unit_current_failed = 1;
        }
        free(json);
    }
    free(base);
}

/* ---- network ------------------------------------------------------------------------- */

/* As in moat's own format: "$HOME" is not expanded, so it is refused. */
TEST(variables_in_paths_as_in_moats_format)
{
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"$HOME/.ssh\"],"
                       "\"allowWrite\":[],\"denyWrite\":[]}}"),
              "\"$HOME/.ssh\": moat does not expand variables");
    CHECK_INT(load("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"/mnt/c/$Recycle.Bin\"],"
                   "\"allowWrite\":[],\"denyWrite\":[]}}"),
              0);
}

TEST(domain_patterns_as_srt_validates_them)
{
    static const char *const good[] = {
        "example.com", "*.github.com", "api.example.com:443", "*.npmjs.org:8443",
        "[::1]:8080", "[2001:db8::1]", "[2001:db8::1]:443", "198.51.100.7", "a.b.c.d.example",
        "localhost:5432", "sub.localhost:80",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char frag[200];
        snprintf(frag, sizeof frag, "\"allowedDomains\":[\"%s\"]", good[i]);
        char buf[600];
        snprintf(buf, sizeof buf, "{\"network\":{%s,\"deniedDomains\":[]}," FS_MIN "}", frag);
        if (load(buf) != 0) {
            fprintf(stderr, "  FAIL: %s refused: %s\n", good[i], err.msg);
            unit_current_failed = 1;
        }
    }
    static const char *const bad[] = {
        "*.com", "*", "example.*", "http://example.com", "example.com/x", "::1",
        "2001:db8::1:443", "[::1]:0", "[::1]:65536", "[::1]junk", "example", ".example.com",
        "example.com.", "*.example.com:99999", "example.com:080", "*.", "a.*.example.com",
        "[example.com]", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char buf[600];
        snprintf(buf, sizeof buf,
                 "{\"network\":{\"allowedDomains\":[\"%s\"],\"deniedDomains\":[]}," FS_MIN "}",
                 bad[i]);
        if (load(buf) != -EINVAL || !strstr(err.msg, "$.network.allowedDomains[0]")) {
            fprintf(stderr, "  FAIL: %s accepted or misplaced: %s\n", bad[i], err.msg);
            unit_current_failed = 1;
        }
    }
    /* In deniedDomains a bare "*" denies every host, "*:22" every host on port 22. */
    CHECK_INT(load("{\"network\":{\"allowedDomains\":[\"a.com\"],\"deniedDomains\":[\"*:22\","
                   "\"*\"]}," FS_MIN "}"), 0);
    CHECK(strv_contains(&st.policy->net.deny, "*:22") && strv_contains(&st.policy->net.deny, "*"));
    CHECK_HAS(load_msg("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[\"*.com\"]}," FS_MIN
                       "}"), "$.network.deniedDomains[0]: invalid domain pattern");
}

TEST(allowed_domains_make_proxy_mode_with_srt_environment)
{
    CHECK_INT(load("{\"network\":{\"allowedDomains\":[\"example.com\",\"*.github.com:443\","
                   "\"[2001:db8::1]:443\",\"198.51.100.7\"],\"deniedDomains\":[\"bad.example.com\"]},"
                   FS_MIN "}"), 0);
    CHECK_INT(P->net.mode, MOAT_NET_PROXY);
    CHECK(strv_contains(&P->net.allow, "example.com") && strv_contains(&P->net.allow, "*.github.com:443") &&
          strv_contains(&P->net.allow, "[2001:db8::1]:443") && strv_contains(&P->net.allow, "198.51.100.7"));
    CHECK(strv_contains(&P->net.deny, "bad.example.com"));
    CHECK(strv_contains(&P->proc.set_env, "GIT_CONFIG_PARAMETERS='http.proxyAuthMethod=basic'"));
    /* A zone id is dropped, as srt drops it. */
    CHECK_INT(load("{\"network\":{\"allowedDomains\":[\"[2001:db8::1%eth0]\"],"
                   "\"deniedDomains\":[]}," FS_MIN "}"), 0);
    CHECK(strv_contains(&st.policy->net.allow, "2001:db8::1"));
    /* moat's own key: firewall mode, which srt's settings cannot say. */
    CHECK_INT(load("{\"network\":{\"allowedDomains\":[\"a.com\"],\"deniedDomains\":[]}," FS_MIN
                   ",\"moat\":{\"networkMode\":\"firewall\"}}"), 0);
    CHECK_INT(st.policy->net.mode, MOAT_NET_FIREWALL);
    CHECK_HAS(load_msg(WITH_TOP("\"moat\":{\"networkMode\":\"host\"}")),
              "$.moat.networkMode: expected \"proxy\"");
}

TEST(loopback_destinations_become_host_ports_or_are_left_out)
{
    CHECK_INT(load("{\"network\":{\"allowedDomains\":[\"localhost:5432\",\"[::1]:8080\","
                   "\"127.0.0.1:9000\",\"localhost\",\"a.com\"],\"deniedDomains\":[]}," FS_MIN
                   "}"), 0);
    CHECK_INT(P->net.n_host_ports, 3);
    CHECK(!strv_contains(&P->net.allow, "localhost") && !strv_contains(&P->net.allow, "localhost:5432"));
    CHECK(in_lines(&st.notes, "$.network.allowedDomains[0]: the host's loopback port 5432"));
    CHECK(in_lines(&st.policy->warnings, "$.network.allowedDomains[3]: left out"));
    /* A host port may not take the place of one of moat's own listeners. */
    CHECK_HAS(load_msg("{\"network\":{\"allowedDomains\":[\"localhost:3128\",\"a.com\"],"
                       "\"deniedDomains\":[]}," FS_MIN "}"),
              "port 3128 would take the place of one of moat's own services");
    /* ... which only exist when moat's proxy runs. */
    CHECK_INT(load("{\"network\":{\"allowedDomains\":[\"localhost:3128\"],"
                   "\"deniedDomains\":[]}," FS_MIN "}"), 0);
    CHECK_INT(st.policy->net.mode, MOAT_NET_NONE);
}

TEST(local_binding_unix_sockets_and_resolved_addresses)
{
    CHECK_INT(load_net("\"allowLocalBinding\":true,\"allowUnixSockets\":[\"/var/run/docker.sock\","
                       "\"run/app.sock\",\"~/.ssh/agent\"]"), 0);
    CHECK(P->net.allow_local_binding);
    CHECK(strv_contains(&P->net.unix_sockets, "/var/run/docker.sock"));
    CHECK(strv_contains(&P->net.unix_sockets, "/home/u/proj/run/app.sock")); /* srt: relative to cwd */
    char agent[128];
    snprintf(agent, sizeof agent, "%s/.ssh/agent", home);
    CHECK(strv_contains(&P->net.unix_sockets, agent));
    CHECK(!P->net.allow_unix_sockets);
    /* allowAllUnixSockets switches filtering off, list or not. */
    CHECK_INT(load_net("\"allowUnixSockets\":[\"/a.sock\"],\"allowAllUnixSockets\":true"), 0);
    CHECK(st.policy->net.allow_unix_sockets && st.policy->net.unix_sockets.n == 0);
    CHECK(in_lines(&st.notes, "superseded by allowAllUnixSockets"));
    CHECK_INT(load_net("\"deniedResolvedAddresses\":[\"10.0.0.0/8\",\"fc00::/7\","
                       "\"169.254.169.254\"]"), 0);
    CHECK(strv_contains(&st.policy->net.deny, "10.0.0.0/8") && strv_contains(&st.policy->net.deny, "fc00::/7"));
    CHECK_HAS(load_msg(WITH_NET("\"deniedResolvedAddresses\":[\"example.com\"]")),
              "$.network.deniedResolvedAddresses[0]: invalid IP address or CIDR range");
}

TEST(external_proxies_are_host_ports_with_their_variables)
{
    CHECK_INT(load_net("\"httpProxyPort\":8888,\"socksProxyPort\":1081"), 0);
    CHECK_INT(P->net.mode, MOAT_NET_NONE);
    CHECK_INT(P->net.n_host_ports, 2);
    CHECK(strv_contains(&P->proc.set_env, "HTTPS_PROXY=http://127.0.0.1:8888"));
    CHECK(strv_contains(&P->proc.set_env, "ALL_PROXY=socks5h://127.0.0.1:1081"));
    CHECK(strv_contains(&P->proc.set_env, "NO_PROXY=localhost,127.0.0.1,::1"));
}

TEST(refused_network_keys_say_why)
{
    CHECK_HAS(load_msg(WITH_NET("\"tlsTerminate\":{\"caCertPath\":\"/c\",\"caKeyPath\":\"/k\"}")),
              "s.json:1:52: $.network.tlsTerminate: not supported: moat does not terminate TLS");
    CHECK_HAS(load_msg(WITH_NET("\"parentProxy\":{}")), "cannot chain through an upstream");
    CHECK_HAS(load_msg(WITH_NET("\"filterRequest\":\"x\"")), "a library callback");
    CHECK_INT(load_net("\"refuseOpaqueTunnels\":false,\"stripResponseHeaders\":[]"), 0);
    CHECK_HAS(load_msg(WITH_NET("\"allowMachLookup\":[\"a*b\"]")), "single trailing \"*\"");
    CHECK_HAS(load_msg(WITH_NET("\"ambiguousRequestTarget\":\"never\"")), "expected \"refuse\"");
    CHECK_HAS(load_msg(WITH_NET("\"deniedDomainReasons\":{\"a.com\":\"\"}")),
              "$.network.deniedDomainReasons[\"a.com\"]: must not be empty");
}

/* ---- filesystem ---------------------------------------------------------------------- */

TEST(paths_resolve_against_the_working_directory)
{
    CHECK_INT(load_fs("\"allowRead\":[\"./lib/../data/\"]"), 0);
    CHECK(strv_contains(&st.policy->fs.allow_read, "/home/u/proj/data"));
    CHECK_INT(load("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"~/.ssh\",{\"path\":\"/x/[a]*\","
                   "\"literal\":true}],\"allowWrite\":[\".\",\"/srv/out/**\"],"
                   "\"denyWrite\":[\"./.env\"]}}"), 0);
    char ssh[128];
    snprintf(ssh, sizeof ssh, "%s/.ssh", home);
    CHECK(strv_contains(&P->fs.deny_read, ssh));
    CHECK(strv_contains(&P->fs.deny_read, "/x/[a]*")); /* literal: never a pattern */
    CHECK(strv_contains(&P->fs.allow_write, "/home/u/proj"));
    CHECK(strv_contains(&P->fs.allow_write, "/srv/out")); /* srt drops a trailing slash-star-star */
    CHECK(strv_contains(&P->fs.deny_write, "/home/u/proj/.env"));
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"\"],\"allowWrite\":[],"
                       "\"denyWrite\":[]}}"), "$.filesystem.denyRead[0]: Path cannot be empty");
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[{\"path\":\"/x\"}],"
                       "\"allowWrite\":[],\"denyWrite\":[]}}"),
              "expected a path, or { \"path\": \"<path>\", \"literal\": true }");
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[{\"path\":\"/x\","
                       "\"literal\":false}],\"allowWrite\":[],\"denyWrite\":[]}}"),
              "expected a path, or");
    /* srt refuses a rooted deny glob that ends in a separator: it matches nothing. */
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"/x/*/\"],"
                       "\"allowWrite\":[],\"denyWrite\":[]}}"), "ends in a separator");
    /* moat's own check, after mapping: the whole host writable. */
    CHECK_HAS(load_msg("{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\"/\"],"
                       "\"denyWrite\":[]}}"), "\"/\" would make the host writable");
}

TEST(patterns_are_expanded_for_reads_and_kept_for_names)
{
    char dir[] = "/tmp/moat-srt-unit.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char a[128], b[128], c[128];
    snprintf(a, sizeof a, "%s/a.pem", dir);
    snprintf(b, sizeof b, "%s/b.pem", dir);
    snprintf(c, sizeof c, "%s/c.txt", dir);
    fclose(fopen(a, "w"));
    fclose(fopen(b, "w"));
    fclose(fopen(c, "w"));
    char json[1024];
    snprintf(json, sizeof json, "{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"%s/*.pem\"],"
             "\"allowWrite\":[],\"denyWrite\":[\"**/.env\"]}}", dir);
    CHECK_INT(load(json), 0);
    CHECK(strv_contains(&st.policy->fs.deny_read, a) && strv_contains(&st.policy->fs.deny_read, b));
    CHECK(!strv_contains(&st.policy->fs.deny_read, c));
    CHECK(in_lines(&st.notes, "pattern expanded to the 2 existing paths"));
    CHECK(strv_contains(&st.policy->fs.protect, ".env")); /* any depth: stronger than srt, which drops it */
    /* A recursive read pattern would mean walking the tree on every run. */
    snprintf(json, sizeof json, "{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"%s/**/*.pem\"],"
             "\"allowWrite\":[],\"denyWrite\":[]}}", dir);
    CHECK_HAS(load_msg(json), "recursive patterns");
    /* Write patterns: srt drops them; moat drops an allow (nothing more writable) with a
     * warning and refuses a deny it cannot enforce. */
    snprintf(json, sizeof json, "{" NET_MIN ",\"filesystem\":{\"denyRead\":[],"
             "\"allowWrite\":[\"%s/*.txt\"],\"denyWrite\":[]}}", dir);
    CHECK_INT(load(json), 0);
    CHECK_INT(st.policy->fs.allow_write.n, 0);
    CHECK(in_lines(&st.policy->warnings, "$.filesystem.allowWrite[0]: left out"));
    snprintf(json, sizeof json, "{" NET_MIN ",\"filesystem\":{\"denyRead\":[],"
             "\"allowWrite\":[],\"denyWrite\":[\"%s/*.pem\"]}}", dir);
    CHECK_HAS(load_msg(json), "$.filesystem.denyWrite[0]: a write-deny pattern moat cannot");
    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
}

TEST(mandatory_denies_git_config_and_disabled)
{
    CHECK_INT(load_fs("\"allowGitConfig\":false"), 0);
    CHECK(!strv_contains(&st.policy->fs.unprotect, ".git/config"));
    CHECK_INT(load_fs("\"allowGitConfig\":true"), 0);
    CHECK(strv_contains(&st.policy->fs.unprotect, ".git/config"));
    CHECK(st.policy->fs.protect_defaults); /* .git/hooks stays protected */
    CHECK_HAS(load_msg(WITH_FS("\"disabled\":true")), "$.filesystem.disabled: true");
    CHECK_INT(load_fs("\"disabled\":false"), 0);
    /* denyRead "/": the nearest is the listed read model, with a warning. */
    CHECK_INT(load("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"/\"],\"allowRead\":[\"/opt\"],"
                   "\"allowWrite\":[],\"denyWrite\":[]}}"), 0);
    CHECK_INT(st.policy->fs.read_model, MOAT_READ_LISTED);
    CHECK(in_lines(&st.policy->warnings, "$.filesystem.denyRead[0]: \"/\": moat's listed read model"));
}

TEST(default_write_paths_exist_and_respect_read_denies)
{
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, "%s/.npm", home);
    mkdir(p1, 0700);
    snprintf(p1, sizeof p1, "%s/.npm/_logs", home);
    mkdir(p1, 0700);
    snprintf(p2, sizeof p2, "%s/.claude/debug", home);
    CHECK_INT(load(MOAT_SRT_DEFAULT_SETTINGS), 0);
    CHECK(strv_contains(&st.policy->fs.allow_write, p1));
    CHECK(!strv_contains(&st.policy->fs.allow_write, p2)); /* does not exist */
    CHECK(in_lines(&st.notes, "srt's default write paths that exist here"));
    /* Under a denyRead it stays out, unless an allowRead beneath the deny re-opens it. */
    CHECK_INT(load("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"~\"],\"allowWrite\":[],"
                   "\"denyWrite\":[]}}"), 0);
    CHECK(!strv_contains(&st.policy->fs.allow_write, p1));
    CHECK_INT(load("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"~\"],\"allowRead\":[\"~/.npm\"],"
                   "\"allowWrite\":[],\"denyWrite\":[]}}"), 0);
    CHECK(strv_contains(&st.policy->fs.allow_write, p1));
    /* TMPDIR follows srt's variables first. */
    setenv("CLAUDE_CODE_TMPDIR", "/work/tmp", 1);
    CHECK_INT(load(MOAT_SRT_DEFAULT_SETTINGS), 0);
    CHECK(strv_contains(&st.policy->proc.set_env, "TMPDIR=/work/tmp"));
    unsetenv("CLAUDE_CODE_TMPDIR");
    rmdir(p1);
    snprintf(p1, sizeof p1, "%s/.npm", home);
    rmdir(p1);
}

TEST(credentials_deny_is_enforced_mask_is_refused)
{
    CHECK_INT(load(WITH_TOP("\"credentials\":{\"files\":[{\"path\":\"~/.aws/credentials\","
                            "\"mode\":\"deny\",\"extract\":\"x(y)\"}],\"envVars\":[{\"name\":"
                            "\"GITHUB_TOKEN\",\"mode\":\"deny\"},{\"name\":\"AWS_SECRET\","
                            "\"mode\":\"deny\"}]}")), 0);
    char aws[128];
    snprintf(aws, sizeof aws, "%s/.aws/credentials", home);
    CHECK(strv_contains(&st.policy->fs.deny_read, aws));
    CHECK(strv_contains(&st.unset_env, "GITHUB_TOKEN") && strv_contains(&st.unset_env, "AWS_SECRET"));
    CHECK_HAS(load_msg(WITH_TOP("\"credentials\":{\"files\":[{\"path\":\"/k\",\"mode\":"
                                "\"mask\"}]}")),
              "$.credentials.files[0].mode: \"mask\" is not supported");
    CHECK_HAS(load_msg(WITH_TOP("\"credentials\":{\"envVars\":[{\"name\":\"1X\",\"mode\":"
                                "\"deny\"}]}")), "environment variable name must start");
    CHECK_HAS(load_msg(WITH_TOP("\"credentials\":{\"envVars\":[{\"name\":\"X\",\"mode\":"
                                "\"hide\"}]}")), "expected one of \"deny\", \"mask\"");
    CHECK_HAS(load_msg(WITH_TOP("\"credentials\":{\"files\":[{\"path\":\"/k\",\"mode\":"
                                "\"deny\",\"bogus\":1}]}")), "$.credentials.files[0].bogus");
    /* srt checks injectHosts against allowedDomains, deny entries included. */
    CHECK_HAS(load_msg("{\"network\":{\"allowedDomains\":[\"*.github.com\"],\"deniedDomains\":[]},"
                       FS_MIN ",\"credentials\":{\"envVars\":[{\"name\":\"T\",\"mode\":\"deny\","
                       "\"injectHosts\":[\"api.github.com\",\"evil.com\"]}]}}"),
              "$.credentials.envVars[0].injectHosts[1]: \"evil.com\" is not reachable");
}

TEST(git_safe_directories_as_srt_sets_them)
{
    unsetenv("GIT_CONFIG_COUNT");
    CHECK_INT(load(WITH_TOP("\"git\":{\"safeDirectories\":[\"/repo/\",\"/\"]}")), 0);
    const struct moat_strv *e = &st.policy->proc.set_env;
    CHECK(strv_contains(e, "GIT_CONFIG_COUNT=4"));
    CHECK(strv_contains(e, "GIT_CONFIG_KEY_0=safe.directory") && strv_contains(e, "GIT_CONFIG_VALUE_0=/repo"));
    CHECK(strv_contains(e, "GIT_CONFIG_VALUE_1=/repo/*") && strv_contains(e, "GIT_CONFIG_VALUE_2=/"));
    CHECK(strv_contains(e, "GIT_CONFIG_VALUE_3=/*"));
    setenv("GIT_CONFIG_COUNT", "2", 1); /* continued, not clobbered */
    CHECK_INT(load(WITH_TOP("\"git\":{\"safeDirectories\":[\"/r\"]}")), 0);
    CHECK(strv_contains(&st.policy->proc.set_env, "GIT_CONFIG_VALUE_2=/r"));
    CHECK(strv_contains(&st.policy->proc.set_env, "GIT_CONFIG_COUNT=4"));
    setenv("GIT_CONFIG_COUNT", "0", 1); /* an explicit opt-out */
    CHECK_INT(load(WITH_TOP("\"git\":{\"safeDirectories\":[\"/r\"]}")), 0);
    CHECK(!in_lines(&st.policy->proc.set_env, "GIT_CONFIG_KEY"));
    unsetenv("GIT_CONFIG_COUNT");
    CHECK_INT(load(WITH_TOP("\"git\":{\"safeDirectories\":[\"/1\",\"/2\",\"/3\",\"/4\",\"/5\","
                            "\"/6\",\"/7\",\"/8\",\"/9\"]}")), 0);
    CHECK(strv_contains(&st.policy->proc.set_env, "GIT_CONFIG_COUNT=1"));
    CHECK(strv_contains(&st.policy->proc.set_env, "GIT_CONFIG_VALUE_0=*"));
}

TEST(nested_namespaces_and_the_settings_file_itself)
{
    CHECK_INT(load(WITH_TOP("\"allowNestedUserNamespaces\":true")), 0);
    CHECK(st.policy->proc.allow_nested_namespaces);
    srt_settings_release(&st);
    const char *json = MOAT_SRT_DEFAULT_SETTINGS;
    CHECK_INT(srt_settings_load(&st, json, strlen(json), "s", "/w", "/home/u/.srt-settings.json",
                            &err), 0);
    CHECK_INT(st.policy->sources.n, 1);
    CHECK_STR(st.policy->sources.v[0], "/home/u/.srt-settings.json"); /* kept read-only */
    srt_settings_release(&st);
    CHECK_INT(srt_settings_load(&st, json, strlen(json), "s", "rel", NULL, &err), -EINVAL);
}

TEST(detect)
{
    const char *srt = "{\"network\":{\"allowedDomains\":[]}}";
    CHECK(moat_srt_detect(srt, strlen(srt)));
    const char *srt2 = "{\"ripgrep\":{}}";
    CHECK(moat_srt_detect(srt2, strlen(srt2)));
    const char *moat = "{\"network\":{\"mode\":\"proxy\",\"allow\":[\"a.com\"]},"
                       "\"filesystem\":{\"allowWrite\":[\".\"]}}";
    CHECK(!moat_srt_detect(moat, strlen(moat)));
    const char *mxc = "{\"version\":\"1.0.0\",\"process\":{\"commandLine\":\"x\"}}";
    CHECK(!moat_srt_detect(mxc, strlen(mxc)));
    CHECK(!moat_srt_detect("[1]", 3));
    CHECK(!moat_srt_detect("{", 1));
}

/* ---- the command ---------------------------------------------------------------------- */

static const char *quoted(char *const *argv)
{
    static char buf[512];
    char *q = moat_srt_quote(argv);
    snprintf(buf, sizeof buf, "%s", q ? q : "(null)");
    free(q);
    return buf;
}

TEST(quoting_keeps_each_argument_intact)
{
    CHECK_STR(quoted((char *[]){"echo", "hi", NULL}), "echo hi");
    CHECK_STR(quoted((char *[]){"printf", "%s|", "a b", "", NULL}), "printf '%s|' 'a b' ''");
    CHECK_STR(quoted((char *[]){"echo", "it's", NULL}), "echo 'it'\"'\"'s'");
    CHECK_STR(quoted((char *[]){"env", "A=b", "=x", "a=b", NULL}), "env A=b '=x' a=b");
    CHECK_STR(quoted((char *[]){"ls", "-la", "/tmp/x_y.z:1@2+3,4", NULL}),
              "ls -la /tmp/x_y.z:1@2+3,4");
    CHECK_STR(quoted((char *[]){"x", "$HOME", "a*", "!", "`id`", "a\nb", NULL}),
              "x '$HOME' 'a*' '!' '`id`' 'a\nb'");
    CHECK_STR(quoted((char *[]){NULL}), "");
}

TEST(proxy_user_names_the_command_as_srt_does)
{
    char u[256];
    CHECK_INT(moat_srt_proxy_user("curl http://x/", u, sizeof u), 0);
    CHECK_STR(u, "srt.Y3VybCBodHRwOi8veC8="); /* base64("curl http://x/") */
    CHECK_INT(moat_srt_proxy_user("", u, sizeof u), 0);
    CHECK_STR(u, "srt");
    /* The first 100 characters only. */
    char long_cmd[301], want_src[101];
    memset(long_cmd, 'a', 300);
    long_cmd[300] = '\0';
    memcpy(want_src, long_cmd, 100);
    want_src[100] = '\0';
    CHECK_INT(moat_srt_proxy_user(long_cmd, u, sizeof u), 0);
    CHECK_INT(strlen(u), 4 + 136);
    CHECK(strncmp(u, "srt.YWFh", 8) == 0);
    /* 100 three-byte characters: 400 base64 bytes, over the 255 a SOCKS5 user may have. */
    char wide[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(wide, "\xe2\x82\xac");
    CHECK_INT(moat_srt_proxy_user(wide, u, sizeof u), 0);
    CHECK_STR(u, "srt");
    /* A four-byte character at the cut: JavaScript keeps half of it, as U+FFFD. */
    char astral[120];
    memset(astral, 'a', 99);
    strcpy(astral + 99, "\xf0\x9f\x98\x80");
    CHECK_INT(moat_srt_proxy_user(astral, u, sizeof u), 0);
    CHECK(strstr(u, "77+9") != NULL); /* ...EF BF BD, base64 "77+9" at a 3-byte boundary */
    CHECK_INT(moat_srt_proxy_user("x", u, 4), -ENOSPC);
}

int main(void)
{
    snprintf(home, sizeof home, "/tmp/moat-srt-home.XXXXXX");
    if (!mkdtemp(home))
        return 1;
    setenv("HOME", home, 1);
    unsetenv("CLAUDE_CODE_TMPDIR");
    unsetenv("CLAUDE_TMPDIR");
    unsetenv("GIT_CONFIG_COUNT");
    RUN(minimal_settings_are_srt_defaults);
    RUN(required_keys_types_and_unknown_keys);
    RUN(every_key_has_an_effect_a_note_a_warning_or_a_refusal);
    RUN(variables_in_paths_as_in_moats_format);
    RUN(domain_patterns_as_srt_validates_them);
    RUN(allowed_domains_make_proxy_mode_with_srt_environment);
    RUN(loopback_destinations_become_host_ports_or_are_left_out);
    RUN(local_binding_unix_sockets_and_resolved_addresses);
    RUN(external_proxies_are_host_ports_with_their_variables);
    RUN(refused_network_keys_say_why);
    RUN(paths_resolve_against_the_working_directory);
    RUN(patterns_are_expanded_for_reads_and_kept_for_names);
    RUN(mandatory_denies_git_config_and_disabled);
    RUN(default_write_paths_exist_and_respect_read_denies);
    RUN(credentials_deny_is_enforced_mask_is_refused);
    RUN(git_safe_directories_as_srt_sets_them);
    RUN(nested_namespaces_and_the_settings_file_itself);
    RUN(detect);
    RUN(quoting_keeps_each_argument_intact);
    RUN(proxy_user_names_the_command_as_srt_does);
    srt_settings_release(&st);
    rmdir(home);
    return UNIT_DONE();
}
