/* Unit tests for the policy file loader (src/policy/load_json.c and
 * load_format.c): valid files, and every class of invalid input with its
 * exact message, position and JSON path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/model.h"
#include "policy/policy.h"
#include "policy_fixtures.h"
#include "unit.h"

TEST(full_policy_loads)
{
    setenv("HOME", "/home/u", 1);
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, full_policy), 0);
    CHECK(p.sources.n == 0); /* from a string: no file to protect */
    CHECK_INT(p.fs.read_model, MOAT_READ_LISTED);
    CHECK_INT(p.fs.deny_read.n, 2);
    CHECK_STR(p.fs.deny_read.v[0], "/home/u/.ssh");
    CHECK_STR(p.fs.deny_read.v[1], "/etc/shadow");
    CHECK_STR(p.fs.allow_read.v[1], "/base/data");
    CHECK_STR(p.fs.allow_write.v[0], "/base");
    CHECK_STR(p.fs.allow_write.v[1], "/tmp/work");
    CHECK_STR(p.fs.deny_write.v[0], "/base/.env");
    CHECK(!p.fs.private_tmp && p.fs.protect_defaults);
    CHECK_INT(p.fs.unprotect.n, 2);
    CHECK_STR(p.fs.unprotect.v[1], ".bashrc");
    CHECK_INT(p.net.mode, MOAT_NET_PROXY);
    CHECK_INT(p.net.allow.n, 4);
    CHECK_STR(p.net.allow.v[2], "[2001:db8::1]:443");
    CHECK_STR(p.net.deny.v[0], "169.254.169.254");
    CHECK(p.net.allow_local_binding && !p.net.allow_unix_sockets);
    CHECK_INT(p.net.n_expose, 2);
    CHECK_INT(p.net.expose[0], 8080);
    CHECK_INT(p.net.expose[1], 3000);
    CHECK_INT(p.net.n_host_ports, 1);
    CHECK_INT(p.net.host_ports[0], 5432);
    CHECK_INT(p.proc.set_env.n, 3);
    CHECK_STR(p.proc.set_env.v[0], "LANG=C.UTF-8");
    CHECK_STR(p.proc.set_env.v[1], "EMPTY=");
    CHECK_STR(p.proc.set_env.v[2], "EQ=a=b");
    CHECK_STR(p.proc.pass_env.v[1], "LC_*");
    CHECK_STR(p.proc.cwd, "/base/src");
    CHECK(p.proc.timeout == 2.5);
    CHECK_INT(p.proc.n_rlimits, 4);
    CHECK_INT(p.proc.rlimits[0].resource, RLIMIT_NOFILE);
    CHECK(p.proc.rlimits[0].soft == 1024 && p.proc.rlimits[0].hard == 1024);
    CHECK_INT(p.proc.rlimits[1].resource, RLIMIT_CORE);
    CHECK(p.proc.rlimits[1].soft == 0 && p.proc.rlimits[1].hard == RLIM_INFINITY);
    CHECK(p.proc.rlimits[2].soft == RLIM_INFINITY && p.proc.rlimits[2].hard == RLIM_INFINITY);
    CHECK(p.proc.rlimits[3].soft == 30 && p.proc.rlimits[3].hard == 60);
    CHECK(p.proc.memory_max == 512ull << 20);
    CHECK(p.proc.pids_max == 64);
    CHECK(p.proc.allow_nested_namespaces);
    CHECK(p.proc.isolation == MOAT_ISOLATION_AUTO);
    CHECK_INT(moat_policy_finalize(&p, &err), 0);
    policy_release(&p);
}

