#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Total energy conservation in NVE with pair_style bpnn.

Runs the 384-atom ice Ih box with the water potential (metal units,
cflength 1.8897261328, cfenergy 0.0367493254) for 2000 steps of 0.25 fs,
with velocities drawn at 250 K. Measures, per atom, the largest deviation
of the total energy from its start value and the slope of a least-squares
line through E_total(t). n2p2 measured 7.0e-5 eV/atom and 1e-6
eV/atom/ps for the same setup.
"""

import lammps_testlib as lt

MAX_DEVIATION_LIMIT = 1.5e-4   # eV/atom
DRIFT_LIMIT = 1e-5             # eV/atom/ps
STEPS = 2000
TIMESTEP = 0.00025             # ps
THERMO_INTERVAL = 10


def input_text(config):
    potential = config.potentials / "H2O_RPBE-D3"
    return f"""plugin load {config.plugin}
units metal
atom_style atomic
boundary p p p
read_data {config.data / 'lammps' / 'iceIh_128.data'}
mass 1 1.00794
mass 2 15.9994
pair_style bpnn 6.36 dir {potential} showew no showewsum 500 maxew -1 cflength 1.8897261328 cfenergy 0.0367493254
pair_coeff * * H O
velocity all create 250.0 1234567 loop geom
timestep {TIMESTEP}
fix integrate all nve
thermo_style custom step time temp pe ke etotal
thermo_modify format float %.17g
thermo {THERMO_INTERVAL}
run {STEPS}
"""


def thermo_table(output):
    """Rows of the thermo output; other lines in between (such as the
    extrapolation warning summaries) are skipped."""
    rows = []
    reading = False
    for line in output.splitlines():
        fields = line.split()
        if fields[:2] == ["Step", "Time"]:
            reading = True
        elif fields[:2] == ["Loop", "time"]:
            reading = False
        elif reading and len(fields) == 6 and fields[0].isdigit():
            rows.append([float(v) for v in fields])
    return rows


def main():
    parser = lt.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--np", type=int, default=2, help="MPI ranks")
    args = parser.parse_args()
    config = lt.config_from_arguments(args)
    report = lt.Report(f"NVE energy conservation, ice Ih, 384 atoms, {STEPS} steps of {TIMESTEP * 1000} fs")

    output = lt.run_lammps(config, "nve", input_text(config), nprocs=args.np)
    rows = thermo_table(output)
    if len(rows) != STEPS // THERMO_INTERVAL + 1:
        report.fail("thermo output", f"expected {STEPS // THERMO_INTERVAL + 1} rows, found {len(rows)}")
        return report.finish()

    atoms = 384
    times = [row[1] for row in rows]
    energies = [row[5] / atoms for row in rows]
    deviation = max(abs(e - energies[0]) for e in energies)
    mean_t = sum(times) / len(times)
    mean_e = sum(energies) / len(energies)
    slope = (sum((t - mean_t) * (e - mean_e) for t, e in zip(times, energies)) /
             sum((t - mean_t) ** 2 for t in times))
    temperatures = [row[2] for row in rows]
    print(f"temperature: start {temperatures[0]:.1f} K, mean {sum(temperatures) / len(temperatures):.1f} K")
    report.check("max |E_total(t) - E_total(0)| per atom", deviation, MAX_DEVIATION_LIMIT, "eV/atom")
    report.check("|linear drift of E_total| per atom", abs(slope), DRIFT_LIMIT, "eV/atom/ps")
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
