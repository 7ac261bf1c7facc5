#!/usr/bin/env bash
# Proves that a compute-sanitizer tool catches a known-bad variant: runs the given Catch2 test
# filter of a GPU test program under the tool and PASSES only if the tool reports an error.
#   scripts/expect-sanitizer-error.sh <tool> <test executable> <Catch2 test filter>
# Exit 0: the tool reported the error it should. Exit 1: it did not (the harness would miss the
# bug). Exit 77 (skipped): no GPU or no compute-sanitizer here, so nothing was checked.
set -uo pipefail
tool=$1
exe=$2
filter=$3
if ! command -v compute-sanitizer >/dev/null; then
  for d in /usr/local/cuda/bin /opt/nvidia/compute-sanitizer; do
    [[ -x $d/compute-sanitizer ]] && PATH=$d:$PATH
  done
fi
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIPPED: these tests need a CUDA GPU: the $tool check of a known-bad variant was not run."
  exit 77
fi
if ! command -v compute-sanitizer >/dev/null; then
  echo "SKIPPED: compute-sanitizer not found (it ships with the CUDA toolkit): $tool check not run."
  exit 77
fi
log=$(mktemp)
echo "=== compute-sanitizer --tool $tool $(basename "$exe") $filter (must report an error)"
compute-sanitizer --tool "$tool" --error-exitcode 99 "$exe" "$filter" >"$log" 2>&1
rc=$?
grep -E "Error|hazard|SUMMARY|test cases|assertions" "$log" | head -20
rm -f "$log"
if [[ $rc -eq 99 ]]; then
  echo "=== $tool reported the known-bad variant's error, as it must: PASS"
  exit 0
fi
echo "=== $tool did NOT report an error (exit $rc): the known-bad variant went unnoticed: FAIL"
exit 1
