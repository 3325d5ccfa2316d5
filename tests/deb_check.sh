#!/bin/bash
# make deb-check: the Debian packages built from a clean copy of the tree
# (dpkg-buildpackage -us -uc -b in a directory under /var/tmp), checked with
# lintian (no error; each warning named in debian/README.source), installed
# with dpkg, used from /usr (moat run under the example policy, man, the
# completion, pkg-config and a program built against libmoat), then purged,
# and nothing of them left.  Whatever fails, the packages are purged and the
# directory removed (trap), so the machine is left as it was found; a run
# refuses to start where moat's packages or files are already installed, and
# waits for another running deb-check (one at a time on a machine).
# Root (dpkg).  Prints ok/not ok lines and "deb: N passed, N failed".
# ok and not_ok always return 0, so `test && ok ... || not_ok ...` is sound.
# shellcheck disable=SC2015
set -u
cd "$(dirname "$0")/.." || exit 125
TOP=$(pwd)
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() { echo "deb: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

PACKAGES="moat libmoat1 libmoat-dev"
installed() { # PACKAGE: dpkg knows it in any state but not-installed
    local s
    s=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) && [ -n "$s" ] &&
        [ "$s" != not-installed ]
}

if [ "$(id -u)" != 0 ]; then
    not_ok "make deb-check installs packages: run it as root"; finish
fi
for tool in dpkg-buildpackage dh lintian fakeroot man pkg-config; do
    command -v "$tool" >/dev/null || { not_ok "$tool is missing (scripts/deps.sh installs it)"; finish; }
done
# One deb-check at a time on a machine (two make checks in two checkouts):
# the next waits for the lock, an flock(2) on dpkg's directory that dpkg's own
# fcntl locks do not see, released when this shell and its children exit.
exec 9</var/lib/dpkg
if ! flock -w 1200 9; then
    not_ok "another make deb-check has run for 20 minutes (flock /var/lib/dpkg)"; finish
fi
for p in $PACKAGES; do
    if installed "$p"; then
        not_ok "$p is already installed: deb-check would replace and purge it; remove it first"
        finish
    fi
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# The file the sandboxed command tries to write: removed on exit should the
# sandbox let it through, so it must not be someone else's.
etc_probe=/etc/moat-deb-check
for f in /usr/bin/moat /usr/include/moat.h "/usr/lib/$multiarch/libmoat.so.1" \
         /usr/share/man/man1/moat.1.gz "$etc_probe"; do
    if [ -e "$f" ]; then not_ok "$f exists, not from a package: deb-check would overwrite it"; finish; fi
done

# What dpkg and the dynamic linker know, compared after the purge.
packages_before=$(dpkg-query -W -f='${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n' | sort)
ldcache_before=$(ldconfig -p | sort)

tmp=$(mktemp -d /var/tmp/moat-e2e.deb.XXXXXX)
chmod 0755 "$tmp"
we_installed=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    if [ -n "$we_installed" ]; then
        # shellcheck disable=SC2086
        dpkg --purge $PACKAGES >"$tmp/purge-trap.log" 2>&1 ||
            echo "deb-check: purging after a failure: $(cat "$tmp/purge-trap.log")" >&2
    fi
    rm -f "$etc_probe"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'not_ok "interrupted by a signal"; finish' INT TERM HUP

