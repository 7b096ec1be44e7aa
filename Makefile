# mamori's entry points. CMake + Ninja do the work underneath; every target
# first runs scripts/deps.sh, so a fresh Debian machine needs nothing else.
#
#   make run        build, then start the gateway on 127.0.0.1:8080 in front of
#                   the built-in demo origin, protected by
#                   examples/default-webacl.json (Ctrl-C stops it)
#   make            build (build/)
#   make test       build, then every test; ends with ctest's summary line
#   make bench      build the benchmarks (build-bench/, Release) and run them
#   make fuzz       build the libFuzzer targets (build-fuzz/, clang) and run
#                   each for FUZZ_SECONDS (default 30)
#
# Knobs: CC=clang, WERROR=1 (warnings fail the build), SANITIZE=1 (ASan +
# UBSan, in build-asan/), BUILD=dir, JOBS=n.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30
CMAKE_ARGS :=
ifeq ($(WERROR),1)
CMAKE_ARGS += -DMM_WERROR=ON
endif
ifeq ($(SANITIZE),1)
BUILD ?= build-asan
CMAKE_ARGS += -DMM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else
BUILD ?= build
endif
ifneq ($(origin CC),default)
CMAKE_ARGS += -DCMAKE_C_COMPILER=$(CC)
endif

.PHONY: all build deps run test bench fuzz clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run-demo.sh $(BUILD)/mamori

test: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 300 -j $(JOBS)

bench: deps
	@cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMM_BENCH=ON >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@cmake --build build-bench --target run-bench

fuzz: deps
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DMM_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh build-fuzz

clean:
	rm -rf build build-asan build-bench build-fuzz
