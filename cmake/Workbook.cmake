# wb_add_chapter(): everything one chapter needs, from its conventional layout (docs/conventions.md).
#
#   chapters/NN-slug/   lesson README.md, chapter header, SHARED sources, EXERCISES (stubs)
#   solutions/NN-slug/  the same EXERCISES files, solved, and the KNOWN_BAD variants
#
# Creates:
#   chNN_solutions / chNN_exercises   libraries: SHARED + solved steps / SHARED + the learner's files
#   chNN_cpu_tests                     CTest "chNN.cpu"
#   chNN_gpu_tests                     CTest "chNN.gpu.<step>" per step (tests tagged [steps], run
#                                      with --wb-step <step>) and "chNN.gpu.other" (the rest);
#                                      skipped (exit 77) without a suitable GPU
#   chNN_check                         the same GPU tests linked against the exercises
#   chNN_bench / chNN_bench_mine       the ladder: reference steps / the learner's finished steps
#   targets chapter-NN-{test,check,bench,sanitize,profile,limits} and the learner's
#           chapter-NN-mine, chapter-NN-mine-profile, chapter-NN-mine-sanitize
#
# Without solutions/ (a learner's copy, scripts/export-learner-copy.sh) only the learner's side is
# built, and every one of those targets still exists, on the learner's own code:
#   chapter-NN-check     the GPU tests of the finished exercises (both modes; no CPU tests)
#   chapter-NN-test      the CPU tests, then chapter-NN-check
#   chapter-NN-bench     the reference ladder recorded on the H100
#   chapter-NN-profile   Nsight Compute on the finished exercises (-mine-profile: next to the
#                        recorded reference profile)
#   chapter-NN-sanitize  compute-sanitizer on the finished exercises (the same as -mine-sanitize)
#   chapter-NN-limits    the finished exercises at the documented size limits
#   chapter-NN-mine      the finished exercises timed next to the recorded reference ladder
# What exists only in a full checkout: chNN_gpu_tests and its CTest entries chNN.gpu.<step>,
# chNN.gpu.other, chNN.known-bad.<tool>; a learner's copy has chNN.cpu and chNN.check.
#
# Options:
#   LIBS                extra libraries for the steps, tests and bench (e.g. wb_gemm)
#   CUDA_OPTIONS        extra nvcc options for the chapter's kernels (e.g. -Xptxas=-v)
#   EXTRA_STEPS         step names that are not files, tested like steps (e.g. vendor-cublas)
#   MIN_CC              minimum compute capability as major*10+minor (e.g. 90): on a GPU below it
#                       the GPU tests are skipped with the reason and the bench prints the
#                       recorded ladder
#   CUDA_ARCHITECTURES  the chapter's own architectures (e.g. 90a for wgmma), instead of
#                       CMAKE_CUDA_ARCHITECTURES
#   KNOWN_BAD_TESTS     test sources that exercise the known-bad variants (built only where
#                       solutions/ exists)
#   SANITIZER_MUST_FLAG entries "tool:[catch2 tag]": known-bad cases only a sanitizer can see;
#                       each becomes CTest "chNN.known-bad.<tool>", which passes only when the
#                       tool reports an error, and runs at the end of chapter-NN-sanitize
#   PROFILE_KERNELS, PROFILE_METRICS   what chapter-NN-profile shows

# Step names from the step files: "NN_<step>.cu" -> "<step>", in file order.
function(wb_step_names out)
  set(names "")
  foreach(file IN LISTS ARGN)
    get_filename_component(base ${file} NAME_WE)
    if(base MATCHES "^[0-9][0-9]_(.+)$")
      list(APPEND names ${CMAKE_MATCH_1})
    endif()
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()

