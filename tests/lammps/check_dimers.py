#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Dimer curves of pair_style bpnn against n2p2's reference dimers.

Two atoms in a large box with free boundaries, at every separation of the
structures whose comment is "dimer X-Y r=...", for every element pair of the
potential: energy, per-atom energies and forces against n2p2, in one LAMMPS
run per potential that moves the atoms between `run 0` commands.
"""

import lammps_testlib as lt
from check_reference import (ATOM_ENERGY_TOLERANCE, ENERGY_PER_ATOM_TOLERANCE, FORCE_TOLERANCE,
                             potential_elements)


def input_text(config, args, elements, dimers):
    types = {symbol: k + 1 for k, symbol in enumerate(elements)}
    half = 4.0 * args.cutoff
    lines = [f"""plugin load {config.plugin}
units {args.units}
atom_style atomic
atom_modify map array
boundary f f f
region box block {-half} {half} {-half} {half} {-half} {half}
create_box {len(elements)} box
create_atoms 1 single 0.0 0.0 0.0
create_atoms 1 single 1.0 0.0 0.0"""]
    lines += [f"mass {types[symbol]} {lt.MASSES.get(symbol, 1.0)}" for symbol in elements]
    lines.append(f"""pair_style bpnn {args.cutoff!r} dir {config.potentials / args.potential} showew no maxew -1
pair_coeff * * {' '.join(elements)}
neighbor 1.0 bin
group first id 1
group second id 2
compute peatom all pe/atom
compute pe1 first reduce sum c_peatom
compute pe2 second reduce sum c_peatom
thermo_style custom step pe c_pe1 c_pe2
thermo_modify norm no""")
    for number, dimer in dimers:
        for atom, (symbol, r) in enumerate(zip(dimer.symbols, dimer.positions), 1):
            lines.append("set atom {} type {} x {!r} y {!r} z {!r}".format(atom, types[symbol], *r))
        lines.append("run 0 post no")
        values = " ".join(f"$({name}:%.17g)" for name in
                          ["pe", "c_pe1", "c_pe2", "fx[1]", "fy[1]", "fz[1]", "fx[2]", "fy[2]", "fz[2]"])
        lines.append(f'print "BPNN_DIMER {number} {values}"')
    return "\n".join(lines) + "\n"


def main():
    parser = lt.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--potential", required=True)
    parser.add_argument("--units", required=True, help="LAMMPS units whose sizes match the potential's units")
    parser.add_argument("--cutoff", type=float, required=True, help="pair_style cutoff in potential units")
    args = parser.parse_args()
    config = lt.config_from_arguments(args)

    reference_dir = config.data / "reference" / args.potential
    structures = lt.read_runner_data(reference_dir / "reference.data")
    atom_energies = lt.read_atomic_energies(reference_dir / "reference-atomic-energies.txt")
    dimers = [(n, s) for n, s in enumerate(structures, 1) if s.comment.startswith("dimer")]
    elements = potential_elements(config.potentials / args.potential)
    report = lt.Report(f"dimer curves vs n2p2, {args.potential}")

    output = lt.run_lammps(config, "dimers", input_text(config, args, elements, dimers))
    results = {int(values[0]): values[1:] for values in lt.tagged_values(output, "BPNN_DIMER")}
    pairs = {}
    for number, dimer in dimers:
        if number not in results:
            report.fail(dimer.comment, "no LAMMPS result")
            continue
        energy, e1, e2, *forces = results[number]
        pair = dimer.comment.split()[1]
        worst = pairs.setdefault(pair, {"count": 0, "energy": 0.0, "atom energies": 0.0, "forces": 0.0})
        worst["count"] += 1
        worst["energy"] = max(worst["energy"], abs(energy - dimer.energy) / 2.0)
        worst["atom energies"] = max(worst["atom energies"],
                                     lt.max_abs_difference([e1, e2], atom_energies[number]))
        worst["forces"] = max(worst["forces"],
                              lt.max_vector_difference([forces[0:3], forces[3:6]], dimer.forces))
        print(f"  {dimer.comment:<28} E = {energy:.12f} (n2p2 {dimer.energy:.12f})")

    expected_pairs = {f"{a}-{b}" for a in elements for b in elements}
    for pair in sorted(expected_pairs):
        reverse = "-".join(reversed(pair.split("-")))
        if pair not in pairs and reverse not in pairs:
            report.fail(f"dimers {pair}", "no reference dimers for this element pair")
    for pair, worst in sorted(pairs.items()):
        label = f"{pair} ({worst['count']} separations)"
        report.check(f"{label}: max |E - E_n2p2| / 2", worst["energy"], ENERGY_PER_ATOM_TOLERANCE)
        report.check(f"{label}: max |E_i - E_i,n2p2|", worst["atom energies"], ATOM_ENERGY_TOLERANCE)
        report.check(f"{label}: max |F - F_n2p2|", worst["forces"], FORCE_TOLERANCE)
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
