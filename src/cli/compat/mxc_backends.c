/* mxc's backend discovery answer (mxc_backends.h): the doctor's facts in
 * the shape mxc's SDKs parse.  `bubblewrap` is the name they know for
 * Linux process containment; what moat cannot do here is a warning, and a
 * host where it cannot run at all has no backend. */
#include "cli/compat/mxc_backends.h"

#include <stdio.h>

#include <jansson.h>

#include "cli/doctor/doctor.h"

static json_t *limits(const struct doctor_summary *s)
{
    json_t *w = json_array();
    if (!s->netns)
        json_array_append_new(w, json_string("network namespaces are unavailable: only configs "
                                             "with the host's network (defaultPolicy allow) run"));
    else if (!s->nftables)
        json_array_append_new(w, json_string("nftables is unavailable in a user namespace: "
                                             "host and CIDR rules (moat's firewall mode) cannot "
                                             "run"));
    if (s->netns && !s->ipv6)
        json_array_append_new(w, json_string("IPv6 is unavailable in new network namespaces: "
                                             "the sandbox's network is IPv4 only"));
    if (s->landlock_abi == 0)
        json_array_append_new(w, json_string("no Landlock: only the mount tree enforces "
                                             "filesystem rules"));
    return w;
}

char *mxc_backends_json(char *problem, size_t size, int pretty)
{
    struct doctor_summary s;
    doctor_summarize(&s);
    if (problem && size)
        snprintf(problem, size, "%s", s.problem);
    json_t *list = json_array();
    if (list && !s.problem[0]) {
        json_t *caps = json_array(), *warnings = limits(&s);
        json_array_append_new(caps, json_string("filesystemDeniedPaths"));
        if (s.netns)
            json_array_append_new(caps, json_string("proxyEnforcement"));
        json_t *b = json_pack("{s:s,s:o}", "backend", "bubblewrap", "capabilities", caps);
        if (b && json_array_size(warnings))
            json_object_set(b, "warnings", warnings);
        json_decref(warnings);
        json_array_append_new(list, b);
    }
    char *text = list ? json_dumps(list, pretty ? JSON_INDENT(2) : JSON_COMPACT) : NULL;
    json_decref(list);
    return text;
}
