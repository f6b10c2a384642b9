#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Times LAMMPS with pair_style bpnn on the 8640-atom water box, one MPI rank
# and one thread, and prints atom-steps per second and the peak resident
# memory of the whole LAMMPS process.
#
# Usage: run_lammps_benchmark.sh PLUGIN [REPLICATE [STEPS [SUBBOX]]]
#   PLUGIN     bpnnplugin.so built for the LAMMPS in use (a build folder's
#              src/lammps/bpnnplugin.so, configured with
#              -DBPNN_BUILD_LAMMPS_PLUGIN=ON)
#   REPLICATE  copies of the box along each axis (default 1: 8640 atoms)
#   STEPS      timed MD steps (default 20)
#   SUBBOX     below 1: only a corner of the box, SUBBOX times its edges
#              (0.487 gives about 1000 atoms; default 1)
# Environment: LMP, the LAMMPS executable (default: BPNN_LAMMPS2021_BIN of
# /var/cache/bpnn-deps/env.sh, LAMMPS 29 Sep 2021).
# Peak memory is GNU time's maximum resident set size, printed in MB of
# 1024 x 1024 bytes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[[ $# -ge 1 ]] || { echo "usage: $0 PLUGIN [REPLICATE [STEPS [SUBBOX]]]" >&2; exit 2; }
[[ -x /usr/bin/time ]] ||
  { echo "error: /usr/bin/time not found: it measures the peak memory; install Debian's package 'time'" >&2; exit 1; }
plugin=$(realpath "$1")
replicate=${2:-1}
steps=${3:-20}
subbox=${4:-1.0}
[[ -f $plugin ]] || { echo "error: plugin $plugin not found" >&2; exit 1; }
if [[ -z ${LMP:-} && -r /var/cache/bpnn-deps/env.sh ]]; then
  # shellcheck disable=SC1091
  LMP=$(. /var/cache/bpnn-deps/env.sh && printf '%s' "${BPNN_LAMMPS2021_BIN:-}")
fi
[[ -n ${LMP:-} && -x $LMP ]] || { echo "error: no LAMMPS executable: set LMP" >&2; exit 1; }
data=$root/examples/water/h2o_8640_liquid_NpT_RPBE-D3.data
[[ -f $data ]] || { echo "error: $data not found" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log" "$log.time"' EXIT
export OMP_NUM_THREADS=1
echo "# $(date -u +%Y-%m-%d) $(uname -m), $(nproc --all) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f '%M' -o "$log.time" "$LMP" -in "$here/in.lammps_benchmark" -log none -screen "$log" \
  -var plugin "$plugin" -var data "$data" -var potential "$root/potentials/H2O_RPBE-D3" \
  -var replicate "$replicate" -var steps "$steps" -var subbox "$subbox" >/dev/null ||
  { echo "error: LAMMPS failed; its output:" >&2; cat "$log" >&2; exit 1; }
# The second "Loop time" line is the timed run.
read -r seconds atoms < <(awk '/^Loop time of/ { n++; if (n == 2) print $4, $(NF - 1) }' "$log")
awk -v s="$seconds" -v n="$atoms" -v steps="$steps" -v kb="$(cat "$log.time")" 'BEGIN {
  printf "LAMMPS, %d atoms, %d steps, one MPI rank\n", n, steps
  printf "  energy and forces    %8.2f us/atom  %10.0f atom-steps/s\n", 1e6 * s / (n * steps), n * steps / s
  printf "  peak memory          %8.1f MB\n", kb / 1024
}'
