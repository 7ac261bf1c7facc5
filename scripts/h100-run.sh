#!/usr/bin/env bash
# One call on a lent GPU machine: build, test, check the exercises (untouched and solved),
# sanitize, benchmark and profile chapter 01, writing logs under $OUT (or ./h100-out).
#   WB_GIT_COMMIT=<sha> scripts/h100-run.sh
set -uo pipefail
out=${OUT:-$PWD/h100-out}
mkdir -p "$out"
log="$out/run.log"
step() { printf '\n######## %s\n' "$*" | tee -a "$log"; }
run() { "$@" 2>&1 | tee -a "$log"; return "${PIPESTATUS[0]}"; }

step "machine"
run nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem --format=csv
run nvcc --version
run cmake --version

step "configure + build (Ninja, sm_90)"
run cmake -S . -B build -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 || exit 1
run cmake --build build -j16 || exit 1
echo "LDG.E.128 instructions in the solutions: $(cuobjdump --dump-sass build/libch01_solutions.a | grep -c 'LDG.E.128')" | tee -a "$log"

step "tests"
(cd build && run ctest --output-on-failure)
echo "ctest exit: $?" | tee -a "$log"

step "check on the untouched exercises (must fail and name each one)"
run build/ch01_check
echo "check (stubs) exit: $?" | tee -a "$log"

step "check with the solutions' code filled in (must pass)"
stash=$(mktemp -d)
cp chapters/01-coalescing/0[234]_*.cu "$stash"/
cp solutions/01-coalescing/0[234]_*.cu chapters/01-coalescing/
run cmake --build build -j16 --target ch01_check >/dev/null
run build/ch01_check
echo "check (solved) exit: $?" | tee -a "$log"
cp "$stash"/*.cu chapters/01-coalescing/
run cmake --build build -j16 --target ch01_check >/dev/null

step "sanitize"
run cmake --build build --target chapter-01-sanitize
echo "sanitize exit: $?" | tee -a "$log"

step "bench"
run cmake --build build --target chapter-01-bench
echo "bench exit: $?" | tee -a "$log"
cp build/bench/results/chapter-01.json build/bench/results/chapter-01.ladder.txt "$out"/ 2>/dev/null

step "bench again (run-to-run spread)"
run build/ch01_bench --benchmark_out="$out/chapter-01-repeat.json" >/dev/null
echo "bench (repeat) exit: $?" | tee -a "$log"

step "profile"
run cmake --build build --target chapter-01-profile
echo "profile exit: $?" | tee -a "$log"

step "the README's path: make test from the repository root (Unix Makefiles, separate build dir)"
run make test BUILD=build-make JOBS=16 CMAKE_ARGS=-DCMAKE_CUDA_ARCHITECTURES=90
echo "make test exit: $?" | tee -a "$log"
