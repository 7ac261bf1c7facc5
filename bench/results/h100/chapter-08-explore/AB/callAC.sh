#!/usr/bin/env bash
# Call AC (one H100): exploration AB, second call (bench/results/h100/chapter-08-explore/AB/README.md).
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
for s in xtree xtreesplit xloops xlooptree; do el "tests: $s, short"; timeout 120 $B/ch08_gpu_tests --wb-step $s "[steps]~[.]" 2>&1 | tail -2; echo "rc=${PIPESTATUS[0]}"; done
el "tests: xrowmma, the failures"; timeout 120 $B/ch08_gpu_tests --wb-step xrowmma "[steps]~[.]" > $L/xrowmma-fail.txt 2>&1; echo "rc=$?"; grep -E "max error|first failure" $L/xrowmma-fail.txt | head -12
F='ch08/(wide|xonebar|xall|xtree|xtreesplit|xloops|xlooptree)/fp16/(b4/h16/s4096/d128|b8/h16/s2048/d64)/'
for r in 1 2; do el "bench round $r"; timeout 200 $B/ch08_bench --benchmark_filter="$F" --benchmark_out=$L/ac$r.json > /dev/null 2>&1; echo "rc=$?"; done
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,l1tex__t_requests_pipe_lsu_mem_local_op_ld.sum,smsp__inst_executed_pipe_xu.sum"
for s in xall xtree; do el "ncu $s d128/full"
  timeout 60 ncu --clock-control none --kernel-name "regex:attention_(wide|explore)_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch08_bench --benchmark_filter="ch08/$s/fp16/b4/h16/s4096/d128/full" > /tmp/ncu.csv 2>/dev/null; echo "rc=$?"
  python3 scripts/ncu_table.py /tmp/ncu.csv "$m"; done
el done
} > $L/run.txt 2>&1
cd $L && rm -f ac1.json ac2.json ac1.ladder.json ac2.ladder.json
for f in ac1 ac2; do grep -E "size|^wide|^x" $f.ladder.txt | head -40; done; tail -45 run.txt
