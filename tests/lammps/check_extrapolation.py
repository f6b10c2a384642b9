#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extrapolation warnings of pair_style bpnn: counts, lines and summaries.

The ice Ih box expanded by 10% has symmetry function values outside the
range of scaling.data. The checks:
  - `compute pair bpnn` [1] (warnings of the last evaluation, summed over
    MPI ranks) equals the count of the core library on the same structure,
    and is 0 for the unexpanded box;
  - [2] accumulates over evaluations;
  - showew yes prints one line per warning with the value outside [MIN, MAX]
    (at most 100 lines per rank, then a line with the number not shown);
  - the showewsum summaries add up to the cumulative count.
"""

import re

import lammps_testlib as lt

SCALE = 1.1
MAX_LINES_PER_RANK = 100
LINE_PATTERN = re.compile(r"### NNP EXTRAPOLATION WARNING ### STRUCTURE: +(\d+) ATOM: +(\d+) ELEMENT: +(\w+) "
                          r"SYMFUNC: +(\d+) TYPE: +(\d+) VALUE: +(\S+) MIN: +(\S+) MAX: +(\S+)")
SUMMARY_PATTERN = re.compile(r"### NNP EW SUMMARY ### TS: +(\d+) EW +(\d+) EWPERSTEP +(\S+)")


def input_text(config, data_file, steps=0, showewsum=1):
    potential = config.potentials / "H2O_RPBE-D3"
    run = "run 0\nrun 0" if steps == 0 else f"velocity all create 100.0 87287 loop geom\nfix nve all nve\nrun {steps}"
    return f"""plugin load {config.plugin}
units metal
atom_style atomic
read_data {data_file}
mass 1 1.00794
mass 2 15.9994
pair_style bpnn 6.36 dir {potential} showew yes showewsum {showewsum} maxew -1 cflength 1.8897261328 cfenergy 0.0367493254
pair_coeff * * H O
timestep 0.0005
compute ew all pair bpnn
thermo_style custom step pe c_ew[1] c_ew[2]
thermo 1
{run}
print "BPNN_EW $(c_ew[1]) $(c_ew[2])"
"""


def write_structure(config, name, structure, scale):
    scaled = lt.Structure(name, [[v * scale for v in row] for row in structure.lattice], structure.symbols,
                          [[v * scale for v in r] for r in structure.positions], structure.forces)
    path = config.workdir / f"{name}.lmp"
    lt.write_lammps_data(path, scaled, {"H": 1, "O": 2}, cluster_margin=0.0, force_triclinic=True)
    return path, scaled


def check_lines(report, label, output, expected_count, ranks):
    lines = LINE_PATTERN.findall(output)
    hidden = sum(int(n) for n in re.findall(r"\((\d+) more extrapolation warnings on MPI rank \d+ not shown\)",
                                           output))
    per_rank = {}
    outside = 0
    for rank, atom, element, function, sf_type, value, low, high in lines:
        per_rank[rank] = per_rank.get(rank, 0) + 1
        if not (float(low) <= float(value) <= float(high)) and 1 <= int(atom) <= 384 and element in ("H", "O"):
            outside += 1
    report.check(f"{label}: lines shown + lines not shown - warnings",
                 abs(len(lines) + hidden - expected_count), 0.0)
    report.check(f"{label}: lines whose value is inside [MIN, MAX] or whose atom is invalid",
                 len(lines) - outside, 0.0)
    report.check(f"{label}: most lines of one rank - {MAX_LINES_PER_RANK}",
                 max(0, max(per_rank.values(), default=0) - MAX_LINES_PER_RANK), 0.0)
    print(f"{label}: {len(lines)} lines shown, {hidden} counted but not shown, ranks {sorted(per_rank)}")


def main():
    parser = lt.argument_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    config = lt.config_from_arguments(args)
    report = lt.Report("extrapolation warnings")

    ice = lt.data_file_to_structure(config.data / "lammps" / "iceIh_128.data", {1: "H", 2: "O"})
    normal_path, _ = write_structure(config, "ice", ice, 1.0)
    expanded_path, expanded = write_structure(config, "ice_expanded", ice, SCALE)
    cflength = 1.8897261328
    in_bohr = lt.Structure("expanded", [[v * cflength for v in row] for row in expanded.lattice], expanded.symbols,
                           [[v * cflength for v in r] for r in expanded.positions], expanded.forces)
    core_count = lt.evaluate_with_core(config, config.potentials / "H2O_RPBE-D3", [in_bohr],
                                       "ice_expanded_core")[0]["extrapolations"]
    report.check("core library finds extrapolation in the expanded box (count > 0)", 0.0 if core_count > 0 else 1.0,
                 0.0, f"({core_count} warnings)")

    output = lt.run_lammps(config, "normal", input_text(config, normal_path))
    step_count, total = lt.tagged_values(output, "BPNN_EW")[0]
    report.check("unexpanded box: warnings", step_count + total, 0.0)

    for ranks in (1, 2):
        label = f"expanded box, {ranks} rank(s)"
        output = lt.run_lammps(config, f"expanded_np{ranks}", input_text(config, expanded_path), nprocs=ranks)
        step_count, total = lt.tagged_values(output, "BPNN_EW")[0]
        report.check(f"{label}: |compute pair [1] - core count|", abs(step_count - core_count), 0.0)
        report.check(f"{label}: |compute pair [2] after two runs - 2 x core count|", abs(total - 2 * core_count),
                     0.0)
        # Each `run 0` evaluates once and prints its lines; check those of the first run.
        first_run = output.split("Loop time")[0]
        check_lines(report, label, first_run, core_count, ranks)
        summaries = [int(count) for _, count, _ in SUMMARY_PATTERN.findall(first_run)]
        report.check(f"{label}: |summary count at step 0 - core count|",
                     abs(summaries[0] - core_count) if summaries else float("inf"), 0.0)

    output = lt.run_lammps(config, "expanded_md", input_text(config, expanded_path, steps=10, showewsum=5),
                           nprocs=2)
    _, total = lt.tagged_values(output, "BPNN_EW")[0]
    summaries = SUMMARY_PATTERN.findall(output)
    steps = [int(step) for step, _, _ in summaries]
    report.check("MD with showewsum 5: summary steps differ from 0, 5, 10", 0.0 if steps == [0, 5, 10] else 1.0,
                 0.0, f"({steps})")
    report.check("MD with showewsum 5: |sum of summary counts - compute pair [2]|",
                 abs(sum(int(count) for _, count, _ in summaries) - total), 0.0)
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
