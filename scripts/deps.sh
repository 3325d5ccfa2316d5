#!/bin/sh
# Install what moat needs to build, test and benchmark, from Debian's
# packages only.  Idempotent: installs nothing when everything is present.
set -eu
PKGS="gcc make pkg-config clang libclang-rt-14-dev llvm-14 libseccomp-dev libjansson-dev libnftnl-dev libmnl-dev nftables util-linux bsdutils procps iproute2 python3 python3-pip bubblewrap hyperfine time dnsmasq-base curl dnsutils openssl netcat-openbsd wget git openjdk-17-jdk-headless nodejs libnghttp2-dev socat ripgrep python3-venv python3-setuptools python3-wheel"
# The man page and completion tests (man-db, zsh) and make deb-check's package
# build (debhelper, dpkg-dev, fakeroot, lintian).
PKGS="$PKGS man-db zsh debhelper dpkg-dev fakeroot lintian"
# The places tests: Docker's seccomp profile (python3-yaml), AppArmor, a real
# container (podman, runc, uidmap).
PKGS="$PKGS python3-yaml apparmor podman runc uidmap"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm (for the mxc SDK tests, tests/mxc/sdk_install.sh) comes with some builds of nodejs and
# is its own package in Debian's.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
# Node's headers, for the Node binding's addon: Node's own builds ship them;
# Debian's nodejs has them in libnode-dev.
[ -f /usr/include/node/node_api.h ] || missing="$missing libnode-dev"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages:$missing (run this script as root)" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
