#!/usr/bin/env bash
# Runs a program and, when it fails, says in plain words what make's "Error" line that follows
# means, so the learner reads the program's own explanation above it rather than make's.
#   scripts/explain-exit.sh "<what the learner typed>" <program> [args...]
what=$1
shift
"$@"
rc=$?
if [[ $rc -ne 0 ]]; then
  echo
  echo "[$what] exited with status $rc: the reason is printed above. make will now print"
  echo "[$what] an \"Error\" line of its own; it only repeats that this command failed."
fi
exit $rc
