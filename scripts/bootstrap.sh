#!/usr/bin/env bash
# Installs what the workbook needs and is missing, saying what it does. Safe to run again: it
# checks first and installs nothing that is already there.
#
#   scripts/bootstrap.sh build      cmake, a C++ compiler, Catch2, Google Benchmark (CUDA is checked, not installed)
#   scripts/bootstrap.sh docs       doxygen and graphviz
#   scripts/bootstrap.sh notebooks  python3 with venv, and .venv/ with notebooks/requirements.txt
#   scripts/bootstrap.sh all        all of the above
#
# System packages come from apt-get (with sudo when not root). Where it cannot install, it stops
# with the exact command to run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
what=${1:-build}
say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

have_header() {  # have_header <relative path>: in a standard prefix or in CMAKE_PREFIX_PATH
  local dirs="/usr/include /usr/local/include ${CMAKE_PREFIX_PATH:-}"
  local d
  for d in ${dirs//:/ }; do
    [[ -f "$d/$1" || -f "$d/include/$1" ]] && return 0
  done
  return 1
}

apt_updated=0
apt_install() {  # apt_install <package>...: installs with apt-get, or stops with the command to run
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      die "missing: $*. Run:  sudo apt-get update && sudo apt-get install -y $*"
    fi
  fi
  command -v apt-get >/dev/null || die "missing: $* (Debian/Ubuntu package names); install them with your package manager"
  if [[ $apt_updated -eq 0 ]]; then
    say "apt-get update"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
      die "apt-get update failed (no network?). Run:  ${sudo:+sudo }apt-get update && ${sudo:+sudo }apt-get install -y $*"
    apt_updated=1
  fi
  say "installing: $*"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
    die "apt-get install failed. Run:  ${sudo:+sudo }apt-get install -y $*"
}

need_build() {
  local missing=()
  command -v cmake >/dev/null || missing+=(cmake)
  command -v make >/dev/null || missing+=(make)
  command -v g++ >/dev/null || command -v c++ >/dev/null || missing+=(g++)
  have_header catch2/catch.hpp || have_header catch2/catch_test_macros.hpp || missing+=(catch2)
  have_header benchmark/benchmark.h || missing+=(libbenchmark-dev)
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
  if ! command -v nvcc >/dev/null && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
    die "the CUDA toolkit (nvcc, cuBLAS, CUB) is not installed; it is not packaged the same way everywhere.
  Install CUDA 12.x or 13.x from NVIDIA (https://developer.nvidia.com/cuda-downloads), then:
    export PATH=/usr/local/cuda/bin:\$PATH"
  fi
  local v
  v=$(cmake --version | head -n1 | grep -oE '[0-9]+\.[0-9]+' | head -n1)
  if [[ $(printf '%s\n3.24\n' "$v" | sort -V | head -n1) != 3.24 ]]; then
    die "CMake $v is older than 3.24. Run:  python3 -m pip install --user 'cmake>=3.24'"
  fi
}

need_docs() {
  local missing=()
  command -v doxygen >/dev/null || missing+=(doxygen)
  command -v dot >/dev/null || missing+=(graphviz)
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
}

need_notebooks() {
  command -v python3 >/dev/null || apt_install python3 python3-venv
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv; fi
  local venv="$root/.venv" stamp="$root/.venv/.requirements"
  if [[ ! -x "$venv/bin/python" ]]; then
    say "creating the project-local Python environment $venv"
    python3 -m venv "$venv"
  fi
  if ! cmp -s "$root/notebooks/requirements.txt" "$stamp"; then
    say "pip install -r notebooks/requirements.txt into $venv"
    "$venv/bin/python" -m pip install -q --upgrade pip ||
      die "pip could not reach its index. Run:  $venv/bin/python -m pip install -r notebooks/requirements.txt"
    "$venv/bin/python" -m pip install -q -r "$root/notebooks/requirements.txt" ||
      die "pip install failed. Run:  $venv/bin/python -m pip install -r notebooks/requirements.txt"
    cp "$root/notebooks/requirements.txt" "$stamp"
  fi
}

case "$what" in
  build) need_build ;;
  docs) need_docs ;;
  notebooks) need_notebooks ;;
  all) need_build; need_docs; need_notebooks ;;
  *) die "usage: scripts/bootstrap.sh [build|docs|notebooks|all]" ;;
esac
