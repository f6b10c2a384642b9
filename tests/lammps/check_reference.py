#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""LAMMPS with the bpnn plugin against n2p2's reference energies, per-atom
energies and forces.

Every non-dimer structure of tests/data/reference/POTENTIAL/reference.data is
written as a LAMMPS data file (periodic cells in restricted triclinic form,
clusters in a box with free boundaries) and evaluated with `run 0`, with
cflength = cfenergy = 1 so that LAMMPS works in the potential's units.

n2p2's forces for cells smaller than the cutoff are wrong (they do not sum to
zero), so for those structures the forces are compared with bpnn's core
library and with central finite differences of the LAMMPS energy, while the
energies are still compared with n2p2.

Optional extra cases: a rotated copy of a cell (LAMMPS rotates it back into
restricted form; the forces are rotated back before the comparison), and one
structure in other LAMMPS units with conversion factors, compared with the run
in potential units to a relative 1e-12.
"""

import math
import pathlib

import lammps_testlib as lt

ENERGY_PER_ATOM_TOLERANCE = 1e-9
FORCE_TOLERANCE = 1e-8
ATOM_ENERGY_TOLERANCE = 1e-9
FINITE_DIFFERENCE_STEP = 1e-5
FINITE_DIFFERENCE_TOLERANCE = 1e-7
CONVERSION_TOLERANCE = 1e-12


def potential_elements(potential_dir):
    """Element symbols in the order of the `elements` line of input.nn."""
    with open(potential_dir / "input.nn") as handle:
        for line in handle:
            fields = line.split("#")[0].split()
            if fields and fields[0] == "elements":
                return fields[1:]
    raise ValueError(f"{potential_dir / 'input.nn'} has no 'elements' line")


class Case:
    """One LAMMPS evaluation of a structure."""

    def __init__(self, config, args, elements):
        self.config = config
        self.args = args
        self.elements = elements
        self.types = {symbol: k + 1 for k, symbol in enumerate(elements)}
        self.potential_dir = config.potentials / args.potential

    def input_text(self, name, system, units, cutoff, cflength=1.0, cfenergy=1.0, extra=""):
        return f"""plugin load {self.config.plugin}
