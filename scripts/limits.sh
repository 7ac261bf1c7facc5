#!/usr/bin/env bash
# Runs a chapter's limits tier: every step at the documented maximum of every dimension, each
# (step, limits test case) pair in its own process, so that a sticky CUDA error (an illegal
# address poisons the whole context) in one case cannot hide the others.
#   scripts/limits.sh <chNN_gpu_tests> <log file>
#   scripts/limits.sh <chNN_check> <log file> --wb-child     (a learner's copy: your finished steps)
# Words after the log file go first on every command line of the program: the exercise check
# needs --wb-child to run the test cases it is given. A step whose exercise is still marked
# WB_EXERCISE_TODO is listed as UNFINISHED and not run.
# The test cases are the ones tagged [.limits] (names without commas or brackets); the steps come
# from the program (--wb-list-steps). A case that ran a step prints a line starting "[limits]"; a
# case that printed none had nothing to do for that step and is not listed.
# Exit 0 when every case passed (or rejected its shape with the documented message, which the
# test itself checks), 1 otherwise, 77 without a GPU.
#
# Optional, from the environment:
#   WB_LIMITS_SKIP     an extended regular expression matched against "STEP|CASE" (e.g.
#                      '^(warptile|double_buffer)\|limits K$'): matching pairs are not run, and
#                      the log lists each as "skipped (WB_LIMITS_SKIP)", never as passed. For
#                      cases run some other way (chapter 03's slow K cases: its limits test says).
#   WB_LIMITS_TIMEOUT  seconds allowed per case (default 600).
set -uo pipefail
exe=$1
log=$2
pre=("${@:3}")
: >"$log"
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIPPED: the limits tier needs a CUDA GPU: nothing was run." | tee -a "$log"
  exit 77
fi
mapfile -t steps < <("$exe" "${pre[@]}" --wb-list-steps)
# Catch2 2.x lists bare names with --list-test-names-only; 3.x with --list-tests --verbosity quiet.
names=$("$exe" "${pre[@]}" --list-test-names-only "[.limits]" 2>/dev/null) ||
  names=$("$exe" "${pre[@]}" --list-tests --verbosity quiet "[.limits]" 2>/dev/null)
# (2.x also prints the tags of hidden test cases, "[!hide][.]...", on lines of their own)
mapfile -t cases < <(printf '%s\n' "$names" | sed -e 's/^ *//' -e '/^$/d' -e '/^\[/d')
if [[ ${#cases[@]} -eq 0 ]]; then
  echo "no [.limits] test cases in $(basename "$exe")" | tee -a "$log"
  exit 1
fi
failed=0
total=0
skipped=0
skip=${WB_LIMITS_SKIP:-}
limit=${WB_LIMITS_TIMEOUT:-600}
unfinished=0
for step in "${steps[@]}"; do
  for case in "${cases[@]}"; do
    if [[ -n $skip ]] && grep -Eq -- "$skip" <<<"$step|$case"; then
      printf '%-28s %-52s %-16s\n' "$step" "$case" "skipped (WB_LIMITS_SKIP)" | tee -a "$log"
      skipped=$((skipped + 1))
      continue
    fi
    start=$(date +%s%N)
    out=$(timeout "$limit" "$exe" "${pre[@]}" --wb-step "$step" "$case" 2>&1)
    rc=$?
    tenths=$((($(date +%s%N) - start) / 100000000))
    secs="$((tenths / 10)).$((tenths % 10))"
    if [[ $rc -eq 0 ]] && grep -q 'still marked WB_EXERCISE_TODO' <<<"$out"; then
      printf '%-28s %s\n' "$step" "UNFINISHED: still marked WB_EXERCISE_TODO, not run" | tee -a "$log"
      unfinished=$((unfinished + 1))
      break
    fi
    if [[ $rc -eq 0 ]] && ! grep -q '^\[limits\]' <<<"$out"; then
      continue  # this test case has no dimension for this step (it ran nothing)
    fi
    total=$((total + 1))
    if [[ $rc -eq 0 ]]; then
      verdict=passed
    else
      verdict="FAILED (exit $rc)"
      failed=$((failed + 1))
    fi
    printf '%-28s %-52s %-16s %6ss\n' "$step" "$case" "$verdict" "$secs" | tee -a "$log"
    if [[ $rc -ne 0 ]]; then
      printf '%s\n' "$out" | grep -v '^\[wb\] seed' | tail -25 | sed 's/^/    /' | tee -a "$log"
    fi
  done
done
summary="limits tier: $((total - failed)) of $total cases passed"
[[ $skipped -gt 0 ]] && summary+=", $skipped skipped (not run)"
[[ $unfinished -gt 0 ]] && summary+="; $unfinished unfinished exercise(s) not run"
echo "$summary" | tee -a "$log"
[[ $failed -eq 0 ]]
