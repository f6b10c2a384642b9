#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the pair_style arguments of bpnn/kk in LAMMPS.

Invalid arguments must stop LAMMPS with a message that names the problem;
a valid chunksize must give the energy of pair style bpnn (relative
deviation below 1e-10) with several kernel chunks per evaluation.
Standard library only. Exit status 0 when every check passes.
"""

import argparse
import os
import subprocess
import sys

INPUT = """\
plugin load {bpnn_plugin}
plugin load {kk_plugin}
units metal
boundary p p p
atom_style atomic
read_data {data}
mass 1 1.008
mass 2 15.9994
pair_style {style} 6.36 dir {potential} cflength 1.8897261328 cfenergy 0.0367493254 showew no {extra}
pair_coeff * * {elements}
thermo_style custom step pe
thermo_modify format float %.17g
run 0
"""

# (name, pair style, extra arguments, elements, text expected in the error).
# Pair style bpnn runs without KOKKOS, bpnn/kk with -k on -sf kk.
ERROR_CASES = [
    ("chunksize zero", "bpnn/kk", "chunksize 0", "H O", "invalid chunksize '0'"),
    ("chunksize not a number", "bpnn/kk", "chunksize many", "H O", "invalid chunksize 'many'"),
    ("chunksize without value", "bpnn/kk", "chunksize", "H O", "keyword chunksize needs a value"),
    ("unknown keyword", "bpnn/kk", "speed fast", "H O", "unknown keyword 'speed'"),
    ("unknown element", "bpnn/kk", "", "H Xx", "element 'Xx' of atom type 2"),
    ("chunksize for bpnn", "bpnn", "chunksize 64", "H O", "chunksize"),
    ("hostpath invalid", "bpnn/kk", "hostpath gpu", "H O", "invalid hostpath 'gpu'"),
    ("hostpath without value", "bpnn/kk", "hostpath", "H O", "keyword hostpath needs a value"),
]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lmp", required=True, help="lmp executable of a LAMMPS with KOKKOS and PLUGIN")
    parser.add_argument("--bpnn-plugin", required=True, help="bpnnplugin.so (pair style bpnn)")
    parser.add_argument("--kk-plugin", required=True, help="bpnnkkplugin.so (pair style bpnn/kk)")
    parser.add_argument("--potential", required=True, help="folder of the water potential H2O_RPBE-D3")
    parser.add_argument("--data", required=True, help="LAMMPS data file with types 1 H and 2 O (metal units)")
    parser.add_argument("--workdir", required=True, help="folder for inputs and logs (created)")
    return parser.parse_args()


def run_lammps(args, name, style, extra, elements):
    """Run LAMMPS once; return (exit status, screen output, log text)."""
    input_path = os.path.join(args.workdir, name.replace(" ", "_") + ".in")
    log = input_path[:-3] + ".log"
    with open(input_path, "w") as handle:
        handle.write(INPUT.format(bpnn_plugin=args.bpnn_plugin, kk_plugin=args.kk_plugin, data=args.data,
                                  style=style, potential=args.potential, extra=extra, elements=elements))
    command = [args.lmp, "-in", input_path, "-log", log]
    if style == "bpnn/kk":
        command += ["-k", "on", "t", "1", "-sf", "kk"]
    environment = dict(os.environ, OMP_NUM_THREADS="1", OMP_PROC_BIND="false")
    result = subprocess.run(command, cwd=args.workdir, env=environment, capture_output=True, text=True,
                            timeout=300)
    log_text = ""
    if os.path.exists(log):
        with open(log) as handle:
            log_text = handle.read()
    return result.returncode, result.stdout + result.stderr, log_text


def step_zero_energy(log_text):
    """Potential energy of step 0 from the thermo table, or None."""
    lines = log_text.splitlines()
    for k, line in enumerate(lines):
        if line.split()[:2] == ["Step", "PotEng"] and k + 1 < len(lines):
            return float(lines[k + 1].split()[1])
    return None


def main():
    args = parse_arguments()
    os.makedirs(args.workdir, exist_ok=True)
    failures = []

    for name, style, extra, elements, expected in ERROR_CASES:
        status, output, _ = run_lammps(args, name, style, extra, elements)
        if status == 0:
            failures.append(f"{name}: LAMMPS finished without error")
        elif "ERROR" not in output or expected not in output:
            failures.append(f"{name}: expected an ERROR line containing {expected!r}, got:\n{output[-1500:]}")
        else:
            print(f"{name}: rejected as expected")

    status, output, log_text = run_lammps(args, "reference", "bpnn", "", "H O")
    reference = step_zero_energy(log_text)
    status_kk, output_kk, log_text_kk = run_lammps(args, "chunksize 50", "bpnn/kk", "chunksize 50", "H O")
    energy = step_zero_energy(log_text_kk)
    if status != 0 or status_kk != 0 or reference is None or energy is None:
        failures.append(f"chunksize 50: a run failed or printed no energy:\n{output[-800:]}\n{output_kk[-800:]}")
    else:
        deviation = abs(energy - reference) / abs(reference)
        print(f"chunksize 50: energy {energy!r}, bpnn {reference!r}, relative deviation {deviation:.3g}")
        if deviation >= 1e-10:
            failures.append(f"chunksize 50: energy {energy!r} differs from bpnn's {reference!r}")

    if failures:
        print("\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
