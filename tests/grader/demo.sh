#!/usr/bin/env bash
# The grader's demonstration: writes the synthetic submissions of chapter 04
# (tests/grader/make_submissions.py), grades them with scripts/grade.py, prints the report and
# checks it against what each submission must get (tests/grader/check_demo.py).
#
#   tests/grader/demo.sh [OUT]             OUT defaults to $OUT, else ./grader-demo
#   tests/grader/demo.sh --prepare [OUT]   only build the reference in the scratch tree (a first,
#                                          shorter call where commands have a time limit)
#
# On a GPU machine every status is checked (pass, FAIL at an odd shape, does-not-compile,
# timed-out, crashed, unfinished) and the passing steps are timed; without a GPU only what compiles
# and what is unfinished is checked, and the report says nothing was run. The scratch build tree
# is build-grade-demo/ in the workbook (GRADE_WORK overrides it); it is kept, so a second run
# rebuilds only what changed. Environment: WB_CUDA_ARCH (e.g. 90) to compile for one architecture
# only; GRADE_ARGS for more grade.py options (e.g. "--jobs 8").
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
prepare=()
if [[ ${1:-} == --prepare ]]; then
  prepare=(--prepare-only)
  shift
fi
out=${1:-${OUT:-$PWD/grader-demo}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=${GRADE_WORK:-$root/build-grade-demo}
python3 "$root/tests/grader/make_submissions.py" "$out/submissions" || exit 1
# shellcheck disable=SC2086  # GRADE_ARGS is a list of options on purpose
python3 "$root/scripts/grade.py" --chapter 04 "$out/submissions" --out "$out" --work "$work" \
  --test-timeout 60 --bench-timeout 300 --seed 1 ${WB_CUDA_ARCH:+--cuda-arch "$WB_CUDA_ARCH"} \
  "${prepare[@]}" ${GRADE_ARGS:-} || exit 1
[[ ${#prepare[@]} -eq 0 ]] || exit 0
echo
cat "$out/grade-chapter-04.md"
echo
python3 "$root/tests/grader/check_demo.py" "$out/grade-chapter-04.csv"
