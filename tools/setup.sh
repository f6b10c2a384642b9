#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sets up everything bpnn needs on Debian 12 (run as root) and builds it:
#   1. Debian packages and the cached builds of Kokkos and LAMMPS
#      (tools/build-deps.sh; a second run reuses them);
#   2. the LAMMPS plugin for LAMMPS 4 Feb 2025 in build-lammps2025/;
#   3. bpnn (core library, command line, fitting, Kokkos kernels, tests and
#      the LAMMPS plugin for LAMMPS 29 Sep 2021) in build/.
# With --test it then runs every test with CTest, including the LAMMPS
# tests of both versions.
#
# Usage: tools/setup.sh [--test] [--jobs N]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
run_tests=false

die() {
  printf 'setup.sh: error: %s\n' "$*" >&2
  exit 1
}

while (($# > 0)); do
  case $1 in
    --test) run_tests=true ;;
    --jobs)
      (($# >= 2)) || die "--jobs needs a value, for example --jobs 2"
      jobs=$2
      shift
      ;;
    -h | --help)
      sed -n '3,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown option '$1': see tools/setup.sh --help" ;;
  esac
  shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "invalid --jobs value '$jobs': expected a positive integer"

# The LAMMPS tests drive LAMMPS from python3 (standard library only).
if ! command -v python3 >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || die "python3 is missing: run 'apt-get install python3' as root"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 ||
    die "apt-get install python3 failed: is Debian's archive reachable?"
fi

bash "$root/tools/build-deps.sh" --jobs "$jobs"
deps_env=${BPNN_DEPS_DIR:-/var/cache/bpnn-deps}/env.sh
[[ -r $deps_env ]] || die "$deps_env not found after tools/build-deps.sh"
# shellcheck disable=SC1090
. "$deps_env"

echo "== bpnn plugin for LAMMPS 4 Feb 2025 (build-lammps2025/)"
cmake -S "$root" -B "$root/build-lammps2025" -DCMAKE_BUILD_TYPE=Release -DBPNN_BUILD_TESTS=OFF \
  -DBPNN_BUILD_LAMMPS_PLUGIN=ON -DLAMMPS_SOURCE_DIR="$BPNN_LAMMPS2025_ROOT" \
  -DLAMMPS_BUILD_DIR="$BPNN_LAMMPS2025_BUILD" -DBPNN_LMP_EXECUTABLE="$BPNN_LAMMPS2025_BIN"
cmake --build "$root/build-lammps2025" -j "$jobs"

echo "== bpnn with the plugin for LAMMPS 29 Sep 2021 and Kokkos (build/)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DBPNN_BUILD_TESTS=ON \
  -DBPNN_BUILD_LAMMPS_PLUGIN=ON -DLAMMPS_SOURCE_DIR="$BPNN_LAMMPS2021_ROOT" \
  -DLAMMPS_BUILD_DIR="$BPNN_LAMMPS2021_BUILD" -DBPNN_LMP_EXECUTABLE="$BPNN_LAMMPS2021_BIN" \
  -DBPNN_LMP_OTHER_EXECUTABLE="$BPNN_LAMMPS2025_BIN" \
  -DBPNN_OTHER_PLUGIN="$root/build-lammps2025/src/lammps/bpnnplugin.so" \
  -DBPNN_ENABLE_KOKKOS=ON -DKokkos_DIR="$BPNN_KOKKOS_CMAKE_DIR"
cmake --build "$root/build" -j "$jobs"

echo "bpnn is built: build/src/cli/bpnn, build/src/lammps/bpnnplugin.so (LAMMPS 29 Sep 2021),"
echo "build-lammps2025/src/lammps/bpnnplugin.so (LAMMPS 4 Feb 2025)"

if $run_tests; then
  ctest --test-dir "$root/build" --output-on-failure -j "$jobs"
fi
