#!/usr/bin/env bash
# Call V (one H100): (1) chapter 07: step 8's kernel with the copy pointer bumped at the start of
# the next load() instead of right after this one's cp.async ("bump-first"; call Q's source view
# put 8.4% of step 9's stall samples on that IMAD.WIDE, long scoreboard: it waits for the
# in-flight LDGSTS to read the register), swept twice beside the same rings without it; the
# chapter 07 GPU tests (every configuration at the edge shapes). (2) chapter 08: Nsight Compute
# on steps 11 and 12 at B8 H16 S2048 d64 fp16 (full and causal), one launch each.
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $L/gpu.txt
{ for r in 1 2; do el "sweep $r"; WB_SWEEP_ONLY="hoist/128x128x32 w64x64" timeout 150 $B/ch07_bench --ch07_sweep; echo "rc=$?"; done; el "sweep done"; } > $L/sweep.txt 2>&1
{ el "tests"; timeout 200 $B/ch07_gpu_tests 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"; el "tests done"; } > $L/tests.txt 2>&1
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_branch_resolving_per_issue_active.ratio,smsp__inst_executed_pipe_fma.sum,smsp__inst_executed_pipe_alu.sum"
{ for c in full causal; do for s in pairs novote; do el "ncu $s d64 $c"
  timeout 100 ncu --clock-control none --kernel-name "regex:attention_${s}_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch08_bench --benchmark_filter="ch08/$s/fp16/b8/h16/s2048/d64/$c" > /tmp/ncu-$s-$c.csv 2>/tmp/ncu-$s-$c.err; echo "rc=$?"
  python3 scripts/ncu_table.py /tmp/ncu-$s-$c.csv "$m"; done; done; el "ncu done"; } > $L/ch08-d64-profile.txt 2>&1
