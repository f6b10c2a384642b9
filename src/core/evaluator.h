// SPDX-License-Identifier: GPL-2.0-or-later
// Host evaluation of a potential: energies, forces and virials from
// neighbor data, through the adjoint pipeline
//   neighbors -> symmetry functions G -> scaling -> network forward pass
//   -> network backward pass (dE/dG) -> adjoint pass over the same pairs
//   and triplets, scattered straight into forces and virials.
#pragma once

#include "descriptors.h"
#include "network.h"
#include "neighbor_list.h"
#include "potential.h"
#include "structure.h"

#include <array>
#include <cstddef>
#include <functional>
#include <vector>

namespace bpnn {

// Where the evaluator writes its results. Null pointers are skipped.
// Arrays indexed by "index" cover every index that gather() may return
// (local and ghost atoms in LAMMPS); arrays indexed by "center" cover the
// centers 0 .. numCenters - 1. Results are added to what the arrays hold.
struct EvaluationOutput {
    double energy = 0.0;                  // total, always computed
    double* atomEnergies = nullptr;       // per center
    double* forces = nullptr;             // 3 per index
    double* virial = nullptr;             // 9, row-major W_ab = sum r_a f_b
    double* atomVirials = nullptr;        // 9 per index; each pair term is split evenly
    std::size_t extrapolations = 0;       // (atom, function) values outside [G_min, G_max]
};

// Fills `neighbors` with the neighbors of a center (displacements to the
// images in range, any order, r below the potential's cutoff or beyond it).
using NeighborGather = std::function<void(std::size_t center, std::vector<Neighbor>& neighbors)>;

struct EvaluationRequest {
    std::size_t numCenters = 0;
    // Index of each center in the arrays indexed by "index" (LAMMPS's
    // ilist); null means center c has index c.
    const int* centerIndices = nullptr;
    // Element index of every index (of centers and of what gather()
    // returns); -1 marks atoms the potential ignores.
    const int* elements = nullptr;
    NeighborGather gather;
    bool derivatives = true;  // forces and virials
};

class Evaluator {
public:
    explicit Evaluator(const Potential& potential, std::size_t chunkSize = 512);

    const Potential& potential() const { return potential_; }

    // Evaluates centers in chunks of chunkSize atoms, so that memory stays
    // bounded for any system size.
    void evaluate(const EvaluationRequest& request, EvaluationOutput& output);

    // Evaluates one structure; throws InputError for an element the
    // potential lacks.
    struct StructureResult {
        double energy = 0.0;
        std::vector<double> atomEnergies;
        std::vector<Vec3> forces;
        std::array<double, 9> virial{};
        std::vector<std::array<double, 9>> atomVirials;
        std::size_t extrapolations = 0;
    };
    StructureResult evaluate(const Structure& structure, bool derivatives = true);

    // Raw symmetry function values of every atom of a structure (rows: atoms).
    std::vector<std::vector<double>> symmetryFunctions(const Structure& structure);

    std::vector<int> elementIndices(const Structure& structure) const;

private:
    void evaluateChunk(const EvaluationRequest& request, std::size_t first, std::size_t last,
                       EvaluationOutput& output);
    void gatherChunk(const EvaluationRequest& request, std::size_t first, std::size_t last);
    void scaleInputs(int element, const std::vector<double>& raw, double* scaled, EvaluationOutput& output) const;
    void scatterGradient(std::size_t self, const DescriptorNeighbor* neighbors, std::size_t count,
                         EvaluationOutput& output) const;
    double atomEnergy(int element, double networkOutput) const;

    const Potential& potential_;
    std::size_t chunkSize_;
    std::vector<DescriptorCalculator> calculators_;  // per element
    std::vector<AtomNetwork> atomNetworks_;          // per element
    std::vector<std::vector<double>> scalingFactors_;  // per element and function

    // Chunk buffers: neighbors of every center in compressed rows.
    std::vector<std::size_t> offsets_;
    std::vector<DescriptorNeighbor> neighbors_;
    std::vector<Neighbor> gathered_;
    std::vector<double> gradient_;
};

}  // namespace bpnn
