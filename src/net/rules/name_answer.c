/* The rule that turns a name's per-family answers into one verdict; see name_answer.h. */
#include "net/rules/name_answer.h"

static bool pending(enum family_outcome f)
{
    return f == FAMILY_PENDING;
}

enum name_verdict name_answer_verdict(enum family_outcome v4, enum family_outcome v6,
                                      bool grace_over)
{
    if (v4 == FAMILY_REFUSED || v6 == FAMILY_REFUSED)
        return NAME_REFUSED;
    bool addresses = v4 == FAMILY_ADDRESSES || v6 == FAMILY_ADDRESSES;
    if (pending(v4) || pending(v6))
        return addresses && grace_over ? NAME_ADDRESSES : NAME_WAIT;
    if (addresses)
        return NAME_ADDRESSES;
    if (v4 == FAMILY_FAILED || v6 == FAMILY_FAILED)
        return NAME_FAILED;
    return NAME_NO_SUCH;
}
