/* A program of a library user, built by tests/install.sh and tests/deb_check.sh against
 * what `make install` and the Debian packages install (headers, libmoat.so or libmoat.a):
 * a policy loaded from text, finalized and printed, and a name from moat_mxc.h.  Prints
 * "proxy ok". */
#include <moat.h>
#include <moat_mxc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    struct moat_policy *p = moat_policy_new();
    struct moat_error err = {0};
    if (moat_policy_load_string(p, "{\"network\":{\"mode\":\"proxy\"}}", "t", "/", &err) < 0 ||
        moat_policy_finalize(p, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    char *json = moat_policy_to_json(p);
    printf("%s %s\n", moat_net_mode_name(moat_policy_network_mode(p)), moat_mxc_code_name(MOAT_MXC_OK));
    free(json);
    moat_policy_free(p);
    return 0;
}
