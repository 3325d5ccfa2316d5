#!/bin/bash
# End-to-end tests: each test_* function attacks or exercises a sandbox made
# by the real moat binary and checks the outcome.  Runs as whoever starts it
# (tests/run_all.sh runs it as root and as uid 65534).
#   MOAT=path/to/moat ATTACK=path/to/attack API_CLIENT=... MXC_FFI=.../libmxc_ffi.so
#   MXC_FFI_CLIENT=... [MXC_SDK_1_0_1=dir] [MXC_SDK_FFI_DIR=dir] tests/e2e/run.sh [FILTER]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${MOAT:?set MOAT}" "${ATTACK:?set ATTACK}" "${API_CLIENT:?set API_CLIENT}"
: "${MXC_FFI:?set MXC_FFI (libmxc_ffi.so)}" "${MXC_FFI_CLIENT:?set MXC_FFI_CLIENT}"
export MOAT ATTACK API_CLIENT MXC_FFI MXC_FFI_CLIENT
WHO=$(id -un 2>/dev/null || id -u)
ROOT_RUN=$([ "$(id -u)" = 0 ] && echo 1 || echo 0)
export WHO ROOT_RUN

# shellcheck source=lib.sh
. "$HERE/lib.sh"
for f in "$HERE"/test_*.sh; do
    # shellcheck disable=SC1090
    . "$f"
done

filter=${1:-}
passed=0 failed=0
for t in $(declare -F | awk '{print $3}' | grep '^test_' | sort); do
    [ -n "$filter" ] && [[ $t != *$filter* ]] && continue
    # Not under /tmp: the sandbox has a private /tmp that would hide it.
    WORK=$(mktemp -d "${MOAT_TEST_DIR:-/var/tmp}/moat-e2e.XXXXXX")
    export WORK HOME="$WORK/home"
    mkdir -p "$HOME"
    run_test "$t" "$WHO"
done
echo "e2e ($WHO): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
