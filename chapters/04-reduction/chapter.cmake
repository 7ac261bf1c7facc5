# Chapter 04 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
wb_add_chapter(
  NUMBER 04 SLUG reduction
  SHARED reduction.cu read_ceiling.cu vendor_cub.cu 01_naive.cu
  EXERCISES 02_sequential.cu 03_first_add.cu 04_unroll_last_warp.cu 05_warp_shuffle.cu
            06_grid_stride.cu 07_vectorized.cu 08_single_pass.cu
  EXTRA_STEPS vendor-cub
  KNOWN_BAD_TESTS tests/ch04/known_bad_test.cpp
  KNOWN_BAD known_bad_half_warp.cu
  CPU_TESTS tests/ch04/index_math_test.cpp
  GPU_TESTS tests/ch04/reduction_test.cpp tests/ch04/limits_test.cu
  BENCH bench/ch04_bench.cpp
  # "educe" matches this chapter's reduce_*_kernel and CUB's DeviceReduce*Kernel (no '|': the
  # pattern passes through a shell unquoted)
  PROFILE_KERNELS "regex:educe"
  PROFILE_METRICS
    gpu__time_duration.sum
    launch__grid_size
    launch__registers_per_thread
    dram__bytes_read.sum
    dram__throughput.avg.pct_of_peak_sustained_elapsed
    smsp__inst_executed.sum
    smsp__thread_inst_executed_per_inst_executed.ratio
    smsp__thread_inst_executed_pred_on_per_inst_executed.ratio
    smsp__sass_inst_executed_op_shared_ld.sum
    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
    smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio
    smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio
    sm__warps_active.avg.pct_of_peak_sustained_active)

# The 2^28-element test (hidden from the default run and from the sanitizers, which would take
# minutes over 1 GiB) as its own CTest entry, so `make chapter-04-test` runs it on a GPU.
# A design sweep for steps 7 and 8 (not part of the ladder): bench/ch04_sweep.cu, run by hand on a
# GPU. Neither exists in a learner's copy (no solutions/).
if(TARGET ch04_solutions)
  add_test(NAME ch04.gpu.large COMMAND ch04_gpu_tests "[large]")
  set_tests_properties(ch04.gpu.large PROPERTIES SKIP_RETURN_CODE 77)
  add_executable(ch04_sweep bench/ch04_sweep.cu)
  target_link_libraries(ch04_sweep PRIVATE ch04_solutions)
endif()
