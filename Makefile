# moat — build, test, install.  A plain Makefile: one library, one CLI, unit
# tests and end-to-end tests; one generated source (the syscall filter's
# programs, from tools/seccomp_gen.c), nothing downloaded.
#   make            build/moat (release, hardened), build/libmoat.so and build/libmxc_ffi.so
#   make asan       build-asan/moat and unit tests with ASan+UBSan
#   make check      deps check, both builds, unit tests (sanitized), fuzz corpora, e2e (root +
#                   unprivileged)
#   make fuzz       FUZZ_SECONDS=60 FUZZ_TARGETS="addr ..." runs each libFuzzer target (clang,
#                   ASan+UBSan) for that long and prints executions, coverage and crashes per
#                   target (tests/fuzz/README.md; fuzz-merge, fuzz-regress, fuzz-coverage)
#   make install    PREFIX=/usr/local LIBDIR=lib DESTDIR=  (make uninstall: the same)
#   make deb-check  build the Debian packages, install, use and purge them (root)
#                   (and, without DESTDIR, the AppArmor profile where /etc/apparmor.d
#                   exists; `make install-apparmor [DESTDIR=]` alone, as packages do)

PREFIX  ?= /usr/local
# The libraries' directory under PREFIX (Debian's: lib/x86_64-linux-gnu).
LIBDIR  ?= lib
DESTDIR ?=
CC      ?= cc
PKGS    := libseccomp jansson libnftnl libmnl libnghttp2

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wswitch-enum -Wno-format-nonliteral
BASEFLAGS := -std=c17 -D_GNU_SOURCE -Iinclude -Isrc $(WARN) -g \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lseccomp -ljansson -lnftnl -lmnl -lnghttp2)
# The release build takes the libraries Debian ships as archives (jansson,
# libnftnl, libnghttp2 (its HPACK decoder, for firewall mode's name gate), and
# libseccomp, which only its unit tests' rule compiler uses:
# moat loads built-in programs) into the binary: resolving them at every
# start cost the dynamic loader about a millisecond (BENCHMARKS.md).  libmnl
# has no archive.  STATIC_LIBS= links everything dynamically.
STATIC_LIBS ?= -lseccomp -ljansson -lnftnl -lnghttp2
comma       := ,
REL_LDLIBS  := $(if $(STATIC_LIBS),-Wl$(comma)-Bstatic $(STATIC_LIBS) -Wl$(comma)-Bdynamic -lmnl,$(LDLIBS))

