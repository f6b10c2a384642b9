// SPDX-License-Identifier: GPL-2.0-or-later
// Neighbor lists for structures that are periodic in any subset of the three
// directions, including cells smaller than the cutoff.
#pragma once

#include "structure.h"

#include <cstddef>
#include <vector>

namespace bpnn {

// A neighbor j of a central atom i: the index of atom j in its structure and
// the displacement d = r_j + shift - r_i to the image of j that is in range.
struct Neighbor {
    int index;
    double dx, dy, dz;
    double r;
};

// Neighbors of every atom within a cutoff, in compressed rows: the neighbors
// of atom i are entries[offsets[i]] .. entries[offsets[i + 1] - 1].
// An atom can appear several times in one row (several images of it are in
// range), and an atom can be its own neighbor through a periodic image.
struct NeighborList {
    std::vector<std::size_t> offsets;
    std::vector<Neighbor> entries;

    std::size_t numAtoms() const { return offsets.empty() ? 0 : offsets.size() - 1; }
    const Neighbor* begin(std::size_t i) const { return entries.data() + offsets[i]; }
    const Neighbor* end(std::size_t i) const { return entries.data() + offsets[i + 1]; }
    std::size_t count(std::size_t i) const { return offsets[i + 1] - offsets[i]; }
};

// Builds the list of all pairs with 0 < r < cutoff. Throws std::invalid_argument
// for a degenerate cell (zero volume along the periodic directions) or a
// non-positive cutoff.
// Each row is sorted by neighbor index and then by image, in an order that
// depends only on the structure and the cutoff, not on the binning. Atom j in
// the row of i has exactly the negated displacement of atom i in the row of j.
// Non-finite positions or lattice vectors also throw std::invalid_argument.
NeighborList buildNeighborList(const Structure& structure, double cutoff);

}  // namespace bpnn
