#!/usr/bin/env bash
# One call on a lent GPU machine: configure and build the given chapters (Ninja, sm_90), then for
# each: tests, the exercise check (untouched stubs must fail, solved stubs must pass), sanitizers,
# benchmark (twice: the ladder and a repeat for run-to-run spread) and profile. Logs and results go
# under $OUT (or ./h100-out).
#
#   WB_GIT_COMMIT=<sha> scripts/h100-run.sh 02 04
#   WB_STAGES=test,bench scripts/h100-run.sh 03     # only some stages
#   WB_ROOT_MAKE=1 scripts/h100-run.sh 01           # also the README's `make test` from the root
#   WB_BUILD_ALSO=03 scripts/h100-run.sh 06         # also build chapter 03 (ch06's context rows)
#   WB_STAGES=limits scripts/h100-run.sh 05          # the limits tier (make chapter-NN-limits)
#
# Stages: test check sanitize bench repeat profile mine (default: all), and on request only:
# limits (the limits tier, `make chapter-NN-limits`: minutes and up to 24 GiB of device memory per
# case: WB_STAGES=limits or WB_STAGES=test,...,limits) and sweep (build/chNN_sweep, where the
# chapter builds one; its table to chapter-NN.sweep.txt; WB_SWEEP_ARGS, e.g. "4096 8192", are
# passed to it), and limits_together (chapter 03: the K = 2^31 - 1 case of several steps at once
# in one process, build/ch03_gpu_tests "[limits_together]", restricted to the steps named in
# WB_LIMITS_TOGETHER, e.g. "smem_tiles register_1d ...": chapter-NN.limits-together.log). The
# limits stage honours WB_LIMITS_SKIP and WB_LIMITS_TIMEOUT (scripts/limits.sh).
# mine: `make chapter-NN-mine` and -mine-profile on the untouched stubs (every exercise
# UNFINISHED), then with the solutions' code filled in (every step timed next to itself: ratios
# near 1). The build directory is
# build-h100-<chapters>, so calls for different chapters do not reconfigure each other's builds.
set -uo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 NN [NN...]   (chapter numbers, e.g. 02 04)" >&2
  exit 2
fi
out=${OUT:-$PWD/h100-out}
mkdir -p "$out"
log="$out/run.log"
stages=",${WB_STAGES:-test,check,sanitize,bench,repeat,profile,mine},"
chapters=("$@")
build="build-h100-$(IFS=-; echo "${chapters[*]}")"
step() { printf '\n######## %s\n' "$*" | tee -a "$log"; }
run() { "$@" 2>&1 | tee -a "$log"; return "${PIPESTATUS[0]}"; }
want() { [[ "$stages" == *",$1,"* ]]; }

step "machine"
run nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem --format=csv
run nvcc --version | tail -2

step "configure + build chapters ${chapters[*]} (Ninja, sm_90, $build)"
built=("${chapters[@]}" ${WB_BUILD_ALSO:-})  # chapters built; only $chapters are run
run cmake -S . -B "$build" -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 \
  "-DWB_CHAPTERS=$(IFS=';'; echo "${built[*]}")" >/dev/null || exit 1
run cmake --build "$build" -j16 || exit 1

