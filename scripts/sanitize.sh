#!/usr/bin/env bash
# Runs a GPU test program under the four compute-sanitizer tools; fails if any reports an error.
#   scripts/sanitize.sh <test executable> [Catch2 test filter]
set -uo pipefail
exe=$1
filter=${2:-}
if ! command -v compute-sanitizer >/dev/null; then
  for d in /usr/local/cuda/bin /opt/nvidia/compute-sanitizer; do
    [[ -x $d/compute-sanitizer ]] && PATH=$d:$PATH
  done
fi
command -v compute-sanitizer >/dev/null || { echo "sanitize: compute-sanitizer not found (it ships with the CUDA toolkit): nothing was checked."; exit 1; }
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "sanitize: needs a CUDA GPU and none is visible: nothing was checked."
  exit 1
fi
status=0
for tool in memcheck racecheck synccheck initcheck; do
  extra=()
  [[ $tool == memcheck ]] && extra=(--leak-check full)
  echo "=== compute-sanitizer --tool $tool ${extra[*]} $(basename "$exe") $filter"
  start=$SECONDS
  if compute-sanitizer --tool "$tool" "${extra[@]}" --error-exitcode 99 "$exe" $filter; then
    echo "=== $tool: clean ($((SECONDS - start)) s)"
  else
    echo "=== $tool: FAILED ($((SECONDS - start)) s)"
    status=1
  fi
done
exit $status
