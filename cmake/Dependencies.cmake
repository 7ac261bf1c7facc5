# Third-party dependencies, each with the exact fix when it is missing. scripts/bootstrap.sh
# installs all of them on Debian and Ubuntu; the top-level Makefile runs it before configuring.
find_package(CUDAToolkit REQUIRED)

find_package(Catch2 QUIET)
if(NOT Catch2_FOUND)
  message(FATAL_ERROR "Catch2 (2.13 or 3.x) was not found.\n"
                      "  Install it with:  scripts/bootstrap.sh build     (or: sudo apt-get install catch2)")
endif()
string(REGEX MATCH "^[0-9]+" WB_CATCH2_MAJOR "${Catch2_VERSION}")
message(STATUS "Catch2 ${Catch2_VERSION}")
add_library(wb_catch2 INTERFACE)
target_link_libraries(wb_catch2 INTERFACE Catch2::Catch2)
target_compile_definitions(wb_catch2 INTERFACE WB_CATCH2_MAJOR=${WB_CATCH2_MAJOR})

find_package(benchmark QUIET)
if(NOT benchmark_FOUND)
  message(FATAL_ERROR "Google Benchmark (1.7 or 1.8) was not found.\n"
                      "  Install it with:  scripts/bootstrap.sh build     (or: sudo apt-get install libbenchmark-dev)")
endif()
message(STATUS "Google Benchmark ${benchmark_VERSION}")