function(wb_add_chapter)
  cmake_parse_arguments(CH "" "NUMBER;SLUG;PROFILE_KERNELS;MIN_CC"
                        "SHARED;EXERCISES;KNOWN_BAD;KNOWN_BAD_TESTS;CPU_TESTS;GPU_TESTS;BENCH;PROFILE_METRICS;LIBS;CUDA_OPTIONS;SANITIZER_MUST_FLAG;EXTRA_STEPS;CUDA_ARCHITECTURES" ${ARGN})
  set(id ch${CH_NUMBER})
  set(chapter_dir ${PROJECT_SOURCE_DIR}/chapters/${CH_NUMBER}-${CH_SLUG})
  set(solution_dir ${PROJECT_SOURCE_DIR}/solutions/${CH_NUMBER}-${CH_SLUG})
  if(NOT CH_MIN_CC)
    set(CH_MIN_CC 0)
  endif()

  list(TRANSFORM CH_SHARED PREPEND ${chapter_dir}/ OUTPUT_VARIABLE shared)
  list(TRANSFORM CH_EXERCISES PREPEND ${chapter_dir}/ OUTPUT_VARIABLE exercise_files)
  list(TRANSFORM CH_EXERCISES PREPEND ${solution_dir}/ OUTPUT_VARIABLE solution_files)
  list(TRANSFORM CH_KNOWN_BAD PREPEND ${solution_dir}/ OUTPUT_VARIABLE known_bad)
  # A learner's copy (scripts/export-learner-copy.sh) has no solutions/: then only the learner's
  # side is built (exercises, check, the learner's bench) and compared with the recorded ladder.
  set(with_solutions TRUE)
  if(NOT EXISTS ${solution_dir})
    set(with_solutions FALSE)
    set(known_bad "")
    set(CH_KNOWN_BAD_TESTS "")
    set(CH_SANITIZER_MUST_FLAG "")
  endif()

  # The steps, in ladder order: the numbered files among SHARED and EXERCISES, sorted by name.
  set(step_files ${CH_SHARED} ${CH_EXERCISES})
  list(FILTER step_files INCLUDE REGEX "^[0-9][0-9]_.+\\.cu$")
  list(SORT step_files)
  wb_step_names(file_steps ${step_files})
  set(all_steps ${file_steps} ${CH_EXTRA_STEPS})

  # What the chapter's programs know about it (wb/chapter.h): generated once per configure.
  set(quoted "")
  foreach(step IN LISTS all_steps)
    string(APPEND quoted "\"${step}\", ")
  endforeach()
  set(info_source ${PROJECT_BINARY_DIR}/generated/${id}_chapter_info.cpp)
  file(CONFIGURE OUTPUT ${info_source} CONTENT
"// Generated by cmake/Workbook.cmake from chapters/${CH_NUMBER}-${CH_SLUG}/chapter.cmake.
#include \"wb/chapter.h\"
namespace {
const int registered = wb::register_chapter({\"${CH_NUMBER}\", \"${CH_SLUG}\", {${quoted}}, ${CH_MIN_CC}});
}  // namespace
")

  # The learner's files are compiled through one-line wrappers that include them and carry their
  # content hash. The wrappers are rewritten (by an always-run step, only when a hash changed)
  # before anything compiles, so an edited exercise is rebuilt even when its file's time stamp is
  # older than the object's (a copy with `cp -p`, an unpacked archive, a checkout).
  set(wrapper_dir ${PROJECT_BINARY_DIR}/generated/${id}_exercises)
  set(wrappers "")
  foreach(file IN LISTS exercise_files)
    get_filename_component(name ${file} NAME)
    list(APPEND wrappers ${wrapper_dir}/${name})
  endforeach()
  add_custom_target(${id}_exercise_sources
    COMMAND ${CMAKE_COMMAND} -D "SOURCES=${exercise_files}" -D OUT_DIR=${wrapper_dir}
            -P ${PROJECT_SOURCE_DIR}/cmake/ExerciseWrappers.cmake
    BYPRODUCTS ${wrappers}
    COMMENT "Chapter ${CH_NUMBER}: looking for edited exercises"
    VERBATIM)
  # Configure-time copies, so the library has its sources before the first build.
  execute_process(COMMAND ${CMAKE_COMMAND} -D "SOURCES=${exercise_files}" -D OUT_DIR=${wrapper_dir}
                          -P ${PROJECT_SOURCE_DIR}/cmake/ExerciseWrappers.cmake)

  # WB_CHAPTER_NUMBER: the chapter of the code being compiled (wb/exercise.h: a WB_EXERCISE_TODO
  # marker counts only for its own chapter's step; chapters 06 and 08 both have "mma").
  set(chapter_define "WB_CHAPTER_NUMBER=\"${CH_NUMBER}\"")
  set(flavours exercises)
  if(with_solutions)
    set(flavours solutions exercises)
  endif()
  foreach(flavour IN LISTS flavours)
    if(flavour STREQUAL "solutions")
      set(steps ${solution_files})
    else()
      set(steps ${wrappers})
    endif()
    add_library(${id}_${flavour} STATIC ${shared} ${steps})
    target_include_directories(${id}_${flavour} PUBLIC ${chapter_dir})
    target_link_libraries(${id}_${flavour} PUBLIC wb_common ${CH_LIBS})
    target_compile_options(${id}_${flavour} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:${CH_CUDA_OPTIONS}>")
    target_compile_definitions(${id}_${flavour} PRIVATE ${chapter_define})
  endforeach()
  add_dependencies(${id}_exercises ${id}_exercise_sources)
  # What "the chapter's code" is for CPU tests and for later chapters' context rows.
  if(with_solutions)
    set(reference ${id}_solutions)
  else()
    set(reference ${id}_exercises)
  endif()
  add_library(${id}_reference INTERFACE)
  target_link_libraries(${id}_reference INTERFACE ${reference})

  add_executable(${id}_cpu_tests ${CH_CPU_TESTS} ${info_source})
  target_link_libraries(${id}_cpu_tests PRIVATE ${reference} wb_main_cpu)
  add_test(NAME ${id}.cpu COMMAND ${id}_cpu_tests)

  add_executable(${id}_check ${CH_GPU_TESTS} ${known_bad} ${CH_KNOWN_BAD_TESTS} ${info_source})
  target_compile_definitions(${id}_check PRIVATE ${chapter_define})
  target_compile_options(${id}_check PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:${CH_CUDA_OPTIONS}>")
  target_link_libraries(${id}_check PRIVATE ${id}_exercises wb_main_check)
  add_executable(${id}_bench_mine ${CH_BENCH} ${info_source})
  target_link_libraries(${id}_bench_mine PRIVATE ${id}_exercises wb_bench)
  set(chapter_targets ${id}_exercises ${id}_cpu_tests ${id}_check ${id}_bench_mine)
  set(target_prefix chapter-${CH_NUMBER})
  add_custom_target(${target_prefix}-check
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/explain-exit.sh "make chapter-${CH_NUMBER}-check"
            $<TARGET_FILE:${id}_check>
    DEPENDS ${id}_check
    COMMENT "Chapter ${CH_NUMBER}: the GPU tests of your finished exercises in chapters/${CH_NUMBER}-${CH_SLUG}/ (the CPU tests run in chapter-${CH_NUMBER}-test)"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-mine-sanitize
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/explain-exit.sh "make chapter-${CH_NUMBER}-mine-sanitize"
            ${PROJECT_SOURCE_DIR}/scripts/sanitize.sh $<TARGET_FILE:${id}_check> "--wb-child [steps]~[.]"
    DEPENDS ${id}_check
    COMMENT "Chapter ${CH_NUMBER}: compute-sanitizer on your finished steps"
    USES_TERMINAL VERBATIM)
  string(JOIN "," metrics ${CH_PROFILE_METRICS})
  if(NOT with_solutions)
    # A learner's copy: `make test` runs the check; the learner's bench compares with the recorded
    # ladder (bench/results/h100/).
    add_test(NAME ${id}.check COMMAND ${id}_check)
    set_tests_properties(${id}.check PROPERTIES SKIP_RETURN_CODE 77)
    add_custom_target(${target_prefix}-mine
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/mine.sh bench $<TARGET_FILE:${id}_bench_mine> recorded
              ${PROJECT_BINARY_DIR}/bench/results/${target_prefix}
      DEPENDS ${id}_bench_mine
      COMMENT "Chapter ${CH_NUMBER}: your finished steps timed, next to the recorded reference ladder"
      USES_TERMINAL VERBATIM)
    # The commands the lessons name work in a learner's copy too, on the learner's own code.
    # The CPU tests' "All tests passed" is about the chapter's host-side maths, never the learner's
    # kernels: say so before the GPU tests of those kernels run.
    add_custom_target(${target_prefix}-test
      COMMAND ${id}_cpu_tests
      COMMAND ${CMAKE_COMMAND} -E echo "[make chapter-${CH_NUMBER}-test] The CPU tests above passed. They check the chapter's index maths and host-side code on the CPU; they never run your kernels. Your kernels' GPU tests follow: make chapter-${CH_NUMBER}-check."
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/explain-exit.sh "make chapter-${CH_NUMBER}-test"
              $<TARGET_FILE:${id}_check> --wb-after-cpu-tests
      DEPENDS ${id}_cpu_tests ${id}_check
      COMMENT "Chapter ${CH_NUMBER}: the CPU tests, then your exercises' GPU tests (a learner's copy has no solutions)"
      USES_TERMINAL VERBATIM)
    add_custom_target(${target_prefix}-sanitize
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/explain-exit.sh "make chapter-${CH_NUMBER}-sanitize"
              ${PROJECT_SOURCE_DIR}/scripts/sanitize.sh $<TARGET_FILE:${id}_check> "--wb-child [steps]~[.]"
      DEPENDS ${id}_check
      COMMENT "Chapter ${CH_NUMBER}: compute-sanitizer on your finished steps (a learner's copy has no solutions)"
      USES_TERMINAL VERBATIM)
    add_custom_target(${target_prefix}-bench
      COMMAND ${id}_bench_mine --wb_recorded
      DEPENDS ${id}_bench_mine
      COMMENT "Chapter ${CH_NUMBER}: the reference ladder recorded on the H100"
      USES_TERMINAL VERBATIM)
    add_custom_target(${target_prefix}-mine-profile
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/mine.sh profile $<TARGET_FILE:${id}_bench_mine> recorded
              "${CH_PROFILE_KERNELS}" "${metrics}"
      DEPENDS ${id}_bench_mine
      COMMENT "Chapter ${CH_NUMBER}: Nsight Compute metrics of your finished steps, next to the recorded ones"
      USES_TERMINAL VERBATIM)
    # The lessons' -profile and -limits, on the learner's code (the reference is not in the copy).
    add_custom_target(${target_prefix}-profile
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/explain-exit.sh "make chapter-${CH_NUMBER}-profile"
              ${PROJECT_SOURCE_DIR}/scripts/profile.sh $<TARGET_FILE:${id}_bench_mine>
              "${CH_PROFILE_KERNELS}" "${metrics}"
      DEPENDS ${id}_bench_mine
      COMMENT "Chapter ${CH_NUMBER}: Nsight Compute metrics of your finished steps (a learner's copy has no solutions; chapter-${CH_NUMBER}-mine-profile sets them next to the recorded reference)"
      USES_TERMINAL VERBATIM)
    add_custom_target(${target_prefix}-limits
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/explain-exit.sh "make chapter-${CH_NUMBER}-limits"
              ${PROJECT_SOURCE_DIR}/scripts/limits.sh $<TARGET_FILE:${id}_check>
              ${PROJECT_BINARY_DIR}/${target_prefix}.limits.log --wb-child
      DEPENDS ${id}_check
      COMMENT "Chapter ${CH_NUMBER}: your finished steps at the documented size limits, one process per case (a learner's copy has no solutions)"
      USES_TERMINAL VERBATIM)
    if(CH_CUDA_ARCHITECTURES)
      set_property(TARGET ${chapter_targets} PROPERTY CUDA_ARCHITECTURES ${CH_CUDA_ARCHITECTURES})
    endif()
    return()
  endif()

  add_executable(${id}_gpu_tests ${CH_GPU_TESTS} ${known_bad} ${CH_KNOWN_BAD_TESTS} ${info_source})
  target_compile_definitions(${id}_gpu_tests PRIVATE ${chapter_define})
  target_compile_options(${id}_gpu_tests PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:${CH_CUDA_OPTIONS}>")
  target_link_libraries(${id}_gpu_tests PRIVATE ${id}_solutions wb_main_gpu)
  # One CTest entry per step, so the summary names the failing step; then everything else.
  # A step whose tests are missing (none tagged [steps]) fails, never passes: Catch2 2 needs
  # --warn NoTests for that; Catch2 3 fails an empty run by itself and rejects the option.
  set(no_tests_fail "")
  if(WB_CATCH2_MAJOR LESS 3)
    set(no_tests_fail --warn NoTests)
  endif()
  foreach(step IN LISTS all_steps)
    # ~[.]: a positive tag filter also selects hidden test cases ([.limits], [.large]) carrying it.
    add_test(NAME ${id}.gpu.${step} COMMAND ${id}_gpu_tests --wb-step ${step} ${no_tests_fail}
                                         "[steps]~[.]")
    set_tests_properties(${id}.gpu.${step} PROPERTIES SKIP_RETURN_CODE 77)
  endforeach()
  add_test(NAME ${id}.gpu.other COMMAND ${id}_gpu_tests --wb-allow-none "~[steps]~[.]")
  set_tests_properties(${id}.gpu.other PROPERTIES SKIP_RETURN_CODE 77)

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

  add_executable(${id}_bench ${CH_BENCH} ${info_source})
  target_link_libraries(${id}_bench PRIVATE ${id}_solutions wb_bench)
  if(CH_CUDA_ARCHITECTURES)
    set_property(TARGET ${chapter_targets} ${id}_solutions ${id}_gpu_tests ${id}_bench
                 PROPERTY CUDA_ARCHITECTURES ${CH_CUDA_ARCHITECTURES})
  endif()

  add_custom_target(${target_prefix}-test
    COMMAND ${CMAKE_CTEST_COMMAND} -R "^${id}\\." --output-on-failure
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    DEPENDS ${id}_cpu_tests ${id}_gpu_tests
    COMMENT "Chapter ${CH_NUMBER} tests (GPU tests are reported as skipped when there is no GPU)"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-bench
    COMMAND ${id}_bench
    DEPENDS ${id}_bench
    COMMENT "Chapter ${CH_NUMBER} ladder"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-mine
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/mine.sh bench $<TARGET_FILE:${id}_bench_mine>
            $<TARGET_FILE:${id}_bench> ${PROJECT_BINARY_DIR}/bench/results/${target_prefix}
    DEPENDS ${id}_bench_mine ${id}_bench
    COMMENT "Chapter ${CH_NUMBER}: your finished steps timed next to the reference, in one run"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-sanitize
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/sanitize.sh $<TARGET_FILE:${id}_gpu_tests> "~[known-bad]~[.]"
    ${must_flag_commands}
    DEPENDS ${id}_gpu_tests
    COMMENT "Chapter ${CH_NUMBER}: compute-sanitizer on every reference step (known-bad variants excluded)"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-profile
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/profile.sh $<TARGET_FILE:${id}_bench> "${CH_PROFILE_KERNELS}" "${metrics}"
    DEPENDS ${id}_bench
    COMMENT "Chapter ${CH_NUMBER}: Nsight Compute metrics per step"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-mine-profile
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/mine.sh profile $<TARGET_FILE:${id}_bench_mine>
            $<TARGET_FILE:${id}_bench> "${CH_PROFILE_KERNELS}" "${metrics}"
    DEPENDS ${id}_bench_mine ${id}_bench
    COMMENT "Chapter ${CH_NUMBER}: Nsight Compute metrics of your finished steps next to the reference"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target_prefix}-limits
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/explain-exit.sh "make chapter-${CH_NUMBER}-limits"
            ${PROJECT_SOURCE_DIR}/scripts/limits.sh $<TARGET_FILE:${id}_gpu_tests>
            ${PROJECT_BINARY_DIR}/${target_prefix}.limits.log
    DEPENDS ${id}_gpu_tests
    COMMENT "Chapter ${CH_NUMBER}: every step at the documented size limits, one process per case"
    USES_TERMINAL VERBATIM)
endfunction()
