#!/usr/bin/env bash
# Call P (one H100), chapter 07 exploration: step 8's kernel at the new four-warps-per-scheduler
# configurations (tuning::hoist_configs), swept beside step 9's (WB_SWEEP_ONLY=hoist/) at 2048^3,
# 4096^3, 8192^3 fp16/bf16 with cuBLAS and the mma.sync peak; then every chapter 07 GPU test
# (every configuration at the edge shapes).
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $L/gpu.txt
{ el "sweep"; WB_SWEEP_ONLY=hoist/ timeout 300 $B/ch07_bench --ch07_sweep; echo "rc=$?"; el "sweep done"; } > $L/sweep.txt 2>&1
{ el "tests"; timeout 200 $B/ch07_gpu_tests 2>&1 | tail -8; echo "rc=${PIPESTATUS[0]}"; el "tests done"; } > $L/tests.txt 2>&1
