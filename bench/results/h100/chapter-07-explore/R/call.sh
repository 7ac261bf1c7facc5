#!/usr/bin/env bash
# Call R (one H100): chapter 07 exploration R (bench/results/h100/chapter-07-explore/R/README.md).
set -u
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $OUT/gpu.txt
m="gpu__time_duration.sum,launch__registers_per_thread,dram__bytes_read.sum,lts__t_bytes.sum,lts__t_sector_hit_rate.pct,l1tex__t_bytes_pipe_lsu_mem_local_op_ld.sum,l1tex__t_bytes_pipe_lsu_mem_local_op_st.sum,l1tex__t_sector_hit_rate.pct"
{ for size in 8192 4096; do for s in fragment_buffer rasterize tuned hoist retuned; do
  echo "== $s $size"
  timeout 60 ncu --clock-control none --kernel-name "regex:hgemm_" --launch-count 1 --metrics "$m" --csv --page raw \
    $B/ch07_bench --benchmark_filter="ch07/$s/fp16/$size/$size/$size" > /tmp/ncu.csv 2>/dev/null; echo "rc=$?"
  python3 scripts/ncu_table.py /tmp/ncu.csv "$m"; done; done; } > $OUT/ncu.txt 2>&1
cat $OUT/ncu.txt
