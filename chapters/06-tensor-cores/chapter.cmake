# Chapter 06 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
# Needs compute capability 8.0 or newer (mma.sync m16n8k16 with bf16); builds for 80;90.
wb_add_chapter(
  NUMBER 06 SLUG tensor-cores
  SHARED hgemm.cpp mma_peak.cu 01_naive.cu warptile_prefetch.cu
  EXERCISES 02_wmma.cu 03_mma.cu 04_ldmatrix.cu 05_swizzle.cu 06_warptile.cu
  KNOWN_BAD known_bad_b_no_trans.cu
  CPU_TESTS tests/ch06/hgemm_cpu_test.cpp
  GPU_TESTS tests/ch06/hgemm_test.cpp
  KNOWN_BAD_TESTS tests/ch06/known_bad_test.cpp
  EXTRA_STEPS vendor-cublas
  MIN_CC 80
  BENCH bench/ch06_bench.cpp
  LIBS wb_gemm
  CUDA_OPTIONS -Xptxas=-v
  PROFILE_KERNELS "regex:gemm|mma_peak|nvjet|xmma|cutlass"  # cuBLAS on Hopper: nvjet_* or *xmma*
  PROFILE_METRICS
    gpu__time_duration.sum
    launch__registers_per_thread
    launch__occupancy_limit_registers
    launch__shared_mem_per_block_static
    sm__warps_active.avg.pct_of_peak_sustained_active
    smsp__issue_active.avg.pct_of_peak_sustained_active
    sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active
    smsp__inst_executed_pipe_tensor_op_hmma.sum
    sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active
    smsp__inst_executed.sum
    smsp__inst_executed_op_shared_ld.sum
    l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
    sm__sass_l1tex_data_pipe_lsu_wavefronts_mem_shared_op_ldsm.sum
    sm__sass_l1tex_data_bank_conflicts_pipe_lsu_mem_shared_op_ldsm.sum
    sm__sass_l1tex_data_pipe_lsu_wavefronts_mem_shared_op_st.sum
    sm__sass_l1tex_data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum
    smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio
    smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio
    smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio
    smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio
    smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio
    smsp__average_warps_issue_stalled_wait_per_issue_active.ratio
    smsp__average_warps_issue_stalled_branch_resolving_per_issue_active.ratio
    lts__t_bytes.sum
    dram__bytes_read.sum)

# A design sweep of the copy's addresses (not a step; README sections 7 and 8): its kernel is
# chapter 07's step 8 exercise in synchronous form, so it is built into the solutions' library
# only, and a learner's copy (no solutions/, no bench/*_sweep.cu) goes without it.
if(TARGET ch06_solutions)
  target_sources(ch06_solutions PRIVATE ${PROJECT_SOURCE_DIR}/bench/ch06_hoist_sweep.cu)
  target_compile_definitions(ch06_solutions PUBLIC WB_CH06_HOIST_SWEEP=1)
endif()

# Context row of the ladder: chapter 03's best fp32 SGEMM step at the same sizes (only when
# chapter 03 is part of the build; the bench says so when it is not).
if(TARGET ch03_reference)
  foreach(bench ch06_bench ch06_bench_mine)
    if(TARGET ${bench})
      target_link_libraries(${bench} PRIVATE ch03_reference)
      target_compile_definitions(${bench} PRIVATE WB_CH06_WITH_CH03=1)
    endif()
  endforeach()
endif()
