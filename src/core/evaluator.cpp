// SPDX-License-Identifier: GPL-2.0-or-later
#include "evaluator.h"

#include "errors.h"
#include "network.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace bpnn {
namespace {

std::size_t indexOf(const EvaluationRequest& request, std::size_t center) {
    return request.centerIndices ? static_cast<std::size_t>(request.centerIndices[center]) : center;
}

}  // namespace

Evaluator::Evaluator(const Potential& potential, std::size_t chunkSize)
    : potential_(potential), chunkSize_(std::max<std::size_t>(chunkSize, 1)) {
    for (std::size_t e = 0; e < potential.elements.size(); ++e) {
        calculators_.emplace_back(potential, static_cast<int>(e));
        atomNetworks_.emplace_back(potential.elements[e], potential.normalizeNodes);
        std::vector<double> factors;
        for (const SymmetryFunction& sf : potential.elements[e].symmetryFunctions) {
            factors.push_back(scalingFactor(potential, sf));
        }
        scalingFactors_.push_back(factors);
    }
}

double Evaluator::atomEnergy(int element, double networkOutput) const {
    const ElementModel& model = potential_.elements[static_cast<std::size_t>(element)];
    if (potential_.normalize) {
        return networkOutput / potential_.convEnergy + potential_.meanEnergy + model.energyOffset;
    }
    return networkOutput + model.energyOffset;
}

void Evaluator::evaluate(const EvaluationRequest& request, EvaluationOutput& output) {
    for (std::size_t first = 0; first < request.numCenters; first += chunkSize_) {
        evaluateChunk(request, first, std::min(first + chunkSize_, request.numCenters), output);
    }
    if (!std::isfinite(output.energy)) {
        throw std::runtime_error("the potential returned a non-finite energy (" + std::to_string(output.energy) +
                                 "): a network overflowed, so the structure lies far outside the training "
                                 "range (" + std::to_string(output.extrapolations) +
                                 " symmetry function values outside scaling.data)");
    }
}

void Evaluator::gatherChunk(const EvaluationRequest& request, std::size_t first, std::size_t last) {
    const double cutoff = potential_.maxCutoff();
    offsets_.assign(1, 0);
    neighbors_.clear();
    for (std::size_t center = first; center < last; ++center) {
        if (request.elements[indexOf(request, center)] >= 0) {
            gathered_.clear();
            request.gather(center, gathered_);
            for (const Neighbor& n : gathered_) {
                const int element = request.elements[n.index];
                if (element < 0 || n.r >= cutoff) continue;
                neighbors_.push_back({n.index, element, {n.dx, n.dy, n.dz}, n.r});
            }
        }
        offsets_.push_back(neighbors_.size());
    }
}

// Scales the raw symmetry functions of one atom into `scaled` (raw.size()
// values) and counts the values outside the range of scaling.data.
void Evaluator::scaleInputs(int element, const std::vector<double>& raw, double* scaled,
                            EvaluationOutput& output) const {
    const ElementModel& model = potential_.elements[static_cast<std::size_t>(element)];
    for (std::size_t s = 0; s < raw.size(); ++s) {
        const SymmetryFunction& sf = model.symmetryFunctions[s];
        if (potential_.hasScalingData && (raw[s] < sf.gmin || raw[s] > sf.gmax)) ++output.extrapolations;
        scaled[s] = scaleSymmetryFunction(potential_, sf, raw[s]);
    }
}

// Adds the forces and virials of one center from gradient_, the gradient of
// its energy with respect to the displacements of its neighbors.
void Evaluator::scatterGradient(std::size_t self, const DescriptorNeighbor* neighbors, std::size_t count,
                                EvaluationOutput& output) const {
    for (std::size_t n = 0; n < count; ++n) {
        const double* g = gradient_.data() + 3 * n;
        const std::size_t j = static_cast<std::size_t>(neighbors[n].index);
        if (output.forces) {
            for (int c = 0; c < 3; ++c) {
                output.forces[3 * j + c] -= g[c];
                output.forces[3 * self + c] += g[c];
            }
        }
        if (!output.virial && !output.atomVirials) continue;
        for (int p = 0; p < 3; ++p) {
            for (int q = 0; q < 3; ++q) {
                const double w = -neighbors[n].d[p] * g[q];
                if (output.virial) output.virial[3 * p + q] += w;
                if (output.atomVirials) {
                    output.atomVirials[9 * j + 3 * p + q] += 0.5 * w;
                    output.atomVirials[9 * self + 3 * p + q] += 0.5 * w;
                }
            }
        }
    }
}

