#!/usr/bin/env bash
# Executes every notebook in notebooks/ with the project's .venv, writing the executed copies and
# their figures under the given folder. A notebook that raises fails the run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build/notebooks}
"$root/scripts/bootstrap.sh" notebooks
mkdir -p "$out"
for nb in "$root"/notebooks/*.ipynb; do
  echo "[notebooks] executing $(basename "$nb")"
  WB_FIGURES="$out" "$root/.venv/bin/python" -m jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.timeout=300 --output-dir "$out" "$nb"
done
