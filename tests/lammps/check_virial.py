#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Pressure and per-atom virial of pair_style bpnn against finite differences.

The virial W_ab = sum r_a f_b follows from the energy under box strain. With
the restricted triclinic cell h = [[lx, xy, xz], [0, ly, yz], [0, 0, lz]]
(columns a, b, c) and fractional coordinates fixed, G = dE/dh gives
W = -h G^T:
  W_xx = -(lx G_lx + xy G_xy + xz G_xz)   W_xy = -(ly G_xy + yz G_xz)
  W_yy = -(ly G_ly + yz G_yz)             W_xz = -lz G_xz
  W_zz = -lz G_lz                         W_yz = -lz G_yz
G is computed with central differences of the LAMMPS energy under
`change_box ... remap`. Units lj (nktv2p = 1) make `compute pressure NULL
virial` equal W / V and the sum of `compute stress/atom NULL virial` equal
-W. Both are checked with newton_pair on (F dot r virial) and off (virial
from the evaluator). The per-atom virials are also compared with the core
library's evaluation of the same structure.
"""

import lammps_testlib as lt

RELATIVE_STEP = 2e-5          # finite difference step / box length
FINITE_DIFFERENCE_TOLERANCE = 1e-6  # |W - W_fd| / max |W_fd|
PER_ATOM_TOLERANCE = 1e-10    # |W_i - W_i,core| / max |W_i,core|
SUM_TOLERANCE = 1e-10         # |sum W_i - W| / max |W|

PARAMETERS = ["x", "y", "z", "xy", "xz", "yz"]
COMPONENTS = ["xx", "yy", "zz", "xy", "xz", "yz"]
# Row-major 3x3 index of each LAMMPS component.
NINE_INDEX = {"xx": 0, "yy": 4, "zz": 8, "xy": 1, "xz": 2, "yz": 5}


class System:
    """A periodic structure with its potential settings (units lj)."""

    def __init__(self, name, structure, potential, elements, cutoff, cflength, cfenergy, triclinic):
        self.name = name
        self.structure = structure  # in LAMMPS length units
        self.potential = potential
        self.elements = elements
        self.cutoff = cutoff
        self.cflength = cflength
        self.cfenergy = cfenergy
        self.triclinic = triclinic


def lammps_input(config, system, newton, box):
    lx, ly, lz, xy, xz, yz = box
    values = {"x": lx, "y": ly, "z": lz, "xy": xy, "xz": xz, "yz": yz}
    steps = {"x": lx, "y": ly, "z": lz, "xy": ly, "xz": lz, "yz": lz}
    parameters = PARAMETERS if system.triclinic else PARAMETERS[:3]
    lines = [f"""plugin load {config.plugin}