TEST(unknown_keys_at_every_level)
{
    CHECK_STR(load_msg("{\"filesytem\": {}}"),
              "policy.json:1:2: $.filesytem: unknown key (did you mean \"filesystem\"?)");
    CHECK_STR(load_msg("{\n  \"filesystem\": {\n    \"allowWirte\": []\n  }\n}"),
              "policy.json:3:5: $.filesystem.allowWirte: unknown key (did you mean "
              "\"allowWrite\"?)");
    CHECK_STR(load_msg("{\"filesystem\": {\"AllowWrite\": []}}"),
              "policy.json:1:17: $.filesystem.AllowWrite: unknown key (did you mean "
              "\"allowWrite\"?)");
    CHECK_STR(load_msg("{\"network\": {\"mdoe\": \"none\"}}"),
              "policy.json:1:14: $.network.mdoe: unknown key (did you mean \"mode\"?)");
    CHECK_STR(load_msg("{\"process\": {\"timout\": 5}}"),
              "policy.json:1:14: $.process.timout: unknown key (did you mean \"timeout\"?)");
    CHECK_STR(load_msg("{\"whatever\": 1}"),
              "policy.json:1:2: $.whatever: unknown key (expected one of: $schema, "
              "filesystem, network, process)");
    CHECK_STR(load_msg("{\"network\": {\"proxy\": 1}}"),
              "policy.json:1:14: $.network.proxy: unknown key (expected one of: mode, allow, "
              "deny, allowLocalBinding, allowUnixSockets, expose, hostPorts)");
    CHECK_STR(load_msg("{\"filesystem\": {\"allow write\": []}}"),
              "policy.json:1:17: $.filesystem[\"allow write\"]: unknown key (did you mean "
              "\"allowWrite\"?)");
    CHECK_STR(load_msg("{\"filesystem\": {\"x y\": []}}"),
              "policy.json:1:17: $.filesystem[\"x y\"]: unknown key (expected one of: "
              "read, denyRead, allowRead, allowWrite, denyWrite, privateTmp, "
              "protectDefaults, unprotect, protect, tmpSize)");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": {\"soft\": 1, \"hrad\": 2}}}}"),
              "policy.json:1:48: $.process.rlimits.nofile.hrad: unknown key (did you mean "
              "\"hard\"?)");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofiles\": 5}}}"),
              "policy.json:1:26: $.process.rlimits.nofiles: unknown resource limit (did you "
              "mean \"nofile\"?)");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"files\": 5}}}"),
              "policy.json:1:26: $.process.rlimits.files: unknown resource limit (expected one "
              "of: as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, "
              "rss, rtprio, rttime, sigpending, stack)");
    /* a key spelled with escapes is found where it is written */
    CHECK_STR(load_msg("{\"\\u0066ilesystem\": {\"x\\\"y\": 1}}"),
              "policy.json:1:22: $.filesystem[\"x\\\"y\"]: unknown key (expected one of: "
              "read, denyRead, allowRead, allowWrite, denyWrite, privateTmp, "
              "protectDefaults, unprotect, protect, tmpSize)");
}

