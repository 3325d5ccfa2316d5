# shellcheck shell=bash
# Anthropic's sandbox-runtime (`srt`, npm @anthropic-ai/sandbox-runtime) for the
# peer side of the benchmarks.  Source this file, then:
#
#   srt_install                      install the pinned version into
#                                    bench/.cache/srt (idempotent; needs the npm
#                                    registry only the first time)
#   srt_settings_write FILE DOMAIN...
#                                    write a settings JSON that allows DOMAIN...
#                                    (srt matches the CONNECT host exactly: use
#                                    "127.0.0.1" for an IP literal, "localhost"
#                                    for that name; none = no network)
#   srt_cmd SETTINGS -- CMD [ARG...] run CMD under srt with that settings file
#   srt_bin                          print the path of the srt executable
#
# srt on Linux needs bwrap, socat and rg on PATH (bench/deps.sh installs them).
# Inside the sandbox srt sets HTTP(S)_PROXY=http://srt.<id>:<pw>@localhost:3128
# and also NO_PROXY=localhost,127.0.0.1,::1,... so a client that honours
# NO_PROXY (curl) goes *direct* to loopback targets, which fail in srt's empty
# network namespace; use `curl --noproxy '' ...` to force the proxy.
#
# Version: 0.0.83 declares "engines": node >= 22.12 but runs under the Node 20
# here (checked: `true`, curl through the proxy, the network benchmarks).

SRT_VERSION=${SRT_VERSION:-0.0.83}
SRT_PKG=@anthropic-ai/sandbox-runtime
SRT_DIR=${SRT_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/srt}

srt_bin() {
    echo "$SRT_DIR/node_modules/.bin/srt"
}

srt_installed_version() {
    local pj="$SRT_DIR/node_modules/$SRT_PKG/package.json"
    [ -r "$pj" ] || return 1
    node -e 'process.stdout.write(require(process.argv[1]).version)' "$pj" 2>/dev/null
}

srt_install() {
    if [ "$(srt_installed_version)" = "$SRT_VERSION" ] && [ -x "$(srt_bin)" ]; then
        return 0
    fi
    command -v npm >/dev/null || { echo "srt: npm not found (install nodejs)" >&2; return 1; }
    local t
    for t in bwrap socat rg; do
        command -v "$t" >/dev/null || echo "srt: warning: $t not on PATH (run bench/deps.sh)" >&2
    done
    mkdir -p "$SRT_DIR"
    # A private package.json keeps npm from walking up into the project.
    [ -f "$SRT_DIR/package.json" ] ||
        printf '{ "name": "moat-bench-srt", "private": true }\n' > "$SRT_DIR/package.json"
    echo "srt: installing $SRT_PKG@$SRT_VERSION into $SRT_DIR" >&2
    (cd "$SRT_DIR" && npm install --no-audit --no-fund --loglevel=error \
        --save-exact "$SRT_PKG@$SRT_VERSION" >&2) || return 1
    [ "$(srt_installed_version)" = "$SRT_VERSION" ] || {
        echo "srt: install did not produce version $SRT_VERSION" >&2
        return 1
    }
}

# srt_settings_write FILE [DOMAIN...]
srt_settings_write() {
    local file=$1
    shift
    python3 - "$file" "$@" <<'PY'
import json, sys
f, doms = sys.argv[1], sys.argv[2:]
cfg = {"network": {"allowedDomains": doms, "deniedDomains": []},
       "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": []}}
with open(f, "w") as fh:
    json.dump(cfg, fh, indent=2)
    fh.write("\n")
PY
}

# srt_cmd SETTINGS -- CMD [ARG...]
# Runs in the foreground and returns the command's exit status.  srt shell-quotes
# each argument (0.0.83), so arguments with spaces survive.
srt_cmd() {
    local settings=$1
    shift
    [ "${1:-}" = "--" ] && shift
    "$(srt_bin)" --settings "$settings" -- "$@"
}
