# adkit: `make` builds, `make demo` runs the sample pipeline, `make check`
# runs the plain build's fast tests (the edit loop), `make test` runs every
# test (plain and sanitized, the slow tier, the image). Each installs the
# Debian packages it needs and no more (scripts/deps.sh: build, check,
# test) when they are missing, as root, or names them otherwise.

SHELL = /bin/bash
PREFIX ?= /usr/local
CC ?= gcc
CXX ?= g++
BUILD ?= build
# Commands are found here by the bats tests; the asan run points it elsewhere.
ADKIT_BIN ?= bin

WARN = -Wall -Wextra -Werror
# OpenBLAS's cblas.h: Debian's default /usr/include cblas.h may be another
# BLAS's (an alternative), without openblas_set_num_threads.
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
# -MMD: each object lists the headers it read, so a header change rebuilds
# only what includes it.
CFLAGS_BASE = -std=c11 $(WARN) -g -MMD -MP $(BLAS_CFLAGS)
CXXFLAGS_BASE = -std=c++11 $(WARN) -g -MMD -MP
OPT ?= -O2
SAN ?=
CFLAGS ?= $(OPT)
CXXFLAGS ?= $(OPT)
# libmicrohttpd and jansson: ad-serve's HTTP and JSON (lib/serve).
LDLIBS = -lcsv -ldouble-conversion -lxxhash -lmd -lsvm -lopenblas -lmicrohttpd \
	-ljansson -lstdc++ -lpthread -lm

# lib/ in tiers, lowest first: a folder sees its own headers and those of
# the tiers below it, and nothing else, so an engine that includes a
# runner's header does not compile.
TIERS = common io engine detect run serve cli
SEES_common = common
SEES_io = common io
SEES_engine = common io engine
SEES_detect = common io engine detect
SEES_run = common io engine detect run
SEES_serve = common io engine detect run serve
SEES_cli = common io cli
# cmd/, the tests and the fuzz targets see every tier.
INC_ALL = $(TIERS:%=-Ilib/%)
tier_of = $(word 2,$(subst /, ,$(1)))
sees = $(SEES_$(call tier_of,$(1)):%=-Ilib/%)