TEST(wrong_types)
{
    CHECK_STR(load_msg("[]"), "policy.json:1:1: $: expected an object, got array");
    CHECK_STR(load_msg("{\"$schema\": 1}"),
              "policy.json:1:13: $.$schema: expected a string, got number");
    CHECK_STR(load_msg("{\"filesystem\": []}"),
              "policy.json:1:16: $.filesystem: expected an object, got array");
    CHECK_STR(load_msg("{\"network\": \"none\"}"),
              "policy.json:1:13: $.network: expected an object, got string");
    CHECK_STR(load_msg("{\"process\": null}"),
              "policy.json:1:13: $.process: expected an object, got null");
    CHECK_STR(load_msg("{\"filesystem\": {\"read\": true}}"),
              "policy.json:1:25: $.filesystem.read: expected a string, got boolean");
    CHECK_STR(load_msg("{\"filesystem\": {\"allowWrite\": \".\"}}"),
              "policy.json:1:31: $.filesystem.allowWrite: expected an array, got string");
    CHECK_STR(load_msg("{\n  \"filesystem\": {\n    \"read\": \"all\",\n"
                       "    \"allowWrite\": [\".\", 42]\n  }\n}"),
              "policy.json:4:25: $.filesystem.allowWrite[1]: expected a string, got number");
    CHECK_STR(load_msg("{\"filesystem\": {\"privateTmp\": \"yes\"}}"),
              "policy.json:1:31: $.filesystem.privateTmp: expected a boolean, got string");
    CHECK_STR(load_msg("{\"filesystem\": {\"protectDefaults\": 1}}"),
              "policy.json:1:36: $.filesystem.protectDefaults: expected a boolean, got number");
    CHECK_STR(load_msg("{\"filesystem\": {\"unprotect\": [{}]}}"),
              "policy.json:1:31: $.filesystem.unprotect[0]: expected a string, got object");
    CHECK_STR(load_msg("{\"network\": {\"mode\": false}}"),
              "policy.json:1:22: $.network.mode: expected a string, got boolean");
    CHECK_STR(load_msg("{\"network\": {\"allow\": {}}}"),
              "policy.json:1:23: $.network.allow: expected an array, got object");
    CHECK_STR(load_msg("{\"network\": {\"deny\": [\"a\", null]}}"),
              "policy.json:1:28: $.network.deny[1]: expected a string, got null");
    CHECK_STR(load_msg("{\"network\": {\"allowLocalBinding\": \"true\"}}"),
              "policy.json:1:35: $.network.allowLocalBinding: expected a boolean, got string");
    CHECK_STR(load_msg("{\"network\": {\"allowUnixSockets\": null}}"),
              "policy.json:1:34: $.network.allowUnixSockets: expected a boolean or an array of "
              "socket paths, got null");
    CHECK_STR(load_msg("{\"network\": {\"expose\": 80}}"),
              "policy.json:1:24: $.network.expose: expected an array, got number");
    CHECK_STR(load_msg("{\"process\": {\"env\": [\"A=B\"]}}"),
              "policy.json:1:21: $.process.env: expected an object, got array");
    CHECK_STR(load_msg("{\"process\": {\"env\": {\"A\": 1}}}"),
              "policy.json:1:27: $.process.env.A: expected a string, got number");
    CHECK_STR(load_msg("{\"process\": {\"passEnv\": \"TERM\"}}"),
              "policy.json:1:25: $.process.passEnv: expected an array, got string");
    CHECK_STR(load_msg("{\"process\": {\"passEnv\": [true]}}"),
              "policy.json:1:26: $.process.passEnv[0]: expected a string, got boolean");
    CHECK_STR(load_msg("{\"process\": {\"cwd\": 1}}"),
              "policy.json:1:21: $.process.cwd: expected a string, got number");
    CHECK_STR(load_msg("{\"process\": {\"timeout\": \"5\"}}"),
              "policy.json:1:25: $.process.timeout: expected a number of seconds, got string");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": [1]}}"),
              "policy.json:1:25: $.process.rlimits: expected an object, got array");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": true}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: expected a number, \"unlimited\" or "
              "{\"soft\": ..., \"hard\": ...}, got boolean");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": 1.5}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: expected a number, \"unlimited\" or "
              "{\"soft\": ..., \"hard\": ...}, got 1.5");
    CHECK_STR(load_msg("{\"process\": {\"memoryMax\": true}}"),
              "policy.json:1:27: $.process.memoryMax: expected bytes (an integer) or a size "
              "such as \"512M\", got boolean");
    CHECK_STR(load_msg("{\"process\": {\"pidsMax\": \"64\"}}"),
              "policy.json:1:25: $.process.pidsMax: expected a positive integer, got string");
    CHECK_STR(load_msg("{\"process\": {\"pidsMax\": 6.4}}"),
              "policy.json:1:25: $.process.pidsMax: expected a positive integer, got 6.4");
    CHECK_STR(load_msg("{\"process\": {\"allowNestedNamespaces\": []}}"),
              "policy.json:1:39: $.process.allowNestedNamespaces: expected a boolean, got "
              "array");
    CHECK_STR(load_msg("{\"process\": {\"isolation\": \"chroot\"}}"),
              "policy.json:1:27: $.process.isolation: unknown isolation \"chroot\" (expected "
              "namespaces, landlock or auto)");
}

