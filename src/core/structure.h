// SPDX-License-Identifier: GPL-2.0-or-later
// Atomic structures as read from RuNNer input.data and extended XYZ files.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace bpnn {

using Vec3 = std::array<double, 3>;

// One configuration: a periodic cell, a slab, a wire or an isolated cluster.
// Units are whatever the file uses; bpnn never converts them.
struct Structure {
    std::string comment;
    // Lattice vectors a, b, c as rows. Only meaningful along periodic directions,
    // but kept as read so that a structure writes back unchanged.
    std::array<Vec3, 3> cell{};
    std::array<bool, 3> periodic{false, false, false};

    std::vector<std::string> symbols;
    std::vector<Vec3> positions;
    // Reference (or predicted) forces; all zero when the file has none.
    std::vector<Vec3> forces;
    // Per-atom charge column of input.data (zero for extended XYZ).
    std::vector<double> charges;
    // Per-atom energy column of input.data (the column between charge and forces).
    std::vector<double> atomEnergies;

    double energy = 0.0;
    double totalCharge = 0.0;
    bool hasEnergy = false;
    bool hasForces = false;

    // 1-based line of the structure's first line in its file, for error messages.
    std::size_t line = 0;

    std::size_t size() const { return positions.size(); }
    bool isPeriodic() const { return periodic[0] || periodic[1] || periodic[2]; }
};

}  // namespace bpnn
