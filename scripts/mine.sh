#!/usr/bin/env bash
# Your kernels next to the reference (make chapter-NN-mine, make chapter-NN-mine-profile).
#
#   scripts/mine.sh bench   <chNN_bench_mine> <chNN_bench | recorded> <results folder>
#   scripts/mine.sh profile <chNN_bench_mine> <chNN_bench | recorded> <ncu kernel filter> <metrics>
#
# bench: runs the chapter's bench linked against your exercises, then the reference bench, back to
#   back on the same GPU with the same shapes (the same bench source, the same environment, e.g.
#   WB_SHAPES, WB_REPS), each writing its Google Benchmark JSON into the results folder
#   (chapter-NN.mine.json, chapter-NN.reference.json, their logs, and the table as
#   chapter-NN.mine.txt and .csv). Then prints one table: per size and step, your time, the
#   reference's, and their ratio; UNFINISHED for exercises still marked WB_EXERCISE_TODO (not
#   timed), FAILED for a step whose result was wrong (every result is checked before it is timed).
#   With `recorded` (a learner's copy, which has no reference solutions) the reference side is the
#   ladder recorded on the H100, bench/results/h100/chapter-NN.json, and the table says which GPU
#   each side ran on.
# profile: Nsight Compute's metrics (the chapter's list) for your kernels and the reference's, one
#   block per kernel launch, matched by kernel name. With `recorded`, the reference side is the
#   recorded bench/results/h100/chapter-NN.profile.txt, its kernels renamed as
#   chapter-NN.profile.renames says where a step was renamed after the recording.
#
# Exit status: 0 when everything asked for was measured (unfinished exercises are listed, not an
# error); 1 when nothing was measured (no GPU: the reason is printed), a step FAILED, or a program
# failed. Never a number that was not measured now: without a GPU, nothing is timed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

usage() {
  echo "usage: $0 bench <chNN_bench_mine> <chNN_bench|recorded> <results folder>" >&2
  echo "       $0 profile <chNN_bench_mine> <chNN_bench|recorded> <ncu kernel filter> <metrics>" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
what=$1
shift
say() { printf '[mine] %s\n' "$*"; }
fail() {
  printf '[mine] %s\n' "$*"
  echo "[mine] (run by make, make then prints \"*** ... Error\" lines of its own, one per level of make,"
  echo "[mine] and exits with status 2: they only repeat that this failed.)"
  exit 1
}

# chNN from ".../ch04_bench_mine" -> "04"; the learner's exercise files from the build's
# generated wrappers (cmake/Workbook.cmake: <build>/generated/chNN_exercises/NN_<step>.cu).
chapter_of() {
  local base
  base=$(basename "$1")
  [[ $base =~ ^ch([0-9][0-9])_ ]] || return 1
  echo "${BASH_REMATCH[1]}"
}
exercise_steps() {  # exercise_steps <bench_mine>: comma-separated step names, or nothing
  local nn dir f name out=""
  nn=$(chapter_of "$1") || return 0
  dir="$(dirname "$1")/generated/ch${nn}_exercises"
  [[ -d $dir ]] || return 0
  for f in "$dir"/[0-9][0-9]_*.cu; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .cu)
    out+="${out:+,}${name#*_}"
  done
  echo "$out"
}
unfinished_steps() {  # unfinished_steps <bench_mine>: steps whose file still has WB_EXERCISE_TODO
  local nn dir w src name out=""
  nn=$(chapter_of "$1") || return 0
  dir="$(dirname "$1")/generated/ch${nn}_exercises"
  [[ -d $dir ]] || return 0
  for w in "$dir"/[0-9][0-9]_*.cu; do
    [[ -e $w ]] || continue
    src=$(sed -n 's/^#include "\(.*\)"$/\1/p' "$w" | head -n1)
    [[ -f $src ]] || continue
    if grep -Eq '^[[:space:]]*WB_EXERCISE_TODO[[:space:]]*\(' "$src"; then
      name=$(basename "$w" .cu)
      out+="${out:+,}${name#*_}"
    fi
  done
  echo "$out"
}

# While a bench runs: its rows as they are measured, and the exercises it will not time.
progress() {
  grep --line-buffered -E '^(ch[0-9][0-9]/|\[wb\] .*UNFINISHED)' | sed -u 's/^/  | /'
  return 0
}

# The reason a bench printed for not measuring ("Not measured here (<reason>): ..."), if any.
not_measured_reason() {
  sed -n 's/^Not measured here (\(.*\)): showing the recorded ladder instead\.$/\1/p' "$1" | head -n1
}

