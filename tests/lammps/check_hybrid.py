#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pair_style bpnn with an atom type mapped to NULL, inside hybrid/overlay.

Adds atoms of a third type to the ice Ih box. bpnn maps that type to NULL,
and lj/cut with epsilon 0 handles it. On 1 and 2 MPI ranks, with
newton_pair on and off, the energy (from `compute pair bpnn`), per-atom
energies and forces of the water atoms must equal those of the plain ice
box. The extra atoms must have zero energy and force.
"""

import lammps_testlib as lt

TOLERANCE = 1e-10  # relative to the largest magnitude
EXTRA_ATOMS = [(1.0, 1.0, 1.0), (9.0, 7.5, 7.0), (15.0, 3.0, 12.0)]


def input_text(config, name, hybrid, newton):
    potential = config.potentials / "H2O_RPBE-D3"
    style = f"bpnn 6.36 dir {potential} showew no maxew -1 cflength 1.8897261328 cfenergy 0.0367493254"
    if hybrid:
        setup = "\n".join([f"read_data {config.data / 'lammps' / 'iceIh_128.data'} extra/atom/types 1",
                           "mass 3 39.948"]
                          + [f"create_atoms 3 single {x} {y} {z} units box" for x, y, z in EXTRA_ATOMS]
                          + [f"pair_style hybrid/overlay {style} lj/cut 8.0",
                             "pair_coeff * * bpnn H O NULL",
                             # epsilon 0: every energy and force of type 3 must be 0.
                             "pair_coeff 3 3 lj/cut 0.0 3.4",
                             "pair_coeff 1*2 3 none"])
        group = "group water type 1 2"
    else:
        setup = "\n".join([f"read_data {config.data / 'lammps' / 'iceIh_128.data'}",
                           f"pair_style {style}", "pair_coeff * * H O"])
        group = "group water type 1 2"
    return f"""plugin load {config.plugin}
units metal
atom_style atomic
newton {newton}
{setup}
mass 1 1.00794
mass 2 15.9994
{group}
compute bpnn all pair bpnn
compute peatom all pe/atom pair
thermo_style custom step pe c_bpnn
thermo_modify format float %.17g
dump frames all custom 1 {name}.dump id type fx fy fz c_peatom
dump_modify frames format float %.17g sort id
run 0
print "BPNN_ENERGY $(c_bpnn:%.17g)"
"""


def relative(values, reference):
    scale = max(abs(v) for v in reference)
    return lt.max_abs_difference(values, reference) / scale


def main():
    parser = lt.argument_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    config = lt.config_from_arguments(args)
    report = lt.Report("atom type mapped to NULL in pair_style hybrid/overlay")

    output = lt.run_lammps(config, "plain", input_text(config, "plain", False, "on"))
    energy = lt.tagged_values(output, "BPNN_ENERGY")[0][0]
    _, plain = lt.read_dump(config.workdir / "plain.dump")[0]
    water_count = len(plain["id"])

    for ranks, newton in ((1, "on"), (2, "off")):
        name = f"hybrid_np{ranks}_newton_{newton}"
        output = lt.run_lammps(config, name, input_text(config, name, True, newton), nprocs=ranks)
        hybrid_energy = lt.tagged_values(output, "BPNN_ENERGY")[0][0]
        _, table = lt.read_dump(config.workdir / f"{name}.dump")[0]
        label = f"{ranks} rank(s), newton {newton}"
        report.check(f"{label}: relative difference of the bpnn energy", abs(hybrid_energy - energy) / abs(energy),
                     TOLERANCE)
        forces = [table[c][:water_count] for c in ("fx", "fy", "fz")]
        reference = [plain[c] for c in ("fx", "fy", "fz")]
        report.check(f"{label}: water forces, max relative difference",
                     max(relative(f, r) for f, r in zip(forces, reference)), TOLERANCE)
        report.check(f"{label}: water per-atom energies, max relative difference",
                     relative(table["c_peatom"][:water_count], plain["c_peatom"]), TOLERANCE)
        extra = [abs(table[c][i]) for c in ("c_peatom", "fx", "fy", "fz") for i in range(water_count, len(table["id"]))]
        report.check(f"{label}: max |per-atom energy or force| of the NULL-type atoms", max(extra), 0.0)
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
