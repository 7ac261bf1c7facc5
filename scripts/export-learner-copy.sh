#!/usr/bin/env bash
# Writes a learner's copy of the workbook: everything a learner needs (lessons, exercise stubs,
# the harness, the tests, the benches, the notebooks, the ladders recorded on the H100) and no
# reference code (no solutions/, no known-bad variants, no instructor notes, no design sweeps:
# scripts/learner-copy-exclude.txt lists what is left out and why). Then checks the copy with
# scripts/verify_learner_copy.py: no solution file, exercise region or known-bad variant in it.
#
#   scripts/export-learner-copy.sh DEST            DEST must not exist, or be an empty folder
#   scripts/export-learner-copy.sh --no-verify DEST
#
# In the copy, without solutions/, each chapter builds the learner's side only (cmake/Workbook.cmake),
# and every target the lessons name exists, on the learner's own code:
#   make chapter-NN-check   the GPU tests of the learner's finished exercises (the reference's tests)
#   make chapter-NN-test    the CPU tests, then chapter-NN-check
#   make chapter-NN-mine    times the finished exercises next to the ladder recorded on the H100
#   make chapter-NN-bench   prints that recorded ladder
#   make chapter-NN-profile / -sanitize / -limits   Nsight Compute / compute-sanitizer / the size
#                           limits on the finished exercises
#   make chapter-NN-mine-profile / -mine-sanitize   the same tools, the profile next to the recorded one
# The files are the ones git tracks, as they are in the working tree (a folder that is not a git
# checkout is copied whole, build folders aside). The copy is not a git repository.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
verify=1
if [[ ${1:-} == --no-verify ]]; then
  verify=0
  shift
fi
if [[ $# -ne 1 ]]; then
  echo "usage: $0 [--no-verify] DEST" >&2
  exit 2
fi
dest=$1
say() { printf '[export] %s\n' "$*"; }
if [[ -e $dest ]] && [[ -n $(ls -A "$dest" 2>/dev/null) ]]; then
  echo "[export] $dest exists and is not empty: give a new folder" >&2
  exit 2
fi
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
case "$dest/" in
  "$root"/*) echo "[export] $dest is inside the workbook ($root): give a folder outside it" >&2; exit 2 ;;
esac

# The exclude list: glob patterns, '#' comments; a pattern ending in '/' is a folder.
patterns=()
while IFS= read -r line; do
  line=${line%%#*}
  line=${line//[[:space:]]/}
  [[ -n $line ]] && patterns+=("$line")
done <"$root/scripts/learner-copy-exclude.txt"
left_out() {  # left_out <relative path>: true when a pattern matches it
  local p
  for p in "${patterns[@]}"; do
    if [[ $p == */ ]]; then
      [[ $1/ == "$p"* ]] && return 0
    else
      # shellcheck disable=SC2053  # the pattern is a glob on purpose
      [[ $1 == $p ]] && return 0
    fi
  done
  return 1
}

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git -C "$root" ls-files)
  commit=$(git -C "$root" rev-parse --short=12 HEAD)
  if [[ -n $(git -C "$root" status --porcelain --untracked-files=no) ]]; then commit+="-dirty"; fi
else
  mapfile -t files < <(cd "$root" && find . -type f ! -path './build*' ! -path './.venv/*' \
    ! -path './.git/*' | sed 's|^\./||' | sort)
  commit=unknown
fi

copied=0
skipped=()
for f in "${files[@]}"; do
  [[ -f $root/$f ]] || continue  # deleted in the working tree
  if left_out "$f"; then
    skipped+=("$f")
    continue
  fi
  mkdir -p "$dest/$(dirname "$f")"
  cp -p "$root/$f" "$dest/$f"
  copied=$((copied + 1))
done
say "copied $copied files from $root (commit $commit) to $dest; left out ${#skipped[@]}:"
printf '  %s\n' "${skipped[@]}" | sed -E 's|^(  solutions/[^/]+/).*|\1...|' | uniq

# The top README: say what this copy is, and drop what points at the reference solutions.
python3 - "$dest/README.md" "$commit" <<'EOF'
import re, sys, datetime
path, commit = sys.argv[1], sys.argv[2]
text = open(path).read()
note = (
    "> **This is a learner's copy** of the workbook (exported on "
    f"{datetime.date.today().isoformat()} from commit `{commit}`). It has no reference solutions: "
    "`make chapter-NN-check` tests your exercises with the same tests the reference solutions pass, "
    "`make chapter-NN-mine` times your finished exercises next to the reference ladder recorded on "
    "the H100 (`bench/results/h100/`), and `make chapter-NN-bench` prints that recorded ladder.\n")
lines = text.split("\n", 1)
text = lines[0] + "\n\n" + note + (lines[1] if len(lines) > 1 else "")
# The instructor's section and the layout line about solutions/ describe files this copy lacks.
text = re.sub(r"\n## The instructor's path\n.*?(?=\n## )", "\n", text, flags=re.S)
text = re.sub(r"\nsolutions/NN-slug/ [^\n]*", "", text)
text = re.sub(r"\n +for instructors, the course kit[^\n]*", "", text)
open(path, "w").write(text)
EOF

if [[ $verify -eq 1 ]]; then
  say "checking the copy for reference code"
  if ! python3 "$root/scripts/verify_learner_copy.py" "$root" "$dest"; then
    say "DO NOT HAND THIS COPY OUT: reference code was found in it (listed above)."
    exit 1
  fi
fi
say "done: $dest (build it with \`make\` there; it needs no solutions/)"
