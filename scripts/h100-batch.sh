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
#   psanitize    the same for all the chapters at once: every (chapter, tool) pair a process of its
#                own, WB_JOBS (default 8) at a time (the tools are mostly CPU-bound)
#   pctest       every chapter's CTest entries at once (ctest -j WB_JOBS)
#   verify       psanitize in the background while pctest and every chapter's check (stubs, and
#                solved when WB_SOLVED_BUILD is set) run beside it: the sanitizers are CPU-bound,
#                the tests mostly GPU-bound, and the machine has 16 cores
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

jobs=${WB_JOBS:-8}
if want verify; then
  step "verify: sanitizers in the background, tests and checks beside them"
  mkdir -p "$out/sanitize" "$out/check"
  WB_NESTED=1 WB_STAGES=psanitize bash "$0" "$@" >"$out/sanitize/console.txt" 2>&1 &
  sanitizers=$!
  (cd "$build" && timed "ctest all (-j 6)" "$(limit ctest)" ctest -j 6 \
    -R "^($(printf 'ch%s|' "$@" | sed 's/|$//'))\\.(gpu|known-bad)" --output-on-failure) \
    >"$out/ctest.txt" 2>&1
  tail -15 "$out/ctest.txt"
  for nn in "$@"; do
    timeout 300 "$build/ch${nn}_check" >"$out/check/ch$nn.stubs.txt" 2>&1
    echo "ch$nn check (stubs) rc=$?" | tee -a "$times"
    if [[ -n $solved && -x $solved/ch${nn}_check ]]; then
      timeout 300 "$solved/ch${nn}_check" >"$out/check/ch$nn.solved.txt" 2>&1
      echo "ch$nn check (solved) rc=$?" | tee -a "$times"
    fi
  done
  wait "$sanitizers"
  cat "$out/sanitize/summary.txt" 2>/dev/null
  grep -E "known-bad|sanitizers" "$out/timing.txt" 2>/dev/null
fi
if want pctest; then
  step "ctest, all chapters, -j $jobs"
  regex="^($(printf 'ch%s|' "$@" | sed 's/|$//'))\\."
  (cd "$build" && timed "ctest all (-j $jobs)" "$(limit ctest)" ctest -j "$jobs" -R "$regex" \
    --output-on-failure)
fi
if want psanitize; then
  step "sanitizers, all chapters, $jobs at a time"
  mkdir -p "$out/sanitize"
  pairs=()
  for nn in "$@"; do
    for tool in memcheck racecheck synccheck initcheck; do pairs+=("$nn:$tool"); done
  done
  export build out
  sanitize_one() {
    local nn=${1%%:*} tool=${1#*:} extra=() start=$SECONDS
    [[ $tool == memcheck ]] && extra=(--leak-check full)
    compute-sanitizer --tool "$tool" "${extra[@]}" --error-exitcode 99 \
      "$build/ch${nn}_gpu_tests" "~[known-bad]~[.]" >"$out/sanitize/ch$nn.$tool.log" 2>&1
    local rc=$?
    printf 'ch%s %-10s rc=%-3s %4ss\n' "$nn" "$tool" "$rc" "$((SECONDS - start))"
  }
  export -f sanitize_one
  start=$SECONDS
  printf '%s\n' "${pairs[@]}" | timeout "$(limit sanitize)" xargs -P "$jobs" -I{} bash -c 'sanitize_one {}' |
    tee -a "$log" | tee "$out/sanitize/summary.txt"
  printf '%-40s %5ss\n' "sanitizers (all, parallel)" "$((SECONDS - start))" | tee -a "$times"
  for nn in "$@"; do
    for entry in $(grep -o '"[a-z]*:\[[^]]*\]"' "chapters/$nn"-*/chapter.cmake | tr -d '"'); do
      timed "ch$nn known-bad ${entry%%:*}" 120 \
        scripts/expect-sanitizer-error.sh "${entry%%:*}" "$build/ch${nn}_gpu_tests" "${entry#*:}"
    done
  done
fi

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
    timed "$id sanitize" "$(limit sanitize)" scripts/sanitize.sh "$build/${id}_gpu_tests" "~[known-bad]~[.]"
    for entry in $(grep -o '"[a-z]*:\[[^]]*\]"' "chapters/$nn"-*/chapter.cmake | tr -d '"'); do
      timed "$id known-bad ${entry%%:*}" "$(limit sanitize)" \
        scripts/expect-sanitizer-error.sh "${entry%%:*}" "$build/${id}_gpu_tests" "${entry#*:}"
    done
  fi
  if want bench; then
    step "$id: bench"
    timed "$id bench" "$(limit bench)" "$build/${id}_bench" \
      "--benchmark_out=$out/chapter-$nn.json"
    [[ ${WB_REPEAT:-1} == 1 ]] && timed "$id bench (repeat)" "$(limit bench)" "$build/${id}_bench" \
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
# Few files come back from the GPU machine: fold the per-chapter logs into one archive.
subdirs=$(cd "$out" && ls -d check sanitize 2>/dev/null)
if [[ -n $subdirs && -z ${WB_NESTED:-} ]]; then
  tar -czf "$out/logs.tgz" -C "$out" $subdirs && (cd "$out" && rm -rf $subdirs)
fi
