#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare pair style bpnn/kk with pair style bpnn step by step.

Runs the same short NVE trajectory of an ice box twice with LAMMPS: once
with the host style bpnn (no KOKKOS) and once with the KOKKOS package
(-k on -sf kk), which selects bpnn/kk. Every step, the potential energy,
the pressure, and per atom the force, the energy (compute pe/atom) and the
virial (compute stress/atom ... virial) must agree:
  energy and pressure: relative deviation below 1e-10 and 1e-9,
  forces: absolute deviation below 1e-9 (eV/Angstrom),
  per-atom energies and virials: below 1e-10 and 1e-9 relative to the
  largest magnitude of the step.
Per-atom energies and virials are requested every second step only, so
that the odd steps run the code path without them.
Standard library only. Exit status 0 when every check passes.
"""

import argparse
import os
import shlex
import subprocess
import sys

ENERGY_TOLERANCE = 1e-10
FORCE_TOLERANCE = 1e-9
PRESSURE_TOLERANCE = 1e-9
ATOM_VIRIAL_TOLERANCE = 1e-9

INPUT = """\
plugin load {bpnn_plugin}
plugin load {kk_plugin}
units metal
boundary p p p
atom_style atomic
newton {newton}
read_data {data}
mass 1 1.008
mass 2 15.9994
pair_style bpnn {cutoff} dir {potential} cflength 1.8897261328 cfenergy 0.0367493254 showew no {pair_options}
pair_coeff * * H O
velocity all create 300 4928459 loop geom
timestep 0.0005
fix integrate all nve
compute atomEnergy all pe/atom
compute atomVirial all stress/atom NULL virial
dump forces all custom 1 {dump}.forces id fx fy fz
dump_modify forces sort id format float %.17g
dump perAtom all custom 2 {dump}.peratom id c_atomEnergy c_atomVirial[1] c_atomVirial[2] c_atomVirial[3] c_atomVirial[4] c_atomVirial[5] c_atomVirial[6]
dump_modify perAtom sort id format float %.17g
thermo_style custom step pe press
thermo_modify format float %.17g
thermo 1
run {steps}
"""


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lmp", required=True, help="lmp executable of a LAMMPS with KOKKOS and PLUGIN")
    parser.add_argument("--bpnn-plugin", required=True, help="bpnnplugin.so (pair style bpnn)")
    parser.add_argument("--kk-plugin", required=True, help="bpnnkkplugin.so (pair style bpnn/kk)")
    parser.add_argument("--potential", required=True, help="folder of the water potential H2O_RPBE-D3")
    parser.add_argument("--data", required=True, help="LAMMPS data file of a water or ice box (metal units, types 1 H and 2 O)")
    parser.add_argument("--workdir", required=True, help="folder for inputs, logs and dumps (created)")
    parser.add_argument("--mpirun", default="mpirun", help="MPI launcher with its options; -np N is appended")
    parser.add_argument("--ranks", type=int, default=1, help="MPI ranks of the bpnn/kk run")
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads per rank of the bpnn/kk run")
    parser.add_argument("--newton", choices=["on", "off"], default="on", help="newton_pair setting of both runs")
    parser.add_argument("--neigh", choices=["full", "half"], default="full", help="KOKKOS neighbor list setting")
    parser.add_argument("--steps", type=int, default=20, help="MD steps")
    parser.add_argument("--kk-options", default="", help="extra pair_style keywords of the bpnn/kk run")
    return parser.parse_args()


def run_lammps(args, name, extra_arguments, ranks, pair_options=""):
    """Run one LAMMPS job in the work folder; return its per-step results."""
    dump = os.path.join(args.workdir, name + ".dump")
    input_path = os.path.join(args.workdir, name + ".in")
    log = os.path.join(args.workdir, name + ".log")
    with open(input_path, "w") as handle:
        handle.write(INPUT.format(bpnn_plugin=args.bpnn_plugin, kk_plugin=args.kk_plugin, newton=args.newton,
                                  data=args.data, cutoff=6.36, potential=args.potential, dump=dump,
                                  steps=args.steps, pair_options=pair_options))
    command = [args.lmp, "-in", input_path, "-log", log, "-screen", "none"] + extra_arguments
    if ranks > 1:
        command = shlex.split(args.mpirun) + ["-np", str(ranks)] + command
    environment = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OMP_PROC_BIND="false")
    result = subprocess.run(command, cwd=args.workdir, env=environment, capture_output=True, text=True,
                            timeout=900)
    if result.returncode != 0:
        sys.stdout.write(result.stdout + result.stderr)
        if os.path.exists(log):
            with open(log) as handle:
                sys.stdout.write(handle.read()[-4000:])
        raise SystemExit(f"{name}: LAMMPS failed with exit status {result.returncode}: {' '.join(command)}")
    return read_thermo(log), read_dump(dump + ".forces"), read_dump(dump + ".peratom"), log


def pair_style_in_use(log):
    """The pair style named in the neighbor list summary of a log file."""
    with open(log) as handle:
        for line in handle:
            words = line.replace(",", " ").split()
            if len(words) >= 3 and words[0] == "(1)" and words[1] == "pair":
                return words[2]
    return None


def read_thermo(log):
    """Map step -> (pe, press) from the thermo table of a log file."""
    rows = {}
    in_table = False
    with open(log) as handle:
        for line in handle:
            words = line.split()
            if words[:3] == ["Step", "PotEng", "Press"]:
                in_table = True
                continue
            if in_table:
                if line.startswith("Loop time"):
                    in_table = False
                    continue
                rows[int(words[0])] = (float(words[1]), float(words[2]))
    return rows


def read_dump(path):
    """Map step -> list of per-atom rows (floats after the id), sorted by id."""
    frames = {}
    with open(path) as handle:
        lines = handle.read().splitlines()
    k = 0
    while k < len(lines):
        if lines[k].startswith("ITEM: TIMESTEP"):
            step = int(lines[k + 1])
            count = int(lines[k + 3])
            start = k + 9
            frames[step] = [[float(value) for value in line.split()[1:]] for line in lines[start:start + count]]
            k = start + count
        else:
            k += 1
    return frames


def main():
    args = parse_arguments()
    os.makedirs(args.workdir, exist_ok=True)
    label = (f"bpnn/kk, {args.ranks} rank(s) x {args.threads} thread(s), newton {args.newton}, neigh {args.neigh}"
             f"{', ' + args.kk_options if args.kk_options else ''}")

    reference_thermo, reference_forces, reference_atoms, reference_log = run_lammps(
        args, f"bpnn-newton-{args.newton}", [], 1)
    kokkos_arguments = ["-k", "on", "t", str(args.threads), "-sf", "kk",
                        "-pk", "kokkos", "newton", args.newton, "neigh", args.neigh]
    kokkos_thermo, kokkos_forces, kokkos_atoms, kokkos_log = run_lammps(
        args, "bpnn-kk", kokkos_arguments, args.ranks, args.kk_options)

    # -sf kk falls back to bpnn without a word when bpnn/kk is not registered,
    # which would make the comparison pointless.
    failures = []
    for log, expected in ((reference_log, "bpnn"), (kokkos_log, "bpnn/kk")):
        style = pair_style_in_use(log)
        if style != expected:
            failures.append(f"{log}: the neighbor list summary names pair style {style}, expected {expected}")
    worst = {"energy": 0.0, "pressure": 0.0, "force": 0.0, "atom energy": 0.0, "atom virial": 0.0}
    expected_steps = list(range(args.steps + 1))
    even_steps = list(range(0, args.steps + 1, 2))
    for table_name, table, steps in (("thermo of bpnn", reference_thermo, expected_steps),
                                     ("thermo of bpnn/kk", kokkos_thermo, expected_steps),
                                     ("force dump of bpnn", reference_forces, expected_steps),
                                     ("force dump of bpnn/kk", kokkos_forces, expected_steps),
                                     ("per-atom dump of bpnn", reference_atoms, even_steps),
                                     ("per-atom dump of bpnn/kk", kokkos_atoms, even_steps)):
        if sorted(table) != steps:
            failures.append(f"{table_name} has steps {sorted(table)}, expected {steps}")
    if failures:
        raise SystemExit("\n".join(failures))

    for step in expected_steps:
        energy, pressure = reference_thermo[step]
        kk_energy, kk_pressure = kokkos_thermo[step]
        energy_error = abs(kk_energy - energy) / abs(energy)
        pressure_error = abs(kk_pressure - pressure) / max(abs(pressure), 1.0)
        worst["energy"] = max(worst["energy"], energy_error)
        worst["pressure"] = max(worst["pressure"], pressure_error)
        if energy_error >= ENERGY_TOLERANCE:
            failures.append(f"step {step}: energy {kk_energy!r} differs from bpnn's {energy!r} "
                            f"(relative {energy_error:.3g})")
        if pressure_error >= PRESSURE_TOLERANCE:
            failures.append(f"step {step}: pressure {kk_pressure!r} differs from bpnn's {pressure!r} "
                            f"(relative {pressure_error:.3g})")

        forces, kk_forces = reference_forces[step], kokkos_forces[step]
        if len(forces) != len(kk_forces):
            failures.append(f"step {step}: {len(kk_forces)} atoms in the bpnn/kk dump, {len(forces)} in bpnn's")
            continue
        for atom, (row, kk_row) in enumerate(zip(forces, kk_forces), start=1):
            force_error = max(abs(kk_row[c] - row[c]) for c in range(3))
            worst["force"] = max(worst["force"], force_error)
            if force_error >= FORCE_TOLERANCE:
                failures.append(f"step {step}, atom {atom}: force {kk_row} differs from bpnn's {row} "
                                f"by {force_error:.3g}")

        if step not in reference_atoms:
            continue
        rows, kk_rows = reference_atoms[step], kokkos_atoms[step]
        largest_energy = max(abs(row[0]) for row in rows)
        largest_virial = max(max(abs(value) for value in row[1:7]) for row in rows)
        for atom, (row, kk_row) in enumerate(zip(rows, kk_rows), start=1):
            energy_error = abs(kk_row[0] - row[0]) / largest_energy
            virial_error = max(abs(kk_row[c] - row[c]) for c in range(1, 7)) / largest_virial
            worst["atom energy"] = max(worst["atom energy"], energy_error)
            worst["atom virial"] = max(worst["atom virial"], virial_error)
            if energy_error >= ENERGY_TOLERANCE:
                failures.append(f"step {step}, atom {atom}: energy {kk_row[0]!r} differs from bpnn's {row[0]!r}")
            if virial_error >= ATOM_VIRIAL_TOLERANCE:
                failures.append(f"step {step}, atom {atom}: virial {kk_row[1:7]} differs from bpnn's {row[1:7]}")

    print(f"{label}: {args.steps} steps, {len(reference_forces[0])} atoms; max deviations from bpnn: "
          f"energy {worst['energy']:.3g} (relative), pressure {worst['pressure']:.3g} (relative), "
          f"force {worst['force']:.3g} eV/Angstrom, per-atom energy {worst['atom energy']:.3g} and "
          f"virial {worst['atom virial']:.3g} (relative to the largest)")
    if failures:
        print(f"{len(failures)} checks failed; the first 20:")
        print("\n".join(failures[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
