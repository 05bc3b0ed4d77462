# The two commands a new user needs: `make run` and `make test`. Both install what is missing first.
JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
TEST_DIR := build/asan
FUZZ_DIR := build/fuzz
CMAKE_GEN := -G Ninja

.PHONY: deps e2e-deps build run test bench bench-peers fuzz demo clean

deps:
	./scripts/install-deps

$(RELEASE_DIR)/build.ninja: | deps
	cmake -S . -B $(RELEASE_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DAIIR_BUILD_TESTS=OFF -DAIIR_BUILD_BENCH=ON

build: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) --target aiir -j $(JOBS)

# Serves the example configuration on http://127.0.0.1:8080 with the embedded store in ./data.
run: build
	$(RELEASE_DIR)/aiir serve --config examples --data ./data

demo: build
	$(RELEASE_DIR)/aiir demo

# The real OpenTelemetry / OpenAI clients the interoperability tests drive, pinned by lockfile.
e2e-deps: deps
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error

# Every test, under AddressSanitizer and UndefinedBehaviorSanitizer. Line tables only (-g1: the
# sanitizers' stack traces keep file:line) and the gold linker: the build is most of this target's
# time on CI's two cores, and full debug info roughly doubles what the compiler writes and the
# linker reads.
test: deps e2e-deps
	cmake -S . -B $(TEST_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DAIIR_SANITIZE=ON -DAIIR_BUILD_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Benchmarks on the release build; prints throughput, percentiles and ratios against baselines.
bench: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS)
	./scripts/run-benchmarks $(RELEASE_DIR)

# The decision benchmark beside an Unleash server (npm + its own PostgreSQL, all on loopback), in
# one run, with ratios. Not part of `make test` or `make bench`: it downloads and starts a peer.
bench-peers: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target decide_http_bench
	./scripts/bench-peers $(RELEASE_DIR)

# libFuzzer targets (clang), each run for a bounded time.
fuzz: deps
	CXX=clang++ cmake -S . -B $(FUZZ_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DAIIR_BUILD_FUZZ=ON -DAIIR_BUILD_TESTS=ON -DAIIR_BUILD_BENCH=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	cd $(FUZZ_DIR) && ctest -L fuzz --output-on-failure

clean:
	rm -rf build
