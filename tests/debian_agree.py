#!/usr/bin/env python3
"""debian/ agrees with the tree, without building a package (make deb-check
builds, installs and purges them):

- debian/libmoat1.symbols lists exactly the functions abi/libmoat.abi records,
  for the soname the Makefile builds, in the package named after it;
- Build-Depends are the Debian packages of the Makefile's pkg-config modules
  and pkg-config itself, each installed by scripts/deps.sh, which also
  installs the packaging tools; libmoat-dev depends on the packages of
  moat.pc's Requires.private;
- debian/changelog's version is `moat --version`'s, and CHANGELOG.md has it;
- the *.install files take every file `make install` installs, and only those.

Run from the checkout after `make`: tests/debian_agree.py [MOAT].
Prints one ok/not ok line per check and "debian: N passed, N failed".
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checks import TOP, check, finish, read, same

MOAT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(TOP, "build/moat")


def make_var(name):
    m = re.search(r"^%s\s*[:?]?=\s*(.*)$" % name, makefile, re.M)
    return m.group(1).strip() if m else ""


def control_field(stanza, field):
    """A field of a deb822 stanza, continuation lines joined."""
    m = re.search(r"^%s:(.*(?:\n[ \t].*)*)" % field, stanza, re.M)
    return " ".join(m.group(1).split()) if m else ""


def package_names(field):
    """The package names of a relation field, without versions and ${...}."""
    names = []
    for part in field.split(","):
        part = part.strip()
        if part and not part.startswith("${"):
            names.append(re.split(r"[\s(:\[]", part, maxsplit=1)[0])
    return names


def debian_package_of_pc(module):
    """The installed Debian package that ships pkg-config module MODULE."""
    r = subprocess.run(["pkg-config", "--variable=pcfiledir", module], capture_output=True,
                       text=True)
    pc = os.path.join(r.stdout.strip(), module + ".pc")
    r = subprocess.run(["dpkg-query", "-S", os.path.realpath(pc)], capture_output=True, text=True)
    return r.stdout.split(":")[0] if r.returncode == 0 else f"<no package for {module}: {pc}>"


makefile = read("Makefile")
control = read("debian/control")
stanzas = [s for s in control.split("\n\n") if s.strip()]
source = stanzas[0]
binaries = {control_field(s, "Package"): s for s in stanzas[1:]}

# ---- the symbols file ------------------------------------------------------------

abi = read("abi/libmoat.abi")
abi_soname = re.search(r"^soname (\S+)$", abi, re.M)
abi_funcs = set(re.findall(r"^(moat_\w+): ", abi, re.M))
so_major = make_var("SO_MAJOR")
check(abi_soname and abi_soname.group(1) == f"libmoat.so.{so_major}",
      f"abi/libmoat.abi records the Makefile's soname libmoat.so.{so_major}")
lib_package = f"libmoat{so_major}"
check(lib_package in binaries, f"debian/control builds {lib_package}, named after the soname",
      sorted(binaries))
symbols_path = f"debian/{lib_package}.symbols"
symbols = read(symbols_path) if os.path.exists(os.path.join(TOP, symbols_path)) else ""
head = symbols.splitlines()[0] if symbols else ""
check(head.startswith(f"libmoat.so.{so_major} {lib_package} "),
      f"{symbols_path} is for libmoat.so.{so_major} in {lib_package}", head)
sym_funcs = set(re.findall(r"^ (moat_\w+)@Base ", symbols, re.M))
check(len(abi_funcs) > 30, "abi/libmoat.abi's functions were found", len(abi_funcs))
same(sym_funcs, abi_funcs, f"{symbols_path} lists every function of abi/libmoat.abi, and only "
     "those", "symbols", "abi")

# ---- dependencies ----------------------------------------------------------------

deps_sh = read("scripts/deps.sh")
deps = set()
for value in re.findall(r'^PKGS="([^"]*)"', deps_sh, re.M):
    deps |= set(value.split()) - {"$PKGS"}
check(len(deps) > 10, "scripts/deps.sh's package list was found", sorted(deps))

build_deps = set(package_names(control_field(source, "Build-Depends")))
check("debhelper-compat" in build_deps, "Build-Depends: debhelper-compat (Debian's debhelper)")
build_deps.discard("debhelper-compat")
pc_modules = make_var("PKGS").split()
check(len(pc_modules) >= 4, "the Makefile's pkg-config modules were found", pc_modules)
needed = {debian_package_of_pc(m) for m in pc_modules} | {"pkg-config"}
same(build_deps, needed, "Build-Depends are the packages of the Makefile's pkg-config modules "
     "and pkg-config", "debian/control", "Makefile")
check(build_deps <= deps, "scripts/deps.sh installs every build dependency",
      sorted(build_deps - deps))
tools = {"debhelper", "dpkg-dev", "fakeroot", "lintian"}
check(tools <= deps, "scripts/deps.sh installs the packaging tools", sorted(tools - deps))

requires = re.search(r"'Requires\.private: ([^']*)'", makefile)
pc_requires = requires.group(1).split() if requires else []
check(pc_requires, "moat.pc's Requires.private was found in the Makefile")
dev_deps = set(package_names(control_field(binaries.get("libmoat-dev", ""), "Depends")))
want = {debian_package_of_pc(m) for m in pc_requires} | {lib_package}
check(want <= dev_deps, "libmoat-dev depends on libmoat and on what moat.pc requires",
      sorted(want - dev_deps))

# ---- versions --------------------------------------------------------------------

r = subprocess.run([MOAT, "--version"], capture_output=True, text=True)
version = r.stdout.split()[-1] if r.returncode == 0 and r.stdout else None
first = read("debian/changelog").splitlines()[0]
m = re.match(r"^moat \(([^)]+)\) ", first)
deb_version = m.group(1) if m else ""
upstream = re.sub(r"-[^-]*$", "", deb_version)
check(upstream == version, f"debian/changelog's {deb_version} is moat --version's {version}", first)
check(re.search(r"^## \[%s\]" % re.escape(version or "?"), read("CHANGELOG.md"), re.M),
      f"CHANGELOG.md has a section for {version}")

# ---- what make install installs, and the .install files --------------------------

multiarch = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], capture_output=True,
                           text=True).stdout.strip()
dest = tempfile.mkdtemp(prefix="moat-e2e.debian.", dir="/var/tmp")
try:
    r = subprocess.run(["make", "-s", "install", f"DESTDIR={dest}", "PREFIX=/usr",
                        f"LIBDIR=lib/{multiarch}"], cwd=TOP, capture_output=True, text=True)
    check(r.returncode == 0, "make install PREFIX=/usr LIBDIR=lib/MULTIARCH", r.stdout + r.stderr)
    # debian/rules adds the AppArmor profile, as make install does without DESTDIR.
    r = subprocess.run(["make", "-s", "install-apparmor", f"DESTDIR={dest}", "PREFIX=/usr"],
                       cwd=TOP, capture_output=True, text=True)
    check(r.returncode == 0, "make install-apparmor PREFIX=/usr", r.stdout + r.stderr)
    installed = set()
    for root, dirs, files in os.walk(dest):
        for f in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            installed.add(os.path.relpath(os.path.join(root, f), dest))
finally:
    shutil.rmtree(dest)
claimed, owners = set(), {}
for name in sorted(os.listdir(os.path.join(TOP, "debian"))):
    if not name.endswith(".install"):
        continue
    package = name[: -len(".install")]
    check(package in binaries, f"debian/{name} is for a package debian/control builds")
    for line in read(f"debian/{name}").split("\n"):
        pattern = line.strip().replace("${DEB_HOST_MULTIARCH}", multiarch)
        if not pattern:
            continue
        hits = {f for f in installed if fnmatch.fnmatch(f, pattern)}
        check(hits, f"debian/{name}: {line.strip()} matches what make install installs")
        for f in hits:
            owners.setdefault(f, []).append(package)
        claimed |= hits
same(claimed, installed, "the .install files take every file make install installs",
     "debian/*.install", "make install")
twice = {f: p for f, p in owners.items() if len(p) > 1}
check(not twice, "no file goes into two packages", twice)

finish("debian")
