// SPDX-License-Identifier: GPL-2.0-or-later
// Evaluation of whole structures with the Kokkos evaluator: the core
// library's neighbor list copied into Views as a neighbor source, and the
// results copied back into the core library's StructureResult.
#pragma once

#include <Kokkos_Core.hpp>

#include "evaluator.h"

#include "core/errors.h"
#include "core/evaluator.h"
#include "core/neighbor_list.h"
#include "core/structure.h"

#include <string>
#include <vector>

namespace bpnn::kokkos {

// Neighbor source over a NeighborList of one structure: center c has index c.
template <class ExecSpace>
struct ListNeighborSource {
    using memory_space = typename ExecSpace::memory_space;
    Kokkos::View<int*, memory_space> offsets;
    Kokkos::View<int*, memory_space> indices;
    Kokkos::View<double* [3], Kokkos::LayoutRight, memory_space> entries;  // dx, dy, dz
    Kokkos::View<int*, memory_space> elements;

    KOKKOS_INLINE_FUNCTION int centerIndex(const int center) const { return center; }
    KOKKOS_INLINE_FUNCTION int element(const int index) const { return elements(index); }
    int numIndices() const { return static_cast<int>(elements.extent(0)); }
    KOKKOS_INLINE_FUNCTION int numCandidates(const int center) const { return offsets(center + 1) - offsets(center); }
    KOKKOS_INLINE_FUNCTION int candidate(const int center, const int n) const { return indices(offsets(center) + n); }
    KOKKOS_INLINE_FUNCTION void displacement(const int center, const int n, double* d) const {
        const int entry = offsets(center) + n;
        for (int c = 0; c < 3; ++c) d[c] = entries(entry, c);
    }
};

template <class ExecSpace>
ListNeighborSource<ExecSpace> uploadNeighborList(const NeighborList& list, const std::vector<int>& elements) {
    ListNeighborSource<ExecSpace> source;
    const std::size_t numAtoms = list.numAtoms();
    const std::size_t numEntries = list.entries.size();
    source.offsets = decltype(source.offsets)("bpnn::list_offsets", numAtoms + 1);
    source.indices = decltype(source.indices)("bpnn::list_indices", numEntries);
    source.entries = decltype(source.entries)("bpnn::list_entries", numEntries);
    source.elements = uploadArray<typename ExecSpace::memory_space>("bpnn::list_elements", elements);
    auto offsets = Kokkos::create_mirror_view(source.offsets);
    auto indices = Kokkos::create_mirror_view(source.indices);
    auto entries = Kokkos::create_mirror_view(source.entries);
    for (std::size_t i = 0; i <= numAtoms; ++i) offsets(i) = static_cast<int>(list.offsets[i]);
    for (std::size_t n = 0; n < numEntries; ++n) {
        const Neighbor& neighbor = list.entries[n];
        indices(n) = neighbor.index;
        entries(n, 0) = neighbor.dx;
        entries(n, 1) = neighbor.dy;
        entries(n, 2) = neighbor.dz;
    }
    Kokkos::deep_copy(source.offsets, offsets);
    Kokkos::deep_copy(source.indices, indices);
    Kokkos::deep_copy(source.entries, entries);
    return source;
}

// Element index of every atom; throws InputError for an element that the
// potential lacks.
inline std::vector<int> structureElements(const Potential& potential, const Structure& structure) {
    std::vector<int> elements(structure.size());
    for (std::size_t i = 0; i < structure.size(); ++i) {
        elements[i] = potential.elementIndex(structure.symbols[i]);
        if (elements[i] >= 0) continue;
        std::string known;
        for (const ElementModel& model : potential.elements) known += " " + model.symbol;
        throw InputError("structure starting at line " + std::to_string(structure.line) + ": atom " +
                         std::to_string(i + 1) + " has element '" + structure.symbols[i] +
                         "', which the potential does not cover (its elements:" + known + ")");
    }
    return elements;
}

// Energy, per-atom energies, forces and virials of one structure, in the
// layout of the core library's Evaluator::evaluate(const Structure&).
template <class ExecSpace>
::bpnn::Evaluator::StructureResult evaluateStructure(Evaluator<ExecSpace>& evaluator, const Potential& potential,
                                                     const Structure& structure, bool derivatives = true) {
    using memory_space = typename ExecSpace::memory_space;
    const std::vector<int> elements = structureElements(potential, structure);
    const NeighborList list = buildNeighborList(structure, potential.maxCutoff());
    const ListNeighborSource<ExecSpace> source = uploadNeighborList<ExecSpace>(list, elements);

    const std::size_t n = structure.size();
    OutputViews<ExecSpace> output;
    output.atomEnergies = Kokkos::View<double*, memory_space>("bpnn::atom_energies", n);
    if (derivatives) {
        output.forces = decltype(output.forces)("bpnn::forces", n);
        output.atomVirials = decltype(output.atomVirials)("bpnn::atom_virials", n);
    }
    output.virial = derivatives;
    const EvaluationTotals totals = evaluator.evaluate(source, static_cast<int>(n), output, derivatives);

    ::bpnn::Evaluator::StructureResult result;
    result.energy = totals.energy;
    result.extrapolations = totals.extrapolations;
    for (int k = 0; k < 9; ++k) result.virial[static_cast<std::size_t>(k)] = totals.virial[k];
    const auto energies = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), output.atomEnergies);
    result.atomEnergies.assign(n, 0.0);
    result.forces.assign(n, Vec3{0.0, 0.0, 0.0});
    result.atomVirials.assign(n, std::array<double, 9>{});
    for (std::size_t i = 0; i < n; ++i) result.atomEnergies[i] = energies(i);
    if (derivatives) {
        const auto forces = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), output.forces);
        const auto virials = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), output.atomVirials);
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t c = 0; c < 3; ++c) result.forces[i][c] = forces(i, c);
            for (std::size_t k = 0; k < 9; ++k) result.atomVirials[i][k] = virials(i, k);
        }
    }
    return result;
}

}  // namespace bpnn::kokkos
