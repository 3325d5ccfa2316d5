#!/bin/sh
# Install Anthropic's sandbox-runtime (@anthropic-ai/sandbox-runtime, the real
# `srt`) from the npm registry into a cache directory, once; print the path of
# its srt program.  The lab and the bench run the same settings through it and
# through moat.
#   tests/srt/srt_install.sh [VERSION]     (default 0.0.83)
# The directory is world-readable (the tests run srt as uid 65534 too).  No
# install scripts are run (the package has none).  srt itself needs node,
# bubblewrap, socat and ripgrep (scripts/deps.sh installs them).
set -eu
version=${1:-0.0.83}
dir=${MOAT_SRT_DIR:-/var/cache/moat/srt-$version}
pkg="$dir/node_modules/@anthropic-ai/sandbox-runtime/package.json"
bin="$dir/node_modules/.bin/srt"
if [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"; then
    echo "$bin"
    exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "srt: node and npm are needed (scripts/deps.sh installs them)" >&2
    exit 1
fi
mkdir -p "$dir"
cd "$dir"
printf '{"name": "moat-srt-%s", "private": true}\n' "$version" > package.json
npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
    "@anthropic-ai/sandbox-runtime@$version" >&2
chmod -R a+rX "$dir"
echo "$bin"
