# kvmlab - build, test and demo.  `make help` lists the targets.
#
# BUILD selects the output directory, so instrumented builds (coverage,
# sanitizers) live beside the normal one: build/, build/cov/, ...

BUILD    ?= build
CC       ?= gcc
NASM     ?= nasm
PYTEST   ?= /usr/bin/python3 -m pytest
CFLAGS   ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Ivmm -MMD -MP
LDLIBS   += -lcapstone -lrt -lpthread -lm

VMM_SRCS  := $(wildcard vmm/*.c) $(wildcard traps/*.c)
LIB_SRCS  := $(filter-out vmm/main.c,$(VMM_SRCS))
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

.PHONY: all deps payloads unit test demo coverage clean help bench-overhead bench-plot
.DEFAULT_GOAL := all

all: $(BUILD)/kvmlab payloads $(BUILD)/unit-tests

help:
	@echo "make            build kvmlab, the payloads and the unit tests into $(BUILD)/"
	@echo "make test       build, then run the C unit tests and the pytest suite"
	@echo "make demo       build, then run the guided tour (scripts/demo.sh)"
	@echo "make coverage   instrumented build + all tests + lcov report in build/coverage"
	@echo "make deps       install missing Debian packages (scripts/deps.sh)"
	@echo "make labs       render the lab guide (labs/, docs/) to HTML in $(BUILD)/labs"
	@echo "make clean      remove build/"
	@echo "make bench-overhead  kvmlab's accounting vs a raw KVM_RUN loop (exits/s)"
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

$(BUILD)/kvmlab: $(VMM_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OBJ)/tests/unit/%.o: override CFLAGS += -Itests/unit

payloads: $(PAYLOADS)

$(BUILD)/payloads/%.bin: payloads/%.asm $(PAYLOAD_INC) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(NASM) -f bin -Ipayloads/lib/ -o $@ $<

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

test: all $(BUILD)/unit-bench
	$(BUILD)/unit-tests
	$(BUILD)/unit-bench
	KVMLAB_BUILD=$(BUILD) $(PYTEST) -q tests

demo: all
	@sh scripts/demo.sh $(BUILD)

# Coverage: a separate gcov-instrumented build, all tests against it, then lcov.
coverage:
	@$(MAKE) --no-print-directory BUILD=build/cov CFLAGS="-O0 -g --coverage" LDFLAGS=--coverage all
	@lcov -q --zerocounters --directory build/cov/obj
	build/cov/unit-tests
	KVMLAB_BUILD=build/cov $(PYTEST) -q tests
	@lcov -q --capture --directory build/cov/obj --output-file build/cov/all.info
	@lcov -q --extract build/cov/all.info '*/vmm/*' '*/traps/*' --output-file build/cov/kvmlab.info
	@genhtml -q --output-directory build/coverage build/cov/kvmlab.info
	@lcov --summary build/cov/kvmlab.info 2>&1 | sed -n 's/^ *lines\.*: /coverage: vmm+traps lines /p'
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

bench-plot: $(BUILD)/kvmlab payloads
	$(BUILD)/kvmlab bench --json > $(BUILD)/bench.json
	scripts/plot-bench $(BUILD)/bench.json $(BUILD)/bench.png

clean:
	rm -rf build

# The lab guide as HTML (labs/README.md, "Rendering the guide"): pandoc, with
# the bench/iobench charts embedded when they have been built.
.PHONY: labs
labs: | $(DEPS_OK)
	@scripts/render-labs $(BUILD)

-include $(VMM_OBJS:.o=.d) $(UNIT_OBJS:.o=.d)
