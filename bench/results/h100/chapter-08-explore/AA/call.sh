#!/usr/bin/env bash
# Call AA (one H100): exploration AA (bench/results/h100/chapter-08-explore/AA/README.md): the
# padded step's GPU tests, then step 13 and padded timed at every block twice, the FA2 peers once,
# and Nsight Compute on both at the headline shape.
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $L/gpu.txt
{
el "tests: padded, short"; timeout 120 $B/ch08_gpu_tests --wb-step padded "[steps]~[.]" 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
for r in 1 2; do el "bench round $r"; timeout 120 $B/ch08_bench --benchmark_filter='ch08/(wide|padded)/' --benchmark_out=$L/aa$r.json > /dev/null 2>&1; echo "rc=$?"; done
el "peers"; timeout 100 python3 bench/ch08_pytorch_peer.py "$L/aa.pytorch.json" > /tmp/peer.log 2>&1; echo "rc=$?"
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,sm__sass_l1tex_data_bank_conflicts_pipe_lsu_mem_shared_op_ldsm.sum,l1tex__t_requests_pipe_lsu_mem_local_op_ld.sum"
for s in wide padded; do for c in d128/full d64/full; do el "ncu $s $c"
  b=b4/h16/s4096; [ $c = d64/full ] && b=b8/h16/s2048
  timeout 60 ncu --clock-control none --kernel-name "regex:attention_(wide|padded)_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch08_bench --benchmark_filter="ch08/$s/fp16/$b/$c" > /tmp/ncu.csv 2>/dev/null; echo "rc=$?"
  python3 scripts/ncu_table.py /tmp/ncu.csv "$m"; done; done
el done
} > $L/run.txt 2>&1
cd $L && rm -f aa1.json aa2.json aa1.ladder.json aa2.ladder.json
grep -E "size fp16|^wide|^padded" aa1.ladder.txt | head -40; tail -60 run.txt
