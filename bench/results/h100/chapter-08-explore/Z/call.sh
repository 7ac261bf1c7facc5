#!/usr/bin/env bash
# Call Z (one H100): exploration of step 14 (pingpong) and its control (twogroups), see
# bench/results/h100/chapter-08-explore/Z/README.md.
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
for s in pingpong twogroups; do el "tests: $s, short"; timeout 120 $B/ch08_gpu_tests --wb-step $s "[steps]~[.]" 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"; done
el "sanitizers on pingpong (racecheck, synccheck, memcheck, initcheck)"
for tool in racecheck synccheck memcheck initcheck; do
  ( s=$(date +%s); timeout 200 compute-sanitizer --tool $tool --error-exitcode 99 $B/ch08_gpu_tests --wb-step pingpong "[steps]~[.]" > /tmp/san-$tool.txt 2>&1
    echo "=== pingpong $tool rc=$? $(( $(date +%s) - s ))s: $(grep -h 'passed\|failed\|SUMMARY' /tmp/san-$tool.txt | tr '\n' ' ')"; grep -m5 -i "error\|hazard" /tmp/san-$tool.txt ) &
done; wait
for r in 1 2; do el "bench round $r"; timeout 150 $B/ch08_bench --benchmark_filter='ch08/(wide|twogroups|pingpong)/' --benchmark_out=$L/z$r.json > /dev/null 2>&1; echo "rc=$?"; done
el "peers"; timeout 100 python3 bench/ch08_pytorch_peer.py "$L/z.pytorch.json" > /tmp/peer.log 2>&1; echo "rc=$?"; tail -3 /tmp/peer.log
el "tests: large (pingpong)"; timeout 150 $B/ch08_gpu_tests --wb-step pingpong "[.large]" 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,sm__warps_active.avg.pct_of_peak_sustained_active"
for s in wide twogroups pingpong; do for c in full causal; do el "ncu $s d128 $c"
  timeout 60 ncu --clock-control none --kernel-name "regex:attention_(wide|pingpong)_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch08_bench --benchmark_filter="ch08/$s/fp16/b4/h16/s4096/d128/$c" > /tmp/ncu-$s-$c.csv 2>/dev/null; echo "rc=$?"
  python3 scripts/ncu_table.py /tmp/ncu-$s-$c.csv "$m"; done; done
el done
} > $L/run.txt 2>&1
cd $L && for f in z1 z2; do [ -f $f.ladder.txt ] || true; done; tar czf z.tgz z1.* z2.* z.pytorch.json 2>/dev/null; rm -f z1.json z2.json z1.ladder.json z2.ladder.json
tail -80 run.txt
