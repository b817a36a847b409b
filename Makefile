# Two commands do everything on a fresh Debian 12 machine:
#   make run    installs missing packages, builds, runs the demo
#   make test   installs missing packages, builds, runs every test
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
WERROR ?= $(if $(CI),ON,OFF)

.PHONY: all deps configure build run test bench asan fuzz format clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DPPROTECT_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./scripts/demo.sh $(BUILD)/bin

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Unit and black-box tests under AddressSanitizer and UBSan. The
# container-engine tests (podman, dockerd, systemd-nspawn) put the static
# release binaries in images; a sanitizer build has none, so they run in
# `make test` only and are listed as skipped here.
asan:
	@echo "asan: the container-engine tests run in 'make test' only (PPROTECT_ENGINE_TESTS=OFF here)"
	@$(MAKE) --no-print-directory test BUILD=build-asan CMAKE_FLAGS="-DPPROTECT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

# libFuzzer (clang) with ASan and UBSan, each target (tests/fuzz/fuzz_*.cpp:
# the protected.yaml reader, the decrypt path of a loaded file) for
# FUZZ_SECONDS; new inputs collect in build-fuzz/corpus, the seeds stay in
# tests/fuzz/corpus. A crash leaves its input in build-fuzz/.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= protected_yaml decrypt_domain
fuzz:
	@PPROTECT_DEPS_FUZZ=1 ./scripts/install-deps.sh
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPPROTECT_SANITIZE=ON -DPPROTECT_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t; \
	  dict=; [ ! -f tests/fuzz/$$t.dict ] || dict=-dict=../tests/fuzz/$$t.dict; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  (cd build-fuzz && bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    $$dict corpus/$$t ../tests/fuzz/corpus/$$t); \
	done

bench: build
	@cmake --build $(BUILD) -j $(JOBS) --target $$(cd bench && ls *.cpp 2>/dev/null | sed 's/\.cpp$$//')
	@for b in bench/*.cpp; do n=$$(basename $$b .cpp); echo "== $$n"; $(BUILD)/bin/$$n; done

# Lays the C++ sources out as .clang-format says (make test checks it).
format:
	@./scripts/check-format.sh --fix

clean:
	rm -rf build build-asan build-fuzz