for nn in "${chapters[@]}"; do
  id="ch$nn"
  dir=$(ls -d chapters/"$nn"-* | head -1)
  slug=$(basename "$dir")
  if want test; then
    step "$id: tests"
    (cd "$build" && run ctest -R "^(harness|$id)\." --output-on-failure)
    echo "$id ctest exit: $?" | tee -a "$log"
  fi
  if want check; then
    step "$id: check on the untouched exercises (must fail and name each one)"
    run "$build/${id}_check" | tail -40
    echo "$id check (stubs) exit: ${PIPESTATUS[0]}" | tee -a "$log"
    step "$id: check with the solutions' code filled in (must pass)"
    stash=$(mktemp -d)
    cp "$dir"/[0-9][0-9]_*.cu "$stash"/
    for f in solutions/"$slug"/[0-9][0-9]_*.cu; do cp "$f" "$dir"/; done
    cmake --build "$build" -j16 --target "${id}_check" >/dev/null 2>&1
    run "$build/${id}_check" | tail -5
    echo "$id check (solved) exit: ${PIPESTATUS[0]}" | tee -a "$log"
    cp "$stash"/*.cu "$dir"/
    cmake --build "$build" -j16 --target "${id}_check" >/dev/null 2>&1
  fi
  if want sanitize; then
    step "$id: sanitize"
    run cmake --build "$build" --target "chapter-$nn-sanitize"
    echo "$id sanitize exit: $?" | tee -a "$log"
  fi
  if want bench; then
    step "$id: bench"
    run cmake --build "$build" --target "chapter-$nn-bench"
    echo "$id bench exit: $?" | tee -a "$log"
    cp "$build/bench/results/chapter-$nn.json" "$build/bench/results/chapter-$nn.ladder.json" \
      "$build/bench/results/chapter-$nn.ladder.txt" "$out"/
  fi
  if want repeat; then
    step "$id: bench again (run-to-run spread)"
    run "$build/${id}_bench" --benchmark_out="$out/chapter-$nn.repeat.json" | tail -60
    echo "$id bench (repeat) exit: ${PIPESTATUS[0]}" | tee -a "$log"
  fi
  if want limits; then
    step "$id: limits tier (every step and vendor row at the documented maxima)"
    run cmake --build "$build" --target "chapter-$nn-limits"
    echo "$id limits exit: $?" | tee -a "$log"
    cp "$build/chapter-$nn.limits.log" "$out/chapter-$nn.limits.log" 2>/dev/null
  fi
  if want limits_together; then
    step "$id: the K limit of several steps at once ([limits_together]: ${WB_LIMITS_TOGETHER:-all})"
    args=()
    for s in ${WB_LIMITS_TOGETHER:-}; do args+=(--wb-step "$s"); done
    run "$build/${id}_gpu_tests" "${args[@]}" "[limits_together]" |
      tee "$out/chapter-$nn.limits-together.log"
    echo "$id limits_together exit: ${PIPESTATUS[0]}" | tee -a "$log"
  fi
  if want mine; then
    step "$id: make chapter-$nn-mine on the untouched exercises (every one UNFINISHED, not timed)"
    run cmake --build "$build" --target "chapter-$nn-mine" | tee "$out/chapter-$nn.mine-stubs.txt"
    echo "$id mine (stubs) exit: ${PIPESTATUS[0]}" | tee -a "$log"
    step "$id: make chapter-$nn-mine and -mine-profile with the solutions' code filled in"
    stash=$(mktemp -d)
    cp "$dir"/[0-9][0-9]_*.cu "$stash"/
    for f in solutions/"$slug"/[0-9][0-9]_*.cu; do cp "$f" "$dir"/; done
    run cmake --build "$build" --target "chapter-$nn-mine" | tee "$out/chapter-$nn.mine-solved.txt"
    echo "$id mine (solved) exit: ${PIPESTATUS[0]}" | tee -a "$log"
    run cmake --build "$build" --target "chapter-$nn-mine-profile" |
      tee "$out/chapter-$nn.mine-profile.txt" | tail -40
    echo "$id mine-profile (solved) exit: ${PIPESTATUS[0]}" | tee -a "$log"
    cp "$stash"/*.cu "$dir"/
    cmake --build "$build" -j16 --target "${id}_bench_mine" "${id}_check" >/dev/null 2>&1
  fi
  if want sweep && [ -x "$build/${id}_sweep" ]; then
    step "$id: sweep"
    # shellcheck disable=SC2086  # WB_SWEEP_ARGS: sizes, split on spaces on purpose
    run "$build/${id}_sweep" ${WB_SWEEP_ARGS:-} | tee "$out/chapter-$nn.sweep.txt"
    echo "$id sweep exit: ${PIPESTATUS[0]}" | tee -a "$log"
  fi
  if want profile; then
    step "$id: profile"
    run cmake --build "$build" --target "chapter-$nn-profile" | tee "$out/chapter-$nn.profile.txt"
    echo "$id profile exit: ${PIPESTATUS[0]}" | tee -a "$log"
  fi
done

if [ "${WB_ROOT_MAKE:-0}" = 1 ]; then
  step "the README's path: make test from the repository root (Unix Makefiles, separate build dir)"
  run make test BUILD=build-make JOBS=16 CMAKE_ARGS=-DCMAKE_CUDA_ARCHITECTURES=90
  echo "make test exit: $?" | tee -a "$log"
fi
