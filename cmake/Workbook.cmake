# wb_add_chapter(): everything one chapter needs, from its conventional layout.
#
#   chapters/NN-slug/   lesson README.md, chapter header, SHARED sources, EXERCISES (stubs)
#   solutions/NN-slug/  the same EXERCISES files, solved, and the KNOWN_BAD variants
#
# Creates:
#   chNN_solutions / chNN_exercises   libraries: SHARED + solved steps / SHARED + the learner's files
#   chNN_cpu_tests                     CTest "chNN.cpu"
#   chNN_gpu_tests                     CTest "chNN.gpu" (skipped, exit 77, without a GPU)
#   chNN_check                         the same GPU tests linked against the exercises
#   chNN_bench                         the ladder
#   targets chapter-NN-{test,check,bench,sanitize,profile}
#
# Optional: LIBS (extra libraries for the steps, tests and bench, e.g. CUDA::cublas),
# CUDA_OPTIONS (extra nvcc options for the chapter's kernels, e.g. -Xptxas=-v),
# SANITIZER_MUST_FLAG (entries "tool:[catch2 tag]": known-bad cases that only a sanitizer can see;
# each becomes CTest "chNN.known-bad.<tool>", which passes only when the tool reports an error, and
# runs at the end of chapter-NN-sanitize).
function(wb_add_chapter)
  cmake_parse_arguments(CH "" "NUMBER;SLUG;PROFILE_KERNELS"
                        "SHARED;EXERCISES;KNOWN_BAD;CPU_TESTS;GPU_TESTS;BENCH;PROFILE_METRICS;LIBS;CUDA_OPTIONS;SANITIZER_MUST_FLAG" ${ARGN})
  set(id ch${CH_NUMBER})
  set(chapter_dir ${PROJECT_SOURCE_DIR}/chapters/${CH_NUMBER}-${CH_SLUG})
  set(solution_dir ${PROJECT_SOURCE_DIR}/solutions/${CH_NUMBER}-${CH_SLUG})

  list(TRANSFORM CH_SHARED PREPEND ${chapter_dir}/ OUTPUT_VARIABLE shared)
  list(TRANSFORM CH_EXERCISES PREPEND ${chapter_dir}/ OUTPUT_VARIABLE exercise_files)
  list(TRANSFORM CH_EXERCISES PREPEND ${solution_dir}/ OUTPUT_VARIABLE solution_files)
  list(TRANSFORM CH_KNOWN_BAD PREPEND ${solution_dir}/ OUTPUT_VARIABLE known_bad)

  foreach(flavour solutions exercises)
    if(flavour STREQUAL "solutions")
      set(steps ${solution_files})
    else()
      set(steps ${exercise_files})
    endif()
    add_library(${id}_${flavour} STATIC ${shared} ${steps})
    target_include_directories(${id}_${flavour} PUBLIC ${chapter_dir})
    target_link_libraries(${id}_${flavour} PUBLIC wb_common ${CH_LIBS})
    target_compile_options(${id}_${flavour} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:${CH_CUDA_OPTIONS}>")
  endforeach()

  add_executable(${id}_cpu_tests ${CH_CPU_TESTS})
  target_link_libraries(${id}_cpu_tests PRIVATE ${id}_solutions wb_main_cpu)
  add_test(NAME ${id}.cpu COMMAND ${id}_cpu_tests)

  add_executable(${id}_gpu_tests ${CH_GPU_TESTS} ${known_bad})
  target_compile_options(${id}_gpu_tests PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:${CH_CUDA_OPTIONS}>")
  target_link_libraries(${id}_gpu_tests PRIVATE ${id}_solutions wb_main_gpu)
  add_test(NAME ${id}.gpu COMMAND ${id}_gpu_tests)
  set_tests_properties(${id}.gpu PROPERTIES SKIP_RETURN_CODE 77)
  set(must_flag_commands "")
  foreach(entry IN LISTS CH_SANITIZER_MUST_FLAG)
    string(FIND "${entry}" ":" colon)
    string(SUBSTRING "${entry}" 0 ${colon} tool)
    math(EXPR filter_start "${colon} + 1")
    string(SUBSTRING "${entry}" ${filter_start} -1 filter)
    set(command ${PROJECT_SOURCE_DIR}/scripts/expect-sanitizer-error.sh ${tool}
                $<TARGET_FILE:${id}_gpu_tests> "${filter}")
    add_test(NAME ${id}.known-bad.${tool} COMMAND ${command})
    set_tests_properties(${id}.known-bad.${tool} PROPERTIES SKIP_RETURN_CODE 77)
    list(APPEND must_flag_commands COMMAND ${command})
  endforeach()

  add_executable(${id}_check ${CH_GPU_TESTS} ${known_bad})
  target_compile_options(${id}_check PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:${CH_CUDA_OPTIONS}>")
  target_link_libraries(${id}_check PRIVATE ${id}_exercises wb_main_check)

  add_executable(${id}_bench ${CH_BENCH})
  target_link_libraries(${id}_bench PRIVATE ${id}_solutions wb_bench)

  set(target_prefix chapter-${CH_NUMBER})
  add_custom_target(${target_prefix}-test
    COMMAND ${CMAKE_CTEST_COMMAND} -R "^${id}\\." --output-on-failure
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    DEPENDS ${id}_cpu_tests ${id}_gpu_tests
    COMMENT "Chapter ${CH_NUMBER} tests (GPU tests are reported as skipped when there is no GPU)"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-check
    COMMAND ${id}_check
    DEPENDS ${id}_check
    COMMENT "Chapter ${CH_NUMBER}: checking your exercises in chapters/${CH_NUMBER}-${CH_SLUG}/"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-bench
    COMMAND ${id}_bench
    DEPENDS ${id}_bench
    COMMENT "Chapter ${CH_NUMBER} ladder"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-sanitize
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/sanitize.sh $<TARGET_FILE:${id}_gpu_tests> "~[known-bad]"
    ${must_flag_commands}
    DEPENDS ${id}_gpu_tests
    COMMENT "Chapter ${CH_NUMBER}: compute-sanitizer on every reference step (known-bad variants excluded)"
    USES_TERMINAL VERBATIM)
  string(JOIN "," metrics ${CH_PROFILE_METRICS})
  add_custom_target(${target_prefix}-profile
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/profile.sh $<TARGET_FILE:${id}_bench> "${CH_PROFILE_KERNELS}" "${metrics}"
    DEPENDS ${id}_bench
    COMMENT "Chapter ${CH_NUMBER}: Nsight Compute metrics per step"
    USES_TERMINAL VERBATIM)
endfunction()
