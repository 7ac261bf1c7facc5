#!/usr/bin/env bash
# Call Q (one H100): where the stalls are, per SASS instruction (Nsight Compute's source view,
# warp-state sampling), for chapter 07's step 9 (retuned, 4096^3 fp16, --wb_profile) and chapter
# 08's step 10 (hoist, B2 H16 S4096 d128 fp16, full then causal, --wb_profile).
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $L/gpu.txt
ncu --version > $L/ncu-version.txt 2>&1
prof() {  # name exe kernel-regex skip count
  el "ncu $1"
  timeout 200 ncu --clock-control none --kernel-name "regex:$3" --launch-skip $4 --launch-count $5 \
    --section SourceCounters --section WarpStateStats --section LaunchStats --section Occupancy \
    --import-source no -f -o $L/$1 $2 --wb_profile > $L/$1.ncu.log 2>&1; echo "ncu rc=$?"
  ncu -i $L/$1.ncu-rep --page details > $L/$1.details.txt 2>&1
  ncu -i $L/$1.ncu-rep --page source --print-source sass --csv > $L/$1.source.csv 2> $L/$1.source.err
  echo "source rc=$? $(wc -c < $L/$1.source.csv) bytes"
  python3 .carry3/srcagg.py $L/$1.source.csv 30 > $L/$1.agg.txt 2>&1; echo "agg rc=$?"
}
{
prof ch07_retuned $B/ch07_bench hgemm_hoist_kernel 1 1
prof ch08_hoist $B/ch08_bench attention_hoist_kernel 0 2
el done
} > $L/run.txt 2>&1
