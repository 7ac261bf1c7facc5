#!/usr/bin/env bash
# Call L2 (one H100): the L2 bandwidth probe, then Nsight Compute on one launch at 16 MB (the 4th
# working set: 3 x (1 warm-up + 100 timed) + 1 warm-up launches before it).
set -u
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $OUT/gpu.txt
.carry3/l2_bandwidth > $OUT/probe.txt 2>&1; echo "rc=$?" >> $OUT/probe.txt
timeout 200 ncu --clock-control none --kernel-name read_passes --launch-skip 304 --launch-count 1 \
  --metrics gpu__time_duration.sum,lts__t_bytes.sum,lts__t_sector_hit_rate.pct,dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,sm__cycles_elapsed.avg.per_second \
  .carry3/l2_bandwidth > $OUT/ncu.txt 2>&1; echo "rc=$?" >> $OUT/ncu.txt
cat $OUT/probe.txt; grep -E "read_passes|duration|lts__|dram__|sm__cycles" $OUT/ncu.txt
