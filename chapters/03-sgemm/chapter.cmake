# Chapter 03 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
wb_add_chapter(
  NUMBER 03 SLUG sgemm
  SHARED sgemm.cpp cublas_sgemm.cpp 01_naive.cu
  EXERCISES 02_coalesced.cu 03_smem_tiles.cu 04_register_1d.cu 05_register_2d.cu 06_vectorized.cu
            07_warptile.cu
  KNOWN_BAD known_bad_no_tail.cu
  CPU_TESTS tests/ch03/sgemm_cpu_test.cpp
  GPU_TESTS tests/ch03/sgemm_test.cpp
  BENCH bench/ch03_bench.cpp
  LIBS CUDA::cublas
  CUDA_OPTIONS -Xptxas=-v
  PROFILE_KERNELS "regex:gemm"
  PROFILE_METRICS
    gpu__time_duration.sum
    launch__registers_per_thread
    launch__occupancy_limit_registers
    sm__warps_active.avg.pct_of_peak_sustained_active
    smsp__issue_active.avg.pct_of_peak_sustained_active
    sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active
    smsp__inst_executed.sum
    smsp__sass_thread_inst_executed_op_ffma_pred_on.sum
    smsp__inst_executed_op_shared_ld.sum
    l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
    l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum
    l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum
    lts__t_bytes.sum
    dram__bytes_read.sum)
