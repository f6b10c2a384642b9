# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers of the LAMMPS plugin tests (Python standard library only).

Reads n2p2 reference data (RuNNer input.data and per-atom energy files).
Writes LAMMPS data files: periodic cells rotated into LAMMPS's restricted
triclinic form, clusters in a box with free boundaries. Runs LAMMPS with the
plugin, reads dump files and reports measured deviations against tolerances.
"""

import argparse
import dataclasses
import math
import os
import pathlib
import shlex
import subprocess
import sys

# Masses (g/mol) for the `mass` command; they do not enter energies or forces.
MASSES = {"H": 1.00794, "O": 15.9994, "S": 32.065, "Cu": 63.546}


# ---------------------------------------------------------------------------
# Reference data


@dataclasses.dataclass
class Structure:
    """One structure of an input.data file; lattice rows are a, b, c."""

    comment: str
    lattice: list
    symbols: list
    positions: list
    forces: list
    energy: float = None

    @property
    def periodic(self):
        return len(self.lattice) == 3


def read_runner_data(path):
    """Returns the structures of a RuNNer/n2p2 input.data file."""
    structures = []
    current = None
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            key = fields[0]
            if key == "begin":
                current = Structure("", [], [], [], [])
            elif current is None:
                raise ValueError(f"{path}:{number}: '{key}' outside a begin/end block")
            elif key == "comment":
                current.comment = line.strip()[len("comment"):].strip()
            elif key == "lattice":
                current.lattice.append([float(v) for v in fields[1:4]])
            elif key == "atom":
                current.positions.append([float(v) for v in fields[1:4]])
                current.symbols.append(fields[4])
                current.forces.append([float(v) for v in fields[7:10]])
            elif key == "energy":
                current.energy = float(fields[1])
            elif key == "end":
                if len(current.lattice) not in (0, 3):
                    raise ValueError(f"{path}:{number}: expected 0 or 3 lattice lines")
                structures.append(current)
                current = None
    return structures


def read_atomic_energies(path):
    """Returns {structure number (1-based): [energy of atom 1, atom 2, ...]}."""
    energies = {}
    with open(path) as handle:
        for line in handle:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            structure, atom = int(fields[0]), int(fields[1])
            values = energies.setdefault(structure, [])
            if atom != len(values) + 1:
                raise ValueError(f"{path}: atoms of structure {structure} are not in order")
            values.append(float(fields[3]))
    return energies


def write_runner_data(path, structures):
    """Writes structures (without reference values) in input.data format."""
    with open(path, "w") as handle:
        for s in structures:
            handle.write(f"begin\ncomment {s.comment}\n")
            for row in s.lattice:
                handle.write("lattice {:.17g} {:.17g} {:.17g}\n".format(*row))
            for symbol, r in zip(s.symbols, s.positions):
                handle.write("atom {:.17g} {:.17g} {:.17g} {} 0.0 0.0 0.0 0.0 0.0\n".format(*r, symbol))
            handle.write("energy 0.0\ncharge 0.0\nend\n")


# ---------------------------------------------------------------------------
# Small 3-vector and 3x3-matrix helpers


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def cross(a, b):
    return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]


def norm(a):
    return math.sqrt(dot(a, a))


def matvec(m, v):
    return [dot(row, v) for row in m]


def transpose(m):
    return [list(col) for col in zip(*m)]


def matmul(a, b):
    bt = transpose(b)
    return [[dot(row, col) for col in bt] for row in a]


def rotation_matrix(axis, angle):
    """Rotation by `angle` (radians) about `axis` (Rodrigues' formula)."""
    n = norm(axis)
    x, y, z = (c / n for c in axis)
    c, s = math.cos(angle), math.sin(angle)
    t = 1.0 - c
    return [[c + x * x * t, x * y * t - z * s, x * z * t + y * s],
            [y * x * t + z * s, c + y * y * t, y * z * t - x * s],
            [z * x * t - y * s, z * y * t + x * s, c + z * z * t]]


def rotate_structure(structure, rotation):
    """Returns a copy with lattice, positions and forces rotated."""
    return Structure(structure.comment,
                     [matvec(rotation, row) for row in structure.lattice],
                     list(structure.symbols),
                     [matvec(rotation, r) for r in structure.positions],
                     [matvec(rotation, f) for f in structure.forces],
                     structure.energy)


# ---------------------------------------------------------------------------
# LAMMPS data files


@dataclasses.dataclass
class LammpsSystem:
    """How a structure was written: r_LAMMPS = rotation r (times `scale`)."""

    rotation: list
    boundary: str
    triclinic: bool
    box: tuple  # lx, ly, lz, xy, xz, yz


def restricted_triclinic(lattice):
    """Returns (lx, ly, lz, xy, xz, yz) and the rotation R that maps the cell
    onto LAMMPS's restricted form: a along x, b in the xy plane."""
    a, b, c = lattice
    if dot(cross(a, b), c) <= 0.0:
        raise ValueError("left-handed or degenerate cell; LAMMPS needs a right-handed one")
    lx = norm(a)
    xhat = [v / lx for v in a]
    xy = dot(b, xhat)
    b_perp = [bv - xy * xv for bv, xv in zip(b, xhat)]
    ly = norm(b_perp)
    yhat = [v / ly for v in b_perp]
    zhat = cross(xhat, yhat)
    xz, yz, lz = dot(c, xhat), dot(c, yhat), dot(c, zhat)
    return (lx, ly, lz, xy, xz, yz), [xhat, yhat, zhat]


def write_lammps_data(path, structure, types, cluster_margin, scale=1.0, force_triclinic=False):
    """Writes an `atom_style atomic` data file.

    types maps element symbols to LAMMPS atom types. Periodic cells are
    rotated into restricted triclinic form and atoms wrapped into the cell.
    Clusters get a box that extends cluster_margin beyond the atoms (use
    `boundary f f f`). Lengths are multiplied by `scale`.
    """
    symbols, positions = structure.symbols, structure.positions
    if structure.periodic:
        box, rotation = restricted_triclinic(structure.lattice)
        lx, ly, lz, xy, xz, yz = (v * scale for v in box)
        rotated = [[v * scale for v in matvec(rotation, r)] for r in positions]
        # Fractional coordinates in the restricted cell, wrapped into [0, 1).
        wrapped = []
        for x, y, z in rotated:
            s2 = z / lz
            s1 = (y - yz * s2) / ly
            s0 = (x - xy * s1 - xz * s2) / lx
            s0, s1, s2 = (s - math.floor(s) for s in (s0, s1, s2))
            wrapped.append([s0 * lx + s1 * xy + s2 * xz, s1 * ly + s2 * yz, s2 * lz])
        lo = [0.0, 0.0, 0.0]
        hi = [lx, ly, lz]
        tilt = (xy, xz, yz)
        triclinic = force_triclinic or any(abs(t) > 0.0 for t in tilt)
        boundary = "p p p"
    else:
        rotation = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
        wrapped = [[v * scale for v in r] for r in positions]
        lo = [min(r[k] for r in wrapped) - cluster_margin for k in range(3)]
        hi = [max(r[k] for r in wrapped) + cluster_margin for k in range(3)]
        tilt = (0.0, 0.0, 0.0)
        triclinic = force_triclinic
        boundary = "f f f"
        lx, ly, lz = (hi[k] - lo[k] for k in range(3))
        xy = xz = yz = 0.0

    with open(path, "w") as handle:
        handle.write(f"LAMMPS data file for the bpnn tests: {structure.comment}\n\n")
        handle.write(f"{len(positions)} atoms\n{max(types.values())} atom types\n\n")
        for k, name in enumerate("xyz"):
            handle.write(f"{lo[k]:.17g} {hi[k]:.17g} {name}lo {name}hi\n")
        if triclinic:
            handle.write("{:.17g} {:.17g} {:.17g} xy xz yz\n".format(*tilt))
        handle.write("\nMasses\n\n")
        for symbol, atom_type in sorted(types.items(), key=lambda item: item[1]):
            handle.write(f"{atom_type} {MASSES.get(symbol, 1.0)}\n")
        handle.write("\nAtoms # atomic\n\n")
        for index, (symbol, r) in enumerate(zip(symbols, wrapped), 1):
            handle.write("{} {} {:.17g} {:.17g} {:.17g}\n".format(index, types[symbol], *r))
    return LammpsSystem(rotation, boundary, triclinic, (lx, ly, lz, xy, xz, yz))


def read_lammps_data(path):
    """Reads an `atom_style atomic` data file: returns (box, types, positions, ids).

    box = (xlo, xhi, ylo, yhi, zlo, zhi, xy, xz, yz)."""
    bounds = {}
    tilt = (0.0, 0.0, 0.0)
    atoms = []
    with open(path) as handle:
        lines = handle.read().splitlines()
    section = None
    for line in lines[1:]:
        text = line.split("#")[0].strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) == 4 and fields[2].endswith("lo") and fields[3].endswith("hi"):
            bounds[fields[2][0]] = (float(fields[0]), float(fields[1]))
        elif fields[-3:] == ["xy", "xz", "yz"]:
            tilt = tuple(float(v) for v in fields[:3])
        elif fields[0] in ("Atoms", "Masses", "Velocities"):
            section = fields[0]
        elif section == "Atoms" and len(fields) >= 5:
            atoms.append((int(fields[0]), int(fields[1]), [float(v) for v in fields[2:5]]))
    atoms.sort()
    box = bounds["x"] + bounds["y"] + bounds["z"] + tilt
    return box, [a[1] for a in atoms], [a[2] for a in atoms], [a[0] for a in atoms]


