/* Host names and host patterns ("example.com", "*.example.com"): the one normalisation
 * (case, trailing dot, IDN to A-labels) applied to policy patterns and to the names seen in
 * DNS queries, CONNECT lines and TLS SNI alike.  Never resolves, allocates, prints or exits. */
#ifndef MOAT_NET_HOSTPAT_H
#define MOAT_NET_HOSTPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

#define HOSTNAME_MAX 253 /* text form of a 255-octet wire name (RFC 1035 §2.3.4) */

/* "*.example.com" is wildcard with name "example.com"; "*" is wildcard with an empty name
 * and matches every name. */
struct host_pattern {
    char name[256];
    bool wildcard;
};

/* Parse a pattern from the policy: lower-cased, one trailing dot stripped, IDN (UTF-8) to
 * A-labels, LDH labels of 1-63 characters (no leading or trailing '-'), 253 at most.
 * Refused: invalid UTF-8, '*' anywhere but as the whole first label, IP literals (also
 * inet_aton spellings such as 0x7f.1), an all-numeric last label (RFC 3696 §2), and for
 * allow rules "*.tld" (one label after the wildcard).  0 or -EINVAL with err. */
int hostpat_parse(const char *text, bool for_allow, struct host_pattern *out,
                  struct moat_error *err);

/* name normalised as by hostname_normalize; a wildcard matches strict subdomains only:
 * "*.wild.test" matches "a.wild.test" and "a.b.wild.test", never "wild.test". */
bool hostpat_match(const struct host_pattern *p, const char *name);
/* Same, for a name already normalised (saves the work when matching many patterns). */
bool hostpat_match_normalized(const struct host_pattern *p, const char *name);

/* A name from the wire (DNS query, CONNECT line, SNI, Host header) to the form patterns are
 * matched against: IDN to A-labels, lower case, one trailing dot stripped; labels 1-63 of
 * a-z, 0-9, '-' and '_' (which real DNS names carry, RFC 2181 §11), 253 at most.
 * 0; -EINVAL for anything else; -ENOSPC when out is too small. */
int hostname_normalize(const char *in, char *out, size_t size);

#endif
