#!/bin/bash
# `make install` and `make uninstall` into a DESTDIR under /var/tmp: every
# file lands under DESTDIR/PREFIX with its mode, the installed binary runs,
# a program builds against the installed headers and library, uninstall
# removes it all; and `make check`'s build targets install nothing.
# Run from the checkout after `make` (tests/run_all.sh does).
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }

tmp=$(mktemp -d /var/tmp/moat-e2e.install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root work=$tmp/work prefix=/opt/moat-test
mkdir "$dest" "$work"

if make -s install DESTDIR="$dest" PREFIX="$prefix" >"$work/log" 2>&1; then
    ok "make install DESTDIR=... PREFIX=... succeeds"
else
    not_ok "make install failed: $(cat "$work/log")"
fi

expect_file() { # PATH MODE
    local f="$dest$prefix/$1" mode
    mode=$(stat -c %a "$f" 2>/dev/null)
    if [ "$mode" = "$2" ]; then ok "installed $1 ($2)"; else not_ok "$1: mode '$mode', want $2"; fi
}
expect_file bin/moat 755
expect_file include/moat.h 644
expect_file include/moat_mxc.h 644
expect_file include/moat_srt.h 644
expect_file lib/libmoat.a 644
# The soname's number and the library's version, as the Makefile sets them.
major=$(sed -n 's/^SO_MAJOR *:= *//p' Makefile)
so_version=$major$(sed -n 's/^SO_VERSION *:= *\$(SO_MAJOR)//p' Makefile)
expect_file "lib/libmoat.so.$so_version" 755
expect_file lib/pkgconfig/moat.pc 644
[ "$(readlink "$dest$prefix/lib/libmoat.so")" = "libmoat.so.$major" ] &&
    [ "$(readlink "$dest$prefix/lib/libmoat.so.$major")" = "libmoat.so.$so_version" ] &&
    ok "libmoat.so -> libmoat.so.$major -> libmoat.so.$so_version" ||
    not_ok "the library's links are wrong"
expect_file share/moat/policy.schema.json 644
cmp -s schema/policy.schema.json "$dest$prefix/share/moat/policy.schema.json" &&
    ok "the schema is the checkout's" || not_ok "the installed schema differs"
expect_file share/man/man1/moat.1 644
expect_file share/man/man5/moat-policy.5 644
expect_file share/bash-completion/completions/moat 644
expect_file share/zsh/vendor-completions/_moat 644
cmp -s completions/moat.bash "$dest$prefix/share/bash-completion/completions/moat" &&
    cmp -s completions/_moat "$dest$prefix/share/zsh/vendor-completions/_moat" &&
    ok "the completions are the checkout's" || not_ok "the installed completions differ"

# man finds both pages in the installed tree, by name, and renders them.
for page in "1 moat" "5 moat-policy"; do
    # shellcheck disable=SC2086
    set -- $page
    found=$(man -M "$dest$prefix/share/man" -w "$1" "$2" 2>&1)
    text=$(MANWIDTH=80 man -M "$dest$prefix/share/man" "$1" "$2" 2>&1)
    if [ "$found" = "$dest$prefix/share/man/man$1/$2.$1" ] &&
       printf '%s\n' "$text" | grep -q "^ *$2 - "; then
        ok "man -M PREFIX/share/man $1 $2 finds and shows it"
    else
        not_ok "man $1 $2: $found / $(printf '%s\n' "$text" | head -n 3)"
    fi
done

# The installed bash completion, sourced as bash-completion would: moat r -> run.
words=$(bash --norc --noprofile -c 'source "$1"; COMP_WORDS=(moat r); COMP_CWORD=1; _moat; echo "${COMPREPLY[*]}"' \
        bash "$dest$prefix/share/bash-completion/completions/moat" 2>&1)
[ "$words" = run ] && ok "the installed bash completion completes moat r to run" ||
    not_ok "installed bash completion: '$words'"

# Nothing outside DESTDIR/PREFIX.
extra=$(find "$dest" ! -type d ! -path "$dest$prefix/*")
[ -z "$extra" ] && ok "nothing installed outside PREFIX" || not_ok "stray files: $extra"

out=$("$dest$prefix/bin/moat" --version 2>&1)
case "$out" in "moat "[0-9]*) ok "the installed binary runs ($out)" ;;
    *) not_ok "installed moat --version: $out" ;; esac