def data_file_to_structure(path, symbols_by_type, scale=1.0):
    """Returns the periodic structure of a LAMMPS data file, lengths times scale."""
    box, types, positions, _ = read_lammps_data(path)
    xlo, xhi, ylo, yhi, zlo, zhi, xy, xz, yz = box
    lattice = [[(xhi - xlo) * scale, 0.0, 0.0], [xy * scale, (yhi - ylo) * scale, 0.0],
               [xz * scale, yz * scale, (zhi - zlo) * scale]]
    shifted = [[(r[0] - xlo) * scale, (r[1] - ylo) * scale, (r[2] - zlo) * scale] for r in positions]
    return Structure(os.path.basename(path), lattice, [symbols_by_type[t] for t in types], shifted,
                     [[0.0, 0.0, 0.0] for _ in positions])


# ---------------------------------------------------------------------------
# Running LAMMPS and the core-library helper


@dataclasses.dataclass
class Config:
    lmp: str
    plugin: str
    mpirun: list
    potentials: pathlib.Path
    data: pathlib.Path
    workdir: pathlib.Path
    structure_eval: str


def add_common_arguments(parser):
    parser.add_argument("--lmp", required=True, help="LAMMPS executable")
    parser.add_argument("--plugin", required=True, help="path of bpnnplugin.so")
    parser.add_argument("--mpirun", default="mpirun --allow-run-as-root --oversubscribe",
                        help="MPI launcher and its options; '-np N' is appended")
    parser.add_argument("--potentials", required=True, help="folder with the potential folders")
    parser.add_argument("--data", required=True, help="tests/data folder")
    parser.add_argument("--workdir", required=True, help="folder for inputs, logs and dumps")
    parser.add_argument("--structure-eval", default="", help="bpnn_structure_eval helper (core library)")


