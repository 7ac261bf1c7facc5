#!/usr/bin/env bash
# Call AD (one H100): chapter 08 at commit $(cat .carry3/commit.txt) (step 14, onebar, added):
# every GPU test (short, other, large), the check on the stubs (must name the unfinished steps)
# and on a solved build (every step), the four sanitizers on step 14; then the ladder (every
# step, every block), the PyTorch peers, the peer table and Nsight Compute per step (the
# chapter's profile, d128); then Nsight Compute on steps 13 and 14 at B8 H16 S2048 d64 fp16.
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
out=$OUT; mkdir -p $out; log=$out/run.log
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $out/gpu.txt
cat $out/gpu.txt
onlyverify=0
if ! grep -q "H100" $out/gpu.txt; then
  [ "${AD_VERIFY_ANY:-0}" = 1 ] || { echo "not an H100: stopping (the workbook records H100 numbers only)"; exit 3; }
  echo "not an H100: the verification only (tests, checks, sanitizers; no timings)"; onlyverify=1
fi
{
el "commit $WB_GIT_COMMIT"
el "sanitizers on onebar (4 processes, in the background)"
for tool in memcheck racecheck synccheck initcheck; do
  ( extra=""; [ $tool = memcheck ] && extra="--leak-check full"
    s=$(date +%s); compute-sanitizer --tool $tool $extra --error-exitcode 99 $B/ch08_gpu_tests --wb-step onebar "[steps]~[.]" > /tmp/san-$tool.txt 2>&1
    echo "=== onebar $tool rc=$? $(( $(date +%s) - s ))s: $(grep -h 'passed\|failed\|SUMMARY' /tmp/san-$tool.txt | tr '\n' ' ')" > /tmp/san-$tool.sum ) &
done
el "tests: every step, short lengths"; $B/ch08_gpu_tests "[steps]~[.]" 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"
el "tests: other (known-bad and the rest)"; $B/ch08_gpu_tests --wb-allow-none "~[steps]~[.]" 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"
el "tests: large"; $B/ch08_gpu_tests "[.large]" 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"
el "check, the stubs (must fail, naming steps 2-14)"; $B/ch08_check 2>&1 | tail -20; echo "rc=${PIPESTATUS[0]}"
el "check, solved build (every step)"; $B/ch08_check_solved 2>&1 | tail -20; echo "rc=${PIPESTATUS[0]}"
wait; cat /tmp/san-*.sum
el "verify done"
} > $out/verify.txt 2>&1
if [ $onlyverify = 1 ]; then cat $out/verify.txt; exit 0; fi
el "bench" | tee -a $log
timeout 300 $B/ch08_bench "--benchmark_out=$out/chapter-08.json" >> $log 2>&1; echo "ch08 bench rc=$?" | tee -a $log
el "peers" | tee -a $log
timeout 100 python3 bench/ch08_pytorch_peer.py "$out/chapter-08.pytorch.json" >> $log 2>&1; echo "ch08 peer rc=$?" | tee -a $log
python3 bench/ch08_peer_table.py "$out/chapter-08.ladder.json" "$out/chapter-08.pytorch.json" "$out/chapter-08.peers.txt" >> $log 2>&1; echo "ch08 peer table rc=$?" | tee -a $log
el "profile" | tee -a $log
cm=chapters/08-flash-attention/chapter.cmake
kernels=$(sed -n 's/^ *PROFILE_KERNELS "\([^"]*\)".*/\1/p' "$cm")
metrics=$(sed -n '/PROFILE_METRICS/,/)/p' "$cm" | grep -o '[a-z_]*__[a-z0-9_.]*' | paste -sd, -)
left=$(( 560 - ($(date +%s) - T0) ))
timeout $left bash scripts/profile.sh $B/ch08_bench "$kernels" "$metrics" > $out/chapter-08.profile.txt 2>&1; echo "ch08 profile rc=$? (timeout ${left}s)" | tee -a $log
el "done" | tee -a $log
m="gpu__time_duration.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__inst_executed_pipe_xu.sum,smsp__inst_executed_pipe_fma.sum"
{ for c in full causal; do for s in wide onebar; do
  left=$(( 585 - ($(date +%s) - T0) )); [ $left -lt 15 ] && break 2
  el "ncu $s d64 $c"
  timeout $left ncu --clock-control none --kernel-name "regex:attention_${s}_kernel" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch08_bench --benchmark_filter="ch08/$s/fp16/b8/h16/s2048/d64/$c" > /tmp/ncu-$s-$c.csv 2>/dev/null; echo "rc=$?"
  python3 scripts/ncu_table.py /tmp/ncu-$s-$c.csv "$m"; done; done; el "ncu done"; } >> $out/verify.txt 2>&1
cd $out && tar czf ladder.tgz chapter-08.* && rm -f chapter-08.json chapter-08.ladder.json chapter-08.pytorch.json
