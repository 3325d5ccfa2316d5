# moat — build, test, install.  A plain Makefile: one library, one CLI, unit
# tests and end-to-end tests; one generated source (the syscall filter's
# programs, from tools/seccomp_gen.c), nothing downloaded.
#   make            build/moat (release, hardened) and build/libmoat.so
#   make asan       build-asan/moat and unit tests with ASan+UBSan
#   make check      deps check, both builds, unit tests (sanitized), e2e (root + unprivileged)
#   make install    PREFIX=/usr/local LIBDIR=lib DESTDIR=  (make uninstall: the same)
#   make deb-check  build the Debian packages, install, use and purge them (root)

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

LIB_SRCS  := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
# The rule compiler needs libseccomp; only the build-time generator and the
# unit tests call it, so the shared library leaves it out.
SO_SRCS   := $(filter-out src/sandbox/confine/seccomp_rules.c,$(LIB_SRCS))
CLI_SRCS  := $(sort $(wildcard src/cli/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
HDRS      := $(shell find include src tests/unit -name '*.h')

all: build/moat build/libmoat.so

tests: build/moat build/libmoat.so build/tests/e2e/attack build/tests/e2e/api_client

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

UNIT_BINS_ASAN := $(patsubst %.c,build-asan/%,$(UNIT_SRCS))

asan: build-asan/moat $(UNIT_BINS_ASAN)

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
	$(MAKE) tests asan
	tests/run_all.sh

# What `make install` puts under $(DESTDIR)$(PREFIX) (tests/install.sh checks
# it); nothing else, and no other target, writes outside the checkout.
INSTALLED := bin/moat include/moat.h include/moat_mxc.h include/moat_srt.h \
             $(LIBDIR)/libmoat.a $(LIBDIR)/libmoat.so.$(SO_VERSION) \
             $(LIBDIR)/libmoat.so.$(SO_MAJOR) $(LIBDIR)/libmoat.so $(LIBDIR)/pkgconfig/moat.pc \
             share/moat/policy.schema.json share/man/man1/moat.1 share/man/man5/moat-policy.5 \
             share/bash-completion/completions/moat share/zsh/vendor-completions/_moat

install: build/moat build/libmoat.a build/libmoat.so build/moat.pc
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
	install -D -m 0644 schema/policy.schema.json $(DESTDIR)$(PREFIX)/share/moat/policy.schema.json
	install -D -m 0644 man/moat.1 $(DESTDIR)$(PREFIX)/share/man/man1/moat.1
	install -D -m 0644 man/moat-policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/moat-policy.5
	install -D -m 0644 completions/moat.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/moat
	install -D -m 0644 completions/_moat $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_moat

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	-rmdir $(DESTDIR)$(PREFIX)/share/moat 2>/dev/null

# The Debian packages (debian/): built from a clean copy of the tree,
# checked with lintian, installed, used and purged; the machine is left as it
# was.  Root; make check runs it when run as root, as CI does (tests/run_all.sh).
deb-check:
	tests/deb_check.sh

clean:
	rm -rf build build-asan

FORCE:
.PHONY: all tests asan unit unit-list check install uninstall deb-check clean FORCE
.SECONDARY:
