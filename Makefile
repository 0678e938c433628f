# kvmlab - build, test and demo.  `make help` lists the targets.
#
# BUILD selects the output directory, so instrumented builds (coverage,
# sanitizers) live beside the normal one: build/, build/cov/, ...

BUILD    ?= build
CC       ?= gcc
NASM     ?= nasm
PYTEST   ?= /usr/bin/python3 -m pytest
CFLAGS   ?= -O2 -g
# override: instrumented builds pass CFLAGS on the command line and still need these.
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -I. -Ivmm -MMD -MP
LDLIBS   += -lcapstone -lseccomp -ltracefs -ltraceevent -lrt -lpthread -lm

# The one list of source folders, one per layer (docs/architecture.md, "Layers").
# vmm/ and traps/ themselves stay in it so that a file added at the top level builds too.
SRC_DIRS  := vmm vmm/core vmm/cli vmm/measure vmm/mem vmm/report vmm/security traps traps/devices
VMM_SRCS  := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
LIB_SRCS  := $(filter-out vmm/cli/main.c,$(VMM_SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
# Every payloads/**/*.asm except the include library becomes build/payloads/**/*.bin.
PAYLOAD_SRCS   := $(shell find payloads -name '*.asm' -not -path 'payloads/lib/*' | sort)
PAYLOAD_INC    := $(wildcard payloads/lib/*.inc)

OBJ        = $(BUILD)/obj
VMM_OBJS   = $(VMM_SRCS:%.c=$(OBJ)/%.o)
LIB_OBJS   = $(LIB_SRCS:%.c=$(OBJ)/%.o)
UNIT_OBJS  = $(UNIT_SRCS:%.c=$(OBJ)/%.o)
PAYLOADS   = $(PAYLOAD_SRCS:payloads/%.asm=$(BUILD)/payloads/%.bin)
DEPS_OK    = $(BUILD)/.deps-ok

.PHONY: all deps payloads unit check test demo coverage clean help bench-overhead bench-lifecycle bench-plot
.PHONY: asan coverage-check fuzz fuzz-short fuzz-bins fuzz-merge
.DEFAULT_GOAL := all

all: $(BUILD)/kvmlab payloads $(BUILD)/unit-tests

help:
	@echo "make            build kvmlab, the payloads and the unit tests into $(BUILD)/"
	@echo "make check      build, then run the C unit tests and the pytest suite (fast)"
	@echo "make test       check + asan + coverage gate + a short fuzz pass (what CI runs)"
	@echo "make demo       build, then run the guided tour (scripts/demo.sh)"
	@echo "make coverage   instrumented build + all tests + lcov report in build/coverage"
	@echo "make asan       ASan+UBSan build in build/asan, unit tests + pytest against it (LSan on)"
	@echo "make coverage-check  make coverage, then fail below tests/coverage-threshold"
	@echo "make fuzz       libFuzzer harnesses, FUZZ_SECONDS (60) each; fuzz-short: 20 s each"
	@echo "make deps       install missing Debian packages (scripts/deps.sh)"
	@echo "make labs       render the lab guide (labs/, docs/) to HTML in $(BUILD)/labs"
	@echo "make clean      remove build/"
	@echo "make unit-io    unit tests of the I/O devices (virtqueue, virtio-mmio, UART)"
	@echo "make bench-overhead  kvmlab's accounting vs a raw KVM_RUN loop (exits/s)"
	@echo "make bench-lifecycle a whole one-exit VM, kvmlab vs a raw KVM_RUN program"
	@echo "make bench-plot      kvmlab bench --json -> build/bench.png (gnuplot)"

# One script installs what is missing; the stamp keeps later builds quiet.
$(DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(@D) && touch $@

deps:
	@sh scripts/deps.sh

$(OBJ)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# kvmlab itself links capstone statically into a position-dependent binary: the
# shared library's ~78,000 pointer relocations would otherwise be written (and
# page-faulted in) at every start, ~0.9 ms of a ~2 ms VM lifecycle
# (docs/measurement.md, "What creating a VM costs").
KVMLAB_LDLIBS = $(subst -lcapstone,-l:libcapstone.a,$(LDLIBS))
$(BUILD)/kvmlab: $(VMM_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -no-pie -o $@ $^ $(KVMLAB_LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OBJ)/tests/unit/%.o: override CFLAGS += -Itests/unit
# ktrace.c is the one file that includes libtracefs (tracefs.h includes event-parse.h bare).
$(OBJ)/vmm/measure/ktrace.o: override CFLAGS += -I/usr/include/traceevent

payloads: $(PAYLOADS)

$(BUILD)/payloads/%.bin: payloads/%.asm $(PAYLOAD_INC) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(NASM) -f bin -Ipayloads/lib/ -o $@ $<

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# `make check`: the fast loop while developing - the C unit tests and the
# whole pytest suite against the normal build.
check: all $(BUILD)/unit-bench $(BUILD)/unit-io
	$(BUILD)/unit-tests
	$(BUILD)/unit-bench
	$(BUILD)/unit-io
	KVMLAB_BUILD=$(BUILD) $(PYTEST) -q tests

# `make test`: the gate CI runs (.ci/run).  `check`, then the same suites under
# AddressSanitizer/UBSan/LeakSanitizer, the coverage gate, and a short fuzz pass
# of every libFuzzer harness.  About 6-7 minutes on 2 cores.
FUZZ_CI_SECONDS ?= 10
test: check
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory coverage-check
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CI_SECONDS)
	@echo "make test: unit tests, pytest, asan, coverage gate and fuzzing all passed"

demo: all
	@sh scripts/demo.sh $(BUILD)

# Coverage: a separate gcov-instrumented build, all tests against it, then lcov.
coverage:
	@$(MAKE) --no-print-directory BUILD=build/cov CFLAGS="-O0 -g --coverage -DKVMLAB_GCOV" LDFLAGS=--coverage \
	  all build/cov/unit-bench build/cov/unit-io
	@lcov -q --zerocounters --directory build/cov/obj
	build/cov/unit-tests
	build/cov/unit-bench
	build/cov/unit-io
	KVMLAB_BUILD=build/cov $(PYTEST) -q tests
	@lcov -q $(LCOV_RC) --capture --directory build/cov/obj --output-file build/cov/all.info
	@lcov -q $(LCOV_RC) --extract build/cov/all.info '*/vmm/*' '*/traps/*' --output-file build/cov/kvmlab.info
	@genhtml -q $(LCOV_RC) --branch-coverage --output-directory build/coverage build/cov/kvmlab.info
	@lcov $(LCOV_RC) --summary build/cov/kvmlab.info 2>&1 | sed -n 's/^ *lines\.*: /coverage: vmm+traps lines /p'
	@lcov $(LCOV_RC) --summary build/cov/kvmlab.info 2>&1 | sed -n 's/^ *branches\.*: /coverage: vmm+traps branches /p'
	@echo "coverage: HTML report in build/coverage/index.html"

# Exit accounting and bench (docs/measurement.md).
$(BUILD)/rawloop: tools/rawloop.c | $(DEPS_OK)
	$(CC) $(CFLAGS) -o $@ $<

# Pure logic of accounting and bench (summary, samples, derivation): its own
# small main until the shared unit harness exists.
$(BUILD)/unit-bench: tests/unit/bench/test_bench_logic.c $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bench-overhead: all $(BUILD)/rawloop
	@scripts/bench-overhead $(BUILD)

bench-lifecycle: all $(BUILD)/rawloop
	@scripts/bench-lifecycle $(BUILD)

bench-plot: $(BUILD)/kvmlab payloads
	$(BUILD)/kvmlab bench --json > $(BUILD)/bench.json
	scripts/plot-bench $(BUILD)/bench.json $(BUILD)/bench.png

clean:
	rm -rf build

# ---- I/O devices (docs/io.md): unit tests of the pure device logic ----
# The objects below do no KVM calls; linking only them proves it.  (The
# devices' fuzzers are tests/fuzz/virtqueue.c and uart.c: make fuzz.)
IO_PURE_SRCS := traps/devices/virtqueue.c traps/devices/virtio_mmio.c traps/devices/virtio_console.c \
		traps/devices/virtio_blk.c traps/devices/uart16550.c traps/devices/console.c \
		vmm/core/guestmem.c vmm/mem/memslots.c vmm/core/log.c
IO_UNIT_SRCS := $(wildcard tests/unit/io/*.c)

$(BUILD)/unit-io: $(IO_UNIT_SRCS:%.c=$(OBJ)/%.o) $(IO_PURE_SRCS:%.c=$(OBJ)/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

$(OBJ)/tests/unit/io/%.o: CFLAGS += -Itests/unit/io

unit-io: $(BUILD)/unit-io
	$(BUILD)/unit-io

.PHONY: unit-io

# The lab guide as HTML (labs/README.md, "Rendering the guide"): pandoc, with
# the bench/iobench charts embedded when they have been built.
.PHONY: labs charts
# The charts the guide embeds, measured on this host (a few seconds each).
charts: $(BUILD)/kvmlab payloads
	@mkdir -p $(BUILD)/bench $(BUILD)/iobench
	$(BUILD)/kvmlab bench --json > $(BUILD)/bench/bench.json
	scripts/plot-bench $(BUILD)/bench/bench.json $(BUILD)/bench/exit-cost.svg
	$(BUILD)/kvmlab iobench --json > $(BUILD)/iobench/iobench.json
	scripts/plot-iobench $(BUILD)/iobench/iobench.json $(BUILD)/iobench/iobench.svg
labs: charts | $(DEPS_OK)
	@scripts/render-labs $(BUILD)
# ---- Hardening (docs/security.md) ----

# Branch coverage is off in lcov by default.
LCOV_RC = --rc lcov_branch_coverage=1

# The gate: line coverage may not fall below the figure kept in the repository
# (raise it when coverage rises; never lower it).
coverage-check: coverage
	@lcov $(LCOV_RC) --summary build/cov/kvmlab.info 2>&1 | \
	  awk -v min="$$(cat tests/coverage-threshold)" '/^ *lines/ { sub("%", "", $$2); \
	    if ($$2 + 0 < min + 0) { printf "coverage: FAIL: lines %s%% < threshold %s%% (tests/coverage-threshold)\n", $$2, min; exit 1 } \
	    printf "coverage: ok: lines %s%% >= threshold %s%%\n", $$2, min }'

# Sanitizers: AddressSanitizer (with LeakSanitizer) and UBSan, every test against it.
ASAN_CFLAGS  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_ENV     = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	  all build/asan/unit-bench build/asan/unit-io
	UNIT_VERBOSE=1 $(ASAN_ENV) build/asan/unit-tests >/dev/null   # stderr kept: sanitizer reports
	$(ASAN_ENV) build/asan/unit-bench
	$(ASAN_ENV) build/asan/unit-io
	$(ASAN_ENV) KVMLAB_BUILD=build/asan $(PYTEST) -q tests

# Fuzzing: libFuzzer (clang) harnesses in tests/fuzz/, seeds in tests/fuzz/corpus/NAME/.
# New inputs go to build/fuzz/corpus/NAME (make fuzz-merge folds them back in);
# a crash leaves build/fuzz/crashes/NAME-* and fails the target.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(filter-out tests/fuzz/stubs.c,$(wildcard tests/fuzz/*.c)))
FUZZ_CFLAGS   = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Wno-gnu-variable-sized-type-not-at-end
FUZZ_BINS     = $(FUZZ_TARGETS:%=build/fuzz/fuzz-%)
build/fuzz/fuzz-%: tests/fuzz/%.c tests/fuzz/stubs.c $(LIB_OBJS)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz-bins:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_BINS)
fuzz: fuzz-bins
	@mkdir -p build/fuzz/crashes
	@for f in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$f; \
	  echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
	  build/fuzz/fuzz-$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/crashes/$$f- build/fuzz/corpus/$$f tests/fuzz/corpus/$$f \
	    2>build/fuzz/$$f.log || { tail -40 build/fuzz/$$f.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' build/fuzz/$$f.log | sed "s/^/fuzz: $$f /"; \
	done
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20
fuzz-merge: fuzz-bins
	@for f in $(FUZZ_TARGETS); do build/fuzz/fuzz-$$f -merge=1 tests/fuzz/corpus/$$f build/fuzz/corpus/$$f; done

-include $(VMM_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(IO_UNIT_SRCS:%.c=$(OBJ)/%.d)
