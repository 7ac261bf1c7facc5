#!/usr/bin/env bash
# After ctest: says why each skipped test was skipped (CTest itself only says "Skipped").
log=${1:-build}/Testing/Temporary/LastTest.log
[[ -f $log ]] || exit 0
reasons=$(grep -h '^SKIPPED:' "$log" | sort -u)
[[ -n $reasons ]] && printf '\nSkipped tests were NOT run, so they did not pass:\n%s\n' "$reasons"
exit 0
