# Thin front end: configures build/ on first use (after scripts/bootstrap.sh has installed what is
# missing) and forwards every target to CMake. The same targets work inside build/ itself.
#
#   make                    build everything
#   make test               build, then run all tests (GPU tests are skipped without a GPU)
#   make chapter-01-check   check your exercises        make chapter-01-bench    the ladder
#   make chapter-01-test    one chapter's tests         make chapter-01-sanitize / -profile
#   make docs               Doxygen site                make notebooks           run the notebooks
#   make figures            redraw the lessons' figures from bench/results/h100
#
# Variables: BUILD (default build), CMAKE_ARGS (e.g. -DCMAKE_CUDA_ARCHITECTURES=90), JOBS.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.DEFAULT_GOAL := all
.PHONY: all test docs notebooks figures configure clean bootstrap

$(BUILD)/CMakeCache.txt:
	@scripts/bootstrap.sh build
	cmake -S . -B $(BUILD) $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

bootstrap:
	@scripts/bootstrap.sh all

all: configure
	cmake --build $(BUILD) -j $(JOBS)

test: all
	cmake --build $(BUILD) --target test
	@scripts/skip-reasons.sh $(BUILD)

docs: configure
	@scripts/bootstrap.sh docs
	cmake -S . -B $(BUILD) >/dev/null
	cmake --build $(BUILD) --target docs

notebooks: configure
	cmake --build $(BUILD) --target notebooks

figures: configure
	cmake --build $(BUILD) --target figures

chapter-%: configure
	cmake --build $(BUILD) -j $(JOBS) --target $@

clean:
	rm -rf $(BUILD)