TEST(duplicate_keys)
{
    CHECK_STR(load_msg("{\n  \"network\": {\n    \"mode\": \"none\",\n    \"mode\": \"host\"\n"
                       "  }\n}\n"),
              "policy.json:4:5: duplicate key \"mode\"");
    CHECK_STR(load_msg("{\"process\": {}, \"process\": {}}"),
              "policy.json:1:17: duplicate key \"process\"");
    CHECK_STR(load_msg("{\"process\": {\"env\": {\"A\": \"1\", \"B\": \"2\", \"A\": \"3\"}}}"),
              "policy.json:1:42: duplicate key \"A\"");
    /* the same key spelled two ways is still a duplicate */
    CHECK_STR(load_msg("{\"mode\": 1, \"m\\u006fde\": 2}"),
              "policy.json:1:13: duplicate key \"m\\u006fde\"");
}

TEST(empty_and_nul_paths)
{
    CHECK_STR(load_msg("{\"filesystem\": {\"denyRead\": [\"\"]}}"),
              "policy.json:1:30: $.filesystem.denyRead[0]: empty path");
    CHECK_STR(load_msg("{\"filesystem\": {\"allowWrite\": [\"/ok\", \"/a\\u0000b\"]}}"),
              "policy.json:1:39: $.filesystem.allowWrite[1]: path contains a NUL byte");
    CHECK_STR(load_msg("{\"process\": {\"cwd\": \"\"}}"),
              "policy.json:1:21: $.process.cwd: empty path");
    CHECK_STR(load_msg("{\"process\": {\"cwd\": \"\\u0000\"}}"),
              "policy.json:1:21: $.process.cwd: path contains a NUL byte");
    CHECK_STR(load_msg("{\"process\": {\"env\": {\"A\": \"x\\u0000\"}}}"),
              "policy.json:1:27: $.process.env.A: value contains a NUL byte");
    CHECK_STR(load_msg("{\"network\": {\"allow\": [\"a\\u0000.com\"]}}"),
              "policy.json:1:24: $.network.allow[0]: rule contains a NUL byte");
    CHECK_STR(load_msg("{\"process\": {\"env\": {\"A\\u0000B\": \"x\"}}}"),
              "policy.json:1:22: object key contains a NUL byte");
    CHECK_STR(load_msg("{\"filesystem\": {\"denyRead\": [\"~no-such-user-moat/x\"]}}"),
              "policy.json:1:30: $.filesystem.denyRead[0]: no such user \"no-such-user-moat\"");
}

TEST(enums)
{
    CHECK_STR(load_msg("{\"network\": {\"mode\": \"proxyy\"}}"),
              "policy.json:1:22: $.network.mode: unknown mode \"proxyy\" (expected none, proxy, "
              "firewall or host)");
    CHECK_STR(load_msg("{\"network\": {\"mode\": \"None\"}}"),
              "policy.json:1:22: $.network.mode: unknown mode \"None\" (expected none, proxy, "
              "firewall or host)");
    CHECK_STR(load_msg("{\"filesystem\": {\"read\": \"some\"}}"),
              "policy.json:1:25: $.filesystem.read: unknown read model \"some\" (expected all "
              "or listed)");
    CHECK_STR(load_msg("{\"filesystem\": {\"unprotect\": [\".gitconfg\"]}}"),
              "policy.json:1:31: $.filesystem.unprotect[0]: unknown protection \".gitconfg\" "
              "(did you mean \".gitconfig\"?)");
    CHECK_STR(load_msg("{\"filesystem\": {\"unprotect\": [\"/etc\"]}}"),
              "policy.json:1:31: $.filesystem.unprotect[0]: unknown protection \"/etc\" "
              "(docs/policy.md lists the names)");
    /* a value with quotes and control characters is shown escaped */
    CHECK_STR(load_msg("{\"network\": {\"mode\": \"a\\\"b\\n\"}}"),
              "policy.json:1:22: $.network.mode: unknown mode \"a\\\"b\\u000a\" (expected none, "
              "proxy, firewall or host)");
    const char *modes[] = {"none", "proxy", "firewall", "host"};
    for (int i = 0; i < 4; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"network\": {\"mode\": \"%s\"}}", modes[i]);
        struct moat_policy p;
        policy_init(&p);
        CHECK_INT(load(&p, json), 0);
        CHECK_INT(p.net.mode, i);
        policy_release(&p);
    }
}

