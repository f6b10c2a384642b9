#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs one LAMMPS example of this folder with the bpnn plugin; each
# example's run.sh calls it with its folder, input script and log name.
#
# Usage: run_lammps_example.sh EXAMPLE_DIR INPUT LOG [LAMMPS options]
# Environment:
#   LMP          LAMMPS executable (default: lmp on PATH, else the LAMMPS 29 Sep
#                2021 of /var/cache/bpnn-deps/env.sh, written by tools/build-deps.sh)
#   BPNN_PLUGIN  bpnnplugin.so (default: the one in a build folder of this
#                repository that was built for the version of LMP)
#   NP           MPI ranks (default 2); MPIRUN: MPI launcher (default mpirun)

set -euo pipefail

(($# >= 3)) || { echo "usage: run_lammps_example.sh EXAMPLE_DIR INPUT LOG [LAMMPS options]" >&2; exit 2; }
example_dir=$(cd "$1" && pwd)
readonly INPUT=$2
readonly LOG=$3
shift 3
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
  printf 'run.sh: error: %s\n' "$*" >&2
  exit 1
}

find_lmp() {
  if [[ -n ${LMP:-} ]]; then
    printf '%s\n' "$LMP"
  elif command -v lmp >/dev/null 2>&1; then
    command -v lmp
  elif [[ -r ${BPNN_DEPS_DIR:-/var/cache/bpnn-deps}/env.sh ]]; then
    # shellcheck disable=SC1090,SC1091
    (. "${BPNN_DEPS_DIR:-/var/cache/bpnn-deps}/env.sh" && printf '%s\n' "${BPNN_LAMMPS2021_BIN:-}")
  fi
}

# The plugin of a build folder whose implementation was built for the LAMMPS
# version of $1 (bpnnplugin-lammps-YYYYMMDD.so next to bpnnplugin.so).
find_plugin() {
  local lmp=$1 version_text version plugin
  version_text=$("$lmp" -h 2>/dev/null | sed -n 's/.*Parallel Simulator - \([0-9]* [A-Za-z]* [0-9]*\).*/\1/p' | head -n 1)
  version=$(date -d "$version_text" +%Y%m%d 2>/dev/null) ||
    die "cannot read the LAMMPS version from '$lmp -h'; set BPNN_PLUGIN"
  for plugin in "$repo_dir"/build*/src/lammps/bpnnplugin.so; do
    if [[ -f $(dirname "$plugin")/bpnnplugin-lammps-$version.so ]]; then
      printf '%s\n' "$plugin"
      return
    fi
  done
  die "no bpnnplugin.so built for LAMMPS $version_text ($version) in $repo_dir/build*/src/lammps;" \
    "build it with cmake -DBPNN_BUILD_LAMMPS_PLUGIN=ON -DLAMMPS_SOURCE_DIR=<that LAMMPS tree>, or set BPNN_PLUGIN"
}

lmp=$(find_lmp)
[[ -n $lmp ]] || die "no LAMMPS found: set LMP to an lmp executable built with the PLUGIN package"
command -v "$lmp" >/dev/null 2>&1 || die "LMP=$lmp is not an executable"
plugin=${BPNN_PLUGIN:-$(find_plugin "$lmp")}
[[ -f $plugin ]] || die "BPNN_PLUGIN=$plugin does not exist"

ranks=${NP:-2}
launcher=()
if ((ranks > 1)); then
  read -r -a launcher <<<"${MPIRUN:-mpirun}"
  launcher+=(-np "$ranks")
  if [[ $(id -u) == 0 ]] && "${launcher[0]}" --version 2>/dev/null | grep -q "Open MPI"; then
    launcher+=(--allow-run-as-root)
  fi
fi

printf 'run.sh: LAMMPS %s, plugin %s, %s MPI rank(s), log %s\n' "$lmp" "$plugin" "$ranks" "$example_dir/$LOG"
cd "$example_dir"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec "${launcher[@]}" "$lmp" -in "$INPUT" -log "$LOG" -var plugin "$plugin" "$@"
