#!/bin/bash
# The whole suite, as `make check` runs it (as root, as CI does): sanitized
# unit tests, the fuzz targets' corpora (tests/fuzz, each input once), end-to-end
# tests with the release binary as root, a sanitizer pass of the end-to-end tests,
# the same end-to-end tests as an unprivileged user (uid 65534) from a staged copy,
# the places (containers, fleets), the network lab and the Debian packages (root),
# and a check that nothing on the host changed.  Ends with one "N passed, N failed" line.
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
passed=0 failed=0

tally() { # LOGFILE: add the "N passed, N failed" line it ends with
    local line p f
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
    p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$/\2/')
    if [ -z "$line" ]; then echo "no result line in $1"; failed=$((failed + 1)); return; fi
    passed=$((passed + p)); failed=$((failed + f))
}

run_suite() { # NAME COMMAND...
    local name=$1 log; shift
    log=$(mktemp)
    echo "== $name"
    "$@" 2>&1 | tee "$log"
    tally "$log"
    rm -f "$log"
}

# The host's mounts, less /run/netns: `ip netns add` (the network lab) binds
# it once and iproute2 keeps it for good; the namespaces in it are checked
# separately.
host_mounts() { grep -v ' /run/netns' /proc/self/mountinfo | sort; }
mounts_before=$(mktemp)
host_mounts > "$mounts_before"
# Test directories: compared before and after, so leftovers of an earlier
# interrupted run are not blamed on this one.
test_dirs() { find /var/tmp -maxdepth 1 \( -name 'moat-e2e.*' -o -name 'moat-lab-e2e.*' \) | sort; }
dirs_before=$(test_dirs)

# shellcheck disable=SC2046
run_suite "unit tests (ASan+UBSan)" tests/unit/run.sh $(make -s unit-list)
# shellcheck disable=SC2046
run_suite "fuzz corpora, each input once (ASan+UBSan)" tests/fuzz/regress.sh $(make -s fuzz-list)
run_suite "libmoat.so's ABI" python3 tests/abi_check.py build/libmoat.so
run_suite "make install into a DESTDIR" tests/install.sh
run_suite "docs agree with the program" python3 tests/docs_agree.py build/moat
run_suite "man pages agree with the program" python3 tests/man_agree.py build/moat
run_suite "bash and zsh completions" python3 tests/completions.py build/moat
run_suite "debian/ agrees with the tree" python3 tests/debian_agree.py build/moat

# Stage the binaries and tests in a fresh world-readable directory outside
# /tmp: the sandbox's private /tmp would hide a checkout under /tmp, and
# uid 65534 may not traverse the checkout (e.g. under /root).
stage=$(mktemp -d /var/tmp/moat-stage.XXXXXX)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
mkdir -p "$stage/e2e" "$stage/examples" "$stage/mxc"
cp build/tests/e2e/attack build/tests/e2e/api_client build/tests/e2e/mxc_ffi_client \
    build/tests/places/docker-seccomp build/libmoat.so.[0-9]* "$stage/"
