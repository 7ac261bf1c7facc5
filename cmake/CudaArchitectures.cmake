# Chooses CMAKE_CUDA_ARCHITECTURES before CUDA is enabled, unless the user already set it
# (-DCMAKE_CUDA_ARCHITECTURES=90, or the CUDAARCHS environment variable CMake itself reads).
#
#   GPU visible  -> that GPU's architecture only (fast builds, Hopper code on an H100)
#   no GPU       -> "80;90": Ampere and Hopper, the GPUs this workbook supports
if(DEFINED CMAKE_CUDA_ARCHITECTURES OR DEFINED ENV{CUDAARCHS})
  return()
endif()

set(_wb_arch "")
find_program(WB_NVIDIA_SMI nvidia-smi)
if(WB_NVIDIA_SMI)
  execute_process(
    COMMAND ${WB_NVIDIA_SMI} --query-gpu=compute_cap --format=csv,noheader
    OUTPUT_VARIABLE _wb_caps RESULT_VARIABLE _wb_rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(_wb_rc EQUAL 0 AND _wb_caps MATCHES "^([0-9]+)\\.([0-9]+)")
    set(_wb_arch "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
  endif()
endif()

if(_wb_arch)
  message(STATUS "CUDA architectures: ${_wb_arch} (the visible GPU; override with -DCMAKE_CUDA_ARCHITECTURES=...)")
else()
  set(_wb_arch "80;90")
  message(STATUS "CUDA architectures: 80;90 (no GPU visible; override with -DCMAKE_CUDA_ARCHITECTURES=...)")
endif()
set(CMAKE_CUDA_ARCHITECTURES "${_wb_arch}" CACHE STRING "CUDA architectures to build for")
