# Chapter 07 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
# Needs compute capability 8.0 or newer (cp.async, mma.sync m16n8k16 with bf16). Builds on chapter
# 06: step 1 is chapter 06's final kernel and the ceiling is chapter 06's mma.sync peak kernel,
# both linked from chapter 06's library (never copied), so chapter 06 must be part of the build.
if(NOT TARGET ch06_reference)
  message(WARNING "Chapter 07 needs chapter 06 in the build (WB_CHAPTERS=\"06;07\"): skipped")
  return()
endif()
wb_add_chapter(
  NUMBER 07 SLUG cp-async
  SHARED pipeline.cpp 01_sync.cu 07_tuned.cu 09_retuned.cu
  EXERCISES 02_async.cu 03_double_buffer.cu 04_multistage.cu 05_fragment_buffer.cu 06_rasterize.cu
            08_hoist.cu
  KNOWN_BAD known_bad_early_read.cu
  CPU_TESTS tests/ch07/pipeline_cpu_test.cpp
  GPU_TESTS tests/ch07/pipeline_test.cpp
  KNOWN_BAD_TESTS tests/ch07/known_bad_test.cpp
  SANITIZER_MUST_FLAG "racecheck:[known-bad-race]"
  EXTRA_STEPS vendor-cublas
  MIN_CC 80
  BENCH bench/ch07_bench.cpp
  LIBS wb_gemm ch06_reference
  CUDA_OPTIONS -Xptxas=-v
  PROFILE_KERNELS "regex:gemm|mma_peak|nvjet|xmma|cutlass"  # cuBLAS on Hopper: nvjet_* or *xmma*
  PROFILE_METRICS
    gpu__time_duration.sum
    launch__registers_per_thread
    launch__shared_mem_per_block_static
    launch__shared_mem_per_block_dynamic
    launch__occupancy_limit_registers
    launch__occupancy_limit_shared_mem
    sm__warps_active.avg.pct_of_peak_sustained_active
    smsp__issue_active.avg.pct_of_peak_sustained_active
    sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active
    smsp__inst_executed.sum
    smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio
    smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio
    smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio
    smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio
    smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio
    smsp__average_warps_issue_stalled_wait_per_issue_active.ratio
    sm__sass_l1tex_data_pipe_lsu_wavefronts_mem_shared_op_ldsm.sum
    sm__sass_l1tex_data_bank_conflicts_pipe_lsu_mem_shared_op_ldsm.sum
    smsp__sass_inst_executed_op_ldgsts.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum
    lts__t_bytes.sum
    lts__t_sector_hit_rate.pct
    dram__bytes_read.sum)

# Context row of the ladder: chapter 03's best fp32 SGEMM step at the same sizes (only when
# chapter 03 is part of the build; the bench says so when it is not).
if(TARGET ch03_reference)
  foreach(bench ch07_bench ch07_bench_mine)
    if(TARGET ${bench})
      target_link_libraries(${bench} PRIVATE ch03_reference)
      target_compile_definitions(${bench} PRIVATE WB_CH07_WITH_CH03=1)
    endif()
  endforeach()
endif()
