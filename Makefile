# kvmlab - build, test and demo.  `make help` lists the targets.
#
# BUILD selects the output directory, so instrumented builds (coverage,
# sanitizers) live beside the normal one: build/, build/cov/, ...

BUILD    ?= build
CC       ?= gcc
NASM     ?= nasm
PYTEST   ?= /usr/bin/python3 -m pytest
# Python's compiled modules, pytest's assertion-rewritten test modules among
# them, go to one folder under build/ (not __pycache__ beside the sources), and
# are written even where the environment says PYTHONDONTWRITEBYTECODE: then
# each pytest worker and helper script loads them instead of compiling again
# (collecting the suite's 75 test modules takes 2.9 s of CPU from source, 0.6 s
# from the cache; make test starts six workers).
export PYTHONPYCACHEPREFIX := $(CURDIR)/build/pycache
unexport PYTHONDONTWRITEBYTECODE
CFLAGS   ?= -O2 -g
# override: instrumented builds pass CFLAGS on the command line and still need these.
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -I. -Ivmm -MMD -MP
LDLIBS   += -ldl -lseccomp -ltracefs -ltraceevent -lrt -lpthread -lm

# The one list of source folders, one per layer (docs/architecture.md, "Layers").
# vmm/ and traps/ themselves stay in it so that a file added at the top level builds too.
SRC_DIRS  := vmm vmm/core vmm/cli vmm/measure vmm/mem vmm/report vmm/security vmm/migrate vmm/vhost traps traps/devices
VMM_SRCS  := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
LIB_SRCS  := $(filter-out vmm/cli/main.c,$(VMM_SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
# The I/O devices' pure logic (docs/io.md): these objects make no KVM call,
# and build/unit-io-pure links them with only their unit tests to prove it.
IO_PURE_SRCS := traps/devices/virtqueue.c traps/devices/virtio_mmio.c traps/devices/virtio_console.c \
		traps/devices/virtio_blk.c traps/devices/virtio_net.c traps/devices/virtio_balloon.c traps/devices/uart16550.c traps/devices/console.c traps/devices/ioapic.c \
		vmm/core/guestmem.c vmm/mem/memslots.c vmm/core/log.c
IO_UNIT_SRCS := tests/unit/main.c $(wildcard tests/unit/test_io_*.c)
# Every payloads/**/*.asm except the include library becomes build/payloads/**/*.bin.
PAYLOAD_SRCS   := $(shell find payloads -name '*.asm' -not -path 'payloads/lib/*' | sort)
PAYLOAD_INC    := $(wildcard payloads/lib/*.inc)

OBJ        = $(BUILD)/obj
VMM_OBJS   = $(VMM_SRCS:%.c=$(OBJ)/%.o)
LIB_OBJS   = $(LIB_SRCS:%.c=$(OBJ)/%.o)
UNIT_OBJS  = $(UNIT_SRCS:%.c=$(OBJ)/%.o)
IO_PURE_OBJS = $(IO_UNIT_SRCS:%.c=$(OBJ)/%.o) $(IO_PURE_SRCS:%.c=$(OBJ)/%.o)
PAYLOADS   = $(PAYLOAD_SRCS:payloads/%.asm=$(BUILD)/payloads/%.bin)
DEPS_OK    = $(BUILD)/.deps-ok

.PHONY: all deps payloads unit check test demo coverage clean help bench-overhead bench-lifecycle bench-plot
.PHONY: asan coverage-check fuzz fuzz-short fuzz-bins fuzz-merge pytest inst inst-unit inst-pytest coverage-report regress
.DEFAULT_GOAL := all

all: $(BUILD)/kvmlab $(BUILD)/kvmlab-vhost-blk payloads $(BUILD)/unit-tests $(BUILD)/unit-io-pure $(BUILD)/rawloop

help:
	@echo "make            build kvmlab, the payloads and the unit tests into $(BUILD)/"
	@echo "make check      build, then run the C unit tests and the pytest suite (fast)"
	@echo "make test       check + one ASan/UBSan+gcov run with the coverage gate + a short fuzz pass (CI)"
	@echo "make regress    save a results folder (info, JUnit, KTAP, sensitive, bench) in build/regress/"
	@echo "make demo       build, then run the guided tour (scripts/demo.sh)"
	@echo "make coverage   instrumented build + all tests + lcov report in build/coverage"
	@echo "make asan       ASan+UBSan build in build/asan, unit tests + pytest against it (LSan on)"
	@echo "make coverage-check  make coverage, then fail below tests/coverage-threshold"
	@echo "make fuzz       libFuzzer harnesses, FUZZ_SECONDS (60) each; fuzz-short: 20 s each"
	@echo "make deps       install missing Debian packages (scripts/deps.sh)"
	@echo "make site       the course (labs/ in English and Chinese, docs/, figures) as HTML in $(BUILD)/site"
	@echo "make labs       measure the charts, then make site"
	@echo "make clean      remove build/"
	@echo "make unit       the C unit tests (KTAP in $(BUILD)/unit-tests.ktap)"
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

# libcapstone is not linked: vmm/report/disasm.c loads it on first use (dlopen),
# so a run that disassembles nothing pays none of its ~0.9 ms of relocations.
# vmm/core/hot.ld: the per-exit functions in one page of their own, and a
# check that they fit; the instrumented builds outgrow it (HOT_LIMIT=1048576).
HOT_LIMIT ?= 4096
$(BUILD)/kvmlab: $(VMM_OBJS) vmm/core/hot.ld
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,-T,vmm/core/hot.ld -Wl,--defsym,kvmlab_hot_limit=$(HOT_LIMIT) -o $@ $(VMM_OBJS) $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Link-only proof that the pure device objects need nothing from KVM's side
# of kvmlab: it links, or an undefined symbol names what leaked in.  Never run
# (its other suites are absent by design: tests/unit/main.c).
$(BUILD)/unit-io-pure: $(IO_PURE_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

$(OBJ)/tests/unit/%.o: override CFLAGS += -Itests/unit
# The run loop calls ioctl(KVM_RUN) through the GOT, not a PLT stub: the stub's
# page would be one more page walk per exit (vmm/core/hot.ld).
$(OBJ)/vmm/core/vcpu.o: override CFLAGS += -fno-plt
# ktrace.c is the one file that includes libtracefs (tracefs.h includes event-parse.h bare).
$(OBJ)/vmm/measure/ktrace.o: override CFLAGS += -I/usr/include/traceevent
# domxml.c is the one file that includes libxml2 (run --domain, kvmlab domxml).
$(OBJ)/vmm/cli/domxml.o: override CFLAGS += -I/usr/include/libxml2

payloads: $(PAYLOADS)

$(BUILD)/payloads/%.bin: payloads/%.asm $(PAYLOAD_INC) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(NASM) -f bin -Ipayloads/lib/ -o $@ $<

# The C unit tests: KTAP (Documentation/dev-tools/ktap.rst) saved beside the
# binary; shown here are failures ("not ok", diagnostics) and the totals.
# UNIT_ENV: the sanitizer options of an instrumented build.
unit: $(BUILD)/unit-tests $(BUILD)/unit-io-pure
	@$(UNIT_ENV) $(BUILD)/unit-tests > $(BUILD)/unit-tests.ktap; rc=$$?; \
	  grep -E '^ *not ok|^ *# .*:[0-9]+: |^# ' $(BUILD)/unit-tests.ktap; \
	  echo "unit: KTAP in $(BUILD)/unit-tests.ktap"; exit $$rc

# The pytest suite against $(BUILD), on PYTEST_JOBS cores (pytest-xdist).
# --dist loadfile keeps each test file in one worker, so module-scoped
# fixtures are set up once per file; lab commands that share scratch files
# in build/ take a lock (tests/labtools.py).  PYTEST_JOBS=1: one process.
PYTEST_JOBS  ?= 2
PYTEST_XDIST  = $(if $(filter-out 0 1,$(PYTEST_JOBS)),-n $(PYTEST_JOBS) --dist loadfile)
pytest: all
	$(PYTEST_ENV) KVMLAB_BUILD=$(BUILD) $(PYTEST) -q $(PYTEST_XDIST) $(PYTEST_ARGS) tests

# `make check`: the fast loop while developing - the C unit tests and the
# whole pytest suite against the normal build, on CHECK_JOBS workers: the suite
# waits on its guests (timeouts, KVM's SRCU grace periods, pandoc) about a third
# of its time, so four workers on two cores finish sooner than two (about 65 s
# against 95 here).  `make test` runs two passes side by side, two workers each.
CHECK_JOBS ?= 4
check: all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory pytest PYTEST_JOBS=$(CHECK_JOBS)

# `make test`: the gate CI runs (.ci/run).  The unit tests and the pytest
# suite against the normal build and, side by side, one instrumented build
# (build/inst: ASan + LSan + UBSan and gcov together; built while the normal
# pass runs), its unit tests and pytest pass, whose coverage is the gate; then
# a short fuzz pass of every libFuzzer harness, alone on the cores.  The stages,
# their order and what runs beside what: scripts/test-stages, which prints
# each stage's wall time and a summary.
FUZZ_CI_SECONDS ?= 10
test:
	@scripts/test-stages "$(MAKE)" $(FUZZ_CI_SECONDS)
	@echo "make test: unit tests, pytest, ASan/UBSan+coverage run, coverage gate and fuzzing all passed"

# `make regress`: one results folder for scripts/compare (README.md,
# "Regression runs"): info, unit and pytest results (KTAP, JUnit XML), the
# sensitive catalogue and bench.  RESULTS names the folder; the default is
# build/regress/KERNEL-TIMESTAMP.  SENSITIVE_ARGS, BENCH_ARGS pass options on.
RESULTS ?= build/regress/$(shell uname -r)-$(shell date +%Y%m%d-%H%M%S)
BENCH_ARGS ?= --repeat 10
regress: all
	@PYTEST_XDIST="$(PYTEST_XDIST)" SENSITIVE_ARGS="$(SENSITIVE_ARGS)" BENCH_ARGS="$(BENCH_ARGS)" \
	  scripts/regress $(BUILD) $(RESULTS)

# One instrumented build for make test: ASan/UBSan/LSan and gcov in the same
# objects (gcc allows -fsanitize=address,undefined with --coverage), so the
# suite runs twice (normal + instrumented), not three times.  -O1 as make asan
# (at -O0 the build takes 19 CPU s less but the suite 10 more, and gcov counts
# 4 % more lines, so the gate's figure would not be the one it was set on).
# The sanitizer runtimes are linked in (-static-libasan -static-libubsan): a
# process starts and ends 1.5 ms sooner (1,500 fewer page faults: no relocation
# of libasan.so and libubsan.so, LeakSanitizer scans less), and the suite starts
# some 2,500 of them.
# The payloads are the normal build's (nasm output does not depend on CFLAGS):
# linked, with their times, so make finds them up to date.  -g1: line tables and
# function names, what a sanitizer's symbolized report needs (gcov needs no
# debug info); full -g made the build about 28 % slower (29 of its files: 7.3 s
# against 5.3 s), and the suite never reads its variables.
INST_CFLAGS  = -O1 -g1 --coverage -DKVMLAB_GCOV -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
INST_LDFLAGS = --coverage -fsanitize=address,undefined -static-libasan -static-libubsan
INST_MAKE    = $(MAKE) --no-print-directory BUILD=build/inst CFLAGS="$(INST_CFLAGS)" LDFLAGS="$(INST_LDFLAGS)" HOT_LIMIT=1048576
inst:
	@if [ -d $(BUILD)/payloads ] && [ ! -e build/inst/payloads ]; then \
	  mkdir -p build/inst && cp -al $(BUILD)/payloads build/inst/payloads; fi
	@$(INST_MAKE) -j2 all
inst-unit: inst
	@lcov -q --zerocounters --directory build/inst/obj
	@$(INST_MAKE) unit UNIT_ENV="UNIT_VERBOSE=1 $(ASAN_ENV)" 2>build/inst/unit-tests.stderr || \
	  { cat build/inst/unit-tests.stderr; exit 1; }
# Tests marked build_independent or lab_commands (pytest.ini) ran in the normal
# pass already: the lab commands check the documentation against the release
# build; the feature modules take every line they take (docs/measurement.md).
inst-pytest: inst
	@$(INST_MAKE) pytest PYTEST_ENV="$(ASAN_ENV)" PYTEST_ARGS='-m "not build_independent and not lab_commands"'

demo: all
	@sh scripts/demo.sh $(BUILD)

# Coverage: a gcov-instrumented build (build/cov, -O0), all tests against it,
# then lcov.  COV_BUILD=build/inst reports on make test's instrumented run
# instead (coverage-report: no build, no test run).
COV_BUILD ?= build/cov
COV_MAKE = $(MAKE) --no-print-directory BUILD=build/cov CFLAGS="-O0 -g --coverage -DKVMLAB_GCOV" LDFLAGS="--coverage" HOT_LIMIT=1048576
coverage:
	@$(COV_MAKE) -j2 all
	@lcov -q --zerocounters --directory build/cov/obj
	@$(COV_MAKE) unit
	@$(COV_MAKE) pytest
	@$(MAKE) --no-print-directory coverage-report COV_BUILD=build/cov
coverage-report:
	@lcov -q $(LCOV_RC) --capture --directory $(COV_BUILD)/obj --output-file $(COV_BUILD)/all.info
	@lcov -q $(LCOV_RC) --extract $(COV_BUILD)/all.info '*/vmm/*' '*/traps/*' --output-file $(COV_BUILD)/kvmlab.info
	@genhtml -q $(LCOV_RC) --branch-coverage --output-directory build/coverage $(COV_BUILD)/kvmlab.info
	@lcov $(LCOV_RC) --summary $(COV_BUILD)/kvmlab.info 2>&1 | sed -n 's/^ *lines\.*: /coverage: vmm+traps lines /p'
	@lcov $(LCOV_RC) --summary $(COV_BUILD)/kvmlab.info 2>&1 | sed -n 's/^ *branches\.*: /coverage: vmm+traps branches /p'
	@echo "coverage: HTML report in build/coverage/index.html"

# Exit accounting and bench (docs/measurement.md).
# kvmlab-vhost-blk: the vhost-user-blk back-end (tools/vhost-blk/), built from the same
# message layer and the same virtqueue walker and block request handler as kvmlab.
VHOST_BLK_SRCS := $(wildcard tools/vhost-blk/*.c) vmm/vhost/vhost_msg.c vmm/vhost/vhost_sock.c \
		  traps/devices/virtqueue.c traps/devices/virtio_blk.c vmm/core/guestmem.c vmm/mem/memslots.c
$(BUILD)/kvmlab-vhost-blk: $(VHOST_BLK_SRCS:%.c=$(OBJ)/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

$(BUILD)/rawloop: tools/rawloop.c | $(DEPS_OK)
	$(CC) $(CFLAGS) -o $@ $<

bench-overhead: all $(BUILD)/rawloop
	@scripts/bench-overhead $(BUILD)

bench-lifecycle: all $(BUILD)/rawloop
	@scripts/bench-lifecycle $(BUILD)

bench-plot: $(BUILD)/kvmlab payloads
	$(BUILD)/kvmlab bench --json > $(BUILD)/bench.json
	scripts/plot-bench $(BUILD)/bench.json $(BUILD)/bench.png

clean:
	rm -rf build

# The lab guide as HTML (labs/README.md, "Rendering the guide"): pandoc, with
# the bench/iobench charts embedded when they have been built.
.PHONY: labs charts site
# The charts the guide embeds, measured on this host (a few seconds each).
charts: $(BUILD)/kvmlab payloads
	@mkdir -p $(BUILD)/bench $(BUILD)/iobench
	$(BUILD)/kvmlab bench --json > $(BUILD)/bench/bench.json
	scripts/plot-bench $(BUILD)/bench/bench.json $(BUILD)/bench/exit-cost.svg
	$(BUILD)/kvmlab iobench --json > $(BUILD)/iobench/iobench.json
	scripts/plot-iobench $(BUILD)/iobench/iobench.json $(BUILD)/iobench/iobench.svg
labs: charts | $(DEPS_OK)
	@$(MAKE) --no-print-directory site
# INSTRUCTOR=1: the instructor edition, with the instructor notes, in $(BUILD)/site-instructor.
site: | $(DEPS_OK)
	@scripts/render-labs $(if $(INSTRUCTOR),--instructor) $(BUILD)
# ---- Hardening (docs/security.md) ----

# Branch coverage is off in lcov by default.
LCOV_RC = --rc lcov_branch_coverage=1

# The gate: line coverage may not fall below the figure kept in the repository
# (raise it when coverage rises; never lower it).
# make test runs it on build/inst (COV_BUILD) after its instrumented run;
# alone it first runs make coverage.
coverage-check: $(if $(filter build/cov,$(COV_BUILD)),coverage,coverage-report)
	@lcov $(LCOV_RC) --summary $(COV_BUILD)/kvmlab.info 2>&1 | \
	  awk -v min="$$(cat tests/coverage-threshold)" '/^ *lines/ { sub("%", "", $$2); \
	    if ($$2 + 0 < min + 0) { printf "coverage: FAIL: lines %s%% < threshold %s%% (tests/coverage-threshold)\n", $$2, min; exit 1 } \
	    printf "coverage: ok: lines %s%% >= threshold %s%%\n", $$2, min }'

# Sanitizers: AddressSanitizer (with LeakSanitizer) and UBSan, every test against it.
ASAN_CFLAGS  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_ENV     = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ASAN_MAKE    = $(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="-fsanitize=address,undefined" HOT_LIMIT=1048576
asan:
	@$(ASAN_MAKE) -j2 all
	@$(ASAN_MAKE) unit UNIT_ENV="UNIT_VERBOSE=1 $(ASAN_ENV)"   # stderr kept: sanitizer reports
	@$(ASAN_MAKE) pytest PYTEST_ENV="$(ASAN_ENV)"

# Fuzzing: libFuzzer (clang) harnesses in tests/fuzz/, seeds in tests/fuzz/corpus/NAME/.
# New inputs go to build/fuzz/corpus/NAME (make fuzz-merge folds them back in);
# a crash leaves build/fuzz/crashes/NAME-* and fails the target.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_CFLAGS   = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Wno-gnu-variable-sized-type-not-at-end
FUZZ_BINS     = $(FUZZ_TARGETS:%=build/fuzz/fuzz-%)
FUZZ_MAKE     = $(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)"
FUZZ_ROOTS    = $(FUZZ_TARGETS:%=build/fuzz/obj/tests/fuzz/%.o)
# The harnesses link the library from an archive, and only the objects they
# need are compiled for it (104 of 145: the rest is the run loop's world, which
# no harness reaches).  scripts/link-closure finds them from the normal build's
# symbol tables, then again from the objects just built, until the two agree.
build/fuzz/fuzz-%: build/fuzz/obj/tests/fuzz/%.o build/fuzz/libkvmlab.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
build/fuzz/libkvmlab.a: $(FUZZ_LIB_OBJS) build/fuzz/lib.list
	rm -f $@ && ar rcs $@ $(FUZZ_LIB_OBJS)
fuzz-bins: $(LIB_OBJS)
	+@$(FUZZ_MAKE) $(FUZZ_ROOTS)
	+@set -e; prev=; \
	while need=$$(scripts/link-closure $(OBJ) build/fuzz/obj $(FUZZ_ROOTS)); [ "$$need" != "$$prev" ]; do \
	    $(FUZZ_MAKE) $$need; prev=$$need; done; \
	printf '%s\n' $$need | cmp -s - build/fuzz/lib.list || printf '%s\n' $$need > build/fuzz/lib.list; \
	$(FUZZ_MAKE) FUZZ_LIB_OBJS="$$(echo $$need)" $(FUZZ_BINS)
# One target per harness, so `make -j2 fuzz` runs two at a time, each for its
# full FUZZ_SECONDS (make test does).  libFuzzer stops once the whole seconds
# since its start exceed -max_total_time (FuzzerLoop.cpp, TimedOut: ">"), so
# -max_total_time=N fuzzes N+1 seconds: N-1 gives the FUZZ_SECONDS asked for.
fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)
fuzz-run-%: fuzz-bins
	@mkdir -p build/fuzz/crashes build/fuzz/corpus/$*
	@echo "fuzz: $* for $(FUZZ_SECONDS) s"
	@build/fuzz/fuzz-$* -max_total_time=$$(($(FUZZ_SECONDS) > 1 ? $(FUZZ_SECONDS) - 1 : 1)) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/crashes/$*- build/fuzz/corpus/$* tests/fuzz/corpus/$* \
	    2>build/fuzz/$*.log || { tail -40 build/fuzz/$*.log; exit 1; }
	@grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' build/fuzz/$*.log | sed "s/^/fuzz: $* /"
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20
fuzz-merge: fuzz-bins
	@for f in $(FUZZ_TARGETS); do build/fuzz/fuzz-$$f -merge=1 tests/fuzz/corpus/$$f build/fuzz/corpus/$$f; done

-include $(VMM_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(FUZZ_ROOTS:.o=.d)

# ---- The man page and installation (docs/install.md) ----
# kvmlab.1 is written by kvmlab itself from its option and command tables
# (kvmlab --man, vmm/cli/manpage.c), so it cannot disagree with --help.
# PREFIX and DESTDIR as packagers expect: `make install DESTDIR=pkg PREFIX=/usr`.
# An installed kvmlab finds its payloads in ../share/kvmlab/payloads beside
# bin/ (payload_dir, vmm/core/payload.c); payloads/malformed/ are test inputs.
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
PKGDATA  = $(PREFIX)/share/kvmlab
MAN1DIR  = $(PREFIX)/share/man/man1
.PHONY: install uninstall man

all: $(BUILD)/kvmlab.1
man: $(BUILD)/kvmlab.1
$(BUILD)/kvmlab.1: $(BUILD)/kvmlab
	$(BUILD)/kvmlab --man > $@.tmp && mv $@.tmp $@

install: $(BUILD)/kvmlab $(BUILD)/kvmlab.1 payloads
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MAN1DIR)" "$(DESTDIR)$(PKGDATA)/payloads"
	install -m 755 $(BUILD)/kvmlab "$(DESTDIR)$(BINDIR)/kvmlab"
	install -m 644 $(BUILD)/kvmlab.1 "$(DESTDIR)$(MAN1DIR)/kvmlab.1"
	cd $(BUILD)/payloads && find . -name '*.bin' -not -path './malformed/*' | sort | \
	  while read -r f; do install -D -m 644 "$$f" "$(DESTDIR)$(PKGDATA)/payloads/$$f" || exit 1; done

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/kvmlab" "$(DESTDIR)$(MAN1DIR)/kvmlab.1"
	rm -rf "$(DESTDIR)$(PKGDATA)"

# ---- The coding track (labs/code/README.md) ----
# make grade EX=n [SRC=folder]: exercise n against kvmlab's objects; SRC holds
# student.c (default: the skeleton, labs/code/exNN).
.PHONY: grade
grade: $(LIB_OBJS) payloads
	@CC="$(CC)" NASM="$(NASM)" CFLAGS="$(CFLAGS)" LDLIBS="$(LDLIBS)" LIB_OBJS="$(LIB_OBJS)" \
	  scripts/grade $(BUILD) "$(EX)" "$(SRC)"
