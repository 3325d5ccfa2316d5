#!/bin/bash
# Install the language bindings into STAGE as their users would, offline:
# the Python package with pip into a venv (Debian's python3 and setuptools,
# no index, no build isolation), the Node package from the tarball `npm
# pack` makes (its install script compiles the addon).  Copies the binding
# tests and READMEs beside them, world-readable for the uid 65534 run.
# Prints "ok"/"not ok" lines and "N passed, N failed".
#   tests/bindings/stage.sh STAGE
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
stage=${1:?usage: stage.sh STAGE}
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; sed 's/^/    /' "$stage/bindings/log" | tail -n 20; failed=$((failed + 1)); }
mkdir -p "$stage/bindings" "$stage/node"
cp tests/bindings/test_python.py tests/bindings/test_node.js "$stage/bindings/"
cp bindings/python/README.md "$stage/bindings/python-README.md"
cp bindings/node/README.md "$stage/bindings/node-README.md"

# Debian's python3 (not one under /root, which uid 65534 cannot reach), and
# its setuptools and wheel, which build the package (--system-site-packages).
py=${MOAT_PYTHON:-/usr/bin/python3}
if "$py" -m venv --system-site-packages "$stage/pyvenv" >"$stage/bindings/log" 2>&1 &&
    "$stage/pyvenv/bin/pip" install --no-build-isolation --no-index --no-cache-dir \
        --disable-pip-version-check --quiet "$TOP/bindings/python" >"$stage/bindings/log" 2>&1; then
    ok "pip installs bindings/python into a venv, offline"
else
    not_ok "pip install bindings/python"
fi

tarball=
if (cd bindings/node && npm pack --silent --pack-destination "$stage" \
        --cache "$stage/npm-cache" --offline) >"$stage/bindings/pack" 2>"$stage/bindings/log"; then
    tarball=$stage/$(tail -n 1 "$stage/bindings/pack")
    ok "npm pack makes $(basename "$tarball")"
else
    not_ok "npm pack bindings/node"
fi
if [ -n "$tarball" ] && (cd "$stage/node" && echo '{"private": true}' > package.json &&
        npm install --offline --no-audit --no-fund --cache "$stage/npm-cache" \
            --loglevel=error "$tarball") >"$stage/bindings/log" 2>&1 &&
    [ -f "$stage/node/node_modules/moat-sandbox/build/moat.node" ]; then
    ok "npm installs the tarball, offline, compiling the addon"
else
    not_ok "npm install of the tarball"
fi
rm -rf "$stage/npm-cache"
chmod -R a+rX "$stage"
echo "bindings staged: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