# ---- build -------------------------------------------------------------------

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
upstream=${version%-*}
src=$tmp/moat-$upstream
mkdir "$src"
# The tree as it is (tracked and new files, not ignored ones: no build/); a
# tarball without git is copied whole but for the build directories.
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # the inner shell expands $f
    git -C "$TOP" ls-files -z --cached --others --exclude-standard |
        (cd "$TOP" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
        tar -C "$TOP" --null -T - -cf - | tar -C "$src" -xf -
else
    tar -C "$TOP" --exclude=./build --exclude=./build-asan -cf - . | tar -C "$src" -xf -
fi
[ -d "$src/build" ] && not_ok "the copy has a build directory" || ok "a clean copy of the tree"

if (cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b builds ($version)"
else
    not_ok "dpkg-buildpackage failed:"; tail -n 40 "$tmp/build.log" | sed 's/^/    /'
    finish
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
debs=()
for p in $PACKAGES; do
    deb=$tmp/${p}_${version}_$arch.deb
    if [ -f "$deb" ]; then debs+=("$deb"); else not_ok "no $deb"; fi
done
[ "${#debs[@]}" = 3 ] && ok "moat, libmoat1 and libmoat-dev were built" || finish
# What the packages hold: their files (and links) must not exist yet, and the
# directories they create must be gone again after the purge.
contents=$(for d in "${debs[@]}"; do dpkg-deb -c "$d"; done)
files=$(echo "$contents" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|')
new_dirs=$(echo "$contents" | awk '$1 ~ /^d/ {print $6}' | sed 's|^\./|/|; s|/$||' | sort -u |
           while read -r d; do [ -n "$d" ] && [ ! -e "$d" ] && echo "$d"; done)
there=""
for f in $files; do [ -e "$f" ] || [ -L "$f" ] && there="$there $f"; done
if [ -n "$there" ]; then
    not_ok "files of the packages exist, not from them: deb-check would overwrite:$there"; finish
fi
grep -q "dpkg-gensymbols: warning" "$tmp/build.log" &&
    not_ok "dpkg-gensymbols: $(grep -A5 'dpkg-gensymbols: warning' "$tmp/build.log")" ||
    ok "dpkg-gensymbols finds the symbols file complete"
grep -q "dh_missing: warning" "$tmp/build.log" &&
    not_ok "dh_missing: $(grep 'dh_missing' "$tmp/build.log")" ||
    ok "every installed file is in a package"

# ---- lintian -----------------------------------------------------------------

lintian --display-level '>=warning' "$tmp/moat_${version}_$arch.changes" >"$tmp/lintian.log" 2>&1
errors=$(grep -c '^E: ' "$tmp/lintian.log")
warnings=$(grep '^W: ' "$tmp/lintian.log" | awk '{print $3}' | sort -u)
echo "    lintian: $errors errors; warnings: ${warnings:-none}" | tr '\n' ' '; echo
[ "$errors" = 0 ] && ok "lintian: no error" || not_ok "lintian: $(grep '^E: ' "$tmp/lintian.log")"
unjustified=""
for w in $warnings; do
    grep -q "^\* $w " debian/README.source || unjustified="$unjustified $w"
done
[ -z "$unjustified" ] && ok "lintian: each warning is justified in debian/README.source" ||
    not_ok "lintian warnings not in debian/README.source:$unjustified"

# ---- install and use ---------------------------------------------------------

# Again just before installing: another run may have installed them meanwhile.
for p in $PACKAGES; do
    if installed "$p"; then not_ok "$p was installed while the packages were built"; finish; fi
done
we_installed=1
if dpkg -i "${debs[@]}" >"$tmp/install.log" 2>&1; then
    ok "dpkg -i installs the three packages"
else
    not_ok "dpkg -i: $(tail -n 20 "$tmp/install.log")"
fi
for p in $PACKAGES; do
    s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
    [ "$s" = "ii " ] && ok "$p is installed" || not_ok "$p: status '$s'"
done

out=$(/usr/bin/moat --version 2>&1)
[ "$out" = "moat $upstream" ] && ok "/usr/bin/moat --version: $out" || not_ok "/usr/bin/moat --version: $out"

# A trivial command under the example policy (installed with the package's
# docs), from a directory the sandbox shows: writes in its workspace, not /etc.
work=$tmp/work
mkdir -p "$work/workspace"
cp /usr/share/doc/moat/examples/policy.json "$work/"
out=$(cd "$work" && /usr/bin/moat run --policy policy.json \
      -c "echo hello > workspace/hello.txt && cat workspace/hello.txt; touch $etc_probe || echo refused" \
      2>"$work/run.err")
status=$?
if [ "$status" = 0 ] && [ "$out" = "hello
refused" ] && [ -f "$work/workspace/hello.txt" ] && [ ! -e "$etc_probe" ] &&
   grep -q "Read-only file system" "$work/run.err"; then
    ok "/usr/bin/moat run under the example policy: writes the workspace, not /etc"
else
    not_ok "/usr/bin/moat run: status $status: $out $(cat "$work/run.err")"
fi
out=$(cd "$work" && /usr/bin/moat check policy.json 2>&1)
echo "$out" | grep -q '"allowWrite"' && ok "/usr/bin/moat check reads the example policy" ||
    not_ok "moat check: $out"

found=$(man -w moat 2>&1)
text=$(MANWIDTH=80 man moat 2>/dev/null)
[ "$found" = /usr/share/man/man1/moat.1.gz ] && echo "$text" | grep -q '^ *moat - run a command' &&
    ok "man moat shows moat(1)" || not_ok "man moat: $found"
MANWIDTH=80 man 5 moat-policy 2>/dev/null | grep -q '^ *moat-policy - ' &&
    ok "man 5 moat-policy shows moat-policy(5)" || not_ok "man 5 moat-policy"

words=$(bash --norc --noprofile -c 'source /usr/share/bash-completion/completions/moat; COMP_WORDS=(moat run --ti); COMP_CWORD=2; _moat; echo "${COMPREPLY[*]}"' 2>&1)
[ "$words" = --timeout ] && ok "the installed bash completion: moat run --ti -> --timeout" ||
    not_ok "installed bash completion: '$words'"
[ -f /usr/share/zsh/vendor-completions/_moat ] && ok "the zsh completion is installed" ||
    not_ok "no /usr/share/zsh/vendor-completions/_moat"
[ -f /usr/share/moat/policy.schema.json ] && ok "the schema is installed" || not_ok "no schema"

libs=$(pkg-config --libs moat 2>&1 | xargs)
[ "$libs" = "-lmoat" ] && ok "pkg-config --libs moat: $libs" || not_ok "pkg-config --libs moat: $libs"
cp tests/library_user.c "$work/use.c"
# The compiler's own header directories without /usr/local/include, where a
# `make install` may have left another moat.h that would be found first.
sysinc=()
while read -r dir; do
    case $dir in /usr/local/*) ;; /*) sysinc+=(-isystem "$dir") ;; esac
done < <(cc -xc -E -v /dev/null 2>&1 | sed -n '/^#include <...> search starts here:/,/^End of search list/p')
# shellcheck disable=SC2046
if cc -std=c17 -nostdinc "${sysinc[@]}" -o "$work/use" "$work/use.c" $(pkg-config --cflags --libs moat) \
      >"$work/cc.log" 2>&1 &&
   [ "$("$work/use")" = "proxy ok" ] &&
   [ "$(ldd "$work/use" | sed -n 's/^[[:space:]]*libmoat\.so\.1 => \(.*\) (.*/\1/p' | xargs readlink -f)" = \
     "$(readlink -f "/usr/lib/$multiarch/libmoat.so.1.0.0")" ]; then
    ok "a program built with pkg-config's flags against /usr/include/moat.h runs with libmoat.so.1"
else
    not_ok "program against the packages: $(cat "$work/cc.log"; ldd "$work/use" 2>&1)"
fi
# shellcheck disable=SC2046
if cc -std=c17 -nostdinc "${sysinc[@]}" -o "$work/use-static" "$work/use.c" \
      "/usr/lib/$multiarch/libmoat.a" $(pkg-config --libs-only-l --static moat | sed 's/-lmoat//') \
      >"$work/cc.log" 2>&1 &&
   [ "$("$work/use-static")" = "proxy ok" ] && ! ldd "$work/use-static" | grep -q libmoat; then
    ok "the same program links /usr/lib/$multiarch/libmoat.a statically (pkg-config --static)"
else
    not_ok "static link: $(cat "$work/cc.log")"
fi

# ---- purge -------------------------------------------------------------------

# shellcheck disable=SC2086
if dpkg --purge $PACKAGES >"$tmp/purge.log" 2>&1; then
    we_installed=""
    ok "dpkg --purge removes them"
else
    not_ok "dpkg --purge: $(cat "$tmp/purge.log")"
fi
for p in $PACKAGES; do
    if installed "$p"; then not_ok "$p is still known to dpkg"; fi
    if [ -n "$(dpkg -L "$p" 2>/dev/null)" ]; then not_ok "dpkg -L $p still lists files"; fi
done
installed moat || [ -n "$(dpkg -L moat 2>/dev/null)" ] || ok "dpkg knows none of them, dpkg -L lists nothing"
[ ! -e /usr/bin/moat ] && ok "/usr/bin/moat is gone" || not_ok "/usr/bin/moat is still there"
left=""
for f in $files; do [ -e "$f" ] || [ -L "$f" ] && left="$left $f"; done
[ -z "$left" ] && ok "no file of the packages is left" || not_ok "left:$left"
left=""
for d in $new_dirs; do [ -e "$d" ] && left="$left $d"; done
[ -z "$left" ] && ok "no directory they created is left ($(echo "$new_dirs" | grep -c .) created)" ||
    not_ok "directories left:$left"
packages_after=$(dpkg-query -W -f='${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n' | sort)
[ "$packages_after" = "$packages_before" ] &&
    ok "dpkg's package list is as before ($(echo "$packages_before" | wc -l) packages)" ||
    not_ok "dpkg's package list changed: $(diff <(echo "$packages_before") <(echo "$packages_after"))"
ldcache_after=$(ldconfig -p | sort)
[ "$ldcache_after" = "$ldcache_before" ] && ok "the dynamic linker's cache lists the same libraries" ||
    not_ok "ldconfig -p changed: $(diff <(echo "$ldcache_before") <(echo "$ldcache_after"))"

finish
