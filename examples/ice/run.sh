#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the ice example with the bpnn LAMMPS plugin.
#
# Usage: ./run.sh [LAMMPS options, for example -var nve_steps 2000]
# The environment variables LMP, BPNN_PLUGIN, NP and MPIRUN select LAMMPS,
# the plugin and the MPI ranks (see ../run_lammps_example.sh).
# The log is written to ice.log in this folder.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$here/../run_lammps_example.sh" "$here" in.ice ice.log "$@"
