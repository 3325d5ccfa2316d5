# moat — build, test, install.  A plain Makefile: one library, one CLI, unit
# tests and end-to-end tests; one generated source (the syscall filter's
# programs, from tools/seccomp_gen.c), nothing downloaded.
#   make            build/moat (release, hardened)
#   make asan       build-asan/moat and unit tests with ASan+UBSan
#   make check      deps check, both builds, unit tests (sanitized), e2e (root + unprivileged)
#   make install    PREFIX=/usr/local DESTDIR= (and the AppArmor profile where
#                   /etc/apparmor.d exists; `make install-apparmor` alone)

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := libseccomp jansson libnftnl libmnl

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wswitch-enum -Wno-format-nonliteral
BASEFLAGS := -std=c17 -D_GNU_SOURCE -Iinclude -Isrc $(WARN) -g \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lseccomp -ljansson -lnftnl -lmnl)
# The release build takes the libraries Debian ships as archives (jansson,
# libnftnl, and libseccomp, which only its unit tests' rule compiler uses:
# moat loads built-in programs) into the binary: resolving them at every
# start cost the dynamic loader about a millisecond (BENCHMARKS.md).  libmnl
# has no archive.  STATIC_LIBS= links everything dynamically.
STATIC_LIBS ?= -lseccomp -ljansson -lnftnl
comma       := ,
REL_LDLIBS  := $(if $(STATIC_LIBS),-Wl$(comma)-Bstatic $(STATIC_LIBS) -Wl$(comma)-Bdynamic -lmnl,$(LDLIBS))

REL_CFLAGS  := $(BASEFLAGS) -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now
SAN_CFLAGS  := $(BASEFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined

LIB_SRCS  := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
CLI_SRCS  := $(sort $(wildcard src/cli/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
HDRS      := $(shell find include src tests/unit -name '*.h')

all: build/moat

tests: build/moat build/tests/e2e/attack build/tests/places/docker-seccomp

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

install: build/moat
	install -D -m 0755 build/moat $(DESTDIR)$(PREFIX)/bin/moat
	install -D -m 0644 include/moat.h $(DESTDIR)$(PREFIX)/include/moat.h
	install -D -m 0644 build/libmoat.a $(DESTDIR)$(PREFIX)/lib/libmoat.a
	install -D -m 0644 schema/policy.schema.json $(DESTDIR)$(PREFIX)/share/moat/policy.schema.json
	@if [ -d /etc/apparmor.d ]; then $(MAKE) --no-print-directory install-apparmor; fi

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

clean:
	rm -rf build build-asan

.PHONY: all tests asan unit unit-list check install install-apparmor clean
.SECONDARY:
