#!/usr/bin/env bash
# Draws (or with --check, checks) the lessons' figures with the project's .venv, which
# scripts/bootstrap.sh notebooks creates with notebooks/requirements.txt (matplotlib pinned).
#   scripts/figures.sh             redraw chapters/NN-slug/figures/*.png      (make figures)
#   scripts/figures.sh --check     fail when a committed figure is not what the recorded files draw
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh" notebooks
exec "$root/.venv/bin/python" "$root/scripts/figures.py" "$@"
