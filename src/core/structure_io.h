// SPDX-License-Identifier: GPL-2.0-or-later
// Reading and writing of structures in RuNNer/n2p2 input.data format and in
// the extended XYZ format that ASE writes.
#pragma once

#include "errors.h"
#include "structure.h"

#include <string>
#include <vector>

namespace bpnn {

// Reads all structures of a RuNNer/n2p2 input.data file.
//
// Each structure is a block from a "begin" line to an "end" line with the
// lines "comment TEXT", "lattice ax ay az" (none for a cluster, exactly three
// for a cell that is periodic in all directions), "atom x y z element charge
// energy fx fy fz", "energy E" and "charge Q". Blank lines and lines starting
// with '#' are skipped. The returned structures have hasForces == true and
// hasEnergy == true when an "energy" line is present. An empty file gives an
// empty vector. Throws InputError for a file that cannot be read and for
// anything malformed, with a message "PATH:LINE: what is wrong, expected ...".
std::vector<Structure> readRunnerData(const std::string& path);

// Writes structures in input.data format with 17 significant digits, so that
// readRunnerData returns the same numbers bit for bit. Empty charges,
// atomEnergies or forces vectors are written as zeros. Throws InputError for a
// structure that is periodic in only one or two directions, which input.data
// cannot represent, and when the file cannot be written. Throws
// std::invalid_argument for other structures that would not read back: a
// comment with a line break, non-finite numbers, per-atom vectors of the
// wrong length. Nothing is written when an exception is thrown before the
// file is opened.
void writeRunnerData(const std::string& path, const std::vector<Structure>& structures);

// Reads all frames of an extended XYZ file.
//
// The comment line contains key=value pairs (values may be double-quoted). The
// keys Lattice, Properties, energy and pbc are matched case-insensitively and
// the key comment is stored in Structure::comment. Other keys are ignored.
// Properties defaults to species:S:1:pos:R:3 and must contain species and
// pos. Forces are read from a "forces" (or "force") column of type R:3 and
// other columns are checked for their type but not stored. pbc defaults to
// "T T T" when Lattice is given and to "F F F" otherwise. Charges and atomic
// energies of the returned structures are zero. Throws InputError as
// readRunnerData does.
std::vector<Structure> readExtendedXyz(const std::string& path);

// Writes structures as extended XYZ with 17 significant digits, so that
// readExtendedXyz returns the same numbers bit for bit. The comment line has
// Lattice (when a direction is periodic), Properties, energy (when
// hasEnergy), pbc and comment (when not empty). The forces column is written
// when hasForces. When atomEnergies is given, atomEnergies[s][i] is written
// for atom i of structure s in an extra column "energies:R:1". Throws
// InputError when the file cannot be written and std::invalid_argument as
// writeRunnerData does.
void writeExtendedXyz(const std::string& path, const std::vector<Structure>& structures,
                      const std::vector<std::vector<double>>* atomEnergies = nullptr);

// Reads an extended XYZ file when the path ends in .xyz or .extxyz (in any
// letter case), and an input.data file otherwise.
std::vector<Structure> readStructures(const std::string& path);

// Writes an extended XYZ file when the path ends in .xyz or .extxyz (in any
// letter case), and an input.data file otherwise. For input.data, the given
// atomEnergies replace the per-atom energy column of the structures.
void writeStructures(const std::string& path, const std::vector<Structure>& structures,
                     const std::vector<std::vector<double>>* atomEnergies = nullptr);

}  // namespace bpnn
