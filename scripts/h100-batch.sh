#!/usr/bin/env bash
# One call on a lent GPU machine over a build tree made elsewhere (scripts/carry-build.sh): no
# compiling there. Runs the stages asked for, for the chapters asked for, each stage timed, logs
# and results under $OUT.
#
#   WB_BUILD=build-h100 WB_STAGES=ctest,check,sanitize scripts/h100-batch.sh 01 02 03
#
# Stages:
#   ctest        every CTest entry of the chapters (per step), in order
#   check        chNN_check on the exercises as built (the stubs: must fail naming each)
#   checksolved  chNN_check of a build whose exercises are the solutions (WB_SOLVED_BUILD)
#   sanitize     the four compute-sanitizer tools over chNN_gpu_tests (known-bad excluded), then
#                the chapter's must-flag known-bad entries
#   bench        chNN_bench (the ladder), then a repeat run
#   profile      scripts/profile.sh with the chapter's kernels and metrics (WB_PROFILE_<NN>)
#   limits       scripts/limits.sh over chNN_gpu_tests
# WB_TIMEOUT_<stage> bounds each chapter's stage in seconds (default 540).
set -uo pipefail
out=${OUT:-$PWD/h100-out}
mkdir -p "$out"
build=${WB_BUILD:-build-h100}
solved=${WB_SOLVED_BUILD:-}
stages=",${WB_STAGES:-ctest,check,sanitize},"
log="$out/run.log"
times="$out/timing.txt"
[[ -d .carry/lib ]] && export LD_LIBRARY_PATH="$PWD/.carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for d in .carry/*/; do
  d=${d%/}
  [[ $d == .carry/lib ]] && continue
  [[ -e ${d#.carry/} ]] || mv "$d" "${d#.carry/}"
done
want() { [[ "$stages" == *",$1,"* ]]; }
step() { printf '\n######## %s\n' "$*" | tee -a "$log"; }
timed() {  # timed <label> <seconds> <command...>: runs it under a time limit, logs, records time
  local label=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout "$limit" "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  printf '%-40s rc=%-4s %5ss\n' "$label" "$rc" "$((SECONDS - start))" | tee -a "$times"
  return "$rc"
}
limit() { local v="WB_TIMEOUT_$1"; echo "${!v:-540}"; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem --format=csv | tee -a "$log"
echo "commit ${WB_GIT_COMMIT:-unknown}" | tee -a "$log"

for nn in "$@"; do
  id="ch$nn"
  if want ctest; then
    step "$id: ctest"
    (cd "$build" && timed "$id ctest" "$(limit ctest)" ctest -R "^$id\\." --output-on-failure)
  fi
  if want check; then
    step "$id: check on the exercises as built"
    timed "$id check (stubs)" "$(limit check)" "$build/${id}_check"
  fi
  if want checksolved && [[ -n $solved ]]; then
    step "$id: check with the solutions as exercises"
    timed "$id check (solved)" "$(limit check)" "$solved/${id}_check"
  fi
  if want sanitize; then
    step "$id: sanitize"
    timed "$id sanitize" "$(limit sanitize)" scripts/sanitize.sh "$build/${id}_gpu_tests" "~[known-bad]"
    for entry in $(grep -o '"[a-z]*:\[[^]]*\]"' "chapters/$nn"-*/chapter.cmake | tr -d '"'); do
      timed "$id known-bad ${entry%%:*}" "$(limit sanitize)" \
        scripts/expect-sanitizer-error.sh "${entry%%:*}" "$build/${id}_gpu_tests" "${entry#*:}"
    done
  fi
  if want bench; then
    step "$id: bench"
    timed "$id bench" "$(limit bench)" "$build/${id}_bench" \
      "--benchmark_out=$out/chapter-$nn.json"
    timed "$id bench (repeat)" "$(limit bench)" "$build/${id}_bench" \
      "--benchmark_out=$out/chapter-$nn.repeat.json"
  fi
  if want profile; then
    step "$id: profile"
    kv="WB_PROFILE_$nn"
    IFS='|' read -r kernels metrics <<<"${!kv:-}"
    timed "$id profile" "$(limit profile)" scripts/profile.sh "$build/${id}_bench" "$kernels" \
      "$metrics" | tee "$out/chapter-$nn.profile.txt"
  fi
  if want limits; then
    step "$id: limits"
    timed "$id limits" "$(limit limits)" scripts/limits.sh "$build/${id}_gpu_tests" \
      "$out/chapter-$nn.limits.log"
  fi
done
step "timing"
cat "$times"
