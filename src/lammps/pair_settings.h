// SPDX-License-Identifier: GPL-2.0-or-later
// Arguments of `pair_style bpnn`, which has the syntax and defaults of
// `pair_style hdnnp` (LAMMPS ML-HDNNP package, n2p2 v2.x):
//   pair_style bpnn cutoff [dir DIR] [showew yes|no] [showewsum N]
//                   [resetew yes|no] [maxew N] [cflength X] [cfenergy Y]
// Free of LAMMPS types, so that it can be tested on its own.
#pragma once

#include <string>
#include <vector>

namespace bpnn {

struct PairSettings {
    // Neighbor list cutoff in LAMMPS length units; must be at least the
    // potential's largest symmetry function cutoff divided by cflength.
    double cutoff = 0.0;
    // Folder with input.nn, scaling.data and weights.NNN.data.
    std::string directory = "hdnnp/";
    // Print every extrapolation warning (atom, symmetry function, value).
    bool showew = true;
    // Print a summary of the warnings every this many time steps; 0 = never.
    long long showewsum = 0;
    // Stop the run when the warning counter exceeds this; negative = no limit.
    long long maxew = 0;
    // When true, the counter that maxew limits counts the current step's
    // warnings only. Otherwise it accumulates over all steps since pair_style.
    bool resetew = false;
    // Potential units per LAMMPS unit: x_potential = cflength * x_LAMMPS and
    // E_potential = cfenergy * E_LAMMPS.
    double cflength = 1.0;
    double cfenergy = 1.0;
};

// Parses the arguments after the style name. Throws std::invalid_argument
// with a message that names the keyword, the rejected value and what is
// expected.
PairSettings parsePairSettings(const std::vector<std::string>& args);

// Parses yes/no style values as LAMMPS does (yes, no, on, off, true, false,
// 1, 0). Throws std::invalid_argument naming the keyword.
bool parseYesNo(const std::string& keyword, const std::string& value);

}  // namespace bpnn