TEST(ports)
{
    CHECK_STR(load_msg("{\"network\": {\"expose\": [0]}}"),
              "policy.json:1:25: $.network.expose[0]: port 0 out of range (1-65535)");
    CHECK_STR(load_msg("{\"network\": {\"expose\": [80, 65536]}}"),
              "policy.json:1:29: $.network.expose[1]: port 65536 out of range (1-65535)");
    CHECK_STR(load_msg("{\"network\": {\"hostPorts\": [-1]}}"),
              "policy.json:1:28: $.network.hostPorts[0]: port -1 out of range (1-65535)");
    CHECK_STR(load_msg("{\"network\": {\"hostPorts\": [\"80\"]}}"),
              "policy.json:1:28: $.network.hostPorts[0]: expected an integer port, got string");
    CHECK_STR(load_msg("{\"network\": {\"hostPorts\": [80.5]}}"),
              "policy.json:1:28: $.network.hostPorts[0]: expected an integer port, got 80.5");
    CHECK_STR(load_msg("{\"network\": {\"expose\": [1, 65535]}}"), "OK");
}

TEST(strings_checked)
{
    CHECK_STR(load_msg("{\"network\": {\"allow\": [\"\"]}}"),
              "policy.json:1:24: $.network.allow[0]: empty rule");
    CHECK_STR(load_msg("{\"network\": {\"allow\": [\"a.com b.com\"]}}"),
              "policy.json:1:24: $.network.allow[0]: \"a.com b.com\": rule contains whitespace");
    CHECK_STR(load_msg("{\"network\": {\"deny\": [\"a.com\\u0007\"]}}"),
              "policy.json:1:23: $.network.deny[0]: \"a.com\\u0007\": rule contains a control "
              "character");
    CHECK_STR(load_msg("{\"process\": {\"env\": {\"\": \"x\"}}}"),
              "policy.json:1:22: $.process.env[\"\"]: empty variable name");
    CHECK_STR(load_msg("{\"process\": {\"env\": {\"A=B\": \"x\"}}}"),
              "policy.json:1:22: $.process.env[\"A=B\"]: variable name contains '='");
    CHECK_STR(load_msg("{\"process\": {\"passEnv\": [\"\"]}}"),
              "policy.json:1:26: $.process.passEnv[0]: empty variable name");
    CHECK_STR(load_msg("{\"process\": {\"passEnv\": [\"A*B\"]}}"),
              "policy.json:1:26: $.process.passEnv[0]: '*' is only allowed at the end "
              "(PREFIX_*)");
    CHECK_STR(load_msg("{\"process\": {\"passEnv\": [\"A?\"]}}"),
              "policy.json:1:26: $.process.passEnv[0]: '?', '[', ']' and '\\' are not allowed "
              "(the only wildcard is a trailing '*')");
    CHECK_STR(load_msg("{\"process\": {\"passEnv\": [\"X=1\"]}}"),
              "policy.json:1:26: $.process.passEnv[0]: variable name contains '='");
    CHECK_STR(load_msg("{\"process\": {\"passEnv\": [\"LC_*\", \"*\", \"PATH\"]}}"), "OK");
}

