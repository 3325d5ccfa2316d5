/* Unit tests for src/net/rules/name_answer.c: every pair of family outcomes, before and after
 * the grace period, against the rule written out in name_answer.h. */
#include "net/rules/name_answer.h"
#include "unit.h"

static const enum family_outcome all[] = { FAMILY_NOT_ASKED, FAMILY_PENDING, FAMILY_ADDRESSES,
                                           FAMILY_NO_RECORDS, FAMILY_FAILED, FAMILY_REFUSED };

/* The rule, spelled out independently of the implementation's order of checks. */
static enum name_verdict expected(enum family_outcome a, enum family_outcome b, bool grace)
{
    if (a == FAMILY_REFUSED || b == FAMILY_REFUSED)
        return NAME_REFUSED;
    int addresses = (a == FAMILY_ADDRESSES) + (b == FAMILY_ADDRESSES);
    int pending = (a == FAMILY_PENDING) + (b == FAMILY_PENDING);
    if (pending)
        return addresses && grace ? NAME_ADDRESSES : NAME_WAIT;
    if (addresses)
        return NAME_ADDRESSES;
    return a == FAMILY_FAILED || b == FAMILY_FAILED ? NAME_FAILED : NAME_NO_SUCH;
}

TEST(every_pair_of_outcomes)
{
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++)
            for (int g = 0; g < 2; g++)
                CHECK_INT(name_answer_verdict(all[i], all[j], g), expected(all[i], all[j], g));
}

TEST(the_cases_of_issue_10)
{
    /* Only AAAA records, A refused upstream: the addresses are used. */
    CHECK_INT(name_answer_verdict(FAMILY_FAILED, FAMILY_ADDRESSES, false), NAME_ADDRESSES);
    CHECK_INT(name_answer_verdict(FAMILY_ADDRESSES, FAMILY_FAILED, false), NAME_ADDRESSES);
    /* A missing AAAA answer delays the A answer only until the grace period ends. */
    CHECK_INT(name_answer_verdict(FAMILY_ADDRESSES, FAMILY_PENDING, false), NAME_WAIT);
    CHECK_INT(name_answer_verdict(FAMILY_ADDRESSES, FAMILY_PENDING, true), NAME_ADDRESSES);
    /* One family at loopback refuses the name, whichever family answered first. */
    CHECK_INT(name_answer_verdict(FAMILY_ADDRESSES, FAMILY_REFUSED, false), NAME_REFUSED);
    CHECK_INT(name_answer_verdict(FAMILY_REFUSED, FAMILY_PENDING, false), NAME_REFUSED);
    /* Nothing anywhere. */
    CHECK_INT(name_answer_verdict(FAMILY_NO_RECORDS, FAMILY_NO_RECORDS, false), NAME_NO_SUCH);
    CHECK_INT(name_answer_verdict(FAMILY_NO_RECORDS, FAMILY_NOT_ASKED, false), NAME_NO_SUCH);
    CHECK_INT(name_answer_verdict(FAMILY_FAILED, FAMILY_NO_RECORDS, false), NAME_FAILED);
}

int main(void)
{
    RUN(every_pair_of_outcomes);
    RUN(the_cases_of_issue_10);
    return UNIT_DONE();
}
