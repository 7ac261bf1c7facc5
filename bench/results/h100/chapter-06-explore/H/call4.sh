#!/usr/bin/env bash
# Call H4 (one H100): chapter 06's GPU tests from the final build (the hoist sweep built into the
# solutions' library from bench/ch06_hoist_sweep.cu), then the configuration test under the four
# sanitizers.
set -u
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $OUT/gpu.txt
{ echo "commit $(cat .carry3/commit.txt)"; timeout 120 $B/ch06_gpu_tests 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
for tool in memcheck racecheck synccheck initcheck; do
  ( s=$(date +%s); timeout 300 compute-sanitizer --tool $tool --error-exitcode 99 $B/ch06_gpu_tests "every compiled configuration matches the reference at the edge shapes" > /tmp/san6-$tool.txt 2>&1
    echo "=== ch06 configs $tool rc=$? $(( $(date +%s) - s ))s: $(grep -h 'passed\|failed\|SUMMARY' /tmp/san6-$tool.txt | tr '\n' ' ')"; grep -m5 -i "error\|hazard" /tmp/san6-$tool.txt | grep -v "0 errors" ) &
done; wait; } > $OUT/san06.txt 2>&1
cat $OUT/san06.txt