TEST(rlimits)
{
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": \"lots\"}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: expected a number or \"unlimited\", "
              "got \"lots\"");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": \"unlimited\\u0000\"}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: string contains a NUL byte");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": -1}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: limit must be >= 0, got -1");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": {\"soft\": 2048, \"hard\": 1024}}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: soft limit 2048 is above hard limit "
              "1024");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"core\": {\"soft\": \"unlimited\", \"hard\": "
                       "0}}}}"),
              "policy.json:1:34: $.process.rlimits.core: soft limit unlimited is above hard "
              "limit 0");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": {\"soft\": 1}}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: missing \"hard\" (give both soft and "
              "hard, or one number for both)");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": {}}}}"),
              "policy.json:1:36: $.process.rlimits.nofile: missing \"soft\" (give both soft and "
              "hard, or one number for both)");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": {\"soft\": -3, \"hard\": 1}}}}"),
              "policy.json:1:45: $.process.rlimits.nofile.soft: limit must be >= 0, got -3");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": {\"soft\": 1, \"hard\": null}}}}"),
              "policy.json:1:56: $.process.rlimits.nofile.hard: expected a number or "
              "\"unlimited\", got null");
    CHECK_STR(load_msg("{\"process\": {\"rlimits\": {\"nofile\": {\"soft\": 1, \"hard\": 1}}}}"),
              "OK");

    /* a later entry for the same limit replaces the earlier one */
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"process\": {\"rlimits\": {\"nofile\": 10, \"nproc\": 5}}}"), 0);
    CHECK_INT(load(&p, "{\"process\": {\"rlimits\": {\"nofile\": 20}}}"), 0);
    CHECK_INT(p.proc.n_rlimits, 2);
    CHECK_INT(p.proc.rlimits[0].resource, RLIMIT_NOFILE);
    CHECK(p.proc.rlimits[0].soft == 20 && p.proc.rlimits[0].hard == 20);
    /* all sixteen fit */
    CHECK_INT(load(&p, "{\"process\": {\"rlimits\": {\"as\": 1, \"core\": 1, \"cpu\": 1, \"data\": "
                       "1, \"fsize\": 1, \"locks\": 1, \"memlock\": 1, \"msgqueue\": 1, \"nice\": "
                       "1, \"nofile\": 1, \"nproc\": 1, \"rss\": 1, \"rtprio\": 1, \"rttime\": "
                       "1, \"sigpending\": 1, \"stack\": 1}}}"),
              0);
    CHECK_INT(p.proc.n_rlimits, 16);
    policy_release(&p);
}

