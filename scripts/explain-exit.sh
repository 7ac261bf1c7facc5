#!/usr/bin/env bash
# Runs a program and, when it exits with a status other than 0, says in plain words what the
# "Error" lines that make prints after it mean, so the learner reads the program's own explanation
# above them rather than make's. Status 77 is "skipped": nothing failed, and nothing was tested.
#   scripts/explain-exit.sh "<what the learner typed>" <program> [args...]
what=$1
shift
"$@"
rc=$?
if [[ $rc -ne 0 ]]; then
  echo
  if [[ $rc -eq 77 ]]; then
    echo "[$what] exited with status 77 (skipped): nothing failed, and nothing was tested; the"
    echo "[$what] reason is printed above."
    echo "[$what] make calls any status but 0 an error, so it now prints \"*** ... Error\" lines of"
    echo "[$what] its own, one per level of make (the first with status 77, the others with 2), and"
    echo "[$what] exits with 2: they only repeat the status above, not a failure."
  else
    echo "[$what] exited with status $rc: the reason is printed above."
    echo "[$what] make now prints \"*** ... Error\" lines of its own, one per level of make (the first"
    echo "[$what] with status $rc, the others with 2), and exits with 2: they only repeat that this failed."
  fi
fi
exit $rc
