# Fuzzing (tests/fuzz/README.md), included by the Makefile: one libFuzzer binary per
# tests/fuzz/fuzz_<name>.c, built with clang, ASan and UBSan against a coverage-instrumented
# copy of the library.  A new target is one new file; nothing here names targets.
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="addr dns_query"]   fuzz each target in turn
#   make fuzz-regress    run every corpus input once (part of make check)
#   make fuzz-merge      fold what `make fuzz` found into tests/fuzz/corpus/, minimised
#   make fuzz-coverage   line coverage of src/ reached by the corpora (llvm-cov)

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := $(BASEFLAGS) -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer

build-fuzz/%.o: %.c $(HDRS) $(wildcard tests/fuzz/*.h) Makefile tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
# Without the generated seccomp programs: no parser needs them.
build-fuzz/libmoat.a: $(patsubst %.c,build-fuzz/%.o,$(LIB_SRCS))
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^
build-fuzz/fuzz_%: build-fuzz/tests/fuzz/fuzz_%.o build-fuzz/libmoat.a
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Source-based coverage of the same targets, without the sanitizers (build-fuzz-cov/).
FUZZ_COV_BINS   := $(patsubst tests/fuzz/%.c,build-fuzz-cov/%,$(FUZZ_SRCS))
FUZZ_COV_CFLAGS := $(BASEFLAGS) -O1 -fprofile-instr-generate -fcoverage-mapping \
                   -fsanitize=fuzzer-no-link

build-fuzz-cov/%.o: %.c $(HDRS) $(wildcard tests/fuzz/*.h) Makefile tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -c $< -o $@
build-fuzz-cov/libmoat.a: $(patsubst %.c,build-fuzz-cov/%.o,$(LIB_SRCS))
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^
build-fuzz-cov/fuzz_%: build-fuzz-cov/tests/fuzz/fuzz_%.o build-fuzz-cov/libmoat.a
	@echo "  LD      $@"
	@$(FUZZ_CC) -fprofile-instr-generate -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: fuzz-build
	@FUZZ_TARGETS="$(FUZZ_TARGETS)" tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-regress: fuzz-build
	@tests/fuzz/regress.sh $(FUZZ_BINS)

fuzz-merge: fuzz-build
	@FUZZ_TARGETS="$(FUZZ_TARGETS)" tests/fuzz/merge.sh $(FUZZ_BINS)

fuzz-coverage: $(FUZZ_COV_BINS)
	@tests/fuzz/coverage.sh $(FUZZ_COV_BINS)

# The fuzz binaries, for tests/run_all.sh
fuzz-list:
	@echo $(FUZZ_BINS)

.PHONY: fuzz-build fuzz fuzz-regress fuzz-merge fuzz-coverage fuzz-list
