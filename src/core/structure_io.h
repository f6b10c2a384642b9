// SPDX-License-Identifier: GPL-2.0-or-later
// Reading and writing of structures in RuNNer/n2p2 input.data format and in
// the extended XYZ format that ASE writes.
#pragma once

#include "structure.h"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace bpnn {

// Error raised for a structure file that cannot be read or does not follow
// its format. The message has the form "PATH:LINE: what is wrong, expected
// ..." and "PATH: ..." when no single line is at fault (file not found).
class ParseError : public std::runtime_error {
public:
    // line == 0 means that the error concerns the whole file.
    ParseError(const std::string& path, std::size_t line, const std::string& message);

    const std::string& path() const { return path_; }
    std::size_t line() const { return line_; }

private:
    std::string path_;
    std::size_t line_;
};

// Reads all structures of a RuNNer/n2p2 input.data file.
//
// Each structure is a block from a "begin" line to an "end" line with the
// lines "comment TEXT", "lattice ax ay az" (none for a cluster, exactly three
// for a cell that is periodic in all directions), "atom x y z element charge
// energy fx fy fz", "energy E" and "charge Q". Blank lines and lines starting
// with '#' are skipped. The returned structures have hasForces == true and
// hasEnergy == true when an "energy" line is present. An empty file gives an
// empty vector. Throws ParseError for anything malformed.
std::vector<Structure> readRunnerData(const std::string& path);

// Writes structures in input.data format with 17 significant digits, so that
// readRunnerData returns the same numbers bit for bit. Empty charges,
// atomEnergies or forces vectors are written as zeros. Throws
// std::invalid_argument for a structure that the format cannot represent
// (periodic in only one or two directions, a comment that contains a line
// break, per-atom vectors of the wrong length) and std::runtime_error when the
// file cannot be written.
void writeRunnerData(const std::string& path, const std::vector<Structure>& structures);

// Reads all frames of an extended XYZ file.
//
// The comment line holds key=value pairs (values may be double-quoted). The
// keys Lattice, Properties, energy and pbc are matched case-insensitively and
// the key comment is stored in Structure::comment. Other keys are ignored.
// Properties defaults to species:S:1:pos:R:3 and must contain species and
// pos. Forces are read from a "forces" (or "force") column of type R:3 and
// other columns are checked for their type but not stored. pbc defaults to
// "T T T" when Lattice is given and to "F F F" otherwise. Charges and atomic
// energies of the returned structures are zero. Throws ParseError for
// anything malformed.
std::vector<Structure> readExtendedXyz(const std::string& path);

// Writes structures as extended XYZ with 17 significant digits, so that
// readExtendedXyz returns the same numbers bit for bit. The comment line holds
// Lattice (when a direction is periodic), Properties, energy (when
// hasEnergy), pbc and comment (when not empty). The forces column is written
// when hasForces. When atomEnergies is given, atomEnergies[s][i] is written
// for atom i of structure s in an extra column "energies:R:1". Throws
// std::invalid_argument for per-atom vectors of the wrong length and
// std::runtime_error when the file cannot be written.
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