# libmxc_ffi.so alone in a directory, as $MXC_FFI_DIR for the mxc SDK.
cp build/libmxc_ffi.so "$stage/mxc/"
mkdir -p "$stage/mxc-asan"
cp build-asan/libmxc_ffi.so "$stage/mxc-asan/"
cp build-asan/tests/e2e/mxc_ffi_client "$stage/mxc_ffi_client-asan"
cp build-asan/moat "$stage/moat-asan"
cp build/moat "$stage/moat"
cp tests/e2e/*.sh tests/e2e/*.py tests/e2e/*.mjs "$stage/e2e/"
cp tests/mxc/sdk_install.sh "$stage/mxc/"
mkdir -p "$stage/srt" && cp -r tests/srt/. "$stage/srt/"
cp -r examples/. "$stage/examples/"
chmod -R a+rX "$stage"
# The mxc SDK 1.0.1 (the real client of libmxc_ffi), installed from the npm
# registry into a world-readable cache once, here as root, for both passes.
mxc_sdk=$(tests/mxc/sdk_install.sh 1.0.1) || mxc_sdk=""
e2e_env=(MOAT="$stage/moat" ATTACK="$stage/attack" API_CLIENT="$stage/api_client"
         MXC_FFI="$stage/mxc/libmxc_ffi.so" MXC_FFI_CLIENT="$stage/mxc_ffi_client"
         MXC_SDK_1_0_1="$mxc_sdk" EXAMPLES="$stage/examples")

run_suite "doctor's table of guarantees = docs/security.md's" env MOAT=build/moat tests/doctor_table.sh

run_suite "e2e as $(id -un)" env "${e2e_env[@]}" bash "$stage/e2e/run.sh"

run_suite "e2e as $(id -un), sanitizer build" env "${e2e_env[@]}" MOAT="$stage/moat-asan" \
    MXC_FFI="$stage/mxc-asan/libmxc_ffi.so" MXC_FFI_CLIENT="$stage/mxc_ffi_client-asan" \
    MXC_SDK_FFI_DIR="$stage/mxc" \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 bash "$stage/e2e/run.sh"

# The language bindings, installed into the stage as their users install
# them (pip, npm), each driven by a program of its own language.
run_suite "bindings installed with pip and npm" tests/bindings/stage.sh "$stage"
bindings_env=(MOAT_LIBRARY="$stage/libmoat.so.1" MOAT_PY_PREFIX="$stage/pyvenv"
              MOAT_NODE_PACKAGE="$stage/node/node_modules/moat-sandbox")
python_test=("$stage/pyvenv/bin/python" "$stage/bindings/test_python.py"
             "$stage/bindings/python-README.md")
node_test=(node "$stage/bindings/test_node.js" "$stage/bindings/node-README.md")
run_suite "python binding as $(id -un)" env "${bindings_env[@]}" "${python_test[@]}"
run_suite "node binding as $(id -un)" env "${bindings_env[@]}" "${node_test[@]}"

if [ "$(id -u)" = 0 ]; then
    as_nobody=(setpriv --reuid 65534 --regid 65534 --clear-groups
               env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "${bindings_env[@]}")
    run_suite "python binding as uid 65534" "${as_nobody[@]}" "${python_test[@]}"
    run_suite "node binding as uid 65534" "${as_nobody[@]}" "${node_test[@]}"
    install -o root -g root -m 4755 build/tests/e2e/attack "$stage/attack-setuid"
    run_suite "e2e as uid 65534" setpriv --reuid 65534 --regid 65534 --clear-groups \
        env -i PATH=/usr/local/bin:/usr/bin:/bin TERM="${TERM:-dumb}" LANG=C.UTF-8 \
        "${e2e_env[@]}" ATTACK_SETUID="$stage/attack-setuid" bash "$stage/e2e/run.sh"
    # The network lab needs root to build its namespaces; its tests run
    # moat in it as root and as uid 65534 again.
    # The lab's scripts run as root from the checkout; the staged moat and
    # attacker are what uid 65534 runs.
    run_suite "fleet examples (Docker, Kubernetes, AppArmor)" env MOAT=build/moat \
        DOCKER_SECCOMP=build/tests/places/docker-seccomp tests/fleet.sh
    run_suite "moat in a real container (podman, runc)" env MOAT=build/moat tests/podman.sh
    run_suite "network lab self-test" tests/lab/selftest.sh
    run_suite "network e2e in the lab" env "${e2e_env[@]}" tests/e2e_lab/run.sh
    # dpkg needs root: the packages are built, installed, used and purged.
    run_suite "Debian packages (make deb-check)" tests/deb_check.sh
else
    echo "== not root: skipping the unprivileged pass, the network lab and the Debian packages" \
         "(CI runs as root)"
fi

echo "== host left unchanged"
mounts_after=$(mktemp)
host_mounts > "$mounts_after"
if diff "$mounts_before" "$mounts_after"; then
    echo "ok - host mount table unchanged"; passed=$((passed + 1))
else
    echo "not ok - host mount table changed"; failed=$((failed + 1))
fi
if leftovers=$(pgrep -af 'moat-sigkill-mark|sleep 313\.' ); then
    echo "not ok - processes left behind: $leftovers"; failed=$((failed + 1))
else
    echo "ok - no test process left behind"; passed=$((passed + 1))
fi
if ip netns list 2>/dev/null | grep moatlab; then
    echo "not ok - lab namespaces left behind"; failed=$((failed + 1))
else
    echo "ok - no lab namespace left behind"; passed=$((passed + 1))
fi
new_dirs=$(comm -13 <(echo "$dirs_before") <(test_dirs))
if [ -n "$new_dirs" ]; then
    echo "not ok - test directories left behind: $new_dirs"; failed=$((failed + 1))
else
    echo "ok - no test directory left behind"; passed=$((passed + 1))
fi
rm -f "$mounts_before" "$mounts_after"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
