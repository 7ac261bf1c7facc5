#!/usr/bin/env bash
# For the lent GPU machine: a slim copy of a build tree made here (executables, CTest files and
# the generated sources; no objects or libraries) in .carry/, plus the shared libraries the
# programs need that the GPU machine may lack, so a device call can run tests without compiling.
# The GPU machine runs the same paths (/work/main/...), CUDA 13.0 and a newer glibc and libstdc++.
#   scripts/carry-build.sh build-h100 [NN ...]   then carry ".carry" (h100-batch.sh moves it into
#                                               place); with chapter numbers, only their programs
set -euo pipefail
build=${1:?usage: $0 <build dir> [chapter numbers]}
shift
keep=("$@")
rm -rf .carry
mkdir -p .carry/lib
tar -c --exclude='*.o' --exclude='*.a' --exclude='*.dir' --exclude='Testing' "$build" |
  tar -x -C .carry
for exe in "$build"/ch*_{gpu_tests,check,bench,bench_mine,cpu_tests,sweep} "$build"/harness_tests; do
  [[ -x $exe ]] || continue
  ldd "$exe" | awk '/libbenchmark/ {print $3}' | sort -u | xargs -r -I{} cp -L {} .carry/lib/
done
if [[ ${#keep[@]} -gt 0 ]]; then
  for exe in .carry/"$build"/ch[0-9][0-9]_*; do
    nn=$(basename "$exe" | cut -c3-4)
    [[ " ${keep[*]} " == *" $nn "* ]] || rm -f "$exe"
  done
fi
du -sh .carry
