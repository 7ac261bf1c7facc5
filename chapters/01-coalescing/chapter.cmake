# Chapter 01 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
wb_add_chapter(
  NUMBER 01 SLUG coalescing
  SHARED scale_rows.cpp 01_naive.cu
  EXERCISES 02_coalesced.cu 03_vectorized.cu 04_ilp.cu
  EXTRA_STEPS vendor-memcpy
  KNOWN_BAD_TESTS tests/ch01/known_bad_test.cpp
  KNOWN_BAD known_bad_no_tail.cu
  CPU_TESTS tests/ch01/index_math_test.cpp
  GPU_TESTS tests/ch01/scale_rows_test.cpp tests/ch01/limits_test.cu
  BENCH bench/ch01_bench.cpp
  PROFILE_KERNELS "regex:scale_rows_"
  PROFILE_METRICS
    gpu__time_duration.sum
    dram__bytes_read.sum
    dram__bytes_write.sum
    dram__throughput.avg.pct_of_peak_sustained_elapsed
    l1tex__throughput.avg.pct_of_peak_sustained_elapsed
    lts__throughput.avg.pct_of_peak_sustained_elapsed
    l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum
    l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum
    l1tex__t_requests_pipe_lsu_mem_global_op_st.sum
    l1tex__t_sectors_pipe_lsu_mem_global_op_st.sum
    smsp__inst_executed.sum
    sm__warps_active.avg.pct_of_peak_sustained_active)
