#!/usr/bin/env bash
# Call R1 (one H100): chapter 08 at commit $(cat .carry3/commit.txt): every GPU test of every step
# (short lengths, other, large), the solved check of step 11, the four sanitizers on steps 10 and
# 11 (hoist, pairs), one process per (tool, step), in parallel; then Nsight Compute's source view
# of step 11 (as call Q did for step 10).
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
el "commit $WB_GIT_COMMIT"
el "tests: every step, short lengths"; $B/ch08_gpu_tests "[steps]~[.]" 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"
el "tests: other (known-bad and the rest)"; $B/ch08_gpu_tests --wb-allow-none "~[steps]~[.]" 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"
el "tests: large"; $B/ch08_gpu_tests "[.large]" 2>&1 | tail -4; echo "rc=${PIPESTATUS[0]}"
el "check, solved build (step 11)"; $B/ch08_check_solved --wb-step pairs 2>&1 | tail -8; echo "rc=${PIPESTATUS[0]}"
el "check, the stubs as shipped (step 11 unfinished)"; $B/ch08_check --wb-step pairs 2>&1 | tail -6; echo "rc=${PIPESTATUS[0]}"
el "sanitizers on hoist, pairs (8 processes)"
for step in hoist pairs; do for tool in memcheck racecheck synccheck initcheck; do
  ( extra=""; [ $tool = memcheck ] && extra="--leak-check full"
    s=$(date +%s); compute-sanitizer --tool $tool $extra --error-exitcode 99 $B/ch08_gpu_tests --wb-step $step "[steps]~[.]" > /tmp/san-$step-$tool.txt 2>&1
    echo "=== $step $tool rc=$? $(( $(date +%s) - s ))s: $(grep -h 'passed\|failed\|SUMMARY' /tmp/san-$step-$tool.txt | tr '\n' ' ')" ) &
done; done; wait
el "ncu source view of step 11"
timeout 120 ncu --clock-control none --kernel-name "regex:attention_pairs_kernel" --launch-count 1 \
  --section SourceCounters --section WarpStateStats --import-source no -f -o /tmp/pairs $B/ch08_bench --wb_profile > /tmp/pairs.log 2>&1; echo "ncu rc=$?"
ncu -i /tmp/pairs.ncu-rep --page source --print-source sass --csv > /tmp/pairs.csv 2>/dev/null
python3 scripts/ncu_source_agg.py /tmp/pairs.csv 30 > $L/ch08_pairs.agg.txt 2>&1; echo "agg rc=$?"
ncu -i /tmp/pairs.ncu-rep --page details > $L/ch08_pairs.details.txt 2>&1
el "done"
} > $L/verify.txt 2>&1
