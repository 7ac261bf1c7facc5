#!/usr/bin/env bash
# Prints a chapter's key Nsight Compute metrics, one row per step's kernel.
#   scripts/profile.sh <bench executable> <ncu kernel filter> <comma-separated metrics>
# The bench program's --wb_profile mode runs each step once at a profile-sized problem.
set -euo pipefail
exe=$1
kernels=$2
metrics=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v ncu >/dev/null || { echo "profile: ncu (Nsight Compute) not found (it ships with the CUDA toolkit): nothing was measured."; exit 1; }
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "profile: needs a CUDA GPU and none is visible: nothing was measured."
  exit 1
fi
csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
# --clock-control none: measure the GPU as it runs, without locking its clocks.
rc=0
ncu --clock-control none --kernel-name "$kernels" --metrics "$metrics" --csv --page raw \
    "$exe" --wb_profile >"$csv" || rc=$?
if [[ $rc -ne 0 ]]; then
  echo "profile: ncu failed (exit $rc); the last lines it wrote:"
  grep -v '^"' "$csv" | tail -25
  exit "$rc"
fi
python3 "$here/ncu_table.py" "$csv" "$metrics"
