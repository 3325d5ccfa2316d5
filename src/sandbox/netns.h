/* The sandbox's network namespace in mode "none": loopback only, brought up
 * so 127.0.0.1 and ::1 work inside.  Never touches the host's namespace. */
#ifndef MOAT_SANDBOX_NETNS_H
#define MOAT_SANDBOX_NETNS_H

#include "policy/model.h"

int netns_loopback_up(struct moat_error *err);

#endif
