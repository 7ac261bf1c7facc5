#!/usr/bin/env bash
# Call W (one H100): the learner16 trial's kernels (chapter 08 steps 11 and 12): their check of
# both steps, their two steps timed, then the reference's same two steps in the same call; then
# chapter 06's GPU tests (the shared fragment-map header gained a defaulted parameter).
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $L/gpu.txt
{
el "learner16 check: pairs, novote"; $B/l16_ch08_check --wb-step pairs --wb-step novote 2>&1 | tail -8; echo "rc=${PIPESTATUS[0]}"
el "learner16 bench (steps 11-12)"; WB_GIT_COMMIT=learner16 timeout 150 $B/l16_ch08_bench_mine --benchmark_filter='ch08/(pairs|novote)/' --benchmark_out=$L/mine.json > /dev/null 2>&1; echo "rc=$?"
el "reference bench (steps 11-12)"; WB_GIT_COMMIT=e49e5e4 timeout 150 $B/ch08_bench --benchmark_filter='ch08/(pairs|novote)/' --benchmark_out=$L/reference.json > /dev/null 2>&1; echo "rc=$?"
el "chapter 06 GPU tests"; timeout 200 $B/ch06_gpu_tests 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
el "done"
} > $L/run.txt 2>&1
cd $L && tar czf results.tgz mine.json reference.json *.ladder.* 2>/dev/null; ls $L
