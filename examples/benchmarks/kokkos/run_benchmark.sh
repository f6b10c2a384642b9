#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Time pair style bpnn/kk against pair style bpnn on the 8640-atom liquid
# water box of examples/water and print microseconds per atom and step.
#
# Usage: ./run_benchmark.sh [STEPS]   (default 5 MD steps per run)
# Environment:
#   LMP            lmp built with the KOKKOS and PLUGIN packages (default: the
#                  LAMMPS 29 Sep 2021 of /var/cache/bpnn-deps/env.sh)
#   BUILD_DIR      bpnn build folder with both plugins (default: ../../../build)
#   REPEATS        runs per configuration; the fastest counts (default 2)
#   CHUNK          chunksize of bpnn/kk (default: its own default)
#   HOSTPATH       hostpath of bpnn/kk: core (default) or kernels
# Each run's log goes to the folder logs/ next to this script.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../../.." && pwd)
steps=${1:-5}
repeats=${REPEATS:-2}
build_dir=${BUILD_DIR:-$repo_dir/build}
data=$repo_dir/examples/water/h2o_8640_liquid_NpT_RPBE-D3.data
potential=$repo_dir/tests/data/potentials/H2O_RPBE-D3

die() {
  printf 'run_benchmark.sh: error: %s\n' "$*" >&2
  exit 1
}

if [[ -z ${LMP:-} ]]; then
  env_file=${BPNN_DEPS_DIR:-/var/cache/bpnn-deps}/env.sh
  [[ -r $env_file ]] || die "set LMP to an lmp with KOKKOS and PLUGIN ($env_file not found)"
  # shellcheck disable=SC1090
  LMP=$(. "$env_file" && printf '%s\n' "${BPNN_LAMMPS2021_BIN:-}")
fi
[[ -x $LMP ]] || die "LMP=$LMP is not an executable"
bpnn_plugin=$build_dir/src/lammps/bpnnplugin.so
kk_plugin=$build_dir/src/kokkos/lammps/bpnnkkplugin.so
[[ -f $bpnn_plugin && -f $kk_plugin ]] ||
  die "$bpnn_plugin or $kk_plugin missing: build with -DBPNN_BUILD_LAMMPS_PLUGIN=ON -DBPNN_ENABLE_KOKKOS=ON, or set BUILD_DIR"
[[ -f $data ]] || die "$data missing"
[[ $steps =~ ^[1-9][0-9]*$ ]] || die "invalid STEPS '$steps': expected a positive integer"

mkdir -p "$script_dir/logs"
input=$script_dir/logs/in.benchmark
chunk_option=""
if [[ -n ${CHUNK:-} ]]; then
  chunk_option="chunksize $CHUNK"
fi
if [[ -n ${HOSTPATH:-} ]]; then
  [[ $HOSTPATH == core || $HOSTPATH == kernels ]] || die "invalid HOSTPATH '$HOSTPATH': expected core or kernels"
  chunk_option="$chunk_option hostpath $HOSTPATH"
fi
cat >"$input" <<INPUT
plugin load $bpnn_plugin
plugin load $kk_plugin
units metal
boundary p p p
atom_style atomic
read_data $data
pair_style \${style} 6.36 dir $potential showew no cflength 1.8897261328 cfenergy 0.0367493254 \${options}
pair_coeff * * H O
timestep 0.0005
velocity all create 300 4928459 loop geom
fix integrate all nve
thermo 1
run $steps
INPUT

# Runs one configuration $repeats times and prints the loop time in seconds
# of the fastest run and the CPU time (user + system) of that process.
time_run() {
  local name=$1 threads=$2
  shift 2
  local best="" best_cpu="" run log seconds cpu
  for ((run = 1; run <= repeats; run++)); do
    log=$script_dir/logs/$name-$run.log
    OMP_NUM_THREADS=$threads OMP_PROC_BIND=false /usr/bin/time -f '%U %S' -o "$log.time" \
      "$LMP" -in "$input" -log "$log" -screen none "$@" || die "LAMMPS failed; see $log"
    seconds=$(sed -n 's/^Loop time of \([0-9.e+-]*\) on .*/\1/p' "$log")
    [[ -n $seconds ]] || die "no loop time in $log"
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$log.time")
    if [[ -z $best ]] || awk -v a="$seconds" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$seconds
      best_cpu=$cpu
    fi
  done
  printf '%s %s\n' "$best" "$best_cpu"
}

atoms=8640
per_atom_step() {
  awk -v s="$1" -v n="$atoms" -v k="$steps" 'BEGIN { printf "%.1f", s / (n * k) * 1e6 }'
}

printf 'run_benchmark.sh: %s atoms, %s steps per run, best of %s runs, %s\n' "$atoms" "$steps" "$repeats" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'bpnn/kk options: %s\n' "${chunk_option:-(none)}"
printf 'LAMMPS: %s\nmachine: %s, %s cores (nproc)\n' "$LMP" "$(uname -srm)" "$(nproc)"

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
read -r host host_cpu < <(time_run bpnn-1thread 1 -var style bpnn -var options "")
read -r kk1 kk1_cpu < <(time_run bpnn-kk-1thread 1 -k on t 1 -sf kk -pk kokkos newton on neigh full \
  -var style bpnn -var options "$chunk_option")
read -r kk2 kk2_cpu < <(time_run bpnn-kk-2threads 2 -k on t 2 -sf kk -pk kokkos newton on neigh full \
  -var style bpnn -var options "$chunk_option")
printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# The CPU time covers the whole process (reading the potential, neighbor
# lists, the setup step and the run); the loop time covers the run only.
printf '%-36s %12s %16s %14s\n' "configuration" "loop time/s" "us/(atom step)" "process CPU/s"
printf '%-36s %12s %16s %14s\n' "bpnn, 1 MPI rank, 1 thread" "$host" "$(per_atom_step "$host")" "$host_cpu"
printf '%-36s %12s %16s %14s\n' "bpnn/kk, Kokkos OpenMP, 1 thread" "$kk1" "$(per_atom_step "$kk1")" "$kk1_cpu"
printf '%-36s %12s %16s %14s\n' "bpnn/kk, Kokkos OpenMP, 2 threads" "$kk2" "$(per_atom_step "$kk2")" "$kk2_cpu"
awk -v h="$host" -v a="$kk1" -v b="$kk2" -v hc="$host_cpu" -v ac="$kk1_cpu" 'BEGIN {
  printf "bpnn/kk 1 thread / bpnn 1 thread, loop time:  %.3f (target: at most 1.25)\n", a / h
  printf "bpnn/kk 1 thread / bpnn 1 thread, CPU time:   %.3f\n", ac / hc
  printf "bpnn/kk 1 thread / bpnn/kk 2 threads, loop time: %.3f (target: at least 1.8)\n", a / b
}'
echo "Loop times are wall-clock times: on a machine shared with other jobs (see the load average) they"
echo "include waiting for a core, which distorts the 2-thread speed-up most."
