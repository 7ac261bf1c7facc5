#!/usr/bin/env bash
# Runs a program and, when it fails, says in plain words what the "Error" lines that make prints
# after it mean, so the learner reads the program's own explanation above them rather than make's.
#   scripts/explain-exit.sh "<what the learner typed>" <program> [args...]
what=$1
shift
"$@"
rc=$?
if [[ $rc -ne 0 ]]; then
  echo
  echo "[$what] exited with status $rc: the reason is printed above."
  echo "[$what] make now prints \"*** ... Error\" lines of its own, one per level of make (the first"
  echo "[$what] with status $rc, the others with 2), and exits with 2: they only repeat that this failed."
fi
exit $rc
