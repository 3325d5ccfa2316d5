/* Dropping capabilities; see caps.h.  As root the workload is uid 0 inside
 * its user namespace: without these steps exec would hand it a full set
 * again (capabilities(7), "Capabilities and execution of programs by root"). */
#include "sandbox/confine/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/error.h"

/* The kernel answers EINVAL for the first number past its last capability,
 * which saves reading /proc/sys/kernel/cap_last_cap (a stdio open and parse
 * on every start).  64 bounds the loop whatever the kernel says. */
int caps_clear_bounding(struct moat_error *err)
{
    for (int c = 0; c < 64; c++) {
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
            continue;
        if (errno == EINVAL)
            break;
        return error_set_errno(err, -errno, "cannot drop capability %d from the bounding set", c);
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return error_set_errno(err, -errno, "cannot clear the ambient capabilities");
    /* uid 0 gets no capabilities from exec or setuid transitions, for good. */
    unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                         SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
        return error_set_errno(err, -errno, "cannot lock securebits");
    return 0;
}

int caps_keep_only(int cap, struct moat_error *err)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2] = { { 0 } };
    data[0].permitted = 1u << cap;
    if (syscall(SYS_capset, &hdr, data) < 0)
        return error_set_errno(err, -errno, "cannot drop capabilities");
    return 0;
}

int caps_drop_all(struct moat_error *err)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2] = { { 0 } };
    if (syscall(SYS_capset, &hdr, data) < 0)
        return error_set_errno(err, -errno, "cannot drop capabilities");
    return 0;
}

static bool caps_get(int cap, bool permitted)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2] = { { 0 } };
    if (cap < 0 || cap >= 32 || syscall(SYS_capget, &hdr, data) < 0)
        return false;
    return ((permitted ? data[0].permitted : data[0].effective) >> cap) & 1;
}

bool caps_have(int cap)
{
    return caps_get(cap, false);
}

bool caps_have_permitted(int cap)
{
    return caps_get(cap, true);
}