def config_from_arguments(args):
    workdir = pathlib.Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    return Config(args.lmp, os.path.abspath(args.plugin), shlex.split(args.mpirun),
                  pathlib.Path(args.potentials).resolve(), pathlib.Path(args.data).resolve(),
                  workdir.resolve(), args.structure_eval)


class LammpsFailed(RuntimeError):
    pass


def run_lammps_with_status(config, name, input_text, nprocs=1):
    """Runs LAMMPS on input_text in the work folder; returns its screen
    output and exit status (negative: killed by that signal)."""
    input_path = config.workdir / f"{name}.in"
    input_path.write_text(input_text)
    command = [config.lmp, "-in", input_path.name, "-log", f"{name}.log", "-echo", "screen"]
    if nprocs > 1:
        command = config.mpirun + ["-np", str(nprocs)] + command
    environment = dict(os.environ, OMP_NUM_THREADS="1")
    completed = subprocess.run(command, cwd=config.workdir, capture_output=True, text=True, env=environment)
    output = completed.stdout + completed.stderr
    (config.workdir / f"{name}.out").write_text(output)
    return output, completed.returncode


def run_lammps(config, name, input_text, nprocs=1):
    """Runs LAMMPS on input_text in the work folder; returns its screen output.
    Raises LammpsFailed (with the end of the output) when LAMMPS fails."""
    output, status = run_lammps_with_status(config, name, input_text, nprocs)
    if status != 0 or "ERROR" in output:
        tail = "\n".join(output.splitlines()[-30:])
        raise LammpsFailed(f"LAMMPS run '{name}' failed (exit status {status}):\n{tail}")
    return output


