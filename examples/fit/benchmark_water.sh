#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Times `bpnn fit` on one thread on n2p2's water training set (H2O_RPBE-D3/,
# 20 periodic boxes, Bohr and Hartree). The fit stops when the training
# RMSEs reach the figures of n2p2's nnp-train after 30 epochs, which are
# 2.3e-5 Ha per atom for energies and 9.8e-3 Ha/Bohr for forces.
#
# Usage: benchmark_water.sh [BPNN [OUTPUT_DIR [EXTRA_OPTIONS...]]]
#   BPNN        the bpnn executable (default: bpnn on PATH)
#   OUTPUT_DIR  where the fit is written (default: ./water-fit); replaced
# Extra options are passed to `bpnn fit`, for example --optimizer kalman.

set -euo pipefail

readonly HERE=$(cd "$(dirname "$0")" && pwd)
readonly BPNN=${1:-bpnn}
readonly OUTPUT=${2:-water-fit}
shift $(( $# > 2 ? 2 : $# ))

readonly ENERGY_TARGET=2.3e-5
readonly FORCE_TARGET=9.8e-3

start=$(date +%s.%N)
"$BPNN" fit "$HERE/H2O_RPBE-D3/input.nn" "$HERE/H2O_RPBE-D3/input.data" -o "$OUTPUT" --force \
  --threads 1 --force-weight 1 --epochs 200 \
  --target-energy-rmse "$ENERGY_TARGET" --target-force-rmse "$FORCE_TARGET" "$@"
end=$(date +%s.%N)

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
awk -F, -v e="$ENERGY_TARGET" -v f="$FORCE_TARGET" -v start="$start" -v end="$end" '
  NR > 1 && !found && $3 <= e && $4 <= f {
    printf "targets reached in epoch %d: train energy RMSE %.3e Ha/atom, train force RMSE %.3e Ha/Bohr\n", $1, $3, $4
    printf "test energy RMSE %.3e Ha/atom, test force RMSE %.3e Ha/Bohr\n", $5, $6
    found = 1
  }
  END {
    if (!found) print "targets not reached"
    printf "wall time of bpnn fit, setup included: %.1f s\n", end - start
  }' "$OUTPUT/learning-curve.csv"
