/* One verdict per destination: how the answers to a name's A and AAAA queries become the
 * verdict on the name, for the proxies and firewall mode alike (DESIGN §3 rule 8, issue 10).
 *   1. A family the DNS filter refused (an address in a denied class: DNS rebinding to
 *      loopback or metadata; a CNAME to a denied name) refuses the whole name, in every mode
 *      and whatever family the workload connects with: no legitimate name mixes public
 *      addresses with 127.0.0.1.
 *   2. Otherwise the addresses of the families that have some are used, as glibc and curl do:
 *      a family whose query failed upstream (SERVFAIL, REFUSED, no answer) or has no records
 *      does not refuse the name.
 *   3. Once one family has addresses, the other is waited for at most NAME_ANSWER_GRACE_MS;
 *      an answer later than that is not heard (so it cannot refuse the name by rule 1).
 *   4. With no addresses at all: "no such name" when every family said so (NXDOMAIN or no
 *      records), else the failure.
 * Pure: never resolves, prints or keeps time; the resolver asks with what it has. */
#ifndef MOAT_NET_NAME_ANSWER_H
#define MOAT_NET_NAME_ANSWER_H

#include <stdbool.h>

#define NAME_ANSWER_GRACE_MS 300

enum family_outcome {
    FAMILY_NOT_ASKED,  /* the host side cannot reach this family */
    FAMILY_PENDING,    /* asked, no answer yet */
    FAMILY_ADDRESSES,  /* records of the family */
    FAMILY_NO_RECORDS, /* NXDOMAIN, or NOERROR without records of the family */
    FAMILY_FAILED,     /* SERVFAIL, REFUSED or another error upstream, or no answer in time */
    FAMILY_REFUSED,    /* the DNS filter refused the answer (rule 1) */
};

enum name_verdict {
    NAME_WAIT,      /* not decided yet */
    NAME_ADDRESSES, /* dial the addresses the families have */
    NAME_REFUSED,   /* the whole name is refused */
    NAME_NO_SUCH,   /* no address, and no family failed */
    NAME_FAILED,    /* no address, and some family failed */
};

/* The verdict from the two families' outcomes; grace_over: NAME_ANSWER_GRACE_MS have passed
 * since the first family had addresses. */
enum name_verdict name_answer_verdict(enum family_outcome v4, enum family_outcome v6,
                                      bool grace_over);

#endif