units {units}
atom_style atomic
boundary {system.boundary}
read_data {name}.lmp
pair_style bpnn {cutoff!r} dir {self.potential_dir} showew no maxew -1 cflength {cflength!r} cfenergy {cfenergy!r}
pair_coeff * * {' '.join(self.elements)}
neighbor 1.0 bin
compute peatom all pe/atom
thermo_style custom step pe
thermo_modify norm no format float %.17g
dump forces all custom 1 {name}.dump id type fx fy fz c_peatom
dump_modify forces format float %.17g sort id
run 0
print "BPNN_ENERGY $(pe:%.17g)"
{extra}"""

    def evaluate(self, name, structure, units, cutoff, scale=1.0, cflength=1.0, cfenergy=1.0, extra=""):
        """Runs LAMMPS; returns (energy, per-atom energies, forces in the
        structure's frame, screen output)."""
        system = lt.write_lammps_data(self.config.workdir / f"{name}.lmp", structure, self.types,
                                      cluster_margin=2.0 * cutoff, scale=scale)
        output = lt.run_lammps(self.config, name,
                               self.input_text(name, system, units, cutoff, cflength, cfenergy, extra))
        energy = lt.tagged_values(output, "BPNN_ENERGY")[0][0]
        _, table = lt.read_dump(self.config.workdir / f"{name}.dump")[0]
        back = lt.transpose(system.rotation)
        forces = [lt.matvec(back, f) for f in zip(table["fx"], table["fy"], table["fz"])]
        return energy, table["c_peatom"], forces, output


def finite_difference_input(structure):
    """LAMMPS commands that print the energy after displacing each atom by
    +-FINITE_DIFFERENCE_STEP along x, y and z (LAMMPS frame)."""
    h = FINITE_DIFFERENCE_STEP
    lines = []
    for atom in range(1, len(structure.positions) + 1):
        lines.append(f"group fd{atom} id {atom}")
        for axis in range(3):
            move = ["0", "0", "0"]
            for sign in (1, -1):
                move[axis] = repr(sign * h)
                lines.append(f"displace_atoms fd{atom} move {' '.join(move)} units box")
                lines.append("run 0 post no")
                lines.append(f'print "BPNN_FD {atom} {axis} {sign} $(pe:%.17g)"')
                move[axis] = repr(-sign * h)
                lines.append(f"displace_atoms fd{atom} move {' '.join(move)} units box")
    return "\n".join(lines) + "\n"


def finite_difference_forces(output, count):
    forces = [[0.0, 0.0, 0.0] for _ in range(count)]
    plus = {}
    for atom, axis, sign, energy in lt.tagged_values(output, "BPNN_FD"):
        key = (int(atom) - 1, int(axis))
        if sign > 0:
            plus[key] = energy
        else:
            forces[key[0]][key[1]] = -(plus[key] - energy) / (2.0 * FINITE_DIFFERENCE_STEP)
    return forces


def check_structure(case, report, number, structure, reference_atom_energies):
    label = f"structure {number} ({structure.comment})"
    name = f"s{number:03d}"
    small_cell = "smaller than the cutoff" in structure.comment
    extra = finite_difference_input(structure) if small_cell else ""
    energy, atom_energies, forces, output = case.evaluate(name, structure, case.args.units, case.args.cutoff,
                                                          extra=extra)
    count = len(structure.positions)
    report.check(f"{label}: |E - E_n2p2| / N", abs(energy - structure.energy) / count,
                 ENERGY_PER_ATOM_TOLERANCE)
    report.check(f"{label}: max |E_i - E_i,n2p2|",
                 lt.max_abs_difference(atom_energies, reference_atom_energies), ATOM_ENERGY_TOLERANCE)
    if not small_cell:
        report.check(f"{label}: max |F - F_n2p2|", lt.max_vector_difference(forces, structure.forces),
                     FORCE_TOLERANCE)
        return

    core = lt.evaluate_with_core(case.config, case.potential_dir, [structure], name + "_core")[0]
    report.check(f"{label}: max |F - F_core| (n2p2 forces are wrong here)",
                 lt.max_vector_difference(forces, core["forces"]), FORCE_TOLERANCE)
    report.check(f"{label}: max |F - F_finite_difference|",
                 lt.max_vector_difference(forces, finite_difference_forces(output, count)),
                 FINITE_DIFFERENCE_TOLERANCE)
    net = [abs(sum(f[k] for f in forces)) for k in range(3)]
    report.check(f"{label}: |sum of forces|", max(net), FORCE_TOLERANCE)


def check_rotated(case, report, number, structure, reference_atom_energies):
    rotation = lt.rotation_matrix([1.0, 2.0, 3.0], 0.7)
    rotated = lt.rotate_structure(structure, rotation)
    label = f"structure {number} rotated"
    energy, atom_energies, forces, _ = case.evaluate(f"s{number:03d}_rotated", rotated, case.args.units,
                                                     case.args.cutoff)
    count = len(structure.positions)
    report.check(f"{label}: |E - E_n2p2| / N", abs(energy - structure.energy) / count,
                 ENERGY_PER_ATOM_TOLERANCE)
    report.check(f"{label}: max |E_i - E_i,n2p2|",
                 lt.max_abs_difference(atom_energies, reference_atom_energies), ATOM_ENERGY_TOLERANCE)
    report.check(f"{label}: max |F - R F_n2p2|", lt.max_vector_difference(forces, rotated.forces),
                 FORCE_TOLERANCE)


def check_converted_units(case, report, number, structure):
    units, cflength, cfenergy, cutoff = case.args.converted
    cflength, cfenergy, cutoff = float(cflength), float(cfenergy), float(cutoff)
    label = f"structure {number} in units {units} (cflength {cflength}, cfenergy {cfenergy})"
    energy, atom_energies, forces, _ = case.evaluate(f"s{number:03d}_potential_units", structure,
                                                     case.args.units, case.args.cutoff)
    energy_c, atom_energies_c, forces_c, _ = case.evaluate(f"s{number:03d}_{units}", structure, units, cutoff,
                                                           scale=1.0 / cflength, cflength=cflength,
                                                           cfenergy=cfenergy)
    report.check(f"{label}: relative energy difference",
                 abs(energy_c * cfenergy - energy) / abs(energy), CONVERSION_TOLERANCE)
    atom_scale = max(abs(e) for e in atom_energies)
    report.check(f"{label}: max relative E_i difference",
                 lt.max_abs_difference([e * cfenergy for e in atom_energies_c], atom_energies) / atom_scale,
                 CONVERSION_TOLERANCE)
    force_scale = max(max(abs(v) for v in f) for f in forces)
    converted = [[v * cfenergy / cflength for v in f] for f in forces_c]
    report.check(f"{label}: max force difference / max |F|",
                 lt.max_vector_difference(converted, forces) / force_scale, CONVERSION_TOLERANCE)


def main():
    parser = lt.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--potential", required=True, help="potential folder name, e.g. H2O_RPBE-D3")
    parser.add_argument("--units", required=True, help="LAMMPS units whose sizes match the potential's units")
    parser.add_argument("--cutoff", type=float, required=True, help="pair_style cutoff in potential units")
    parser.add_argument("--rotate", type=int, nargs="*", default=[],
                        help="1-based structures to evaluate also as a rotated copy")
    parser.add_argument("--converted", nargs=4, metavar=("UNITS", "CFLENGTH", "CFENERGY", "CUTOFF"),
                        help="also evaluate --converted-structure in these units with conversion factors")
    parser.add_argument("--converted-structure", type=int, default=1)
    parser.add_argument("--reference", metavar=("STRUCTURES", "ATOMIC_ENERGIES"), nargs=2,
                        help="reference files to compare with instead of n2p2's results in "
                             "tests/data/reference/POTENTIAL (for example the output of bpnn predict)")
    args = parser.parse_args()
    config = lt.config_from_arguments(args)

    if args.reference:
        structure_file, energy_file = (pathlib.Path(name) for name in args.reference)
    else:
        reference_dir = config.data / "reference" / args.potential
        structure_file = reference_dir / "reference.data"
        energy_file = reference_dir / "reference-atomic-energies.txt"
    structures = lt.read_runner_data(structure_file)
    atom_energies = lt.read_atomic_energies(energy_file)
    case = Case(config, args, potential_elements(config.potentials / args.potential))
    report = lt.Report(f"LAMMPS vs {structure_file}, {args.potential}, units {args.units}")

    for number, structure in enumerate(structures, 1):
        if structure.comment.startswith("dimer"):
            continue
        check_structure(case, report, number, structure, atom_energies[number])
    for number in args.rotate:
        check_rotated(case, report, number, structures[number - 1], atom_energies[number])
    if args.converted:
        number = args.converted_structure
        check_converted_units(case, report, number, structures[number - 1])
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
