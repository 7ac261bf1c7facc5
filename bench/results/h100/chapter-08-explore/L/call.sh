#!/usr/bin/env bash
# Call L (one H100), exploration for chapter 08 step 8 (rows32): three variants registered as
# temporary steps (rows32: Bc 64, spills 108 B at d128; rows32_bc32: Bc 32 at d128; rows32_ftz:
# Bc 32 + ex2.approx.ftz), timed beside step 7 (exp2) at every ladder block, then ncu, then tests.
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=explore-L
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $L/gpu.txt
{ el "bench (alone)"; timeout 200 $B/ch08_bench --benchmark_filter='ch08/(exp2|rows32|rows32_bc32|rows32_ftz)/' --benchmark_out=$L/explore.json; echo "bench rc=$?"; el "bench done"; } > $L/bench.txt 2>&1
cp /work/main/build*/bench/results/* $L/ 2>/dev/null
{ el "profile"; timeout 200 bash scripts/profile.sh $B/ch08_bench "regex:attention_(exp2|rows32)" "gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,launch__occupancy_limit_registers,launch__occupancy_limit_shared_mem,sm__warps_active.avg.pct_of_peak_sustained_active,sm__sass_l1tex_data_pipe_lsu_wavefronts_mem_shared_op_ldsm.sum,smsp__inst_executed_pipe_xu.sum,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_lg_throttle_per_issue_active.ratio,l1tex__t_requests_pipe_lsu_mem_local_op_ld.sum"; echo "profile rc=$?"; el "profile done"; } > $L/profile.txt 2>&1
{ el "tests: steps (short)"; timeout 150 $B/ch08_gpu_tests "[steps]~[.]" 2>&1 | tail -15; echo "rc=${PIPESTATUS[0]}"
  el "tests: large"; timeout 150 $B/ch08_gpu_tests "[.large]" 2>&1 | tail -15; echo "rc=${PIPESTATUS[0]}"; el "tests done"; } > $L/tests.txt 2>&1
