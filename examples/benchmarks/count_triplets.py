#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Count neighbors and angular triplets per atom of the water benchmark box.

The sample is random atoms of examples/water/h2o_8640_liquid_NpT_RPBE-D3.data.
For each, it counts the neighbors within the potential's cutoff (12 Bohr)
and the candidate triplets (j, k) of the angular groups of
potentials/H2O_RPBE-D3. O centers have H-H, O-H and O-O neighbor pairs, H
centers O-H and O-O. It also counts the triplets with r_jk within the
cutoff, and the rows: one per angular group and neighbor j with at least
one candidate partner. Plain Python, no third-party modules.

Usage: count_triplets.py [SAMPLE_SIZE]   (default 300 atoms, seed 1)
"""

import os
import random
import sys

BOHR_PER_ANGSTROM = 1.8897261328
CUTOFF = 12.0 / BOHR_PER_ANGSTROM  # Angstrom
H, O = 1, 2  # LAMMPS atom types of the data file


def read_data(path):
    """Return (box lengths, positions, types) of an orthogonal LAMMPS data file."""
    with open(path) as handle:
        lines = handle.read().split("\n")
    lengths = []
    for line in lines[:30]:
        words = line.split()
        if len(words) >= 4 and words[2] in ("xlo", "ylo", "zlo"):
            lengths.append(float(words[1]) - float(words[0]))
    start = next(i for i, line in enumerate(lines) if line.startswith("Atoms")) + 2
    positions, types = [], []
    for line in lines[start:]:
        words = line.split()
        if len(words) < 5:
            break
        types.append(int(words[1]))
        positions.append(tuple(float(w) for w in words[2:5]))
    if len(lengths) != 3 or not positions:
        raise SystemExit(f"{path}: no orthogonal box or no atoms found")
    return lengths, positions, types


def main():
    sample_size = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lengths, positions, types = read_data(os.path.join(root, "examples/water/h2o_8640_liquid_NpT_RPBE-D3.data"))
    cutoff_squared = CUTOFF * CUTOFF
    random.seed(1)
    sample = random.sample(range(len(positions)), min(sample_size, len(positions)))
    totals = {"neighbors": 0, "candidates": 0, "within cutoff": 0, "rows": 0}
    for center in sample:
        neighbors = []
        for j, position in enumerate(positions):
            if j == center:
                continue
            d = [position[c] - positions[center][c] for c in range(3)]
            d = [d[c] - lengths[c] * round(d[c] / lengths[c]) for c in range(3)]
            if d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < cutoff_squared:
                neighbors.append((types[j], d))
        totals["neighbors"] += len(neighbors)
        groups = [(H, H), (H, O), (O, O)] if types[center] == O else [(H, O), (O, O)]
        for first, second in groups:
            part_j = [d for t, d in neighbors if t == first]
            part_k = [d for t, d in neighbors if t == second]
            for index, dj in enumerate(part_j):
                partners = part_k[index + 1:] if first == second else part_k
                if partners:
                    totals["rows"] += 1
                for dk in partners:
                    totals["candidates"] += 1
                    if sum((dk[c] - dj[c]) ** 2 for c in range(3)) < cutoff_squared:
                        totals["within cutoff"] += 1
    print(f"{len(sample)} atoms sampled, per atom:")
    for name, value in totals.items():
        print(f"  {name:14s} {value / len(sample):8.1f}")


if __name__ == "__main__":
    main()