LIB_C = $(sort $(wildcard $(TIERS:%=lib/%/*.c)))
LIB_CC = $(sort $(wildcard $(TIERS:%=lib/%/*.cc)))
LIB_H = $(sort $(wildcard $(TIERS:%=lib/%/*.h)))
CMDS = $(patsubst cmd/%.c,%,$(sort $(wildcard cmd/ad-*.c)))
UNITS = $(patsubst tests/unit/%.c,%,$(sort $(wildcard tests/unit/test_*.c)))
FUZZERS = $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
MANS = $(sort $(wildcard man/*.[157]))

OBJ = $(BUILD)/obj
LIB_OBJS = $(LIB_C:lib/%.c=$(OBJ)/%.o) $(LIB_CC:lib/%.cc=$(OBJ)/%.o)
LIBA = $(BUILD)/libadkit.a

.PHONY: all deps test check unit bats bats-slow headers manlint fuzz-replay asan fault fault-asan render \
	demo install clean fuzz fuzz-build fuzz-long bench image image-test image-clean \
	components

# `make` builds, after checking the build group's packages; `make deps`
# installs those of DEPS_GROUPS, and `make test` calls it first.
all: lib/libadkit.a $(CMDS:%=bin/%)

# The image's build stage needs only the build group (DEPS_GROUPS=build).
DEPS_GROUPS ?= build test

deps:
	@scripts/deps.sh --check $(DEPS_GROUPS) || scripts/deps.sh $(DEPS_GROUPS)

deps-build:
	@scripts/deps.sh --check build || scripts/deps.sh build
deps-check:
	@scripts/deps.sh --check check || scripts/deps.sh check
.PHONY: deps-build deps-check

# The autoencoder's elementwise loops (activations, masks, Adam) run over
# every value of every batch; vectorizing them halves training time and
# changes no result (no reassociation: sums stay scalar without -ffast-math).
# (clang has no -fvect-cost-model: it is asked for only where it exists)
VECT_COST := $(shell $(CC) -fvect-cost-model=dynamic -E -x c /dev/null \
	>/dev/null 2>&1 && echo -fvect-cost-model=dynamic)
$(OBJ)/detect/autoenc.o: CFLAGS_BASE += -ftree-vectorize $(VECT_COST)

# Every object waits for the build group's packages (order only: checking
# them rebuilds nothing).
$(OBJ)/%.o: lib/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(call sees,$<) $(CFLAGS) $(SAN) -c $< -o $@

$(OBJ)/%.o: lib/%.cc | deps-build
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_BASE) $(call sees,$<) $(CXXFLAGS) $(SAN) -c $< -o $@

$(LIBA): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# The plain build's library is also offered at lib/libadkit.a.
lib/libadkit.a: $(LIBA)
	@if [ "$(BUILD)" = build ]; then cp $(LIBA) $@; fi

$(BUILD)/bin/%: cmd/%.c $(LIBA) | $(BUILD)/bin
	$(CC) $(CFLAGS_BASE) $(INC_ALL) $(CFLAGS) $(SAN) $< $(LIBA) $(LDLIBS) -o $@

# A new file renamed over the old, not written into it: a binary still
# running (a cron job, a soak) keeps its copy and the build does not fail.
bin/%: $(BUILD)/bin/% | bin
	cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c $(LIBA) | $(BUILD)/tests
	$(CC) $(CFLAGS_BASE) $(INC_ALL) $(CFLAGS) $(SAN) -Itests/unit $< $(LIBA) $(LDLIBS) -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/driver.c $(LIBA) | $(BUILD)/fuzz
	$(CC) $(CFLAGS_BASE) $(INC_ALL) $(CFLAGS) $(SAN) $< tests/fuzz/driver.c $(LIBA) $(LDLIBS) -o $@

# A command linked with the failing allocator of tests/fault/alloc.c.
$(BUILD)/fault/%: cmd/%.c tests/fault/alloc.c $(LIBA) | $(BUILD)/fault
	$(CC) $(CFLAGS_BASE) $(INC_ALL) $(CFLAGS) $(SAN) $< tests/fault/alloc.c $(LIBA) $(LDLIBS) -o $@

$(BUILD)/fault/leak: tests/fault/leak.c tests/fault/alloc.c | $(BUILD)/fault
	$(CC) $(CFLAGS_BASE) $(INC_ALL) $(CFLAGS) $(SAN) $^ -o $@

# The read() shim of tests/bats/io-faults.bats, never sanitized: it is
# preloaded into either build.
$(BUILD)/fault/shortread.so: tests/fault/shortread.c | $(BUILD)/fault
	$(CC) $(CFLAGS_BASE) $(INC_ALL) -O2 -fPIC -shared $< -ldl -o $@

$(BUILD)/bin $(BUILD)/tests $(BUILD)/fuzz $(BUILD)/fault bin:
	mkdir -p $@

# Only the compiler's dependency files: other *.d under $(BUILD) (a
# valgrind wrapper of a command named *.d, another build's files) are not
# makefiles.
-include $(wildcard $(addsuffix /*.d,$(addprefix $(BUILD)/,bin tests fuzz \
	fault)) $(BUILD)/obj/*/*.d)

# ---- tests ----

# Logs of each part go to build/log so the last line can count every check.
# Every build runs JOBS compilers at once, and the parts of a tier run side
# by side (-Otarget prints each part's output whole when it ends), so both
# cores stay busy through the tail of each part.
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@rm -rf build/log; mkdir -p build/log
	$(MAKE) --no-print-directory check LOG=build/log/plain
	$(MAKE) --no-print-directory render LOG=build/log/render
	$(MAKE) --no-print-directory -j$(JOBS) fault-build
	$(MAKE) --no-print-directory -j$(PARTS) -Otarget bats-slow fault LOG=build/log/plain
	$(MAKE) --no-print-directory asan LOG=build/log/asan
	$(MAKE) --no-print-directory image-test LOG=build/log/image
	@scripts/test-summary.sh build/log/*

# The fast tests of one build, for the edit loop: unit tests and bats
# files run JOBS at a time, the unit tests beside the bats files (each
# part's output printed whole when it ends). `make test` adds the slow
# tier (bats-slow), the sanitized run of both and the image.
check: deps-check
	@$(MAKE) --no-print-directory -j$(JOBS) check-build
	@$(MAKE) --no-print-directory -j$(PARTS) -Otarget bats unit headers fuzz-replay manlint

# What the tests run, built JOBS at a time before any test starts.
check-build: $(UNITS:%=$(BUILD)/tests/%) $(FUZZERS:%=$(BUILD)/fuzz/%) \
	$(CMDS:%=$(BUILD)/bin/%) $(BUILD)/fault/shortread.so
.PHONY: check-build

# Test processes run side by side: they wait on pipes and processes as
# much as on the CPU, so one more than the cores keeps both busy.
JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
# Parts of a tier (unit tests, bats files, ...) run side by side, two at a
# time, unless JOBS=1 asks for one thing at a time.
PARTS = $(if $(filter 1,$(JOBS)),1,2)
# bats --jobs needs GNU parallel (Debian parallel, in the check group).
# Files run side by side, the tests of one file one after another: they
# share the file's fixtures, and some change them.
BATS_JOBS = $(if $(shell command -v parallel),--jobs $(JOBS) \
	--no-parallelize-within-files)
# e.g. BATS_FLAGS=--timing to see what each test takes
BATS_FLAGS ?=

headers:
	@set -e; $(foreach h,$(LIB_H),echo '#include "$(notdir $(h))"' | \
		$(CC) -std=c11 $(WARN) $(BLAS_CFLAGS) $(call sees,$(h)) -fsyntax-only -x c - \
		|| { echo "header $(h) does not compile alone"; exit 1; };) \
	echo "headers: $(words $(LIB_H)) compile alone"

LOG ?= build/log/adhoc
# Recipes that log start with this, so a failure inside a pipe still fails.
LOGGED = set -eo pipefail; mkdir -p $(dir $(LOG));

# Each test's output is kept and printed in order once all have run.
unit: $(UNITS:%=$(BUILD)/tests/%)
	@$(LOGGED) printf '%s\n' $(UNITS) | xargs -P $(JOBS) -I{} sh -c \
		'$(BUILD)/tests/{} > $(BUILD)/tests/{}.out 2>&1; echo $$? > $(BUILD)/tests/{}.rc'; \
	rc=0; for t in $(UNITS); do cat $(BUILD)/tests/$$t.out | tee -a $(LOG)-unit.log; \
		[ "$$(cat $(BUILD)/tests/$$t.rc)" = 0 ] || rc=1; done; exit $$rc

fuzz-replay: $(FUZZERS:%=$(BUILD)/fuzz/%)
	@$(LOGGED) for f in $(FUZZERS); do \
		$(BUILD)/fuzz/$$f tests/fuzz/corpus/$${f#fuzz_} | tee -a $(LOG)-fuzz.log; done

BATS_ENV = ADKIT_BIN=$(abspath $(BUILD)/bin) ADKIT_SANITIZED=$(if $(SAN),1) \
	ADKIT_SHIM=$(abspath $(BUILD)/fault/shortread.so)
bats: $(CMDS:%=$(BUILD)/bin/%) $(BUILD)/fault/shortread.so
	@$(LOGGED) $(BATS_ENV) bats $(BATS_JOBS) $(BATS_FLAGS) tests/bats | tee -a $(LOG)-bats.log

# The slow tier: tests that take seconds each (large inputs, memory
# bounds, many processes); `make test` runs them, `make check` does not.
bats-slow: $(CMDS:%=$(BUILD)/bin/%) $(BUILD)/fault/shortread.so
	@$(LOGGED) $(BATS_ENV) bats $(BATS_JOBS) $(BATS_FLAGS) tests/bats/slow | tee -a $(LOG)-bats-slow.log

# ad-eval's plots rendered by headless Chromium and checked by their pixels
# (tests/render); in `make test`, not in `make check`: it needs chromium.
render: $(BUILD)/bin/ad-eval
	@$(LOGGED) ADKIT_BIN=$(abspath $(BUILD)/bin) \
		bats tests/render | tee -a $(LOG)-render.log

# Every command with its Nth allocation failing, for the first two and the
# last N of each call stack (tests/README.md); `make test` runs it on the
# plain build, `make fault-asan` on the sanitized one.
fault: fault-build
	@$(LOGGED) ADKIT_FAULT_BIN=$(abspath $(BUILD)/fault) \
		bats tests/fault | tee -a $(LOG)-fault.log

fault-build: $(CMDS:%=$(BUILD)/fault/%) $(BUILD)/fault/leak
.PHONY: fault-build

manlint:
	@test -n "$(MANS)" || { echo "manlint: no man pages"; exit 1; }
	mandoc -Tlint -W warning $(MANS)
	@echo "manlint: $(words $(MANS)) pages clean"

# The same suite, built with AddressSanitizer and UBSan into build/asan.
# `make test` runs the allocation-failure tier on the plain build, whose
# harness counts the blocks left alive and checks status and output: some
# 15,000 runs, four times slower under ASan. `make fault-asan` runs it
# sanitized too (about 5 minutes on 2 cores), after a change to error paths.
ASAN_SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_MAKE = $(MAKE) --no-print-directory BUILD=build/asan SAN="$(ASAN_SAN)" OPT=-O1
asan:
	$(ASAN_MAKE) -j$(JOBS) check-build
	$(ASAN_MAKE) -j$(PARTS) -Otarget bats-slow bats unit fuzz-replay

fault-asan:
	$(ASAN_MAKE) -j$(JOBS) fault-build
	$(ASAN_MAKE) fault

# ---- the container image (podman; no Docker engine or registry) ----

# Builds debian:bookworm-slim with mmdebstrap, then pipelines/Dockerfile;
# either is skipped when its inputs have not changed. Needs root.
image: deps
	@scripts/image.sh >/dev/null

# The image against this machine's build: the demo, users, man pages.
image-test: all image
	@$(LOGGED) bats tests/image | tee -a $(LOG)-image.log

image-clean:
	CONTAINERS_CONF=$(CURDIR)/pipelines/containers.conf podman rmi --ignore \
		localhost/adkit:latest localhost/adkit:$$(sed -n 's/^#define AD_VERSION "\(.*\)"$$/\1/p' lib/common/ad.h) \
		docker.io/library/debian:bookworm-slim

# ---- fuzzing (clang's libFuzzer) ----

# FUZZ_SECONDS is CPU time per target; FUZZ_JOBS targets run at once.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= $(shell nproc)
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1

fuzz-build:
	@scripts/deps.sh --check fuzz || scripts/deps.sh fuzz
	$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CXX=clang++ \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" OPT=-O1 \
		build/fuzz/libadkit.a
	@mkdir -p build/fuzz/run
	@set -e; for f in $(FUZZERS); do \
		clang $(CFLAGS_BASE) $(INC_ALL) $(FUZZ_FLAGS) tests/fuzz/$$f.c build/fuzz/libadkit.a \
			$(LDLIBS) -o build/fuzz/run/$$f; \
	done

# One line per target for the table in tests/fuzz/README.md; a finding
# stops its target and fails the run.
fuzz: fuzz-build
	@printf '%s\n' $(FUZZERS) | xargs -P $(FUZZ_JOBS) -I{} \
		tests/fuzz/run.sh build/fuzz/run {} $(FUZZ_SECONDS)

fuzz-long:
	$(MAKE) fuzz FUZZ_SECONDS=1800

# ---- Kubeflow Pipelines components ----

# Each binary prints its own component; tests/bats/kfp.bats fails when the
# committed files differ. They name the default image, adkit:VERSION.
components: $(CMDS:%=bin/%)
	@mkdir -p pipelines/components
	@set -e; for c in $(CMDS); do \
		env -u ADKIT_IMAGE bin/$$c --kfp-component \
			> pipelines/components/$$c.yaml.tmp; \
		mv pipelines/components/$$c.yaml.tmp pipelines/components/$$c.yaml; \
	done; echo "components: $(words $(CMDS)) written to pipelines/components"

# ---- demo, bench, install ----

# Not part of `make test`: 10 GB (SOAK_GB) streamed through the pipeline and
# ad-drift, each stage's peak RSS checked against a fixed bound.
SOAK_GB ?= 10
soak: all
	tests/soak/soak.sh $(SOAK_GB)
.PHONY: soak

# The demo pipeline with each command under valgrind memcheck.
valgrind: all
	tests/valgrind.sh
.PHONY: valgrind

demo: deps-build
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: all
	@scripts/deps.sh --check bench || scripts/deps.sh bench
	bench/csv.sh
	bench/features.sh
	bench/eval.sh
	bench/iforest.sh
	bench/iforest-auc.sh
	bench/drift.sh
	bench/ocsvm.sh
	bench/autoencoder.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(CMDS:%=bin/%) $(DESTDIR)$(PREFIX)/bin
	@set -e; for m in $(MANS); do \
		d=$(DESTDIR)$(PREFIX)/share/man/man$${m##*.}; \
		install -d $$d; install -m 644 $$m $$d; \
	done

clean:
	rm -rf build bin lib/libadkit.a