# A library user: headers and archive from the install, the link line the
# README gives.
cp tests/library_user.c "$work/use.c"
# shellcheck disable=SC2046
if cc -std=c17 -I"$dest$prefix/include" -o "$work/use" "$work/use.c" -L"$dest$prefix/lib" -l:libmoat.a \
      $(pkg-config --libs libseccomp jansson libnftnl libmnl libnghttp2) >"$work/cc.log" 2>&1 &&
   [ "$("$work/use")" = "proxy ok" ]; then
    ok "a program builds statically and runs against the installed header and archive"
else
    not_ok "building against the install: $(cat "$work/cc.log")"
fi
# The shared library, found through the installed moat.pc (which names the
# PREFIX; the sysroot variable maps it into DESTDIR).
# shellcheck disable=SC2046
if flags=$(PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" \
               pkg-config --cflags --libs moat 2>"$work/pc.log") &&
   cc -std=c17 -o "$work/use-so" "$work/use.c" $flags >"$work/cc.log" 2>&1 &&
   [ "$(LD_LIBRARY_PATH="$dest$prefix/lib" "$work/use-so")" = "proxy ok" ] &&
   readelf -d "$work/use-so" | grep -q "NEEDED.*\[libmoat\.so\.$major\]"; then
    ok "a program builds with pkg-config's flags and runs against libmoat.so.$major"
else
    not_ok "building against libmoat.so: $flags $(cat "$work/pc.log" "$work/cc.log")"
fi

make -s uninstall DESTDIR="$dest" PREFIX="$prefix" >/dev/null 2>&1
left=$(find "$dest$prefix" ! -type d 2>/dev/null)
[ -z "$left" ] && ok "make uninstall removes every installed file" || not_ok "left: $left"

# LIBDIR (a distribution's multiarch directory): the libraries and moat.pc
# go there, and moat.pc says so, although build/moat.pc was written for the
# other LIBDIR above.
libdir=lib/x86_64-test-gnu
if make -s install DESTDIR="$dest" PREFIX="$prefix" LIBDIR="$libdir" >"$work/log" 2>&1 &&
   [ -f "$dest$prefix/$libdir/libmoat.so.$so_version" ] && [ -f "$dest$prefix/$libdir/libmoat.a" ] &&
   grep -qx "libdir=\${prefix}/$libdir" "$dest$prefix/$libdir/pkgconfig/moat.pc" &&
   [ "$(PKG_CONFIG_PATH="$dest$prefix/$libdir/pkgconfig" pkg-config --variable=libdir moat)" = \
     "$prefix/$libdir" ] && [ ! -e "$dest$prefix/lib/libmoat.a" ]; then
    ok "make install LIBDIR=$libdir puts the libraries and moat.pc there"
else
    not_ok "LIBDIR=$libdir: $(cat "$work/log"; find "$dest" ! -type d)"
fi
make -s uninstall DESTDIR="$dest" PREFIX="$prefix" LIBDIR="$libdir" >/dev/null 2>&1
left=$(find "$dest$prefix" ! -type d 2>/dev/null)
[ -z "$left" ] && ok "make uninstall LIBDIR=$libdir removes every installed file" ||
    not_ok "left: $left"

# make check builds with `make tests asan`: neither may install anything.
if make -n tests asan DESTDIR="$dest" PREFIX="$prefix" | grep -E "install |$prefix" >/dev/null; then
    not_ok "make tests/asan would install: $(make -n tests asan | grep -E 'install ')"
else
    ok "make check's build targets install nothing"
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
