#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Same MD run on 1, 2 and 3 MPI ranks, with newton_pair on and off.

Runs 20 NVE steps of the 384-atom ice Ih box (water potential, metal units
with conversion factors) with different rank counts, processor grids,
communication styles, atom_modify map styles and newton settings. Energy,
pressure, forces, per-atom energies and per-atom virials must agree with
the first run at every step, to a relative 1e-10. Per-atom values are
compared relative to the largest magnitude of the step.
"""

import lammps_testlib as lt

RELATIVE_TOLERANCE = 1e-10
STEPS = 20

# name, MPI ranks, extra commands before read_data, newton setting
RUNS = [
    ("np1_newton_on", 1, "atom_modify map array", "on"),
    ("np1_newton_off", 1, "atom_modify map hash", "off"),
    ("np2_x_newton_on", 2, "atom_modify map yes\nprocessors 2 1 1", "on"),
    ("np2_y_newton_off", 2, "atom_modify map array\nprocessors 1 2 1", "off"),
    ("np2_z_newton_pair_off_bond_on", 2, "atom_modify map hash\nprocessors 1 1 2", "off on"),
    ("np2_tiled_newton_off", 2, "comm_style tiled", "off"),
    ("np3_x_newton_off", 3, "processors 3 1 1", "off"),
]


def input_text(config, name, setup, newton):
    potential = config.potentials / "H2O_RPBE-D3"
    return f"""plugin load {config.plugin}
units metal
atom_style atomic
boundary p p p
newton {newton}
{setup}
read_data {config.data / 'lammps' / 'iceIh_128.data'}
mass 1 1.00794
mass 2 15.9994
pair_style bpnn 6.36 dir {potential} showew no maxew -1 cflength 1.8897261328 cfenergy 0.0367493254
pair_coeff * * H O
velocity all create 250.0 4928459 loop geom
timestep 0.00025
fix integrate all nve
compute peatom all pe/atom
compute stress all stress/atom NULL virial
thermo_style custom step pe press pxx pyy pzz pxy pxz pyz
thermo_modify format float %.17g
thermo 1
dump frames all custom 1 {name}.dump id fx fy fz c_peatom c_stress[1] c_stress[2] c_stress[3] c_stress[4] c_stress[5] c_stress[6]
dump_modify frames format float %.17g sort id
run {STEPS}
"""


def thermo_rows(output):
    """Returns {step: [pe, press, pxx, ..., pyz]} from the thermo output."""
    rows = {}
    reading = False
    for line in output.splitlines():
        fields = line.split()
        if fields[:2] == ["Step", "PotEng"]:
            reading = True
            continue
        if reading:
            if not fields or not fields[0].isdigit():
                reading = False
                continue
            rows[int(fields[0])] = [float(v) for v in fields[1:]]
    return rows


def relative_difference(values, reference):
    scale = max(abs(v) for v in reference)
    return lt.max_abs_difference(values, reference) / scale if scale > 0 else 0.0


def main():
    parser = lt.argument_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    config = lt.config_from_arguments(args)
    report = lt.Report("same trajectory on 1, 2 and 3 MPI ranks, newton_pair on and off")

    results = {}
    for name, ranks, setup, newton in RUNS:
        output = lt.run_lammps(config, name, input_text(config, name, setup, newton), nprocs=ranks)
        frames = lt.read_dump(config.workdir / f"{name}.dump")
        results[name] = (thermo_rows(output), frames)
        if len(frames) != STEPS + 1:
            report.fail(name, f"expected {STEPS + 1} dump frames, found {len(frames)}")

    reference_name = RUNS[0][0]
    reference_thermo, reference_frames = results[reference_name]
    columns = {"forces": ["fx", "fy", "fz"], "per-atom energies": ["c_peatom"],
               "per-atom virials": [f"c_stress[{k}]" for k in range(1, 7)]}
    for name, _, _, _ in RUNS[1:]:
        thermo, frames = results[name]
        worst = {"energy": 0.0, "pressure tensor": 0.0}
        worst.update({quantity: 0.0 for quantity in columns})
        for (step, table), (reference_step, reference_table) in zip(frames, reference_frames):
            if step != reference_step:
                report.fail(name, f"dump steps differ: {step} and {reference_step}")
                break
            energy, reference_energy = thermo[step][0], reference_thermo[step][0]
            worst["energy"] = max(worst["energy"], abs(energy - reference_energy) / abs(reference_energy))
            worst["pressure tensor"] = max(worst["pressure tensor"],
                                           relative_difference(thermo[step][2:], reference_thermo[step][2:]))
            for quantity, names in columns.items():
                values = [v for column in names for v in table[column]]
                reference = [v for column in names for v in reference_table[column]]
                worst[quantity] = max(worst[quantity], relative_difference(values, reference))
        for quantity, value in worst.items():
            report.check(f"{name} vs {reference_name}: {quantity}, max relative difference over {STEPS} steps",
                         value, RELATIVE_TOLERANCE)
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