units lj
atom_style atomic
boundary p p p
newton {newton}
read_data {system.name}.lmp
pair_style bpnn {system.cutoff!r} dir {config.potentials / system.potential} showew no maxew -1 cflength {system.cflength!r} cfenergy {system.cfenergy!r}
pair_coeff * * {' '.join(system.elements)}
neighbor 0.5 bin
compute p all pressure NULL virial
compute s all stress/atom NULL virial
compute ssum all reduce sum c_s[1] c_s[2] c_s[3] c_s[4] c_s[5] c_s[6]
thermo_style custom step pe vol c_p[1] c_p[2] c_p[3] c_p[4] c_p[5] c_p[6] c_ssum[1] c_ssum[2] c_ssum[3] c_ssum[4] c_ssum[5] c_ssum[6]
thermo_modify norm no format float %.17g
dump peratom all custom 1 {system.name}_{newton}.dump id c_s[1] c_s[2] c_s[3] c_s[4] c_s[5] c_s[6]
dump_modify peratom format float %.17g sort id
run 0
undump peratom
print "BPNN_BASE $(pe:%.17g) $(vol:%.17g) $(c_p[1]:%.17g) $(c_p[2]:%.17g) $(c_p[3]:%.17g) $(c_p[4]:%.17g) $(c_p[5]:%.17g) $(c_p[6]:%.17g)"
print "BPNN_SUM $(c_ssum[1]:%.17g) $(c_ssum[2]:%.17g) $(c_ssum[3]:%.17g) $(c_ssum[4]:%.17g) $(c_ssum[5]:%.17g) $(c_ssum[6]:%.17g)"
"""]
    for k, parameter in enumerate(parameters):
        step = RELATIVE_STEP * steps[parameter]
        for sign in (1, -1):
            if parameter in ("x", "y", "z"):
                change = f"{parameter} final 0.0 {values[parameter] + sign * step!r}"
            else:
                change = f"{parameter} final {values[parameter] + sign * step!r}"
            lines.append(f"change_box all {change} remap units box")
            lines.append("run 0 post no")
            lines.append(f'print "BPNN_FD {k} {sign} {step!r} $(pe:%.17g)"')
        restore = (f"{parameter} final 0.0 {values[parameter]!r}" if parameter in ("x", "y", "z")
                   else f"{parameter} final {values[parameter]!r}")
        lines.append(f"change_box all {restore} remap units box")
    return "\n".join(lines) + "\n"


def finite_difference_virial(output, box, triclinic):
    lx, ly, lz, xy, xz, yz = box
    gradient = {p: 0.0 for p in PARAMETERS}
    plus = {}
    for k, sign, step, energy in lt.tagged_values(output, "BPNN_FD"):
        parameter = PARAMETERS[int(k)]
        if sign > 0:
            plus[parameter] = energy
        else:
            gradient[parameter] = (plus[parameter] - energy) / (2.0 * step)
    g = gradient
    virial = {
        "xx": -(lx * g["x"] + xy * g["xy"] + xz * g["xz"]),
        "yy": -(ly * g["y"] + yz * g["yz"]),
        "zz": -lz * g["z"],
        "xy": -(ly * g["xy"] + yz * g["xz"]),
        "xz": -lz * g["xz"],
        "yz": -lz * g["yz"],
    }
    return virial if triclinic else {c: virial[c] for c in COMPONENTS[:3]}


def check_system(config, report, system):
    types = {symbol: k + 1 for k, symbol in enumerate(system.elements)}
    written = lt.write_lammps_data(config.workdir / f"{system.name}.lmp", system.structure, types,
                                   cluster_margin=0.0, force_triclinic=system.triclinic)
    if written.rotation != [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]:
        raise ValueError(f"{system.name}: the cell must already be in restricted triclinic form")

    # Per-atom virials of the core library, in LAMMPS energy units.
    in_potential_units = lt.Structure(system.name, [[v * system.cflength for v in row]
                                                    for row in system.structure.lattice],
                                      system.structure.symbols,
                                      [[v * system.cflength for v in r] for r in system.structure.positions],
                                      system.structure.forces)
    core = lt.evaluate_with_core(config, config.potentials / system.potential, [in_potential_units],
                                 system.name + "_core")[0]
    core_atom_virials = [[w[NINE_INDEX[c]] / system.cfenergy for c in COMPONENTS] for w in core["atom_virials"]]
    core_scale = max(max(abs(v) for v in row) for row in core_atom_virials)

    for newton in ("on", "off"):
        output = lt.run_lammps(config, f"{system.name}_{newton}", lammps_input(config, system, newton, written.box))
        base = lt.tagged_values(output, "BPNN_BASE")[0]
        volume, pressure = base[1], base[2:8]
        stress_sum = lt.tagged_values(output, "BPNN_SUM")[0]
        reference = finite_difference_virial(output, written.box, system.triclinic)
        scale = max(abs(v) for v in reference.values())
        label = f"{system.name}, newton_pair {newton}"
        pressure_virial = {c: pressure[k] * volume for k, c in enumerate(COMPONENTS)}
        summed_virial = {c: -stress_sum[k] for k, c in enumerate(COMPONENTS)}
        for c in reference:
            report.check(f"{label}: W_{c} from pressure vs finite differences (relative)",
                         abs(pressure_virial[c] - reference[c]) / scale, FINITE_DIFFERENCE_TOLERANCE)
        report.check(f"{label}: sum of per-atom virials vs pressure virial (relative)",
                     max(abs(summed_virial[c] - pressure_virial[c]) for c in COMPONENTS) / scale, SUM_TOLERANCE)

        _, table = lt.read_dump(config.workdir / f"{system.name}_{newton}.dump")[0]
        lammps_atom_virials = [[-table[f"c_s[{k}]"][i] for k in range(1, 7)] for i in range(len(table["id"]))]
        report.check(f"{label}: per-atom virials vs core library (relative)",
                     lt.max_vector_difference(lammps_atom_virials, core_atom_virials) / core_scale,
                     PER_ATOM_TOLERANCE)


def main():
    parser = lt.argument_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    config = lt.config_from_arguments(args)
    report = lt.Report("pressure and per-atom virial vs finite differences of the energy")

    water_cflength, water_cfenergy = 1.8897261328, 0.0367493254
    ice = lt.data_file_to_structure(config.data / "lammps" / "iceIh_128.data", {1: "H", 2: "O"})
    cu2s = lt.data_file_to_structure(config.data / "lammps" / "cu2s_144_low-chalcocite_Evans-1979_PBE.data",
                                     {1: "S", 2: "Cu"})
    water = lt.read_runner_data(config.data / "reference" / "H2O_RPBE-D3" / "reference.data")[1]
    systems = [
        System("ice_triclinic", ice, "H2O_RPBE-D3", ["H", "O"], 6.36, water_cflength, water_cfenergy, True),
        System("cu2s_triclinic", cu2s, "Cu2S_PBE", ["S", "Cu"], 6.0, 1.0, 1.0, True),
        System("water_orthogonal", water, "H2O_RPBE-D3", ["H", "O"], 12.0, 1.0, 1.0, False),
    ]
    for system in systems:
        check_system(config, report, system)
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
