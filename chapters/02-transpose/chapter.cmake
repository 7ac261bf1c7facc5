# Chapter 02 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
wb_add_chapter(
  NUMBER 02 SLUG transpose
  SHARED transpose.cpp cublas_transpose.cpp 01_naive.cu
  EXERCISES 02_smem_tile.cu 03_padded_tile.cu 04_swizzled_tile.cu 05_wide.cu 06_grouped.cu
            07_big_tile.cu 08_column_order.cu
  EXTRA_STEPS vendor-cublas vendor-memcpy
  KNOWN_BAD_TESTS tests/ch02/known_bad_test.cpp
  KNOWN_BAD known_bad_no_barrier.cu
  CPU_TESTS tests/ch02/bank_conflict_test.cpp
  GPU_TESTS tests/ch02/transpose_test.cpp tests/ch02/limits_test.cu
  BENCH bench/ch02_bench.cpp
  LIBS CUDA::cublas
  SANITIZER_MUST_FLAG "racecheck:[known-bad-race]"
  PROFILE_KERNELS "regex:transpose_|geam"
  PROFILE_METRICS
    gpu__time_duration.sum
    dram__bytes_read.sum
    dram__bytes_write.sum
    dram__throughput.avg.pct_of_peak_sustained_elapsed
    lts__throughput.avg.pct_of_peak_sustained_elapsed
    l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum
    l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum
    l1tex__t_requests_pipe_lsu_mem_global_op_st.sum
    l1tex__t_sectors_pipe_lsu_mem_global_op_st.sum
    l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
    l1tex__data_pipe_lsu_wavefronts_mem_shared_op_st.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum
    smsp__inst_executed.sum
    sm__warps_active.avg.pct_of_peak_sustained_active)

# A design sweep for the tile kernels (not part of the ladder): bench/ch02_sweep.cu, run by hand on
# a GPU (bench/ch02_explore.sh runs it).
if(TARGET ch02_solutions)  # not in a learner's copy (no solutions/)
  add_executable(ch02_sweep bench/ch02_sweep.cu)
  target_link_libraries(ch02_sweep PRIVATE ch02_solutions)
endif()
