#!/usr/bin/env bash
# Call AB (one H100): exploration AB (bench/results/h100/chapter-08-explore/AB/README.md).
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
for s in xonebar xsplit xrowmma xall; do el "tests: $s, short"; timeout 120 $B/ch08_gpu_tests --wb-step $s "[steps]~[.]" 2>&1 | tail -2; echo "rc=${PIPESTATUS[0]}"; done
el "sanitizers on xonebar (racecheck, synccheck)"
for tool in racecheck synccheck; do
  ( s=$(date +%s); timeout 150 compute-sanitizer --tool $tool --error-exitcode 99 $B/ch08_gpu_tests --wb-step xonebar "[steps]~[.]" > /tmp/san-$tool.txt 2>&1
    echo "=== xonebar $tool rc=$? $(( $(date +%s) - s ))s: $(grep -h 'passed\|failed\|SUMMARY' /tmp/san-$tool.txt | tr '\n' ' ')"; grep -m5 -i "error\|hazard" /tmp/san-$tool.txt ) &
done; wait
F='ch08/(wide|xonebar|xsplit|xrowmma|xall)/fp16/(b4/h16/s4096/d128|b8/h16/s2048/d64)/'
for r in 1 2 3; do el "bench round $r"; timeout 150 $B/ch08_bench --benchmark_filter="$F" --benchmark_out=$L/ab$r.json > /dev/null 2>&1; echo "rc=$?"; done
el "peers"; timeout 100 python3 bench/ch08_pytorch_peer.py "$L/ab.pytorch.json" > /tmp/peer.log 2>&1; echo "rc=$?"
el "tests: large (xonebar)"; timeout 150 $B/ch08_gpu_tests --wb-step xonebar "[.large]" 2>&1 | tail -2; echo "rc=${PIPESTATUS[0]}"
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,l1tex__t_requests_pipe_lsu_mem_local_op_ld.sum"
for s in wide xonebar xrowmma; do for c in d128/full d128/causal d64/full; do el "ncu $s $c"
  b=b4/h16/s4096; [ $c = d64/full ] && b=b8/h16/s2048
  timeout 60 ncu --clock-control none --kernel-name "regex:attention_(wide|explore)_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch08_bench --benchmark_filter="ch08/$s/fp16/$b/$c" > /tmp/ncu.csv 2>/dev/null; echo "rc=$?"
  python3 scripts/ncu_table.py /tmp/ncu.csv "$m"; done; done
el done
} > $L/run.txt 2>&1
cd $L && rm -f ab1.json ab2.json ab3.json ab1.ladder.json ab2.ladder.json ab3.ladder.json
for f in ab1 ab2 ab3; do grep -E "size|^wide|^x" $f.ladder.txt | head -30; done; tail -70 run.txt