TEST(memory_and_pids)
{
    CHECK_STR(load_msg("{\"process\": {\"memoryMax\": \"12X\"}}"),
              "policy.json:1:27: $.process.memoryMax: invalid size \"12X\" (expected bytes, or "
              "a number with K, M, G or T)");
    CHECK_STR(load_msg("{\"process\": {\"memoryMax\": \"0\"}}"),
              "policy.json:1:27: $.process.memoryMax: invalid size \"0\" (expected bytes, or a "
              "number with K, M, G or T)");
    CHECK_STR(load_msg("{\"process\": {\"memoryMax\": \"1.5G\"}}"),
              "policy.json:1:27: $.process.memoryMax: invalid size \"1.5G\" (expected bytes, or "
              "a number with K, M, G or T)");
    CHECK_STR(load_msg("{\"process\": {\"memoryMax\": \"9999999999T\"}}"),
              "policy.json:1:27: $.process.memoryMax: size \"9999999999T\" is too large");
    CHECK_STR(load_msg("{\"process\": {\"memoryMax\": 0}}"),
              "policy.json:1:27: $.process.memoryMax: must be > 0, got 0");
    CHECK_STR(load_msg("{\"process\": {\"pidsMax\": -4}}"),
              "policy.json:1:25: $.process.pidsMax: must be > 0, got -4");
    const struct {
        const char *in;
        uint64_t want;
    } ok[] = {{"\"64K\"", 64ull << 10}, {"\"512m\"", 512ull << 20}, {"\"2G\"", 2ull << 30},
              {"\"1T\"", 1ull << 40},   {"\"4096\"", 4096},          {"1048576", 1048576}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char json[80];
        snprintf(json, sizeof json, "{\"process\": {\"memoryMax\": %s}}", ok[i].in);
        struct moat_policy p;
        policy_init(&p);
        CHECK_INT(load(&p, json), 0);
        CHECK(p.proc.memory_max == ok[i].want);
        policy_release(&p);
    }
    uint64_t v;
    CHECK_INT(policy_parse_size("8388607T", &v), 0);
    CHECK_INT(policy_parse_size("8388608T", &v), -ERANGE);
    CHECK_INT(policy_parse_size("99999999999999999999999", &v), -ERANGE);
    CHECK_INT(policy_parse_size("", &v), -EINVAL);
    CHECK_INT(policy_parse_size("-1", &v), -EINVAL);
    CHECK_INT(policy_parse_size("1KB", &v), -EINVAL);
    CHECK_INT(policy_parse_size(" 1", &v), -EINVAL);
}

TEST(timeout)
{
    CHECK_STR(load_msg("{\"process\": {\"timeout\": 0}}"),
              "policy.json:1:25: $.process.timeout: must be > 0, got 0");
    CHECK_STR(load_msg("{\"process\": {\"timeout\": -1.5}}"),
              "policy.json:1:25: $.process.timeout: must be > 0, got -1.5");
    CHECK_STR(load_msg("{\"process\": {\"timeout\": 1e10}}"),
              "policy.json:1:25: $.process.timeout: must be at most 1e+09 seconds, got 1e+10");
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"process\": {\"timeout\": 30}}"), 0);
    CHECK(p.proc.timeout == 30);
    CHECK_INT(load(&p, "{\"process\": {\"timeout\": 0.25}}"), 0);
    CHECK(p.proc.timeout == 0.25);
    policy_release(&p);
}

TEST(syntax_errors)
{
    CHECK_STR(load_msg("{\n  \"filesystem\": {\n    \"denyRead\": [\"/a\", \"/b\",]\n  }\n}"),
              "policy.json:3:28: syntax error: trailing comma before ']'");
    CHECK_STR(load_msg("{\n  \"process\": {},\n}"),
              "policy.json:2:16: syntax error: trailing comma before '}'");
    CHECK_STR(load_msg("{\n  \"network\": {\n    \"mode\": \"none\n  }\n}"),
              "policy.json:3:13: syntax error: unexpected newline near '\"none'");
    CHECK_STR(load_msg("{\"network\": {\"mode\": \"none"),
              "policy.json:1:22: unterminated string");
    CHECK_STR(load_msg("{\"network\": {\"mode\" \"none\"}}"),
              "policy.json:1:21: syntax error: ':' expected near '\"none\"'");
    CHECK_STR(load_msg("{\"network\": {\"mode\": none}}"),
              "policy.json:1:22: syntax error: invalid token near 'none'");
    CHECK_STR(load_msg("{\"network\": {}}\n{}"),
              "policy.json:2:1: syntax error: end of file expected near '{'");
    CHECK_STR(load_msg("{\"network\": {}"),
              "policy.json:1:15: syntax error: '}' expected near end of file");
    CHECK_STR(load_msg(""), "policy.json:1:1: empty file (expected a JSON object)");
    CHECK_STR(load_msg("  \n\n"), "policy.json:3:1: empty file (expected a JSON object)");
    CHECK_STR(load_msg("{\"process\": {\"timeout\": 1e999}}"),
              "policy.json:1:25: number out of range (real number overflow near '1e999')");
    CHECK_STR(load_msg("{\"process\": {\"pidsMax\": 123456789012345678901234567890}}"),
              "policy.json:1:25: number out of range (too big integer)");
    CHECK_STR(load_msg("{\"filesystem\": {\"denyRead\": [\"/\xff\"]}}"),
              "policy.json:1:30: invalid UTF-8 (a policy file must be UTF-8 text)");
    CHECK_STR(load_msg("\xEF\xBB\xBF{}"),
              "policy.json:1:1: byte order mark at the start of the file (save it as UTF-8 "
              "without a BOM)");
    CHECK_STR(load_msg("{\"a\": \"\t\"}"),
              "policy.json:1:7: syntax error: control character 0x9 near '\"'");
    CHECK_STR(load_msg("{\"a\": [\"\\x\"]}"),
              "policy.json:1:8: syntax error: invalid escape near '\"\\x'");
    CHECK_STR(load_msg("{'a': 1}"),
              "policy.json:1:2: syntax error: string or '}' expected near '''");
    CHECK_STR(load_msg("{\"a\": 1} // comment"),
              "policy.json:1:10: syntax error: end of file expected near '/'");
}