bench() {
  [[ $# -eq 3 ]] || usage
  local mine=$1 ref=$2 dir=$3 nn
  nn=$(chapter_of "$mine") || fail "cannot tell the chapter from '$mine' (expected chNN_bench_mine)"
  mkdir -p "$dir"
  local mine_json="$dir/chapter-$nn.mine.json" ref_json="$dir/chapter-$nn.reference.json"
  local mine_log="$dir/chapter-$nn.mine.log" ref_log="$dir/chapter-$nn.reference.log"
  rm -f "$mine_json" "$ref_json" "$mine_log" "$ref_log" "$dir/chapter-$nn.mine".{txt,csv}
  local recorded=0
  if [[ $ref == recorded ]]; then
    recorded=1
    ref_json="$root/bench/results/h100/chapter-$nn.json"
    [[ -f $ref_json ]] || fail "no recorded reference ladder at $ref_json: nothing to compare with"
  fi

  say "timing your finished exercises (chapter $nn): $(basename "$mine"), log in $mine_log"
  "$mine" --benchmark_out="$mine_json" --benchmark_out_format=json 2>&1 | tee "$mine_log" |
    progress
  local mine_rc=${PIPESTATUS[0]}
  if [[ ! -s $mine_json ]]; then
    local reason
    reason=$(not_measured_reason "$mine_log")
    if [[ -n $reason ]]; then
      fail "NOTHING WAS TIMED: $reason. Your kernels need a CUDA GPU to be timed; \`make chapter-$nn-bench\` shows the reference ladder recorded on the H100."
    fi
    tail -n 30 "$mine_log" | sed 's/^/  | /'
    fail "NOTHING WAS TIMED: $(basename "$mine") exited with status $mine_rc and wrote no results (its last lines are above; the whole log is $mine_log)."
  fi
  if [[ $recorded -eq 0 ]]; then
    say "timing the reference steps right after, same GPU and shapes: $(basename "$ref"), log in $ref_log"
    "$ref" --benchmark_out="$ref_json" --benchmark_out_format=json 2>&1 | tee "$ref_log" | progress
    local ref_rc=${PIPESTATUS[0]}
    if [[ ! -s $ref_json ]]; then
      tail -n 30 "$ref_log" | sed 's/^/  | /'
      fail "the reference bench exited with status $ref_rc and wrote no results (log: $ref_log); your results are in $mine_json."
    fi
  fi
  echo
  local args=(bench --mine "$mine_json" --reference "$ref_json" --mine-log "$mine_log"
    --text "$dir/chapter-$nn.mine.txt" --csv "$dir/chapter-$nn.mine.csv")
  local ex
  ex=$(exercise_steps "$mine")
  [[ -n $ex ]] && args+=(--exercises "$ex")
  [[ $recorded -eq 1 ]] && args+=(--recorded)
  python3 "$here/compare_mine.py" "${args[@]}"
  local rc=$?
  if [[ $mine_rc -ne 0 && $rc -eq 0 ]]; then
    tail -n 20 "$mine_log" | sed 's/^/  | /'
    fail "your bench exited with status $mine_rc (its last lines are above; log: $mine_log)."
  fi
  say "results: $dir/chapter-$nn.mine.txt (.csv), the two runs' JSON and logs beside it"
  [[ $rc -eq 0 ]] || fail "not every finished step was timed: see FAILED above."
  return 0
}

find_ncu() {
  if ! command -v ncu >/dev/null; then
    local d
    for d in /usr/local/cuda/bin /opt/nvidia/nsight-compute; do
      [[ -x $d/ncu ]] && PATH=$d:$PATH
    done
  fi
  command -v ncu >/dev/null
}

profile() {
  [[ $# -eq 4 ]] || usage
  local mine=$1 ref=$2 kernels=$3 metrics=$4 nn
  nn=$(chapter_of "$mine") || fail "cannot tell the chapter from '$mine' (expected chNN_bench_mine)"
  find_ncu || fail "NOTHING WAS PROFILED: ncu (Nsight Compute) not found; it ships with the CUDA toolkit."
  if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    fail "NOTHING WAS PROFILED: this needs a CUDA GPU and none is visible (nvidia-smi lists none)."
  fi
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # --clock-control none: measure the GPU as it runs, without locking its clocks (as profile.sh).
  say "profiling your kernels: $(basename "$mine") --wb_profile"
  ncu --clock-control none --kernel-name "$kernels" --metrics "$metrics" --csv --page raw \
    "$mine" --wb_profile >"$tmp/mine.csv" 2>"$tmp/mine.err" ||
    { tail -n 20 "$tmp/mine.err" "$tmp/mine.csv"; fail "ncu failed on your bench."; }
  local args=(profile --mine "$tmp/mine.csv" --metrics "$metrics"
    --unfinished "$(unfinished_steps "$mine")" --steps "$(exercise_steps "$mine")")
  if [[ $ref == recorded ]]; then
    local recorded_txt="$root/bench/results/h100/chapter-$nn.profile.txt"
    [[ -f $recorded_txt ]] || fail "no recorded profile at $recorded_txt: nothing to compare with"
    args+=(--reference "$recorded_txt" --recorded)
    # A step renamed since the recording: its recorded kernel under today's name (compare_mine.py).
    local renames="$root/bench/results/h100/chapter-$nn.profile.renames"
    [[ -f $renames ]] && args+=(--renames "$renames")
  else
    say "profiling the reference right after: $(basename "$ref") --wb_profile"
    ncu --clock-control none --kernel-name "$kernels" --metrics "$metrics" --csv --page raw \
      "$ref" --wb_profile >"$tmp/ref.csv" 2>"$tmp/ref.err" ||
      { tail -n 20 "$tmp/ref.err" "$tmp/ref.csv"; fail "ncu failed on the reference bench."; }
    args+=(--reference "$tmp/ref.csv")
  fi
  python3 "$here/compare_mine.py" "${args[@]}" || fail "no comparison (see above)."
}

case "$what" in
  bench) bench "$@" ;;
  profile) profile "$@" ;;
  *) usage ;;
esac
