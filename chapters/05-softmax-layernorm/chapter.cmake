# Chapter 05 build description (included by the top-level CMakeLists.txt; see cmake/Workbook.cmake).
# Step files are named NN_<family>-<step>.cu: the part after NN_ is the step's name everywhere
# (tests, benchmark rows, WB_EXERCISE_TODO, --wb-step). vendor-memcpy is the ladder's vendor row,
# tested like a step.
wb_add_chapter(
  NUMBER 05 SLUG softmax-layernorm
  SHARED softmax_layernorm.cpp 01_softmax-naive.cu 06_layernorm-naive.cu
  EXERCISES 02_softmax-block.cu 03_softmax-warp.cu 04_softmax-online.cu 05_softmax-vectorized.cu
            07_layernorm-fused.cu 08_layernorm-welford.cu 09_layernorm-vectorized.cu
  EXTRA_STEPS vendor-memcpy
  KNOWN_BAD known_bad_softmax-no-max.cu known_bad_layernorm-no-delta.cu
  KNOWN_BAD_TESTS tests/ch05/known_bad_test.cpp
  CPU_TESTS tests/ch05/merge_test.cpp tests/ch05/layernorm_bound_test.cpp
  GPU_TESTS tests/ch05/softmax_test.cpp tests/ch05/layernorm_test.cpp tests/ch05/limits_test.cpp
            tests/ch05/limits_device.cu
  BENCH bench/ch05_bench.cpp
  PROFILE_KERNELS "regex:_kernel"  # every kernel of the steps (no "|": the command goes through sh)
  PROFILE_METRICS
    gpu__time_duration.sum
    dram__bytes_read.sum
    dram__bytes_write.sum
    dram__throughput.avg.pct_of_peak_sustained_elapsed
    lts__throughput.avg.pct_of_peak_sustained_elapsed
    l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum
    l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum
    smsp__inst_executed.sum
    sm__warps_active.avg.pct_of_peak_sustained_active
    launch__registers_per_thread
    smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio
    smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio)
