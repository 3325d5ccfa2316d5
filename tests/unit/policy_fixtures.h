/* Shared by the policy unit tests: a policy that sets every key, and
 * loading helpers with the conventions of the tests (file "policy.json",
 * base directory "/base"). */
#ifndef MOAT_TESTS_POLICY_FIXTURES_H
#define MOAT_TESTS_POLICY_FIXTURES_H

#include <errno.h>

#include "policy/model.h"
#include "unit.h"

static struct moat_error err;

/* Load `json` as "policy.json" in "/base" into a fresh policy; return "OK"
 * or the error message (static buffer), and check errors are -EINVAL. */
static inline const char *load_msg(const char *json)
{
    static char buf[sizeof err.msg + 64];
    struct moat_policy p;
    policy_init(&p);
    err = (struct moat_error){0};
    int r = moat_policy_load_string(&p, json, "policy.json", "/base", &err);
    snprintf(buf, sizeof buf, "%s", r == 0 ? "OK" : err.msg);
    if (r < 0 && r != -EINVAL)
        snprintf(buf, sizeof buf, "unexpected code %d: %s", r, err.msg);
    policy_release(&p);
    return buf;
}

static inline int load(struct moat_policy *p, const char *json)
{
    err = (struct moat_error){0};
    int r = moat_policy_load_string(p, json, "policy.json", "/base", &err);
    if (r < 0)
        fprintf(stderr, "    load error: %s\n", err.msg);
    return r;
}

static const char full_policy[] =
    "{\n"
    "  \"$schema\": \"https://example.invalid/policy.schema.json\",\n"
    "  \"filesystem\": {\n"
    "    \"read\": \"listed\",\n"
    "    \"denyRead\": [\"~/.ssh\", \"/etc/shadow\"],\n"
    "    \"allowRead\": [\"/usr/share\", \"lib/../data/\"],\n"
    "    \"allowWrite\": [\".\", \"/tmp//work/\"],\n"
    "    \"denyWrite\": [\"./.env\"],\n"
    "    \"privateTmp\": false,\n"
    "    \"protectDefaults\": true,\n"
    "    \"unprotect\": [\".git/config\", \".bashrc\"]\n"
    "  },\n"
    "  \"network\": {\n"
    "    \"mode\": \"proxy\",\n"
    "    \"allow\": [\"example.com\", \"*.github.com:443\", \"[2001:db8::1]:443\", "
    "\"10.0.0.0/8\"],\n"
    "    \"deny\": [\"169.254.169.254\"],\n"
    "    \"allowLocalBinding\": true,\n"
    "    \"allowUnixSockets\": false,\n"
    "    \"expose\": [8080, 3000],\n"
    "    \"hostPorts\": [5432]\n"
    "  },\n"
    "  \"process\": {\n"
    "    \"env\": {\"LANG\": \"C.UTF-8\", \"EMPTY\": \"\", \"EQ\": \"a=b\"},\n"
    "    \"passEnv\": [\"TERM\", \"LC_*\"],\n"
    "    \"cwd\": \"src\",\n"
    "    \"timeout\": 2.5,\n"
    "    \"rlimits\": {\n"
    "      \"nofile\": 1024,\n"
    "      \"core\": {\"soft\": 0, \"hard\": \"unlimited\"},\n"
    "      \"stack\": \"unlimited\",\n"
    "      \"cpu\": {\"hard\": 60, \"soft\": 30}\n"
    "    },\n"
    "    \"memoryMax\": \"512M\",\n"
    "    \"pidsMax\": 64,\n"
    "    \"allowNestedNamespaces\": true,\n"
    "    \"isolation\": \"auto\"\n"
    "  }\n"
    "}\n";

#endif
