#!/bin/sh
# Install the Debian packages that only the benchmarks need (on top of
# scripts/deps.sh).  srt (@anthropic-ai/sandbox-runtime) on Linux needs
# bubblewrap, socat and ripgrep; the bench scripts need node/npm to install it,
# hyperfine for start-up timing and curl for the smoke checks.  mxc's own
# libmxc_ffi.so (bench/mxc_ffi.sh) needs slirp4netns for its firewall mode.
# Idempotent: installs nothing when everything is present.
set -eu
PKGS="bubblewrap socat ripgrep nodejs npm hyperfine curl python3 time slirp4netns"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# node/npm may come from elsewhere than Debian (a newer Node); accept that.
case " $missing " in *" nodejs "*) command -v node >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
case " $missing " in *" npm "*) command -v npm >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ npm//') ;; esac
case " $missing " in *" python3 "*) command -v python3 >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ python3//') ;; esac
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "bench/deps: missing Debian packages:$missing (run this script as root)" >&2
    exit 1
fi
echo "bench/deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
