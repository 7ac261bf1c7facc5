#!/usr/bin/env bash
# The compiler's register and shared-memory report for every chapter-05 kernel (no GPU needed):
#   bench/ch05_ptxas.sh <configured build dir> > bench/results/h100/chapter-05.ptxas.txt
# Each step file is compiled as the build compiles it (its include paths, -O3, sm_90) with
# -Xptxas -v; one line per kernel: registers, barriers, static shared memory, spills.
set -euo pipefail
build=$(cd "${1:?usage: $0 <build dir>}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rsp="$build/CMakeFiles/ch05_solutions.dir/includes_CUDA.rsp"
[[ -f $rsp ]] || { echo "no $rsp: configure the build with chapter 05 first" >&2; exit 1; }
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
commit=$(git -C "$here" rev-parse --short=12 HEAD)
echo "# nvcc -arch=sm_90 -O3 -Xptxas -v ($("$nvcc" --version | grep -o 'release [0-9.]*'), no GPU needed) for every chapter-05 kernel, commit $commit."
echo "# file: kernel: registers per thread, barriers, static shared memory; spills"
files=("$here"/chapters/05-softmax-layernorm/01_softmax-naive.cu
       "$here"/solutions/05-softmax-layernorm/0[2-5]_*.cu
       "$here"/chapters/05-softmax-layernorm/06_layernorm-naive.cu
       "$here"/solutions/05-softmax-layernorm/0[7-9]_*.cu)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "${files[@]}"; do
  (cd "$build" && "$nvcc" --options-file "$rsp" -O3 -DNDEBUG -std=c++17 \
     --generate-code=arch=compute_90,code=sm_90 -x cu -c "$f" -o "$tmp/x.o" -Xptxas -v 2>&1) |
    FILE=$(basename "$f") python3 -c '
import os, re, subprocess, sys
name, spill = "", ""
for line in sys.stdin:
    m = re.search(r"Compiling entry function .(\w+).", line)
    if m:
        name = subprocess.run(["c++filt"], input=m.group(1), capture_output=True, text=True).stdout.strip()
        name = re.sub(r"ch05::(known_bad::)?\(anonymous namespace\)::", r"\1", name)
        name = re.sub(r"\(.*\)$", "", name)
    m = re.search(r"(\d+) bytes spill stores", line)
    if m:
        spill = m.group(1) + " bytes spill stores"
    m = re.search(r"Used (.*)", line)
    if m:
        print(os.environ["FILE"] + ": " + name + ": " + m.group(1) + "; " + spill)
'
done
