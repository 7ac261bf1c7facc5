# Chapter 08 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
# Needs compute capability 8.0 or newer (mma.sync m16n8k16 with bf16, ldmatrix, cp.async).
# Chapters 05 and 06 must be part of the build (WB_CHAPTERS="05;06;08", or all chapters): the
# naive step calls chapter 05's softmax-naive and the ladder's ceiling is chapter 06's mma.sync
# peak kernel, both through their chapters' libraries (linked, not copied).
foreach(needed 05 06)
  if(NOT TARGET ch${needed}_reference)
    message(FATAL_ERROR "Chapter 08 needs chapter ${needed} in the build: configure with "
                        "-DWB_CHAPTERS=\"05;06;08\" (or all chapters)")
  endif()
endforeach()
wb_add_chapter(
  NUMBER 08 SLUG flash-attention
  SHARED attention.cpp 01_naive.cu
  EXERCISES 02_fused.cu 03_mma.cu 04_swizzle.cu 05_pipeline.cu 06_causal.cu 07_exp2.cu
            08_rows32.cu 09_ftz.cu 10_hoist.cu 11_pairs.cu 12_novote.cu
            13_wide.cu 14_onebar.cu
  KNOWN_BAD known_bad_no_rescale.cu known_bad_mask_off_by_one.cu
  CPU_TESTS tests/ch08/attention_cpu_test.cpp
  GPU_TESTS tests/ch08/attention_test.cpp
  KNOWN_BAD_TESTS tests/ch08/known_bad_test.cpp
  MIN_CC 80
  BENCH bench/ch08_bench.cpp
  LIBS ch05_reference ch06_reference
  CUDA_OPTIONS -Xptxas=-v
  PROFILE_KERNELS "regex:attention_|naive_|mma_peak"  # naive_ also matches chapter 05's softmax_naive_
  PROFILE_METRICS
    gpu__time_duration.sum
    sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active
    smsp__inst_executed_pipe_tensor_op_hmma.sum
    smsp__inst_executed_pipe_xu.sum
    sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active
    smsp__inst_executed.sum
    smsp__issue_active.avg.pct_of_peak_sustained_active
    launch__registers_per_thread
    launch__shared_mem_per_block_dynamic
    launch__occupancy_limit_registers
    launch__occupancy_limit_shared_mem
    sm__warps_active.avg.pct_of_peak_sustained_active
    l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
    sm__sass_l1tex_data_pipe_lsu_wavefronts_mem_shared_op_ldsm.sum
    sm__sass_l1tex_data_bank_conflicts_pipe_lsu_mem_shared_op_ldsm.sum
    smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio
    smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio
    smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio
    smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio
    smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio
    smsp__average_warps_issue_stalled_wait_per_issue_active.ratio
    lts__t_bytes.sum
    dram__bytes_read.sum
    dram__bytes_write.sum)

# The GPU tests at the long lengths (1000 and 4097 keys or queries): seconds each, hidden from the
# per-step entries (and from `make chapter-08-sanitize`, whose tools would take hours there), run
# by their own CTest entry.
if(TARGET ch08_gpu_tests)
  add_test(NAME ch08.gpu.large COMMAND ch08_gpu_tests "[.large]")
  set_tests_properties(ch08.gpu.large PROPERTIES SKIP_RETURN_CODE 77)
endif()
