#!/usr/bin/env bash
# Chapter 08 on a lent GPU machine, over build trees made on the CPU machine and carried
# (scripts/carry-build.sh): nothing is compiled there. Logs and results go under $OUT.
#
# Made here first (CPU machine, ~15 minutes on 2 cores; chapter 08 needs 05 for its naive step
# and 06 for the ceiling):
#   cmake -S . -B build-h100 -DCMAKE_CUDA_ARCHITECTURES=90 -DWB_CHAPTERS="05;06;08"
#   cmake --build build-h100 -j2 --target ch08_cpu_tests ch08_gpu_tests ch08_check ch08_bench
#   # a second tree whose exercises are the solutions, for the solved check:
#   git worktree add /tmp/ch08-solved HEAD
#   cp solutions/08-flash-attention/[01][0-9]_*.cu \
#     /tmp/ch08-solved/chapters/08-flash-attention/
#   cmake -S /tmp/ch08-solved -B /tmp/ch08-solved/build-h100-solved \
#     -DCMAKE_CUDA_ARCHITECTURES=90 -DWB_CHAPTERS="05;06;08"
#   cmake --build /tmp/ch08-solved/build-h100-solved -j2 --target ch08_check
#   scripts/carry-build.sh build-h100 08
#   mkdir -p .carry/build-h100-solved
#   cp /tmp/ch08-solved/build-h100-solved/ch08_check .carry/build-h100-solved/
# then carry ".carry" with the call (h100-batch.sh moves it into place; ~45 MB for chapter 08).
#
# On the GPU machine, two calls (each under 10 minutes):
#   WB_STAGES=verify scripts/h100-ch08.sh             tests (CPU, per step, other, large),
#                                                     check on the stubs (must fail naming steps
#                                                     2-14) and solved (must pass), the four
#                                                     sanitizers at the short lengths ([.large]
#                                                     and known-bad excluded)
#   WB_STAGES=bench,peer,profile scripts/h100-ch08.sh  the ladder, the PyTorch peers in the same
#                                                     call, Nsight Compute per step
#
# What each output fills in chapters/08-flash-attention/README.md and the instructor notes:
#   chapter-08.json, .ladder.json, .ladder.txt   every "[measure: ...]" of section 6 and the table
#                                                of section 7 (x FA2 and x cuDNN from the peer)
#   chapter-08.pytorch.json                      section 7: the peers at the same shapes
#   chapter-08.peers.txt                         x FA2 and x cuDNN per step (bench/ch08_peer_table.py
#                                                from the two JSON files; make chapter-08-bench
#                                                prints it after the recorded ladder)
#   chapter-08.profile.txt                       each step's Nsight Compute metric
#   ctest/check/sanitize logs                    section 8's claims ("the tests pass on the H100")
set -uo pipefail
out=${OUT:-$PWD/h100-out}
mkdir -p "$out"
export OUT="$out"
export WB_BUILD=${WB_BUILD:-build-h100}
export WB_SOLVED_BUILD=${WB_SOLVED_BUILD:-build-h100-solved}
stages=",${WB_STAGES:-verify,bench,peer,profile},"
want() { [[ "$stages" == *",$1,"* ]]; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log="$out/run.log"

if want verify; then
  # ctest of every ch08 GPU entry (per step, other, large, known-bad via other), both checks, and
  # the sanitizers in parallel (scripts/h100-batch.sh, stage verify); then the CPU tests.
  WB_STAGES=verify "$here/h100-batch.sh" 08
  (cd "$WB_BUILD" && ctest -R '^ch08\.cpu$' --output-on-failure) 2>&1 | tee -a "$log"
fi
# Moves carried trees into place when verify did not (h100-batch.sh does it at its start).
for d in .carry/*/; do
  d=${d%/}
  [[ $d == .carry/lib || -e ${d#.carry/} ]] || mv "$d" "${d#.carry/}"
done
[[ -d .carry/lib ]] && export LD_LIBRARY_PATH="$PWD/.carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if want bench; then
  printf '\n######## ch08: bench\n' | tee -a "$log"
  timeout 420 "$WB_BUILD/ch08_bench" "--benchmark_out=$out/chapter-08.json" 2>&1 | tee -a "$log"
  echo "ch08 bench rc=${PIPESTATUS[0]}" | tee -a "$log"
fi
if want peer; then
  printf '\n######## ch08: PyTorch peers (same device call as the ladder)\n' | tee -a "$log"
  timeout 300 python3 bench/ch08_pytorch_peer.py "$out/chapter-08.pytorch.json" 2>&1 | tee -a "$log"
  echo "ch08 peer rc=${PIPESTATUS[0]}" | tee -a "$log"
  # x FA2 and x cuDNN beside each step: the ladder and the peers of this call, side by side.
  if [[ -f $out/chapter-08.ladder.json && -f $out/chapter-08.pytorch.json ]]; then
    python3 bench/ch08_peer_table.py "$out/chapter-08.ladder.json" "$out/chapter-08.pytorch.json" \
      "$out/chapter-08.peers.txt" 2>&1 | tee -a "$log"
    rc=${PIPESTATUS[0]}
    [[ $rc -eq 0 ]] && tee -a "$log" <"$out/chapter-08.peers.txt"
    echo "ch08 peer table rc=$rc" | tee -a "$log"
  else
    echo "ch08 peer table: not written (this call left no chapter-08.ladder.json or" \
      "chapter-08.pytorch.json in $out; the table pairs the ladder and the peers of one call)" |
      tee -a "$log"
  fi
fi
if want profile; then
  printf '\n######## ch08: profile\n' | tee -a "$log"
  # The kernels and metrics of chapter.cmake (PROFILE_KERNELS, PROFILE_METRICS).
  cm=chapters/08-flash-attention/chapter.cmake
  kernels=$(sed -n 's/^ *PROFILE_KERNELS "\([^"]*\)".*/\1/p' "$cm")
  metrics=$(sed -n '/PROFILE_METRICS/,/)/p' "$cm" | grep -o '[a-z_]*__[a-z0-9_.]*' | paste -sd, -)
  timeout 540 scripts/profile.sh "$WB_BUILD/ch08_bench" "$kernels" "$metrics" 2>&1 |
    tee "$out/chapter-08.profile.txt" | tail -40
  echo "ch08 profile rc=${PIPESTATUS[0]}" | tee -a "$log"
fi