def evaluate_with_core(config, potential_dir, structures, name):
    """Evaluates structures with the core library (no LAMMPS). Returns a list
    of dicts with energy, virial (9), extrapolations, atom_energies, forces,
    atom_virials (9)."""
    if not config.structure_eval:
        raise RuntimeError("--structure-eval is required for this check")
    data_path = config.workdir / f"{name}.data"
    write_runner_data(data_path, structures)
    completed = subprocess.run([config.structure_eval, str(potential_dir), str(data_path)],
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"bpnn_structure_eval failed: {completed.stderr.strip()}")
    results = []
    for line in completed.stdout.splitlines():
        fields = line.split()
        if fields[0] == "structure":
            results.append({"atom_energies": [], "forces": [], "atom_virials": []})
        elif fields[0] == "energy":
            results[-1]["energy"] = float(fields[1])
        elif fields[0] == "virial":
            results[-1]["virial"] = [float(v) for v in fields[1:10]]
        elif fields[0] == "extrapolations":
            results[-1]["extrapolations"] = int(fields[1])
        elif fields[0] == "atom":
            values = [float(v) for v in fields[3:]]
            results[-1]["atom_energies"].append(values[0])
            results[-1]["forces"].append(values[1:4])
            results[-1]["atom_virials"].append(values[4:13])
    return results


def read_dump(path):
    """Returns the frames of a `dump custom` file as a list of
    (step, {column: [values sorted by id]})."""
    frames = []
    with open(path) as handle:
        lines = handle.read().splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("ITEM: TIMESTEP"):
            step = int(lines[i + 1])
            count = int(lines[i + 3])
            j = i + 4
            while not lines[j].startswith("ITEM: ATOMS"):
                j += 1
            columns = lines[j].split()[2:]
            rows = [line.split() for line in lines[j + 1:j + 1 + count]]
            rows.sort(key=lambda row: int(row[columns.index("id")]))
            table = {name: [float(row[k]) for row in rows] for k, name in enumerate(columns)}
            frames.append((step, table))
            i = j + 1 + count
        else:
            i += 1
    return frames


def tagged_values(output, tag):
    """Returns the numbers of every screen line 'TAG value ...' in order."""
    values = []
    for line in output.splitlines():
        fields = line.split()
        if fields and fields[0] == tag:
            values.append([float(v) for v in fields[1:]])
    return values


# ---------------------------------------------------------------------------
# Reporting


class Report:
    """Collects measured deviations and their tolerances, prints a table and
    gives the exit status."""

    def __init__(self, title):
        self.title = title
        self.rows = []

    def check(self, description, value, tolerance, unit=""):
        ok = math.isfinite(value) and value <= tolerance
        self.rows.append((description, value, tolerance, unit, ok))
        return ok

    def fail(self, description, message):
        self.rows.append((description, float("nan"), float("nan"), message, False))

    def passed(self):
        return bool(self.rows) and all(row[4] for row in self.rows)

    def finish(self):
        print(f"== {self.title}")
        width = max((len(row[0]) for row in self.rows), default=10)
        for description, value, tolerance, unit, ok in self.rows:
            status = "ok  " if ok else "FAIL"
            if math.isnan(tolerance):
                print(f"{status} {description:<{width}}  {unit}")
            else:
                print(f"{status} {description:<{width}}  {value:10.3e} (limit {tolerance:.1e}) {unit}")
        failed = [row for row in self.rows if not row[4]]
        if not self.rows:
            print("FAIL no checks ran")
            return 1
        print(f"{len(self.rows) - len(failed)} of {len(self.rows)} checks passed")
        return 1 if failed else 0


def max_abs_difference(a, b):
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def max_vector_difference(a, b):
    return max((max(abs(x - y) for x, y in zip(u, v)) for u, v in zip(a, b)), default=0.0)


def main_guard(function):
    """Runs function() and turns exceptions into a FAIL exit status with a message."""
    try:
        sys.exit(function())
    except (LammpsFailed, RuntimeError, ValueError, OSError) as error:
        print(f"FAIL {error}")
        sys.exit(1)


def argument_parser(description):
    parser = argparse.ArgumentParser(description=description)
    add_common_arguments(parser)
    return parser