TEST(first_error_in_document_order)
{
    CHECK_STR(load_msg("{\"process\": {\"timeout\": -1}, \"filesystem\": {\"read\": 1}}"),
              "policy.json:1:25: $.process.timeout: must be > 0, got -1");
    CHECK_STR(load_msg("{\"filesystem\": {\"read\": 1}, \"process\": {\"timeout\": -1}}"),
              "policy.json:1:25: $.filesystem.read: expected a string, got number");
    CHECK_STR(load_msg("{\"filesystem\": {\"allowWrite\": [\"/a\", 1, \"\"]}}"),
              "policy.json:1:38: $.filesystem.allowWrite[1]: expected a string, got number");
}

/* "policy.json:L:C: " with L, C >= 1. */
static bool has_position(const char *msg)
{
    unsigned l = 0, c = 0;
    int n = 0;
    return sscanf(msg, "policy.json:%u:%u: %n", &l, &c, &n) == 2 && n > 0 && l >= 1 && c >= 1;
}

TEST(every_error_has_a_position)
{
    /* Every truncation and many one-byte mutations of a full policy: no
     * crash, no leak (ASan), and every failure names FILE:LINE:COL. */
    size_t n = strlen(full_policy);
    char *buf = malloc(n + 1);
    static const char subst[] = "\"\\,:{}[]1 x\x01\xc3";
    size_t failures = 0, positioned = 0;
    for (size_t len = 0; len <= n; len++) {
        for (size_t k = 0; k <= sizeof subst - 1; k++) {
            memcpy(buf, full_policy, n + 1);
            if (k == sizeof subst - 1)
                buf[len] = '\0'; /* truncation */
            else if (len < n)
                buf[len] = subst[k];
            else
                continue;
            struct moat_policy p;
            policy_init(&p);
            int r = moat_policy_load_string(&p, buf, "policy.json", "/base", &err);
            if (r < 0) {
                failures++;
                if (has_position(err.msg))
                    positioned++;
                else
                    fprintf(stderr, "    no position: %s\n", err.msg);
                CHECK_INT(r, -EINVAL);
            }
            policy_release(&p);
        }
    }
    CHECK(failures > 1000);
    CHECK_INT(positioned, failures);
    free(buf);
}

int main(void)
{
    RUN(full_policy_loads);
    RUN(unknown_keys_at_every_level);
    RUN(wrong_types);
    RUN(duplicate_keys);
    RUN(empty_and_nul_paths);
    RUN(enums);
    RUN(ports);
    RUN(strings_checked);
    RUN(rlimits);
    RUN(memory_and_pids);
    RUN(timeout);
    RUN(syntax_errors);
    RUN(first_error_in_document_order);
    RUN(every_error_has_a_position);
    return UNIT_DONE();
}
