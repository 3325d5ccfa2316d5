#!/bin/sh
# Install Microsoft's mxc SDK (@microsoft/mxc-sdk, a real client of lxc-exec)
# from the npm registry into a cache directory, once; print the directory.
#   tests/mxc/sdk_install.sh [VERSION]     (default 0.6.1)
# The directory is world-readable (the lab runs the SDK as uid 65534 too).
# Install scripts are not run: node-pty ships prebuilt binaries.
set -eu
version=${1:-0.6.1}
dir=${MOAT_MXC_SDK_DIR:-/var/cache/moat/mxc-sdk-$version}
pkg="$dir/node_modules/@microsoft/mxc-sdk/package.json"
if [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"; then
    echo "$dir"
    exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "mxc-sdk: node and npm are needed (scripts/deps.sh installs them)" >&2
    exit 1
fi
mkdir -p "$dir"
cd "$dir"
printf '{"name": "moat-mxc-sdk-%s", "private": true}\n' "$version" > package.json
npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
    "@microsoft/mxc-sdk@$version" >&2
chmod -R a+rX "$dir"
echo "$dir"