void Evaluator::evaluateChunk(const EvaluationRequest& request, std::size_t first, std::size_t last,
                              EvaluationOutput& output) {
    gatherChunk(request, first, last);
    const std::size_t numElements = potential_.elements.size();
    std::vector<std::vector<std::size_t>> members(numElements);
    for (std::size_t center = first; center < last; ++center) {
        const int element = request.elements[indexOf(request, center)];
        if (element >= 0) members[static_cast<std::size_t>(element)].push_back(center);
    }
    std::vector<double> raw;
    const double energyScale = potential_.normalize ? 1.0 / potential_.convEnergy : 1.0;
    for (std::size_t e = 0; e < numElements; ++e) {
        if (members[e].empty()) continue;
        const int element = static_cast<int>(e);
        const ElementModel& model = potential_.elements[e];
        DescriptorCalculator& calculator = calculators_[e];
        raw.resize(calculator.numFunctions());
        auto neighborsOf = [&](std::size_t center) { return neighbors_.data() + offsets_[center - first]; };
        auto countOf = [&](std::size_t center) { return offsets_[center - first + 1] - offsets_[center - first]; };

        if (!request.derivatives) {
            // Energies only: symmetry functions of all atoms of the element,
            // then one network pass with a matrix product per layer.
            Eigen::MatrixXd inputs(static_cast<Eigen::Index>(raw.size()), static_cast<Eigen::Index>(members[e].size()));
            for (std::size_t a = 0; a < members[e].size(); ++a) {
                calculator.compute(neighborsOf(members[e][a]), countOf(members[e][a]), raw.data());
                scaleInputs(element, raw, inputs.col(static_cast<Eigen::Index>(a)).data(), output);
            }
            Eigen::VectorXd energies;
            evaluateNetwork(model, potential_.normalizeNodes, inputs, energies, nullptr);
            for (std::size_t a = 0; a < members[e].size(); ++a) {
                const double energy = atomEnergy(element, energies(static_cast<Eigen::Index>(a)));
                output.energy += energy;
                if (output.atomEnergies) output.atomEnergies[members[e][a]] += energy;
            }
            continue;
        }

        // Energies and forces, one atom at a time: symmetry functions, network
        // forward and backward pass, then the adjoint pass while the atom's
        // triplet factors are still in cache.
        Eigen::VectorXd input(static_cast<Eigen::Index>(raw.size()));
        Eigen::VectorXd inputGradient;
        AtomNetwork& network = atomNetworks_[e];
        std::vector<double> dEdG(raw.size());
        for (const std::size_t center : members[e]) {
            const DescriptorNeighbor* neighbors = neighborsOf(center);
            const std::size_t count = countOf(center);
            calculator.compute(neighbors, count, raw.data(), true);
            scaleInputs(element, raw, input.data(), output);
            const double energy = atomEnergy(element, network.evaluate(input, inputGradient));
            output.energy += energy;
            if (output.atomEnergies) output.atomEnergies[center] += energy;
            for (std::size_t s = 0; s < dEdG.size(); ++s) {
                dEdG[s] = inputGradient(static_cast<Eigen::Index>(s)) * scalingFactors_[e][s] * energyScale;
            }
            gradient_.assign(3 * count, 0.0);
            calculator.backpropagate(neighbors, count, dEdG.data(), gradient_.data());
            scatterGradient(indexOf(request, center), neighbors, count, output);
        }
    }
}

std::vector<int> Evaluator::elementIndices(const Structure& structure) const {
    std::vector<int> elements(structure.size());
    for (std::size_t i = 0; i < structure.size(); ++i) {
        elements[i] = potential_.elementIndex(structure.symbols[i]);
        if (elements[i] < 0) {
            std::string known;
            for (const ElementModel& model : potential_.elements) known += " " + model.symbol;
            throw InputError("structure starting at line " + std::to_string(structure.line) + ": atom " +
                             std::to_string(i + 1) + " has element '" + structure.symbols[i] +
                             "', which the potential does not cover (its elements:" + known + ")");
        }
    }
    return elements;
}

Evaluator::StructureResult Evaluator::evaluate(const Structure& structure, bool derivatives) {
    const std::vector<int> elements = elementIndices(structure);
    const NeighborList list = buildNeighborList(structure, potential_.maxCutoff());
    EvaluationRequest request;
    request.numCenters = structure.size();
    request.elements = elements.data();
    request.derivatives = derivatives;
    request.gather = [&list](std::size_t center, std::vector<Neighbor>& out) {
        out.assign(list.begin(center), list.end(center));
    };

    StructureResult result;
    result.atomEnergies.assign(structure.size(), 0.0);
    result.forces.assign(structure.size(), Vec3{0.0, 0.0, 0.0});
    result.atomVirials.assign(structure.size(), std::array<double, 9>{});
    EvaluationOutput output;
    output.atomEnergies = result.atomEnergies.data();
    if (derivatives) {
        output.forces = result.forces[0].data();
        output.virial = result.virial.data();
        output.atomVirials = result.atomVirials[0].data();
    }
    evaluate(request, output);
    result.energy = output.energy;
    result.extrapolations = output.extrapolations;
    return result;
}

std::vector<std::vector<double>> Evaluator::symmetryFunctions(const Structure& structure) {
    const std::vector<int> elements = elementIndices(structure);
    const NeighborList list = buildNeighborList(structure, potential_.maxCutoff());
    std::vector<std::vector<double>> values(structure.size());
    std::vector<DescriptorNeighbor> neighbors;
    for (std::size_t i = 0; i < structure.size(); ++i) {
        neighbors.clear();
        for (const Neighbor* n = list.begin(i); n != list.end(i); ++n) {
            neighbors.push_back({n->index, elements[static_cast<std::size_t>(n->index)], {n->dx, n->dy, n->dz}, n->r});
        }
        DescriptorCalculator& calculator = calculators_[static_cast<std::size_t>(elements[i])];
        values[i].resize(calculator.numFunctions());
        calculator.compute(neighbors.data(), neighbors.size(), values[i].data());
    }
    return values;
}

}  // namespace bpnn
