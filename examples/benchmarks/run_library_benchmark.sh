#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Times the core library on the 8640-atom water box, on replicas of it and
# on a corner of it (size scaling: about 1000, 8640, 17280, 69120 and 103680
# atoms), one thread.
# Usage: run_library_benchmark.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
program=$build/examples/benchmarks/bpnn_library_benchmark
[[ -x $program ]] || { echo "error: $program not found: build bpnn first (tools/setup.sh)" >&2; exit 1; }
potential=$root/potentials/H2O_RPBE-D3
data=$root/examples/water/h2o_8640_liquid_NpT_RPBE-D3.data
[[ -f $data ]] || { echo "error: $data not found" >&2; exit 1; }
export OMP_NUM_THREADS=1
echo "# $(date -u +%Y-%m-%d) $(uname -m), $(nproc --all) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$program" "$potential" "$data" H,O --length-factor 1.8897261328
# A corner of 0.487^3 of the box: about 1000 atoms.
"$program" "$potential" "$data" H,O --length-factor 1.8897261328 --subbox 0.487 --repeat 5
for replicas in "1 1 2" "2 2 2" "3 2 2"; do
  # shellcheck disable=SC2086
  "$program" "$potential" "$data" H,O --length-factor 1.8897261328 --replicate $replicas --repeat 1
done
