#!/usr/bin/env bash
# Call H3 (one H100): chapter 06's profile (make chapter-06-profile's command) with the metric list
# of chapters/06-tensor-cores/chapter.cmake, which now includes the wait and branch-resolving stalls.
set -u
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
cm=chapters/06-tensor-cores/chapter.cmake
kernels=$(sed -n 's/^ *PROFILE_KERNELS "\([^"]*\)".*/\1/p' "$cm")
metrics=$(sed -n '/PROFILE_METRICS/,/)/p' "$cm" | grep -o '[a-z_]*__[a-z0-9_.]*' | paste -sd, -)
timeout 400 bash scripts/profile.sh $B/ch06_bench "$kernels" "$metrics" > $OUT/profile.txt 2>&1; echo "rc=$?" >> $OUT/profile.txt
grep -E "^[a-zA-Z<(]|wait|branch|duration|inst_executed.sum|hmma_cycles" $OUT/profile.txt | head -120
