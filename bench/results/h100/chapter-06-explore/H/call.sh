#!/usr/bin/env bash
# Call H (one H100): chapter 06 exploration H (bench/results/h100/chapter-06-explore/H/README.md):
# chapter 06's GPU tests (every configuration at the edge shapes, the new hoist ones included),
# the design sweep at 4096^3, Nsight Compute's stall reasons of step 6 and of its hoisted twin;
# then chapter 07's configuration test under the four sanitizers (not run last session).
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $L/gpu.txt
{ el "ch06 tests (all)"; timeout 200 $B/ch06_gpu_tests 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"; } > $L/tests.txt 2>&1
{ el "explore"; timeout 200 $B/ch06_bench --ch06_explore; echo "rc=$?"; el "explore done"; } > $L/explore.txt 2>&1
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread"
for r in barrier branch_resolving dispatch_stall drain imc_miss lg_throttle long_scoreboard math_pipe_throttle membar mio_throttle misc no_instruction not_selected selected short_scoreboard sleeping tex_throttle wait; do m="$m,smsp__average_warps_issue_stalled_${r}_per_issue_active.ratio"; done
{ el "ncu warptile 4096 fp16"
  timeout 90 ncu --clock-control none --kernel-name "regex:hgemm_warptile_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch06_bench --benchmark_filter='ch06/warptile/fp16/4096/4096/4096' > /tmp/ncu-w.csv 2>/dev/null; echo "rc=$?"; python3 scripts/ncu_table.py /tmp/ncu-w.csv "$m"
  el "ncu hoist (first hoist launch of the sweep: hoist/128x128x64 w64x64 fp16 at 4096^3)"
  timeout 150 ncu --clock-control none --kernel-name "regex:hgemm_hoist_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch06_bench --ch06_explore > /tmp/ncu-h.csv 2>/dev/null; echo "rc=$?"; python3 scripts/ncu_table.py /tmp/ncu-h.csv "$m"
  el "ncu done"; } > $L/ncu.txt 2>&1
{ el "ch07 configurations under the sanitizers"
for tool in memcheck racecheck synccheck initcheck; do
  ( s=$(date +%s); timeout 240 compute-sanitizer --tool $tool --error-exitcode 99 $B/ch07_gpu_tests "every compiled tile and stage configuration matches the reference" > /tmp/san7-$tool.txt 2>&1
    echo "=== ch07 configs $tool rc=$? $(( $(date +%s) - s ))s: $(grep -h 'passed\|failed\|SUMMARY' /tmp/san7-$tool.txt | tr '\n' ' ')"; grep -m5 -i "error\|hazard" /tmp/san7-$tool.txt | grep -v "0 errors" ) &
done; wait; el "sanitizers done"; } > $L/san07.txt 2>&1
cat $L/tests.txt $L/explore.txt $L/ncu.txt $L/san07.txt | tail -120