# The release builds also take the caller's CPPFLAGS, CFLAGS and LDFLAGS
# (a distribution's hardening and path-mapping flags: debian/rules).
REL_CFLAGS  := $(BASEFLAGS) -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
               $(CPPFLAGS) $(CFLAGS)
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now $(LDFLAGS)
SAN_CFLAGS  := $(BASEFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
# libmoat.so: the release objects again as position-independent code, every
# symbol hidden but the MOAT_API ones of include/*.h.  The soname's number
# changes when an exported function goes or changes (tests/abi_check.py).
SO_MAJOR    := 1
SO_VERSION  := $(SO_MAJOR).0.0
SO_CFLAGS   := $(BASEFLAGS) -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC \
               -fvisibility=hidden $(CPPFLAGS) $(CFLAGS)
SO_LDLIBS   := $(shell pkg-config --libs jansson libnftnl libmnl libnghttp2 2>/dev/null || \
                 echo -ljansson -lnftnl -lmnl -lnghttp2)

LIB_SRCS  := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*' ! -path 'src/mxc_ffi/*'))
# The rule compiler needs libseccomp; only the build-time generator and the
# unit tests call it, so the shared library leaves it out.
SO_SRCS   := $(filter-out src/sandbox/confine/seccomp_rules.c,$(LIB_SRCS))
CLI_SRCS  := $(sort $(shell find src/cli -name '*.c'))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
HDRS      := $(shell find include src tests/unit -name '*.h')

all: build/moat build/libmoat.so build/libmxc_ffi.so

tests: build/moat build/libmoat.so build/libmxc_ffi.so build/tests/e2e/attack \
       build/tests/e2e/api_client build/tests/e2e/mxc_ffi_client \
       build/tests/places/docker-seccomp

define build_rules
$(1)/%.o: %.c $(HDRS) Makefile
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	@$$(CC) $(2) -c $$< -o $$@
$(1)/gen/seccomp_programs.o: $(GEN_PROGRAMS) $(HDRS) Makefile
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	@$$(CC) $(2) -c $$< -o $$@
$(1)/libmoat.a: $$(patsubst %.c,$(1)/%.o,$$(LIB_SRCS)) $(1)/gen/seccomp_programs.o
	@rm -f $$@
	@echo "  AR      $$@"
	@ar rcs $$@ $$^
$(1)/moat: $$(patsubst %.c,$(1)/%.o,$$(CLI_SRCS)) $(1)/libmoat.a
	@echo "  LD      $$@"
	@$$(CC) $(3) -o $$@ $$^ $(4)
$(1)/tests/unit/%: $(1)/tests/unit/%.o $(1)/libmoat.a
	@echo "  LD      $$@"
	@$$(CC) $(3) -o $$@ $$^ $(4)
$(1)/tests/e2e/attack: $(1)/tests/e2e/attack.o
	@echo "  LD      $$@"
	@$$(CC) $(3) -o $$@ $$^ -lpthread
$(1)/tests/places/docker-seccomp: $(1)/tests/places/docker_seccomp.o
	@echo "  LD      $$@"
	@$$(CC) $(3) -o $$@ $$^ $(LDLIBS)
endef
# The syscall filter's programs, compiled with libseccomp at build time from
# src/sandbox/confine/seccomp_rules.c (tools/seccomp_gen.c); both builds load them.
GEN_PROGRAMS := build/gen/seccomp_programs.c
build/tools/seccomp_gen: tools/seccomp_gen.c build/src/sandbox/confine/seccomp_rules.o build/src/util/error.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(GEN_PROGRAMS): build/tools/seccomp_gen
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$< > $@.tmp && mv $@.tmp $@

$(eval $(call build_rules,build,$(REL_CFLAGS),$(REL_LDFLAGS),$(REL_LDLIBS)))
$(eval $(call build_rules,build-asan,$(SAN_CFLAGS),$(SAN_LDFLAGS),$(LDLIBS)))

build/so/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(SO_CFLAGS) -c $< -o $@
build/so/gen/seccomp_programs.o: $(GEN_PROGRAMS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(SO_CFLAGS) -c $< -o $@
build/libmoat.so.$(SO_VERSION): $(patsubst %.c,build/so/%.o,$(SO_SRCS)) build/so/gen/seccomp_programs.o
	@echo "  LD      $@"
	@$(CC) -shared -Wl,-soname,libmoat.so.$(SO_MAJOR) -Wl,-z,relro,-z,now -Wl,--no-undefined \
	    $(LDFLAGS) -o $@ $^ $(SO_LDLIBS)
build/libmoat.so: build/libmoat.so.$(SO_VERSION)
	@ln -sf libmoat.so.$(SO_VERSION) build/libmoat.so.$(SO_MAJOR)
	@ln -sf libmoat.so.$(SO_MAJOR) $@
# Written on every make that needs it (PREFIX and LIBDIR may differ from the
# last run's), replaced only when its text changes.
build/moat.pc: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/$(LIBDIR)' 'includedir=$${prefix}/include' '' \
	    'Name: moat' 'Description: A Linux process sandbox: policy in, sandbox out' \
	    'Version: $(SO_VERSION)' 'Libs: -L$${libdir} -lmoat' \
	    'Libs.private: $(SO_LDLIBS)' 'Requires.private: jansson libnftnl libmnl libnghttp2' \
	    'Cflags: -I$${includedir}' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# The spawn API's test client uses the shared library, as programs do: found
# beside it (a staged copy) or in build/.
build/tests/e2e/api_client: build/tests/e2e/api_client.o build/libmoat.so
	@echo "  LD      $@"
	@$(CC) $(REL_LDFLAGS) -o $@ $< -Lbuild -lmoat -lpthread -Wl,-rpath,'$$ORIGIN:$$ORIGIN/../..'

# libmxc_ffi.so: mxc's in-process ABI (src/mxc_ffi/, docs/compat-mxc.md) on libmoat's
# public API.  libmoat's position-independent objects are linked in, not
# libmoat.so.1: one self-contained file to drop into $MXC_FFI_DIR or over
# mxc's own, as mxc ships it, which the SDK dlopen()s and dlclose()s around
# every run() (-z nodelete: it stays mapped, with its relay threads, and
# loads once).  It exports mxc_* only (exports.map).
MXC_FFI_SRCS := $(sort $(wildcard src/mxc_ffi/*.c)) src/cli/doctor/doctor.c src/cli/doctor/doctor_table.c src/cli/compat/mxc_backends.c \
                src/cli/tell.c
build/libmxc_ffi.so: $(patsubst %.c,build/so/%.o,$(SO_SRCS) $(MXC_FFI_SRCS)) \
                     build/so/gen/seccomp_programs.o src/mxc_ffi/exports.map
	@echo "  LD      $@"
	@$(CC) -shared -Wl,-soname,libmxc_ffi.so -Wl,-z,relro,-z,now,-z,nodelete -Wl,--no-undefined \
	    -Wl,--version-script=src/mxc_ffi/exports.map -o $@ $(filter %.o,$^) $(SO_LDLIBS) -lpthread

# The ABI's test client loads it as the SDK does: dlopen, by path.
build/tests/e2e/mxc_ffi_client: build/tests/e2e/mxc_ffi_client.o
	@echo "  LD      $@"
	@$(CC) $(REL_LDFLAGS) -o $@ $< -ldl -lpthread

# The same library and client with ASan+UBSan, for the sanitizer pass of the
# end-to-end tests (the client carries the sanitizer runtime).
build-asan/so/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(SAN_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@
build-asan/so/gen/seccomp_programs.o: $(GEN_PROGRAMS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(SAN_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@
build-asan/libmxc_ffi.so: $(patsubst %.c,build-asan/so/%.o,$(SO_SRCS) $(MXC_FFI_SRCS)) \
                          build-asan/so/gen/seccomp_programs.o src/mxc_ffi/exports.map
	@echo "  LD      $@"
	@$(CC) -shared $(SAN_LDFLAGS) -Wl,-soname,libmxc_ffi.so -Wl,-z,nodelete \
	    -Wl,--version-script=src/mxc_ffi/exports.map -o $@ $(filter %.o,$^) $(SO_LDLIBS) -lpthread
build-asan/tests/e2e/mxc_ffi_client: build-asan/tests/e2e/mxc_ffi_client.o
	@echo "  LD      $@"
	@$(CC) $(SAN_LDFLAGS) -o $@ $< -ldl -lpthread

UNIT_BINS_ASAN := $(patsubst %.c,build-asan/%,$(UNIT_SRCS))

asan: build-asan/moat $(UNIT_BINS_ASAN) build-asan/libmxc_ffi.so build-asan/tests/e2e/mxc_ffi_client

unit: $(UNIT_BINS_ASAN)
	@tests/unit/run.sh $(UNIT_BINS_ASAN)

# The asan unit-test binaries, for tests/run_all.sh
unit-list:
	@echo $(UNIT_BINS_ASAN)

# The whole suite: installs what it needs (idempotently), builds both
# variants, runs sanitized unit tests, then the end-to-end suite as root and
# as an unprivileged user, and prints one "N passed, N failed" line.
check:
	scripts/deps.sh
	$(MAKE) tests asan fuzz-build
	tests/run_all.sh

# What `make install` puts under $(DESTDIR)$(PREFIX) (tests/install.sh checks
# it); nothing else, and no other target, writes outside the checkout.
INSTALLED := bin/moat include/moat.h include/moat_mxc.h include/moat_srt.h \
             $(LIBDIR)/libmoat.a $(LIBDIR)/libmoat.so.$(SO_VERSION) \
             $(LIBDIR)/libmoat.so.$(SO_MAJOR) $(LIBDIR)/libmoat.so $(LIBDIR)/moat/libmxc_ffi.so \
             $(LIBDIR)/pkgconfig/moat.pc \
             share/moat/policy.schema.json share/man/man1/moat.1 share/man/man5/moat-policy.5 \
             share/bash-completion/completions/moat share/zsh/vendor-completions/_moat

install: build/moat build/libmoat.a build/libmoat.so build/libmxc_ffi.so build/moat.pc
	install -D -m 0755 build/moat $(DESTDIR)$(PREFIX)/bin/moat
	install -D -m 0644 include/moat.h $(DESTDIR)$(PREFIX)/include/moat.h
	install -D -m 0644 include/moat_mxc.h $(DESTDIR)$(PREFIX)/include/moat_mxc.h
	install -D -m 0644 include/moat_srt.h $(DESTDIR)$(PREFIX)/include/moat_srt.h
	install -D -m 0644 build/libmoat.a $(DESTDIR)$(PREFIX)/$(LIBDIR)/libmoat.a
	install -D -m 0755 build/libmoat.so.$(SO_VERSION) \
	    $(DESTDIR)$(PREFIX)/$(LIBDIR)/libmoat.so.$(SO_VERSION)
	ln -sf libmoat.so.$(SO_VERSION) $(DESTDIR)$(PREFIX)/$(LIBDIR)/libmoat.so.$(SO_MAJOR)
	ln -sf libmoat.so.$(SO_MAJOR) $(DESTDIR)$(PREFIX)/$(LIBDIR)/libmoat.so
	install -D -m 0644 build/moat.pc $(DESTDIR)$(PREFIX)/$(LIBDIR)/pkgconfig/moat.pc
	install -D -m 0755 build/libmxc_ffi.so $(DESTDIR)$(PREFIX)/$(LIBDIR)/moat/libmxc_ffi.so
	install -D -m 0644 schema/policy.schema.json $(DESTDIR)$(PREFIX)/share/moat/policy.schema.json
	install -D -m 0644 man/moat.1 $(DESTDIR)$(PREFIX)/share/man/man1/moat.1
	install -D -m 0644 man/moat-policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/moat-policy.5
	install -D -m 0644 completions/moat.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/moat
	install -D -m 0644 completions/_moat $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_moat
	@if [ -z "$(DESTDIR)" ] && [ -d /etc/apparmor.d ]; then \
	    $(MAKE) --no-print-directory install-apparmor; fi

# The AppArmor profile that lets moat create user namespaces under Ubuntu's
# restriction (packaging/apparmor/moat.in, docs/security.md): written for
# $(PREFIX)/bin/moat, and loaded when this kernel runs AppArmor.
install-apparmor:
	@mkdir -p build/apparmor
	@sed 's|@BINDIR@|$(PREFIX)/bin|' packaging/apparmor/moat.in > build/apparmor/moat
	install -D -m 0644 build/apparmor/moat $(DESTDIR)/etc/apparmor.d/moat
	@if [ -z "$(DESTDIR)" ] && [ -d /sys/kernel/security/apparmor ] && \
	    command -v apparmor_parser >/dev/null; then \
	    echo "apparmor_parser -r /etc/apparmor.d/moat"; apparmor_parser -r /etc/apparmor.d/moat; fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	rm -f $(DESTDIR)/etc/apparmor.d/moat
	-rmdir $(DESTDIR)$(PREFIX)/share/moat $(DESTDIR)$(PREFIX)/$(LIBDIR)/moat 2>/dev/null

include tests/fuzz/fuzz.mk

# The Debian packages (debian/): built from a clean copy of the tree,
# checked with lintian, installed, used and purged; the machine is left as it
# was.  Root; make check runs it when run as root, as CI does (tests/run_all.sh).
deb-check:
	tests/deb_check.sh

clean:
	rm -rf build build-asan build-fuzz build-fuzz-cov bindings/node/build

.PHONY: all tests asan unit unit-list check install install-apparmor uninstall deb-check \
        clean FORCE
.SECONDARY:
