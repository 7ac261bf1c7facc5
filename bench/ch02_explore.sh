#!/usr/bin/env bash
# Chapter 02 investigations behind the lesson's "what we learned" notes, in one GPU call:
#   0. the design sweep of tile shapes, orders and cache hints (bench/ch02_sweep.cu) behind steps 7
#      and 8,
#   1. a shape sweep of the best steps and the vendors (is the 4099 x 65537 slowdown alignment or
#      aspect ratio?),
#   2. the SASS of every step (what the compiler made of the swizzle and the float4 store),
#   3. warp-stall reasons of the tile steps at the profile size,
#   4. memory metrics of the padded, grouped, big and column-order tiles at 4096 x 65536 and
#      4099 x 65537 (which of steps 7 and 8 removes the extra DRAM bytes of misaligned shapes).
# Writes under $OUT (or ./h100-out). Needs a GPU, ncu and cuobjdump.
set -uo pipefail
out=${OUT:-$PWD/h100-out}
mkdir -p "$out"
build=build-h100-02
cmake -S . -B "$build" -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DWB_CHAPTERS=02 >/dev/null &&
  cmake --build "$build" -j16 --target ch02_bench ch02_sweep >/dev/null || exit 1
bench=$build/ch02_bench

if [ "${WB_SKIP_SWEEP:-0}" != 1 ]; then  # WB_SKIP_SWEEP=1: the sweep is already recorded
  echo "== 0. design sweep"
  "$build/ch02_sweep" | tee "$out/chapter-02.sweep.txt"
fi

echo "== 1. shape sweep"
WB_SHAPES=8192x8192,4096x65536,4100x65540,4099x65537,65536x4096,65537x4099 "$bench" \
  --benchmark_filter='padded_tile|wide|grouped|big_tile|column_order|vendor' --benchmark_out="$out/ch02-explore-shapes.json" |
  sed -n '/^Ladder/,$p'

echo "== 2. SASS"
cuobjdump --dump-sass "$build/libch02_solutions.a" >"$out/ch02-sass.txt"
for k in padded_tile swizzled_tile wide grouped big_tile column_order; do
  printf '%-14s' "$k"
  awk -v k="transpose_${k}_kernel" '/Function :/ {on = index($0, k) > 0} on' "$out/ch02-sass.txt" |
    grep -oE '(LDG|STG|LDS|STS)[.A-Z0-9]*' | sort | uniq -c | tr '\n' ' '
  echo
done

echo "== 3. warp stalls at 4096 x 4096"
stalls=gpu__time_duration.sum,smsp__inst_executed.sum,launch__registers_per_thread
for s in long_scoreboard short_scoreboard barrier lg_throttle mio_throttle drain wait; do
  stalls+=",smsp__average_warps_issue_stalled_${s}_per_issue_active.ratio"
done
ncu --clock-control none -k regex:'transpose_(padded|swizzled|wide|grouped|big|column)' --metrics "$stalls" --csv \
  --page raw "$bench" --wb_profile >"$build/stalls.csv" 2>/dev/null
python3 scripts/ncu_table.py "$build/stalls.csv" "$stalls"

echo "== 4. tile steps' memory metrics at two wide shapes"
mem=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__throughput.avg.pct_of_peak_sustained_elapsed
mem+=,dram__throughput.avg.pct_of_peak_sustained_elapsed
mem+=,l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum,l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum
mem+=,l1tex__t_requests_pipe_lsu_mem_global_op_st.sum,l1tex__t_sectors_pipe_lsu_mem_global_op_st.sum
for shape in 4096x65536 4099x65537; do
  for k in padded_tile grouped big_tile column_order; do
    echo "-- $shape $k"
    WB_SHAPES=$shape ncu --clock-control none -k regex:"transpose_$k" --launch-count 1 \
      --metrics "$mem" --csv --page raw "$bench" --benchmark_filter="$k" >"$build/mem.csv" \
      2>/dev/null
    python3 scripts/ncu_table.py "$build/mem.csv" "$mem"
  done
done
