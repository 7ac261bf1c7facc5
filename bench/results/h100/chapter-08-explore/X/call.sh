#!/usr/bin/env bash
# Call X (one H100): exploration. Step 12's kernel with Bc = 128 keys per tile at d 64 (the patch
# wide.patch; ptxas: 255 registers, no spill), registered in place of step 12 for this call: the
# chapter's GPU tests of step 12 (short and large), then steps 11 and 12 timed at every block
# twice (step 11 unchanged: Bc = 64).
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
L=$OUT; mkdir -p $L
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
{
el "tests: novote (wide at d64), short"; $B/ch08_gpu_tests --wb-step novote "[steps]~[.]" 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
el "tests: large"; $B/ch08_gpu_tests "[.large]" 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
for r in 1 2; do el "bench $r"; WB_GIT_COMMIT=explore-X timeout 120 $B/ch08_bench --benchmark_filter='ch08/(pairs|novote)/.*/d64/' --benchmark_out=$L/x$r.json > /dev/null 2>&1; echo "rc=$?"; grep -A4 'size' $L/x$r.ladder.txt | grep -E 'size|pairs|novote'; done
el done
} > $L/run.txt 2>&1
cat $L/run.txt
