#!/usr/bin/env bash
# Call H2 (one H100): Nsight Compute's stall reasons of step 6 (warptile) at 4096^3 fp16, every
# reason (call H's filter matched nothing).
set -u
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread"
for r in barrier branch_resolving dispatch_stall drain imc_miss lg_throttle long_scoreboard math_pipe_throttle membar mio_throttle misc no_instruction not_selected selected short_scoreboard sleeping tex_throttle wait; do m="$m,smsp__average_warps_issue_stalled_${r}_per_issue_active.ratio"; done
$B/ch06_bench --benchmark_list_tests=true 2>/dev/null | grep "warptile/fp16/4096/4096/4096"
timeout 90 ncu --clock-control none --kernel-name "regex:hgemm_warptile_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
  $B/ch06_bench --benchmark_filter='ch06/warptile/fp16/4096/4096/4096' > /tmp/ncu-w.csv 2>/tmp/ncu-w.err; echo "rc=$?"; python3 scripts/ncu_table.py /tmp/ncu-w.csv "$m" | tee $OUT/ncu-warptile.txt; tail -3 /tmp/ncu-w.err
