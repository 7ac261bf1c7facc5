# Chapter 03 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
wb_add_chapter(
  NUMBER 03 SLUG sgemm
  SHARED sgemm.cpp 01_naive.cu
  EXERCISES 02_coalesced.cu 03_smem_tiles.cu 04_register_1d.cu 05_register_2d.cu 06_vectorized.cu
            07_warptile.cu 08_double_buffer.cu 09_split_k.cu
  EXTRA_STEPS vendor-cublas
  KNOWN_BAD known_bad_no_tail.cu
  CPU_TESTS tests/ch03/sgemm_cpu_test.cpp
  GPU_TESTS tests/ch03/sgemm_test.cpp tests/ch03/limits_test.cu
  KNOWN_BAD_TESTS tests/ch03/known_bad_test.cpp
  BENCH bench/ch03_bench.cpp
  LIBS wb_gemm
  CUDA_OPTIONS -Xptxas=-v
  PROFILE_KERNELS "regex:gemm"
  PROFILE_METRICS
    gpu__time_duration.sum
    launch__grid_size
    launch__registers_per_thread
    launch__occupancy_limit_registers
    sm__cycles_active.avg.pct_of_peak_sustained_elapsed
    sm__warps_active.avg.pct_of_peak_sustained_active
    smsp__issue_active.avg.pct_of_peak_sustained_active
    sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active
    smsp__inst_executed.sum
    smsp__sass_thread_inst_executed_op_ffma_pred_on.sum
    smsp__inst_executed_op_shared_ld.sum
    l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
    smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio
    smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio
    l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum
    l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum
    lts__t_bytes.sum
    dram__bytes_read.sum)

# The tuning sweep (not part of the ladder): every compiled tile configuration of step 8 and
# several split counts of step 9 at 1024^3, 2048^3 and 4096^3 next to cuBLAS, each checked before
# it is timed. Run by hand on a GPU: build/ch03_sweep > chapter-03.sweep.txt. Reference code only
# (a learner's copy has no solutions/).
if(TARGET ch03_solutions)
  add_executable(ch03_sweep bench/ch03_sweep.cu)
  target_link_libraries(ch03_sweep PRIVATE ch03_solutions)
endif()
